"""careers module tables: profile, skills, jobs, applications, notifications, documents.

Besides the tables of ``skillnest.careers.models`` this migration creates what SQLAlchemy
cannot model (``skillnest.careers.autogen`` keeps them out of autogenerate's diff):
full-text search over jobs, a generated ``tsvector`` column with a GIN index on PostgreSQL and
an FTS5 table kept in step by triggers on SQLite; and it seeds the four default document
templates of seed 003.

Revision ID: 0005_careers
Revises: 0004_catalog
Create Date: 2026-11-22 03:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import skillnest.core.db

revision: str = "0005_careers"
down_revision: str | Sequence[str] | None = "0004_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The text a job is searched by; careers/search.py queries exactly this expression.
PG_SEARCH_DOCUMENT = (
    "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(company, '') || ' ' || "
    "coalesce(location, '') || ' ' || coalesce(description, ''))"
)
FTS_COLUMNS = "title, company, location, description"
SQLITE_SEARCH_DDL = [
    "CREATE VIRTUAL TABLE jobs_fts USING fts5("
    f"{FTS_COLUMNS}, content='jobs', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN "
    f"INSERT INTO jobs_fts(rowid, {FTS_COLUMNS}) "
    "VALUES (new.id, new.title, new.company, new.location, new.description); END",
    "CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN "
    f"INSERT INTO jobs_fts(jobs_fts, rowid, {FTS_COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.company, old.location, old.description); END",
    "CREATE TRIGGER jobs_fts_update AFTER UPDATE OF title, company, location, description "
    "ON jobs BEGIN "
    f"INSERT INTO jobs_fts(jobs_fts, rowid, {FTS_COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.company, old.location, old.description); "
    f"INSERT INTO jobs_fts(rowid, {FTS_COLUMNS}) "
    "VALUES (new.id, new.title, new.company, new.location, new.description); END",
]


def create_job_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE jobs ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_SEARCH_DOCUMENT}) STORED"
        )
        op.execute("CREATE INDEX ix_jobs_search ON jobs USING gin (search_vector)")
    else:
        for statement in SQLITE_SEARCH_DDL:
            op.execute(statement)


def drop_job_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_jobs_search")
        op.execute("ALTER TABLE jobs DROP COLUMN IF EXISTS search_vector")
    else:
        for trigger in ("jobs_fts_insert", "jobs_fts_delete", "jobs_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS jobs_fts")


def upgrade() -> None:
    op.create_table(
        "document_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "document_type IN ('resume', 'cover_letter')",
            name=op.f("ck_document_templates_document_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_document_templates_name")),
    )
    op.create_index(
        "ix_document_templates_document_type", "document_templates", ["document_type"], unique=False
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("remote_type", sa.String(length=20), server_default="onsite", nullable=False),
        sa.Column("employment_type", sa.String(length=50), nullable=True),
        sa.Column("salary_min", sa.Integer(), nullable=True),
        sa.Column("salary_max", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "required_skills",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "skill_keys",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column("years_required", sa.Integer(), nullable=True),
        sa.Column(
            "company_values",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column("experience_level", sa.String(length=50), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("apply_url", sa.Text(), nullable=True),
        sa.Column(
            "posted_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "remote_type IN ('remote', 'hybrid', 'onsite')", name=op.f("ck_jobs_remote_type")
        ),
        sa.CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_max >= salary_min",
            name=op.f("ck_jobs_salary_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_jobs_source_external_id")),
    )
    op.create_index("ix_jobs_company", "jobs", ["company"], unique=False)
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"], unique=False)
    op.create_index("ix_jobs_employment_type", "jobs", ["employment_type"], unique=False)
    op.create_index("ix_jobs_location", "jobs", ["location"], unique=False)
    op.create_index("ix_jobs_posted_at_id", "jobs", ["posted_at", "id"], unique=False)
    op.create_index("ix_jobs_remote_type", "jobs", ["remote_type"], unique=False)
    op.create_index(
        "ix_jobs_skill_keys", "jobs", ["skill_keys"], unique=False, postgresql_using="gin"
    )
    op.create_index("ix_jobs_title", "jobs", ["title"], unique=False)
    op.create_table(
        "career_goals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target_role", sa.String(length=255), nullable=False),
        sa.Column(
            "target_companies",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=255)), "postgresql"),
            nullable=True,
        ),
        sa.Column("target_salary", sa.Integer(), nullable=True),
        sa.Column("timeframe", sa.String(length=100), nullable=True),
        sa.Column(
            "required_skills",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "skill_gaps",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_career_goals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_career_goals")),
    )
    op.create_index(op.f("ix_career_goals_user_id"), "career_goals", ["user_id"], unique=False)
    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("issuing_organization", sa.String(length=255), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("credential_id", sa.String(length=255), nullable=True),
        sa.Column("credential_url", sa.Text(), nullable=True),
        sa.Column("credential_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "expiry_date IS NULL OR expiry_date >= issue_date",
            name=op.f("ck_certifications_expiry_after_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_certifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
    )
    op.create_index(
        "ix_certifications_credential_hash", "certifications", ["credential_hash"], unique=False
    )
    op.create_index("ix_certifications_issue_date", "certifications", ["issue_date"], unique=False)
    op.create_index(op.f("ix_certifications_user_id"), "certifications", ["user_id"], unique=False)
    op.create_table(
        "education",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=255), nullable=False),
        sa.Column("degree", sa.String(length=100), nullable=False),
        sa.Column("field_of_study", sa.String(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("is_current", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("gpa", sa.Numeric(precision=3, scale=2, asdecimal=False), nullable=True),
        sa.Column(
            "activities",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("credential_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(is_current AND end_date IS NULL) OR (NOT is_current AND (end_date IS NULL OR end_date >= start_date))",
            name=op.f("ck_education_dates"),
        ),
        sa.CheckConstraint("gpa IS NULL OR (gpa >= 0 AND gpa <= 4)", name=op.f("ck_education_gpa")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_education_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education")),
    )
    op.create_index("ix_education_institution", "education", ["institution"], unique=False)
    op.create_index(
        "ix_education_user_id_start_date", "education", ["user_id", "start_date"], unique=False
    )
    op.create_table(
        "experience",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("is_current", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "achievements",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("employment_type", sa.String(length=50), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(is_current AND end_date IS NULL) OR (NOT is_current AND (end_date IS NULL OR end_date >= start_date))",
            name=op.f("ck_experience_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_experience_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experience")),
    )
    op.create_index("ix_experience_company", "experience", ["company"], unique=False)
    op.create_index(
        "ix_experience_user_id_start_date", "experience", ["user_id", "start_date"], unique=False
    )
    op.create_table(
        "generated_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "document_type IN ('resume', 'cover_letter')",
            name=op.f("ck_generated_documents_document_type"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_generated_documents_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["document_templates.id"],
            name=op.f("fk_generated_documents_template_id_document_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_generated_documents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_documents")),
    )
    op.create_index(
        op.f("ix_generated_documents_template_id"), "generated_documents", ["template_id"]
    )
    op.create_index(
        op.f("ix_generated_documents_job_id"), "generated_documents", ["job_id"], unique=False
    )
    op.create_index(
        "ix_generated_documents_user_id_created_at",
        "generated_documents",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "job_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "criteria",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("frequency", sa.String(length=20), server_default="daily", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_triggered", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "frequency IN ('instant', 'daily', 'weekly')", name=op.f("ck_job_alerts_frequency")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_job_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_alerts")),
    )
    op.create_index(
        "ix_job_alerts_active_frequency", "job_alerts", ["active", "frequency"], unique=False
    )
    op.create_index(op.f("ix_job_alerts_user_id"), "job_alerts", ["user_id"], unique=False)
    op.create_table(
        "job_match_scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column(
            "overall_score", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=False
        ),
        sa.Column(
            "breakdown",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "matching_skills",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "missing_skills",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "recommendations",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_match_scores_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_job_match_scores_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_match_scores")),
        sa.UniqueConstraint("user_id", "job_id", name=op.f("uq_job_match_scores_user_id_job_id")),
    )
    op.create_index(
        op.f("ix_job_match_scores_job_id"), "job_match_scores", ["job_id"], unique=False
    )
    op.create_index(
        "ix_job_match_scores_user_id_overall_score",
        "job_match_scores",
        ["user_id", "overall_score"],
        unique=False,
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("read", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("read_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_user_id_read_created_at",
        "notifications",
        ["user_id", "read", "created_at"],
        unique=False,
    )
    op.create_table(
        "portfolio_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("project_type", sa.String(length=50), nullable=True),
        sa.Column(
            "technologies",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "images",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_portfolio_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_items")),
    )
    op.create_index(
        "ix_portfolio_items_project_type", "portfolio_items", ["project_type"], unique=False
    )
    op.create_index(
        op.f("ix_portfolio_items_user_id"), "portfolio_items", ["user_id"], unique=False
    )
    op.create_table(
        "saved_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_saved_jobs_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_jobs")),
        sa.UniqueConstraint("user_id", "job_id", name=op.f("uq_saved_jobs_user_id_job_id")),
    )
    op.create_index(op.f("ix_saved_jobs_job_id"), "saved_jobs", ["job_id"], unique=False)
    op.create_table(
        "skill_score_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=False),
        sa.Column("trigger", sa.String(length=50), nullable=False),
        sa.Column(
            "breakdown",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_skill_score_history_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_score_history")),
    )
    op.create_index(
        "ix_skill_score_history_user_id_created_at",
        "skill_score_history",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "user_profiles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("headline", sa.String(length=255), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column(
            "years_of_experience", sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True
        ),
        sa.Column(
            "desired_roles",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "desired_locations",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column("remote_preference", sa.String(length=20), server_default="any", nullable=False),
        sa.Column("salary_expectation_min", sa.Integer(), nullable=True),
        sa.Column("salary_expectation_max", sa.Integer(), nullable=True),
        sa.Column(
            "culture_values",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "skill_score",
            sa.Numeric(precision=5, scale=2, asdecimal=False),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "remote_preference IN ('remote', 'hybrid', 'onsite', 'any')",
            name=op.f("ck_user_profiles_remote_preference"),
        ),
        sa.CheckConstraint(
            "years_of_experience >= 0", name=op.f("ck_user_profiles_years_of_experience")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_profiles_user_id")),
    )
    op.create_index("ix_user_profiles_skill_score", "user_profiles", ["skill_score"], unique=False)
    op.create_table(
        "user_skills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), server_default="technical", nullable=False),
        sa.Column("proficiency_level", sa.Integer(), nullable=False),
        sa.Column(
            "years_of_experience",
            sa.Numeric(precision=4, scale=1, asdecimal=False),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("endorsements", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_used", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "category IN ('technical', 'soft', 'domain')", name=op.f("ck_user_skills_category")
        ),
        sa.CheckConstraint(
            "proficiency_level BETWEEN 1 AND 5", name=op.f("ck_user_skills_proficiency_level")
        ),
        sa.CheckConstraint(
            "years_of_experience >= 0", name=op.f("ck_user_skills_years_of_experience")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_skills_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_skills")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_user_skills_user_id_name")),
    )
    op.create_index("ix_user_skills_category", "user_skills", ["category"], unique=False)
    op.create_index("ix_user_skills_name", "user_skills", ["name"], unique=False)
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), server_default="SAVED", nullable=False),
        sa.Column("applied_date", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_updated",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("resume_id", sa.Integer(), nullable=True),
        sa.Column("cover_letter_id", sa.Integer(), nullable=True),
        sa.Column("application_method", sa.String(length=50), nullable=True),
        sa.Column("follow_up_date", sa.Date(), nullable=True),
        sa.Column("last_reminder_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("interview_date", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "offer_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('SAVED', 'APPLIED', 'SCREENING', 'INTERVIEW_SCHEDULED', 'INTERVIEW_COMPLETED', 'OFFER_RECEIVED', 'ACCEPTED', 'REJECTED', 'WITHDRAWN')",
            name=op.f("ck_applications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["cover_letter_id"],
            ["generated_documents.id"],
            name=op.f("fk_applications_cover_letter_id_generated_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_applications_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resume_id"],
            ["generated_documents.id"],
            name=op.f("fk_applications_resume_id_generated_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_applications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("user_id", "job_id", name=op.f("uq_applications_user_id_job_id")),
    )
    op.create_index(op.f("ix_applications_resume_id"), "applications", ["resume_id"])
    op.create_index(op.f("ix_applications_cover_letter_id"), "applications", ["cover_letter_id"])
    op.create_index(op.f("ix_applications_job_id"), "applications", ["job_id"], unique=False)
    op.create_index("ix_applications_status", "applications", ["status"], unique=False)
    op.create_index(
        "ix_applications_status_follow_up_date",
        "applications",
        ["status", "follow_up_date"],
        unique=False,
    )
    op.create_index(
        "ix_applications_user_id_applied_date",
        "applications",
        ["user_id", "applied_date"],
        unique=False,
    )
    op.create_index(
        "ix_applications_user_id_last_updated",
        "applications",
        ["user_id", "last_updated"],
        unique=False,
    )
    op.create_index(
        "ix_applications_user_id_status", "applications", ["user_id", "status"], unique=False
    )
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["generated_documents.id"],
            name=op.f("fk_document_versions_document_id_generated_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint(
            "document_id", "version", name=op.f("uq_document_versions_document_id_version")
        ),
    )
    op.create_table(
        "job_alert_deliveries",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["job_alerts.id"],
            name=op.f("fk_job_alert_deliveries_alert_id_job_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_alert_deliveries_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", "job_id", name=op.f("pk_job_alert_deliveries")),
    )
    op.create_index(
        op.f("ix_job_alert_deliveries_job_id"), "job_alert_deliveries", ["job_id"], unique=False
    )
    op.create_table(
        "application_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("note_type", sa.String(length=50), server_default="general", nullable=False),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_notes_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_notes")),
    )
    op.create_index(
        "ix_application_notes_application_id_created_at",
        "application_notes",
        ["application_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "application_timeline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_timeline_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_timeline")),
    )
    op.create_index(
        "ix_application_timeline_application_id_created_at",
        "application_timeline",
        ["application_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "interview_prep",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("interview_date", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "questions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "company_research",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "tips", sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"), nullable=True
        ),
        sa.Column("reminder_sent_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_interview_prep_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_interview_prep_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_interview_prep_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_prep")),
        sa.UniqueConstraint("application_id", name=op.f("uq_interview_prep_application_id")),
    )
    op.create_index(
        "ix_interview_prep_interview_date", "interview_prep", ["interview_date"], unique=False
    )
    op.create_index(op.f("ix_interview_prep_job_id"), "interview_prep", ["job_id"], unique=False)
    op.create_index(op.f("ix_interview_prep_user_id"), "interview_prep", ["user_id"], unique=False)
    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("interview_prep_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=255), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("self_rating", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "duration IS NULL OR duration >= 0", name=op.f("ck_practice_sessions_duration")
        ),
        sa.CheckConstraint(
            "self_rating IS NULL OR self_rating BETWEEN 1 AND 5",
            name=op.f("ck_practice_sessions_self_rating"),
        ),
        sa.ForeignKeyConstraint(
            ["interview_prep_id"],
            ["interview_prep.id"],
            name=op.f("fk_practice_sessions_interview_prep_id_interview_prep"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_practice_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_sessions")),
    )
    op.create_index(
        "ix_practice_sessions_interview_prep_id_created_at",
        "practice_sessions",
        ["interview_prep_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_practice_sessions_user_id"), "practice_sessions", ["user_id"], unique=False
    )
    create_job_search()
    seed_document_templates()


def downgrade() -> None:
    drop_job_search()
    op.drop_index(op.f("ix_practice_sessions_user_id"), table_name="practice_sessions")
    op.drop_index(
        "ix_practice_sessions_interview_prep_id_created_at", table_name="practice_sessions"
    )
    op.drop_table("practice_sessions")
    op.drop_index(op.f("ix_interview_prep_user_id"), table_name="interview_prep")
    op.drop_index(op.f("ix_interview_prep_job_id"), table_name="interview_prep")
    op.drop_index("ix_interview_prep_interview_date", table_name="interview_prep")
    op.drop_table("interview_prep")
    op.drop_index(
        "ix_application_timeline_application_id_created_at", table_name="application_timeline"
    )
    op.drop_table("application_timeline")
    op.drop_index("ix_application_notes_application_id_created_at", table_name="application_notes")
    op.drop_table("application_notes")
    op.drop_index(op.f("ix_job_alert_deliveries_job_id"), table_name="job_alert_deliveries")
    op.drop_table("job_alert_deliveries")
    op.drop_table("document_versions")
    op.drop_index("ix_applications_user_id_status", table_name="applications")
    op.drop_index("ix_applications_user_id_last_updated", table_name="applications")
    op.drop_index("ix_applications_user_id_applied_date", table_name="applications")
    op.drop_index("ix_applications_status_follow_up_date", table_name="applications")
    op.drop_index("ix_applications_status", table_name="applications")
    op.drop_index(op.f("ix_applications_resume_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_cover_letter_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_job_id"), table_name="applications")
    op.drop_table("applications")
    op.drop_index("ix_user_skills_name", table_name="user_skills")
    op.drop_index("ix_user_skills_category", table_name="user_skills")
    op.drop_table("user_skills")
    op.drop_index("ix_user_profiles_skill_score", table_name="user_profiles")
    op.drop_table("user_profiles")
    op.drop_index("ix_skill_score_history_user_id_created_at", table_name="skill_score_history")
    op.drop_table("skill_score_history")
    op.drop_index(op.f("ix_saved_jobs_job_id"), table_name="saved_jobs")
    op.drop_table("saved_jobs")
    op.drop_index(op.f("ix_portfolio_items_user_id"), table_name="portfolio_items")
    op.drop_index("ix_portfolio_items_project_type", table_name="portfolio_items")
    op.drop_table("portfolio_items")
    op.drop_index("ix_notifications_user_id_read_created_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_job_match_scores_user_id_overall_score", table_name="job_match_scores")
    op.drop_index(op.f("ix_job_match_scores_job_id"), table_name="job_match_scores")
    op.drop_table("job_match_scores")
    op.drop_index(op.f("ix_job_alerts_user_id"), table_name="job_alerts")
    op.drop_index("ix_job_alerts_active_frequency", table_name="job_alerts")
    op.drop_table("job_alerts")
    op.drop_index("ix_generated_documents_user_id_created_at", table_name="generated_documents")
    op.drop_index(op.f("ix_generated_documents_template_id"), table_name="generated_documents")
    op.drop_index(op.f("ix_generated_documents_job_id"), table_name="generated_documents")
    op.drop_table("generated_documents")
    op.drop_index("ix_experience_user_id_start_date", table_name="experience")
    op.drop_index("ix_experience_company", table_name="experience")
    op.drop_table("experience")
    op.drop_index("ix_education_user_id_start_date", table_name="education")
    op.drop_index("ix_education_institution", table_name="education")
    op.drop_table("education")
    op.drop_index(op.f("ix_certifications_user_id"), table_name="certifications")
    op.drop_index("ix_certifications_issue_date", table_name="certifications")
    op.drop_index("ix_certifications_credential_hash", table_name="certifications")
    op.drop_table("certifications")
    op.drop_index(op.f("ix_career_goals_user_id"), table_name="career_goals")
    op.drop_table("career_goals")
    op.drop_index("ix_jobs_title", table_name="jobs")
    op.drop_index("ix_jobs_skill_keys", table_name="jobs", postgresql_using="gin")
    op.drop_index("ix_jobs_remote_type", table_name="jobs")
    op.drop_index("ix_jobs_posted_at_id", table_name="jobs")
    op.drop_index("ix_jobs_location", table_name="jobs")
    op.drop_index("ix_jobs_employment_type", table_name="jobs")
    op.drop_index("ix_jobs_created_at", table_name="jobs")
    op.drop_index("ix_jobs_company", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_document_templates_document_type", table_name="document_templates")
    op.drop_table("document_templates")


# --- the four default templates of seed 003 -----------------------------------------
# Bodies are Jinja2 (rendered in a sandbox) producing Markdown; see careers/documents.py for
# the context they receive. Frozen here: later template changes need their own migration.

RESUME_STYLING = {
    "modern": {
        "fontFamily": "Inter",
        "fontSize": 11,
        "colors": {"primary": "#2563eb", "secondary": "#64748b", "text": "#1e293b"},
        "layout": "single-column",
    },
    "ats": {
        "fontFamily": "Arial",
        "fontSize": 11,
        "colors": {"primary": "#000000", "secondary": "#333333", "text": "#000000"},
        "layout": "single-column",
    },
}


def _sections(*titles: tuple[str, str]) -> list[dict[str, object]]:
    return [
        {"type": kind, "title": title, "order": n, "required": True}
        for n, (kind, title) in enumerate(titles, start=1)
    ]


MODERN_RESUME = """# {{ user.name }}
{% if profile.headline %}**{{ profile.headline }}**
{% endif %}{% if user.location %}{{ user.location }} · {% endif %}{{ user.email }}

