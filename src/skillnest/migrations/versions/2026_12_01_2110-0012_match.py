"""match pairs: every (offered key, wanted key) pair of each profile, for the match query.

Revision ID: 0012_match
Revises: 0012_suggest2
Create Date: 2026-12-01 21:00:00

PostgreSQL only. ``exchange_match_pairs`` holds one row per user and pair of a folded skill
they offer and a folded skill they want (the cross product of the two lists of
``exchange_match_profiles``; 1-8 skills each side gives 16 rows per user on average), with
the user's rating count and sum and last activity in the index (INCLUDE), so that ranking a
candidate reads nothing else. A
two-way match of a caller offers one of the caller's wanted keys *and* wants one of the
offered ones, so it is exactly a user found under one of the caller's pairs: the match query
reads those few index entries (an index-only scan of the primary key, one descent per pair)
instead of intersecting two GIN bitmaps the size of each skill's popularity. Triggers on
``exchange_match_profiles`` keep the table in step in the same transaction (inserts once per
statement, changes of the lists, ratings or activity per row, deletes once per statement,
TRUNCATE); the existing profiles
are backfilled here. SQLite keeps walking its profiles (embedded scale) and has no such table.

The GIN indexes of ``exchange_match_profiles`` (0011) served only the match query: they are
dropped, so a profile edit maintains the pairs instead of two GIN indexes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_match"
down_revision: str | Sequence[str] | None = "0012_suggest2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = "offer_key, want_key, user_id, rating_count, rating_sum, last_active_at"


def _pairs(rows: str) -> str:
    """The pairs of the profiles in ``rows`` (a table or transition table alias)."""
    return (
        "SELECT o.k, w.k, r.user_id, r.rating_count, r.rating_sum, r.last_active_at "
        f"FROM {rows} AS r, unnest(r.offers) AS o(k), unnest(r.wants) AS w(k)"
    )


DDL = [
    """
CREATE TABLE exchange_match_pairs (
    offer_key text NOT NULL,
    want_key text NOT NULL,
    user_id integer NOT NULL,
    rating_count integer NOT NULL,
    rating_sum bigint NOT NULL,
    last_active_at timestamp with time zone,
    CONSTRAINT pk_exchange_match_pairs PRIMARY KEY (offer_key, want_key, user_id)
        INCLUDE (rating_count, rating_sum, last_active_at)
)""",
    f"""
CREATE OR REPLACE FUNCTION exchange_match_pairs_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exchange_match_pairs ({COLUMNS}) {_pairs("new_profiles")};
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER exchange_match_profiles_insert_pairs AFTER INSERT ON exchange_match_profiles
REFERENCING NEW TABLE AS new_profiles
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_pairs_insert()""",
    # A list change removes the old pairs through the primary key (one descent per old pair,
    # no index on user_id needed) and adds the new ones; a rating or activity change rewrites
    # the user's pairs in place (16 rows for 1-8 skills each side).
    f"""
CREATE OR REPLACE FUNCTION exchange_match_pairs_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.offers IS DISTINCT FROM NEW.offers OR OLD.wants IS DISTINCT FROM NEW.wants THEN
        DELETE FROM exchange_match_pairs
        WHERE offer_key = ANY(OLD.offers) AND want_key = ANY(OLD.wants)
            AND user_id = OLD.user_id;
        INSERT INTO exchange_match_pairs ({COLUMNS})
        SELECT o.k, w.k, NEW.user_id, NEW.rating_count, NEW.rating_sum, NEW.last_active_at
        FROM unnest(NEW.offers) AS o(k), unnest(NEW.wants) AS w(k);
    ELSE
        UPDATE exchange_match_pairs SET rating_count = NEW.rating_count,
            rating_sum = NEW.rating_sum, last_active_at = NEW.last_active_at
        WHERE offer_key = ANY(NEW.offers) AND want_key = ANY(NEW.wants)
            AND user_id = NEW.user_id;
    END IF;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER exchange_match_profiles_update_pairs
AFTER UPDATE OF offers, wants, rating_count, rating_sum, last_active_at
ON exchange_match_profiles FOR EACH ROW
WHEN (OLD.offers IS DISTINCT FROM NEW.offers OR OLD.wants IS DISTINCT FROM NEW.wants
    OR OLD.rating_count IS DISTINCT FROM NEW.rating_count
    OR OLD.rating_sum IS DISTINCT FROM NEW.rating_sum
    OR OLD.last_active_at IS DISTINCT FROM NEW.last_active_at)
EXECUTE FUNCTION exchange_match_pairs_update()""",
    f"""
CREATE OR REPLACE FUNCTION exchange_match_pairs_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM exchange_match_pairs AS p
    USING ({_pairs("old_profiles")}) AS d(offer_key, want_key, user_id)
    WHERE p.offer_key = d.offer_key AND p.want_key = d.want_key AND p.user_id = d.user_id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER exchange_match_profiles_delete_pairs AFTER DELETE ON exchange_match_profiles
REFERENCING OLD TABLE AS old_profiles
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_pairs_delete()""",
    """
CREATE OR REPLACE FUNCTION exchange_match_pairs_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE exchange_match_pairs;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER exchange_match_profiles_truncate_pairs AFTER TRUNCATE ON exchange_match_profiles
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_pairs_truncate()""",
    f"INSERT INTO exchange_match_pairs ({COLUMNS}) " + _pairs("exchange_match_profiles"),
]
GIN_COLUMNS = ("offers", "wants")
TRIGGERS = {
    "exchange_match_profiles_insert_pairs": "exchange_match_pairs_insert",
    "exchange_match_profiles_update_pairs": "exchange_match_pairs_update",
    "exchange_match_profiles_delete_pairs": "exchange_match_pairs_delete",
    "exchange_match_profiles_truncate_pairs": "exchange_match_pairs_truncate",
}


def upgrade() -> None:
    """Create, fill and maintain the pair table (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DDL:
        op.execute(statement)
    for column in GIN_COLUMNS:
        op.drop_index(f"ix_exchange_match_profiles_{column}_gin", "exchange_match_profiles")


def downgrade() -> None:
    """Drop the pair table and its triggers."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger, function in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON exchange_match_profiles")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP TABLE IF EXISTS exchange_match_pairs")
    for column in GIN_COLUMNS:
        op.create_index(
            f"ix_exchange_match_profiles_{column}_gin",
            "exchange_match_profiles",
            [column],
            postgresql_using="gin",
        )
