"""help: offer messages, the asker's public key and the conversation of an accepted request.

Revision ID: 0010_helpchat
Revises: 0010_vocab
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillnest.core.db

revision: str = "0010_helpchat"
down_revision: str | Sequence[str] | None = "0010_vocab"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "help_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("sender IN ('asker', 'helper')", name=op.f("ck_help_messages_sender")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["anonymous_help_sessions.id"],
            name=op.f("fk_help_messages_request_id_anonymous_help_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_messages")),
    )
    op.create_index(
        "idx_help_messages_request_id_id", "help_messages", ["request_id", "id"], unique=False
    )
    # Nullable: requests and offers made before conversations have neither.
    with op.batch_alter_table("anonymous_help_sessions") as batch:
        batch.add_column(sa.Column("asker_public_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("help_offers") as batch:
        batch.add_column(sa.Column("encrypted_message", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("help_offers") as batch:
        batch.drop_column("encrypted_message")
    with op.batch_alter_table("anonymous_help_sessions") as batch:
        batch.drop_column("asker_public_key")
    op.drop_index("idx_help_messages_request_id_id", table_name="help_messages")
    op.drop_table("help_messages")