## Professional Summary

{{ profile.summary or "Professional with experience in " ~ (skills[:3] | map(attribute="name") | join(", ")) ~ "." }}

## Work Experience
{% for e in experience %}
### {{ e.title }} · {{ e.company }}
*{{ e.start_date }} – {{ e.end_date or "Present" }}*{% if e.location %} · {{ e.location }}{% endif %}
{% if e.description %}
{{ e.description }}
{% endif %}{% for a in e.achievements %}
- {{ a }}{% endfor %}
{% else %}
No work experience listed yet.
{% endfor %}
## Education
{% for ed in education %}
### {{ ed.degree }}{% if ed.field_of_study %} in {{ ed.field_of_study }}{% endif %} · {{ ed.institution }}
*{{ ed.start_date }} – {{ ed.end_date or "Present" }}*{% if ed.gpa %} · GPA {{ "%.2f" | format(ed.gpa) }}{% endif %}
{% endfor %}
## Skills
{% for s in skills %}
- **{{ s.name }}** · {{ s.level }}{% if s.years_of_experience %} · {{ s.years_of_experience }} years{% endif %}{% endfor %}
{% if certifications %}
## Certifications
{% for c in certifications %}
- {{ c.name }}, {{ c.issuing_organization }} ({{ c.issue_date }}){% endfor %}
{% endif %}"""

ATS_RESUME = """{{ user.name | upper }}
{% if user.location %}{{ user.location }} | {% endif %}{{ user.email }}

