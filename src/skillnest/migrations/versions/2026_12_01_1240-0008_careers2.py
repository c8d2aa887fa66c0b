"""careers: users' own document templates; application links and first-response dates.

Revision ID: 0008_careers2
Revises: 0007_accounts
Create Date: 2026-12-01 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import skillnest.core.db

revision: str = "0008_careers2"
down_revision: str | Sequence[str] | None = "0007_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONDED = (
    "'SCREENING', 'INTERVIEW_SCHEDULED', 'INTERVIEW_COMPLETED', 'OFFER_RECEIVED', "
    "'ACCEPTED', 'REJECTED'"
)


def _backfill_response_date() -> None:
    # The first move into a status that is an answer from the employer, from the timeline.
    to_status = (
        "t.metadata->>'to'"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(t.metadata, '$.to')"
    )
    op.execute(
        "UPDATE applications SET response_date = ("
        " SELECT min(t.created_at) FROM application_timeline t"
        " WHERE t.application_id = applications.id AND t.event_type = 'status_changed'"
        f" AND {to_status} IN ({RESPONDED}))"
        " WHERE applied_date IS NOT NULL"
    )


def upgrade() -> None:
    with op.batch_alter_table("document_templates") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_document_templates_name", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_document_templates_user_id_name"), ["user_id", "name"]
        )
        batch.create_foreign_key(
            op.f("fk_document_templates_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    # Built-in templates (no owner) keep unique names; NULLs are distinct in the constraint.
    op.create_index(
        "ix_document_templates_builtin_name",
        "document_templates",
        ["name"],
        unique=True,
        postgresql_where=sa.text("user_id IS NULL"),
        sqlite_where=sa.text("user_id IS NULL"),
    )
    with op.batch_alter_table("applications") as batch:
        batch.add_column(
            sa.Column("response_date", skillnest.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "links",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    _backfill_response_date()


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("links")
        batch.drop_column("response_date")
    op.drop_index("ix_document_templates_builtin_name", table_name="document_templates")
    op.execute("DELETE FROM document_templates WHERE user_id IS NOT NULL")
    with op.batch_alter_table("document_templates") as batch:
        batch.drop_constraint("fk_document_templates_user_id_users", type_="foreignkey")
        batch.drop_constraint("uq_document_templates_user_id_name", type_="unique")
        batch.create_unique_constraint("uq_document_templates_name", ["name"])
        batch.drop_column("user_id")
