"""gauge module tables: MetaGauge (seed 002) contracts, analyses and AI chats.

Revision ID: 0006_gauge
Revises: 0005_careers
Create Date: 2026-11-22 03:06:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import skillnest.core.db

revision: str = "0006_gauge"
down_revision: str | Sequence[str] | None = "0005_careers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("legacy_id", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("contract_address", sa.String(length=100), nullable=True),
        sa.Column("contract_chain", sa.String(length=50), nullable=True),
        sa.Column("contract_name", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("message_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_message_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "extra",
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
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chat_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_sessions")),
        sa.UniqueConstraint(
            "user_id", "legacy_id", name=op.f("uq_chat_sessions_user_id_legacy_id")
        ),
    )
    op.create_index(
        "ix_chat_sessions_user_id_last_message_at",
        "chat_sessions",
        ["user_id", "last_message_at"],
        unique=False,
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("legacy_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("target_name", sa.String(length=255), nullable=True),
        sa.Column("abi", sa.Text(), nullable=True),
        sa.Column(
            "function_signatures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=100)), "postgresql"),
            nullable=True,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("last_analyzed_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("analysis_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "extra",
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
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_contracts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("user_id", "legacy_id", name=op.f("uq_contracts_user_id_legacy_id")),
    )
    op.create_index(
        "ix_contracts_user_id_created_at", "contracts", ["user_id", "created_at"], unique=False
    )
    op.create_table(
        "gauge_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("legacy_id", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=20), server_default="free", nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("email_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("analysis_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ai_query_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("monthly_analysis_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("monthly_ai_query_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_analysis_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("current_month", sa.String(length=7), nullable=True),
        sa.Column(
            "monthly_reset_date", skillnest.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "billing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "extra",
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
            "tier IN ('free', 'starter', 'pro', 'enterprise')", name=op.f("ck_gauge_accounts_tier")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_gauge_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_gauge_accounts")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_gauge_accounts_api_key_hash")),
        sa.UniqueConstraint("legacy_id", name=op.f("uq_gauge_accounts_legacy_id")),
    )
    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("legacy_id", sa.String(length=100), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("contract_address", sa.String(length=100), nullable=True),
        sa.Column("chain", sa.String(length=50), nullable=True),
        sa.Column("analysis_type", sa.String(length=50), server_default="single", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("progress", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "results",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("has_errors", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "logs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("current_step", sa.String(length=255), nullable=True),
        sa.Column("completed_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "extra",
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
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'completed', 'failed')",
            name=op.f("ck_analyses_status"),
        ),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name=op.f("ck_analyses_progress")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_analyses_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_analyses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
        sa.UniqueConstraint("user_id", "legacy_id", name=op.f("uq_analyses_user_id_legacy_id")),
    )
    op.create_index("ix_analyses_contract_id", "analyses", ["contract_id"], unique=False)
    op.create_index(
        "ix_analyses_user_id_created_at", "analyses", ["user_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_analyses_user_id_status_created_at",
        "analyses",
        ["user_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("legacy_id", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "components",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("is_streaming", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('user', 'assistant', 'system')", name=op.f("ck_chat_messages_role")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.id"],
            name=op.f("fk_chat_messages_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "session_id", "legacy_id", name=op.f("uq_chat_messages_session_id_legacy_id")
        ),
    )
    op.create_index(
        "ix_chat_messages_session_id_created_at",
        "chat_messages",
        ["session_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "contract_analysis_params",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("search_strategy", sa.String(length=50), nullable=True),
        sa.Column("smart_search", sa.Boolean(), nullable=True),
        sa.Column("whale_threshold", sa.Float(), nullable=True),
        sa.Column("max_concurrent_requests", sa.Integer(), nullable=True),
        sa.Column("failover_timeout", sa.Integer(), nullable=True),
        sa.Column("max_retries", sa.Integer(), nullable=True),
        sa.Column(
            "output_formats",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=20)), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_analysis_params_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_analysis_params")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_contract_analysis_params_contract_id")),
    )
    op.create_table(
        "contract_competitors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("abi", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "position >= 0 AND position < 5", name=op.f("ck_contract_competitors_position")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_competitors_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_competitors")),
        sa.UniqueConstraint(
            "contract_id", "position", name=op.f("uq_contract_competitors_contract_id_position")
        ),
    )
    op.create_table(
        "contract_rpc_config",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column(
            "urls",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "chain IN ('ethereum', 'lisk', 'starknet')", name=op.f("ck_contract_rpc_config_chain")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_rpc_config_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_rpc_config")),
        sa.UniqueConstraint(
            "contract_id", "chain", name=op.f("uq_contract_rpc_config_contract_id_chain")
        ),
    )
    # Legacy onboarding fields without a column of their own (MetaGauge importer).
    with op.batch_alter_table("user_onboarding") as batch:
        batch.add_column(
            sa.Column(
                "extra",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user_onboarding") as batch:
        batch.drop_column("extra")
    op.drop_table("contract_rpc_config")
    op.drop_table("contract_competitors")
    op.drop_table("contract_analysis_params")
    op.drop_index("ix_chat_messages_session_id_created_at", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index("ix_analyses_user_id_status_created_at", table_name="analyses")
    op.drop_index("ix_analyses_user_id_created_at", table_name="analyses")
    op.drop_index("ix_analyses_contract_id", table_name="analyses")
    op.drop_table("analyses")
    op.drop_table("gauge_accounts")
    op.drop_index("ix_contracts_user_id_created_at", table_name="contracts")
    op.drop_table("contracts")
    op.drop_index("ix_chat_sessions_user_id_last_message_at", table_name="chat_sessions")
    op.drop_table("chat_sessions")
