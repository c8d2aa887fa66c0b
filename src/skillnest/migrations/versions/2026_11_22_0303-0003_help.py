"""help module tables.

Seed 000's tables made valid PostgreSQL (its inline INDEX clauses become separate indexes),
plus offers and accepted-helper key envelopes. No column holds a user id.

Revision ID: 0003_help
Revises: 0002_exchange
Create Date: 2026-11-22 03:03:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import skillnest.core.db

revision: str = "0003_help"
down_revision: str | Sequence[str] | None = "0002_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    # gen_random_uuid() on PostgreSQL, random hex on SQLite.
    return sa.Column(
        "id", sa.Uuid(), server_default=skillnest.core.db.gen_random_uuid(), nullable=False
    )


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at",
        skillnest.core.db.UTCDateTime(timezone=True),
        server_default=sa.text("CURRENT_TIMESTAMP"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "anonymous_help_sessions",
        _id(),
        sa.Column(
            "skill_tags",
            sa.JSON().with_variant(postgresql.ARRAY(sa.TEXT()), "postgresql"),
            nullable=False,
        ),
        sa.Column("urgency_level", sa.Integer(), server_default="1", nullable=False),
        sa.Column("college_domain", sa.String(length=100), nullable=True),
        sa.Column("anonymous_avatar", sa.String(length=50), nullable=True),
        sa.Column("encrypted_request", sa.Text(), nullable=True),
        sa.Column("expires_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=False),
        _created_at(),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="Active", nullable=False),
        sa.Column("owner_hash", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('Active', 'Matched', 'InProgress', 'Completed', 'Cancelled', 'Expired')",
            name=op.f("ck_anonymous_help_sessions_status"),
        ),
        sa.CheckConstraint(
            "urgency_level BETWEEN 1 AND 5", name=op.f("ck_anonymous_help_sessions_urgency_level")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_help_sessions")),
    )
    op.create_index(
        "idx_anonymous_help_sessions_expires_at", "anonymous_help_sessions", ["expires_at"]
    )
    op.create_index(
        "idx_anonymous_help_sessions_feed",
        "anonymous_help_sessions",
        ["status", "urgency_level", "created_at"],
    )
    op.create_index(
        "idx_anonymous_help_sessions_owner_hash", "anonymous_help_sessions", ["owner_hash"]
    )
    # GIN on PostgreSQL; SQLite ignores the option and keeps a plain index.
    op.create_index(
        "idx_anonymous_help_sessions_skill_tags",
        "anonymous_help_sessions",
        ["skill_tags"],
        postgresql_using="gin",
    )
    op.create_index(
        "idx_college_urgency", "anonymous_help_sessions", ["college_domain", "urgency_level"]
    )
    op.create_table(
        "skill_verifications",
        _id(),
        sa.Column("user_hash", sa.String(length=64), nullable=True),
        sa.Column("skill_name", sa.String(length=100), nullable=True),
        sa.Column("verification_type", sa.String(length=50), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("verified_by_hash", sa.String(length=64), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "verification_type IN ('peer', 'quiz', 'project')",
            name=op.f("ck_skill_verifications_type"),
        ),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_skill_verifications_score")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_verifications")),
        sa.UniqueConstraint(
            "user_hash",
            "skill_name",
            "verification_type",
            "verified_by_hash",
            name="uq_skill_verifications_once",
        ),
    )
    op.create_table(
        "trust_interactions",
        _id(),
        sa.Column("helper_hash", sa.String(length=64), nullable=True),
        sa.Column("seeker_hash", sa.String(length=64), nullable=True),
        sa.Column("session_quality", sa.Integer(), nullable=True),
        sa.Column("help_duration", sa.Integer(), nullable=True),
        sa.Column("skill_category", sa.String(length=50), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_interactions")),
    )
    op.create_index("idx_trust_lookup", "trust_interactions", ["helper_hash", "created_at"])
    op.create_table(
        "help_offers",
        _id(),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("helper_hash", sa.String(length=64), nullable=False),
        sa.Column("helper_public_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="Pending", nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "status IN ('Pending', 'Accepted', 'Declined')", name=op.f("ck_help_offers_status")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["anonymous_help_sessions.id"],
            name=op.f("fk_help_offers_request_id_anonymous_help_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_offers")),
        sa.UniqueConstraint(
            "request_id", "helper_hash", name=op.f("uq_help_offers_request_id_helper_hash")
        ),
    )
    op.create_index("idx_help_offers_helper_hash", "help_offers", ["helper_hash"])
    op.create_table(
        "help_key_envelopes",
        _id(),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("sealed_key", sa.Text(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["help_offers.id"],
            name=op.f("fk_help_key_envelopes_offer_id_help_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["anonymous_help_sessions.id"],
            name=op.f("fk_help_key_envelopes_request_id_anonymous_help_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_key_envelopes")),
        sa.UniqueConstraint("offer_id", name=op.f("uq_help_key_envelopes_offer_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_help_key_envelopes_request_id")),
    )


def downgrade() -> None:
    op.drop_table("help_key_envelopes")
    op.drop_index("idx_help_offers_helper_hash", table_name="help_offers")
    op.drop_table("help_offers")
    op.drop_index("idx_trust_lookup", table_name="trust_interactions")
    op.drop_table("trust_interactions")
    op.drop_table("skill_verifications")
    op.drop_index("idx_college_urgency", table_name="anonymous_help_sessions")
    op.drop_index(
        "idx_anonymous_help_sessions_skill_tags",
        table_name="anonymous_help_sessions",
        postgresql_using="gin",
    )
    op.drop_index("idx_anonymous_help_sessions_owner_hash", table_name="anonymous_help_sessions")
    op.drop_index("idx_anonymous_help_sessions_feed", table_name="anonymous_help_sessions")
    op.drop_index("idx_anonymous_help_sessions_expires_at", table_name="anonymous_help_sessions")
    op.drop_table("anonymous_help_sessions")
