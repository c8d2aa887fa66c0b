"""match: the narrow, case-folded table the exchange match query ranks from.

Revision ID: 0011_match
Revises: 0010_helpchat
Create Date: 2026-12-01 18:00:00

``exchange_match_profiles`` holds, per user, the skill lists folded as the match query folds
them, the rating count and sum received and ``last_active_at``. Triggers on ``users`` and
``ratings`` keep every row in step in the same transaction as the change (INSERT, UPDATE,
DELETE, cascades and COPY alike; a TRUNCATE of ``ratings`` zeroes the sums), and the existing
rows are backfilled here. PostgreSQL indexes both lists with GIN.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillnest.core.db

revision: str = "0011_match"
down_revision: str | Sequence[str] | None = "0010_helpchat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The folded list of the match query: exchange_lower_skills, NULL and '' dropped (tsvectors
# refuse them), each key once.
def _pg_fold(column: str) -> str:
    return (
        f"ARRAY(SELECT DISTINCT k FROM unnest(exchange_lower_skills({column})) AS t(k) "
        "WHERE k <> '' ORDER BY k)"
    )


# Inserts are handled once per statement from the transition table (a COPY or an
# INSERT ... SELECT of many users or ratings costs one statement, not one call per row);
# updates, rare and single-row, per row.
PG_DDL = [
    f"""
CREATE OR REPLACE FUNCTION exchange_match_profiles_from_new_users() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exchange_match_profiles (user_id, offers, wants, last_active_at)
    SELECT n.id, {_pg_fold("n.skills_to_offer")}, {_pg_fold("n.skills_to_learn")},
        n.last_active_at
    FROM new_users AS n;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER users_insert_match_profiles AFTER INSERT ON users
REFERENCING NEW TABLE AS new_users
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_profiles_from_new_users()""",
    f"""
CREATE OR REPLACE FUNCTION exchange_match_profile_from_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE exchange_match_profiles
    SET offers = {_pg_fold("NEW.skills_to_offer")}, wants = {_pg_fold("NEW.skills_to_learn")},
        last_active_at = NEW.last_active_at
    WHERE user_id = NEW.id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER users_update_match_profile
AFTER UPDATE OF skills_to_offer, skills_to_learn, last_active_at ON users
FOR EACH ROW EXECUTE FUNCTION exchange_match_profile_from_user()""",
    # The rating count and sum received: added from the inserted rows, taken away for the
    # deleted ones (cascades from a deleted chat or user included), per rated user.
    """
CREATE OR REPLACE FUNCTION exchange_match_profiles_add_ratings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE exchange_match_profiles AS m
    SET rating_count = m.rating_count + r.n, rating_sum = m.rating_sum + r.total
    FROM (SELECT rated_id, count(*) AS n, sum(rating) AS total FROM new_ratings
          GROUP BY rated_id) AS r
    WHERE m.user_id = r.rated_id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER ratings_insert_match_profiles AFTER INSERT ON ratings
REFERENCING NEW TABLE AS new_ratings
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_profiles_add_ratings()""",
    """
CREATE OR REPLACE FUNCTION exchange_match_profiles_remove_ratings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE exchange_match_profiles AS m
    SET rating_count = m.rating_count - r.n, rating_sum = m.rating_sum - r.total
    FROM (SELECT rated_id, count(*) AS n, sum(rating) AS total FROM old_ratings
          GROUP BY rated_id) AS r
    WHERE m.user_id = r.rated_id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER ratings_delete_match_profiles AFTER DELETE ON ratings
REFERENCING OLD TABLE AS old_ratings
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_profiles_remove_ratings()""",
    """
CREATE OR REPLACE FUNCTION exchange_match_profile_from_rating() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE exchange_match_profiles
    SET rating_count = rating_count - 1, rating_sum = rating_sum - OLD.rating
    WHERE user_id = OLD.rated_id;
    UPDATE exchange_match_profiles
    SET rating_count = rating_count + 1, rating_sum = rating_sum + NEW.rating
    WHERE user_id = NEW.rated_id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER ratings_update_match_profile AFTER UPDATE OF rating, rated_id ON ratings
FOR EACH ROW EXECUTE FUNCTION exchange_match_profile_from_rating()""",
    """
CREATE OR REPLACE FUNCTION exchange_match_profile_ratings_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE exchange_match_profiles SET rating_count = 0, rating_sum = 0
    WHERE rating_count <> 0 OR rating_sum <> 0;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER ratings_truncate_match_profile AFTER TRUNCATE ON ratings
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_profile_ratings_truncated()""",
]
PG_BACKFILL = f"""
INSERT INTO exchange_match_profiles (user_id, offers, wants, last_active_at, rating_count,
    rating_sum)
SELECT u.id, {_pg_fold("u.skills_to_offer")}, {_pg_fold("u.skills_to_learn")},
    u.last_active_at, coalesce(r.n, 0), coalesce(r.total, 0)
