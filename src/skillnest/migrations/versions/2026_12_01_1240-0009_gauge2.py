"""gauge: MetaGauge's per-user documents (metrics, history, competitors, live poll).

Revision ID: 0009_gauge2
Revises: 0008_careers2
Create Date: 2026-12-01 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import skillnest.core.db

revision: str = "0009_gauge2"
down_revision: str | Sequence[str] | None = "0008_careers2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "metrics",
    "metrics_history",
    "competitor_metrics",
    "live_poll",
    "competitor",
    "traction",
    "agent_memory",
)


def upgrade() -> None:
    op.create_table(
        "gauge_user_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("doc_key", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(repr(k) for k in KINDS) + ")",
            name=op.f("ck_gauge_user_documents_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_gauge_user_documents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_gauge_user_documents_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gauge_user_documents")),
        sa.UniqueConstraint(
            "user_id",
            "kind",
            "doc_key",
            name=op.f("uq_gauge_user_documents_user_id_kind_doc_key"),
        ),
    )
    op.create_index("ix_gauge_user_documents_contract_id", "gauge_user_documents", ["contract_id"])


def downgrade() -> None:
    op.drop_index("ix_gauge_user_documents_contract_id", table_name="gauge_user_documents")
    op.drop_table("gauge_user_documents")
