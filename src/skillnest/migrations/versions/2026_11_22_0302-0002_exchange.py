"""exchange module tables.

Revision ID: 0002_exchange
Revises: 0001_accounts
Create Date: 2026-11-22 03:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillnest.core.db

revision: str = "0002_exchange"
down_revision: str | Sequence[str] | None = "0001_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Two spellings of one rule, lower-casing every entry of a skill array, created together so
# they always agree. exchange_lower_skills is IMMUTABLE (PL/pgSQL) so the expression GIN
# indexes can be built on it; exchange_fold_skills is the same body as an inlinable SQL
# function, for the per-row work of the match query where a function call would cost more
# than the lowering. Lowering the array's text form and parsing it back is cheaper than
# unnesting it (quotes, commas and braces have no case). With ICU, the root locale folds all
# of Unicode whatever the database's LC_CTYPE ("ESPAÑOL" -> "español" on a C-locale
# database too); without ICU, lower() follows LC_CTYPE.
SKILL_FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION exchange_lower_skills(skills varchar[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$ BEGIN RETURN lower(skills::text{collate})::text[]; END $$;
CREATE OR REPLACE FUNCTION exchange_fold_skills(skills varchar[]) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT lower(skills::text{collate})::text[] $$;
"""


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgres = _is_postgres()
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user1_id", sa.Integer(), nullable=False),
        sa.Column("user2_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("user1_id <> user2_id", name=op.f("ck_chats_not_self")),
        sa.ForeignKeyConstraint(
            ["user1_id"], ["users.id"], name=op.f("fk_chats_user1_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user2_id"], ["users.id"], name=op.f("fk_chats_user2_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    op.create_index("idx_chats_user1_id", "chats", ["user1_id"], unique=False)
    op.create_index("idx_chats_user2_id", "chats", ["user2_id"], unique=False)
    low, high = ("least", "greatest") if postgres else ("min", "max")
    op.create_index(
        "uq_chats_pair",
        "chats",
        [
            sa.literal_column(f"{low}(user1_id, user2_id)"),
            sa.literal_column(f"{high}(user1_id, user2_id)"),
        ],
        unique=True,
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "timestamp",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("is_read", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_messages_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_messages_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index("idx_messages_chat_id", "messages", ["chat_id"], unique=False)
    op.create_index("idx_messages_sender_id", "messages", ["sender_id"], unique=False)
    op.create_index(
        "ix_messages_chat_id_timestamp_id",
        "messages",
        ["chat_id", "timestamp", "id"],
        unique=False,
    )
    op.create_index(
        "ix_messages_unread",
        "messages",
        ["chat_id", "sender_id"],
        unique=False,
        postgresql_where=sa.text("NOT is_read"),
        sqlite_where=sa.text("NOT is_read"),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("rated_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "timestamp",
            skillnest.core.db.UTCDateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("rater_id <> rated_id", name=op.f("ck_ratings_not_self")),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_ratings_rating_range")),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_ratings_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rated_id"], ["users.id"], name=op.f("fk_ratings_rated_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["users.id"], name=op.f("fk_ratings_rater_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("rater_id", "chat_id", name=op.f("uq_ratings_rater_id_chat_id")),
    )
    op.create_index("idx_ratings_chat_id", "ratings", ["chat_id"], unique=False)
    op.create_index("idx_ratings_rated_id", "ratings", ["rated_id"], unique=False)
    if postgres:
        has_icu = op.get_bind().scalar(
            sa.text("SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'")
        )
        op.execute(SKILL_FUNCTIONS_SQL.format(collate=' COLLATE "und-x-icu"' if has_icu else ""))
        for column in ("skills_to_offer", "skills_to_learn"):
            op.create_index(
                f"ix_users_{column}_lower_gin",
                "users",
                [sa.literal_column(f"exchange_lower_skills({column})")],
                unique=False,
                postgresql_using="gin",
            )


def downgrade() -> None:
    if _is_postgres():
        op.drop_index("ix_users_skills_to_offer_lower_gin", table_name="users")
        op.drop_index("ix_users_skills_to_learn_lower_gin", table_name="users")
        op.execute("DROP FUNCTION IF EXISTS exchange_fold_skills(varchar[])")
        op.execute("DROP FUNCTION IF EXISTS exchange_lower_skills(varchar[])")
    op.drop_index("idx_ratings_rated_id", table_name="ratings")
    op.drop_index("idx_ratings_chat_id", table_name="ratings")
    op.drop_table("ratings")
    op.drop_index("ix_messages_unread", table_name="messages")
    op.drop_index("ix_messages_chat_id_timestamp_id", table_name="messages")
    op.drop_index("idx_messages_sender_id", table_name="messages")
    op.drop_index("idx_messages_chat_id", table_name="messages")
    op.drop_table("messages")
    op.drop_index("uq_chats_pair", table_name="chats")
    op.drop_index("idx_chats_user2_id", table_name="chats")
    op.drop_index("idx_chats_user1_id", table_name="chats")
    op.drop_table("chats")