FROM users AS u
LEFT JOIN (SELECT rated_id, count(*) AS n, sum(rating) AS total FROM ratings GROUP BY rated_id)
    AS r ON r.rated_id = u.id
"""
PG_TRIGGERS = {
    "users_insert_match_profiles": ("users", "exchange_match_profiles_from_new_users"),
    "users_update_match_profile": ("users", "exchange_match_profile_from_user"),
    "ratings_insert_match_profiles": ("ratings", "exchange_match_profiles_add_ratings"),
    "ratings_delete_match_profiles": ("ratings", "exchange_match_profiles_remove_ratings"),
    "ratings_update_match_profile": ("ratings", "exchange_match_profile_from_rating"),
    "ratings_truncate_match_profile": ("ratings", "exchange_match_profile_ratings_truncated"),
}


# SQLite folds with lower() like its match query, keeping every entry (NULL and '' too: the
# query compares them as it always did), each once.
def _sqlite_fold(column: str) -> str:
    return f"(SELECT json_group_array(DISTINCT lower(value)) FROM json_each({column}))"


_SQLITE_UPSERT = (
    "INSERT INTO exchange_match_profiles (user_id, offers, wants, last_active_at) "
    f"VALUES (NEW.id, {_sqlite_fold('NEW.skills_to_offer')}, "
    f"{_sqlite_fold('NEW.skills_to_learn')}, NEW.last_active_at) "
    "ON CONFLICT (user_id) DO UPDATE SET offers = excluded.offers, wants = excluded.wants, "
    "last_active_at = excluded.last_active_at; "
)
_SQLITE_RATING_ADD = (
    "UPDATE exchange_match_profiles SET rating_count = rating_count + 1, "
    "rating_sum = rating_sum + NEW.rating WHERE user_id = NEW.rated_id; "
)
_SQLITE_RATING_REMOVE = (
    "UPDATE exchange_match_profiles SET rating_count = rating_count - 1, "
    "rating_sum = rating_sum - OLD.rating WHERE user_id = OLD.rated_id; "
)
SQLITE_DDL = [
    f"CREATE TRIGGER users_match_profile_insert AFTER INSERT ON users BEGIN {_SQLITE_UPSERT}END",
    "CREATE TRIGGER users_match_profile_update "
    "AFTER UPDATE OF skills_to_offer, skills_to_learn, last_active_at ON users "
    f"BEGIN {_SQLITE_UPSERT}END",
    f"CREATE TRIGGER ratings_match_profile_insert AFTER INSERT ON ratings BEGIN "
    f"{_SQLITE_RATING_ADD}END",
    f"CREATE TRIGGER ratings_match_profile_delete AFTER DELETE ON ratings BEGIN "
    f"{_SQLITE_RATING_REMOVE}END",
    "CREATE TRIGGER ratings_match_profile_update AFTER UPDATE OF rating, rated_id ON ratings "
    f"BEGIN {_SQLITE_RATING_REMOVE}{_SQLITE_RATING_ADD}END",
]
SQLITE_BACKFILL = f"""
INSERT INTO exchange_match_profiles (user_id, offers, wants, last_active_at, rating_count,
    rating_sum)
SELECT u.id, {_sqlite_fold("u.skills_to_offer")}, {_sqlite_fold("u.skills_to_learn")},
    u.last_active_at,
    (SELECT count(*) FROM ratings WHERE rated_id = u.id),
    (SELECT coalesce(sum(rating), 0) FROM ratings WHERE rated_id = u.id)
FROM users AS u
"""
SQLITE_TRIGGERS = (
    "users_match_profile_insert",
    "users_match_profile_update",
    "ratings_match_profile_insert",
    "ratings_match_profile_delete",
    "ratings_match_profile_update",
)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgres = _is_postgres()
    op.create_table(
        "exchange_match_profiles",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offers", skillnest.core.db.StringArray(), nullable=False),
        sa.Column("wants", skillnest.core.db.StringArray(), nullable=False),
        sa.Column("rating_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_active_at", skillnest.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exchange_match_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_exchange_match_profiles")),
    )
    if postgres:
        # Room on each page for the updated row version: rating and activity changes touch
        # no indexed column, so they stay HOT updates (no GIN insertions).
        op.execute("ALTER TABLE exchange_match_profiles SET (fillfactor = 90)")
    op.execute(PG_BACKFILL if postgres else SQLITE_BACKFILL)
    if postgres:
        for column in ("offers", "wants"):
            op.create_index(
                f"ix_exchange_match_profiles_{column}_gin",
                "exchange_match_profiles",
                [column],
                postgresql_using="gin",
            )
    for statement in PG_DDL if postgres else SQLITE_DDL:
        op.execute(statement)


def downgrade() -> None:
    if _is_postgres():
        for trigger, (table, function) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("exchange_match_profiles")
