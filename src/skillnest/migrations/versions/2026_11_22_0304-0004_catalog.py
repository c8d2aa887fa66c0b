"""catalog module tables.

Seed 004's catalog tables, the ``skill_package_summary`` materialized view and full-text
search: a trigger-maintained ``tsvector`` with a GIN index on PostgreSQL, an FTS5 table kept
by triggers on SQLite.

Revision ID: 0004_catalog
Revises: 0003_help
Create Date: 2026-11-22 03:04:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import skillnest.core.db

revision: str = "0004_catalog"
down_revision: str | Sequence[str] | None = "0003_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
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
    ]


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at",
        skillnest.core.db.UTCDateTime(timezone=True),
        server_default=sa.text("CURRENT_TIMESTAMP"),
        nullable=False,
    )


def _uuid_pk() -> sa.Column:
    return sa.Column(
        "id", sa.Uuid(), server_default=skillnest.core.db.gen_random_uuid(), nullable=False
    )


# --- PostgreSQL: search vector triggers and the summary view -----------------------------

PG_SEARCH = [
    # Title weighs most, then description, then tag names (seed 004 "Full-Text Search").
    """
    CREATE FUNCTION skills_search_document(skill uuid, title text, description text)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
      SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
          || setweight(to_tsvector('english', coalesce(description, '')), 'B')
          || setweight(to_tsvector('english', coalesce((
               SELECT string_agg(t.name, ' ' ORDER BY t.name)
               FROM skill_tags st JOIN tags t ON t.id = st.tag_id
               WHERE st.skill_id = skill), '')), 'C')
    $$
    """,
    """
    CREATE FUNCTION skills_search_vector_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_vector := skills_search_document(NEW.id, NEW.title, NEW.description);
      RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER skills_search_vector BEFORE INSERT OR UPDATE OF title, description
    ON skills FOR EACH ROW EXECUTE FUNCTION skills_search_vector_row()
    """,
    # Tag changes re-index their skills once per statement (bulk imports stay cheap).
    """
    CREATE FUNCTION skill_tags_search_vector_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE skills SET search_vector = skills_search_document(id, title, description)
      WHERE id IN (SELECT DISTINCT skill_id FROM changed_rows);
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER skill_tags_search_vector_insert AFTER INSERT ON skill_tags
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION skill_tags_search_vector_added()
    """,
    """
    CREATE TRIGGER skill_tags_search_vector_delete AFTER DELETE ON skill_tags
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION skill_tags_search_vector_added()
    """,
]

# Seed 004's view selected ``s.id AS skill_id`` next to ``s.skill_id`` (two columns of one
# name, which PostgreSQL rejects): the uuid is ``id`` here. It also keeps every active skill
# (empty arrays when unmapped) and the ecosystems, so the offline catalog snapshot is one
# read of it. CONCURRENTLY needs the unique index.
PG_SUMMARY = [
    """
    CREATE MATERIALIZED VIEW skill_package_summary AS
    SELECT
      s.id,
      s.skill_id,
      s.title,
      s.description,
      s.repo,
      s.installs,
      coalesce(array_agg(p.name ORDER BY p.ecosystem, p.name)
               FILTER (WHERE p.id IS NOT NULL), '{}') AS package_names,
      coalesce(array_agg(p.ecosystem ORDER BY p.ecosystem, p.name)
               FILTER (WHERE p.id IS NOT NULL), '{}') AS package_ecosystems,
      coalesce(array_agg(psm.confidence_score ORDER BY p.ecosystem, p.name)
               FILTER (WHERE p.id IS NOT NULL), '{}') AS confidence_scores
    FROM skills s
    LEFT JOIN package_skill_mappings psm ON s.id = psm.skill_id
    LEFT JOIN packages p ON psm.package_id = p.id
    WHERE s.is_active = TRUE
    GROUP BY s.id, s.skill_id, s.title, s.description, s.repo, s.installs
    WITH DATA
    """,
    "CREATE UNIQUE INDEX idx_skill_package_summary_id ON skill_package_summary (id)",
    """
    CREATE INDEX idx_skill_package_summary_packages
    ON skill_package_summary USING GIN (package_names)
    """,
]

PG_DROP = [
    "DROP MATERIALIZED VIEW IF EXISTS skill_package_summary",
    "DROP TRIGGER IF EXISTS skill_tags_search_vector_delete ON skill_tags",
    "DROP TRIGGER IF EXISTS skill_tags_search_vector_insert ON skill_tags",
    "DROP TRIGGER IF EXISTS skills_search_vector ON skills",
    "DROP FUNCTION IF EXISTS skill_tags_search_vector_added()",
    "DROP FUNCTION IF EXISTS skills_search_vector_row()",
    "DROP FUNCTION IF EXISTS skills_search_document(uuid, text, text)",
]

# --- SQLite: an FTS5 index keyed by the skills rowid ---------------------------------------

SQLITE_TAGS_OF = (
    "(SELECT group_concat(name, ' ') FROM (SELECT t.name FROM skill_tags st "
    "JOIN tags t ON t.id = st.tag_id WHERE st.skill_id = {skill} ORDER BY t.name))"
)
SQLITE_REINDEX = (
    "DELETE FROM skills_fts WHERE rowid = (SELECT rowid FROM skills WHERE id = {skill}); "
    "INSERT INTO skills_fts (rowid, title, description, tags) "
    "SELECT rowid, title, coalesce(description, ''), coalesce("
    + SQLITE_TAGS_OF
    + ", '') FROM skills WHERE id = {skill};"
)

SQLITE_SEARCH = [
    """
    CREATE VIRTUAL TABLE skills_fts USING fts5(
      title, description, tags, tokenize = 'porter unicode61'
    )
    """,
    "CREATE TRIGGER skills_fts_insert AFTER INSERT ON skills BEGIN "
    + SQLITE_REINDEX.format(skill="new.id")
    + " END",
    "CREATE TRIGGER skills_fts_update AFTER UPDATE OF title, description ON skills BEGIN "
    + SQLITE_REINDEX.format(skill="new.id")
    + " END",
    "CREATE TRIGGER skills_fts_delete AFTER DELETE ON skills BEGIN "
    "DELETE FROM skills_fts WHERE rowid = old.rowid; END",
    "CREATE TRIGGER skill_tags_fts_insert AFTER INSERT ON skill_tags BEGIN "
    + SQLITE_REINDEX.format(skill="new.skill_id")
    + " END",
    "CREATE TRIGGER skill_tags_fts_delete AFTER DELETE ON skill_tags BEGIN "
    + SQLITE_REINDEX.format(skill="old.skill_id")
    + " END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS skill_tags_fts_delete",
    "DROP TRIGGER IF EXISTS skill_tags_fts_insert",
    "DROP TRIGGER IF EXISTS skills_fts_delete",
    "DROP TRIGGER IF EXISTS skills_fts_update",
    "DROP TRIGGER IF EXISTS skills_fts_insert",
    "DROP TABLE IF EXISTS skills_fts",
]


def upgrade() -> None:
    op.create_table(
        "packages",
        _uuid_pk(),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("npm_url", sa.String(length=500), nullable=True),
        sa.Column("ecosystem", sa.String(length=10), server_default="npm", nullable=False),
        *_timestamps(),
        sa.CheckConstraint("ecosystem IN ('npm', 'pypi')", name=op.f("ck_packages_ecosystem")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
        sa.UniqueConstraint("name", "ecosystem", name=op.f("uq_packages_name_ecosystem")),
    )
    op.create_index("idx_packages_name", "packages", ["name"], unique=False)
    op.create_table(
        "skills",
        _uuid_pk(),
        sa.Column("skill_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("repo", sa.String(length=255), nullable=False),
        sa.Column("installs", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("license", sa.String(length=255), nullable=True),
        sa.Column(
            "search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("repo", "path", name=op.f("uq_skills_repo_path")),
        sa.UniqueConstraint("skill_id", name=op.f("uq_skills_skill_id")),
    )
    op.create_index(
        "idx_skills_active",
        "skills",
        ["is_active"],
        unique=False,
        postgresql_where=sa.text("is_active = true"),
        sqlite_where=sa.text("is_active = 1"),
    )
    op.create_index("idx_skills_installs", "skills", [sa.text("installs DESC")], unique=False)
    op.create_index("idx_skills_repo", "skills", ["repo"], unique=False)
    op.create_index(
        "idx_skills_search", "skills", ["search_vector"], unique=False, postgresql_using="gin"
    )
    op.create_index("idx_skills_skill_id", "skills", ["skill_id"], unique=False)
    op.create_index(
        "idx_skills_ranking", "skills", ["id", "is_active", "installs", "skill_id"], unique=False
    )
    op.create_table(
        "tags",
        _uuid_pk(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_index("idx_tags_name", "tags", ["name"], unique=False)
    op.create_table(
        "analytics",
        _uuid_pk(),
        sa.Column("skill_id", sa.Uuid(), nullable=True),
        sa.Column("package_id", sa.Uuid(), nullable=True),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name=op.f("fk_analytics_package_id_packages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_analytics_skill_id_skills"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_analytics_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics")),
    )
    op.create_index("idx_analytics_created", "analytics", ["created_at"], unique=False)
    op.create_index("idx_analytics_event", "analytics", ["event_type"], unique=False)
    op.create_index("idx_analytics_package", "analytics", ["package_id"], unique=False)
    op.create_index("idx_analytics_skill", "analytics", ["skill_id"], unique=False)
    op.create_index(
        "idx_analytics_user_event", "analytics", ["user_id", "event_type"], unique=False
    )
    op.create_table(
        "package_skill_mappings",
        _uuid_pk(),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("skill_id", sa.Uuid(), nullable=False),
        sa.Column(
            "confidence_score",
            sa.Numeric(precision=3, scale=2, asdecimal=False),
            server_default=sa.text("1.0"),
            nullable=False,
        ),
        sa.Column(
            "mapping_source", sa.String(length=50), server_default="inferred", nullable=False
        ),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name=op.f("fk_package_skill_mappings_package_id_packages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_package_skill_mappings_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_skill_mappings")),
        sa.UniqueConstraint(
            "package_id", "skill_id", name=op.f("uq_package_skill_mappings_package_id_skill_id")
        ),
    )
    op.create_index(
        "idx_mappings_confidence",
        "package_skill_mappings",
        [sa.text("confidence_score DESC")],
        unique=False,
    )
    op.create_index(
        "idx_mappings_package",
        "package_skill_mappings",
        ["package_id"],
        unique=False,
        postgresql_include=["skill_id", "confidence_score"],
    )
    op.create_index("idx_mappings_skill", "package_skill_mappings", ["skill_id"], unique=False)
    op.create_table(
        "skill_tags",
        sa.Column("skill_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_skill_tags_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_skill_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("skill_id", "tag_id", name=op.f("pk_skill_tags")),
    )
    op.create_index("idx_skill_tags_skill", "skill_tags", ["skill_id"], unique=False)
    op.create_index("idx_skill_tags_tag", "skill_tags", ["tag_id"], unique=False)
    op.create_table(
        "skill_versions",
        _uuid_pk(),
        sa.Column("skill_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("changelog", sa.Text(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_skill_versions_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_versions")),
        sa.UniqueConstraint("skill_id", "version", name=op.f("uq_skill_versions_skill_id_version")),
    )
    op.create_index("idx_skill_versions_skill", "skill_versions", ["skill_id"], unique=False)
    op.create_table(
        "user_skill_preferences",
        _uuid_pk(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Uuid(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "preferred_agents",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "preferred_scope", sa.String(length=20), server_default="project", nullable=False
        ),
        *_timestamps(),
        sa.CheckConstraint(
            "preferred_scope IN ('project', 'global')",
            name=op.f("ck_user_skill_preferences_preferred_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_user_skill_preferences_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_skill_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_skill_preferences")),
        sa.UniqueConstraint(
            "user_id", "skill_id", name=op.f("uq_user_skill_preferences_user_id_skill_id")
        ),
    )
    op.create_index("idx_user_prefs_skill", "user_skill_preferences", ["skill_id"], unique=False)
    op.create_index("idx_user_prefs_user", "user_skill_preferences", ["user_id"], unique=False)

    statements = PG_SEARCH + PG_SUMMARY if _is_postgres() else SQLITE_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    for statement in PG_DROP if _is_postgres() else SQLITE_DROP:
        op.execute(statement)
    op.drop_index("idx_user_prefs_user", table_name="user_skill_preferences")
    op.drop_index("idx_user_prefs_skill", table_name="user_skill_preferences")
    op.drop_table("user_skill_preferences")
    op.drop_index("idx_skill_versions_skill", table_name="skill_versions")
    op.drop_table("skill_versions")
    op.drop_index("idx_skill_tags_tag", table_name="skill_tags")
    op.drop_index("idx_skill_tags_skill", table_name="skill_tags")
    op.drop_table("skill_tags")
    op.drop_index("idx_mappings_skill", table_name="package_skill_mappings")
    op.drop_index("idx_mappings_package", table_name="package_skill_mappings")
    op.drop_index("idx_mappings_confidence", table_name="package_skill_mappings")
    op.drop_table("package_skill_mappings")
    op.drop_index("idx_analytics_user_event", table_name="analytics")
    op.drop_index("idx_analytics_skill", table_name="analytics")
    op.drop_index("idx_analytics_package", table_name="analytics")
    op.drop_index("idx_analytics_event", table_name="analytics")
    op.drop_index("idx_analytics_created", table_name="analytics")
    op.drop_table("analytics")
    op.drop_index("idx_tags_name", table_name="tags")
    op.drop_table("tags")
    op.drop_index("idx_skills_ranking", table_name="skills")
    op.drop_index("idx_skills_skill_id", table_name="skills")
    op.drop_index("idx_skills_search", table_name="skills", postgresql_using="gin")
    op.drop_index("idx_skills_repo", table_name="skills")
    op.drop_index("idx_skills_installs", table_name="skills")
    op.drop_index(
        "idx_skills_active",
        table_name="skills",
        postgresql_where=sa.text("is_active = true"),
        sqlite_where=sa.text("is_active = 1"),
    )
    op.drop_table("skills")
    op.drop_index("idx_packages_name", table_name="packages")
    op.drop_table("packages")


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