SUMMARY

{{ profile.headline or "" }}{% if profile.headline and profile.summary %}. {% endif %}{{ profile.summary or "" }}

PROFESSIONAL EXPERIENCE
{% for e in experience %}
{{ e.title }}, {{ e.company }}{% if e.location %}, {{ e.location }}{% endif %} | {{ e.start_date }} to {{ e.end_date or "Present" }}
{% if e.description %}
- {{ e.description }}{% endif %}{% for a in e.achievements %}
- {{ a }}{% endfor %}
{% endfor %}
EDUCATION
{% for ed in education %}
{{ ed.degree }}{% if ed.field_of_study %}, {{ ed.field_of_study }}{% endif %}, {{ ed.institution }} | {{ ed.end_date or "Present" }}
{% endfor %}
TECHNICAL SKILLS

{{ skills | map(attribute="name") | join(", ") }}
{% if certifications %}
CERTIFICATIONS
{% for c in certifications %}
- {{ c.name }} ({{ c.issuing_organization }}, {{ c.issue_date }}){% endfor %}
{% endif %}"""

PROFESSIONAL_COVER_LETTER = """{{ user.name }}
{{ user.email }}

{{ today }}

Dear Hiring Manager,

I am writing to express my strong interest in the {{ job.title if job else "open" }} role at {{ job.company if job else "your company" }}.

With my background in {{ (profile.desired_roles or [])[:1] | join("") or (skills[:1] | map(attribute="name") | join("")) or "my field" }} and {{ years_of_experience }} years of experience, I am confident in my ability to contribute to your team.{% if matching_skills %} My experience with {{ matching_skills | join(", ") }} matches what the role asks for.{% endif %}

{% if experience %}Most recently, as {{ experience[0].title }} at {{ experience[0].company }}, {{ experience[0].description or "I delivered results my team relied on." }}
{% endif %}
Thank you for considering my application. I look forward to discussing how my skills and experience align with your needs.

Sincerely,

{{ user.name }}"""

ENTHUSIASTIC_COVER_LETTER = """Hello {{ job.company ~ " team" if job else "there" }},

I was thrilled to discover the {{ job.title if job else "" }} opening{% if job %} at {{ job.company }}{% endif %}!

{% if job and job.company_values %}Your commitment to {{ job.company_values | join(", ") }} resonates deeply with what I value in my work.
{% endif %}
I bring {{ years_of_experience }} years of experience{% if skills %} in {{ skills[:3] | map(attribute="name") | join(", ") }}{% endif %}, and I'm excited about the possibility of contributing to your goals.{% if matching_skills %} I'd love to put my {{ matching_skills | join(", ") }} skills to work for you.{% endif %}

{% if portfolio %}You can see some of what I've built in {{ portfolio | map(attribute="title") | join(", ") }}.
{% endif %}
I would love the opportunity to discuss how my passion and skills can benefit your team. Thank you for your time and consideration!

Warmly,

{{ user.name }}"""

TEMPLATES: list[dict[str, object]] = [
    {
        "name": "Modern Professional Resume",
        "document_type": "resume",
        "category": "modern",
        "description": "Clean and modern design suitable for tech and creative industries.",
        "body": MODERN_RESUME,
        "spec": {
            "sections": _sections(
                ("header", "Header"),
                ("summary", "Professional Summary"),
                ("experience", "Work Experience"),
                ("education", "Education"),
                ("skills", "Skills"),
            ),
            "styling": RESUME_STYLING["modern"],
        },
    },
    {
        "name": "ATS-Friendly Classic Resume",
        "document_type": "resume",
        "category": "ats-friendly",
        "description": "Simple format optimised for applicant tracking systems.",
        "body": ATS_RESUME,
        "spec": {
            "sections": _sections(
                ("header", "Contact Information"),
                ("summary", "Summary"),
                ("experience", "Professional Experience"),
                ("education", "Education"),
                ("skills", "Technical Skills"),
            ),
            "styling": RESUME_STYLING["ats"],
        },
    },
    {
        "name": "Professional Standard Cover Letter",
        "document_type": "cover_letter",
        "category": "professional",
        "description": "Traditional professional cover letter.",
        "body": PROFESSIONAL_COVER_LETTER,
        "spec": {
            "sections": _sections(("opening", "Opening"), ("body", "Body"), ("closing", "Closing")),
            "tone": "professional",
        },
    },
    {
        "name": "Enthusiastic Approach Cover Letter",
        "document_type": "cover_letter",
        "category": "creative",
        "description": "Energetic and passionate tone for creative roles.",
        "body": ENTHUSIASTIC_COVER_LETTER,
        "spec": {
            "sections": _sections(("opening", "Opening"), ("body", "Body"), ("closing", "Closing")),
            "tone": "enthusiastic",
        },
    },
]


def seed_document_templates() -> None:
    table = sa.table(
        "document_templates",
        sa.column("name", sa.String),
        sa.column("document_type", sa.String),
        sa.column("category", sa.String),
        sa.column("description", sa.Text),
        sa.column("body", sa.Text),
        sa.column("spec", skillnest.core.db.Document),
    )
    op.bulk_insert(table, TEMPLATES)
