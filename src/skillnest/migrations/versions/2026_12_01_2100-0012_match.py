"""match pairs: every (offered key, wanted key) pair of each profile, for the match query.

Revision ID: 0012_match
Revises: 0011_suggest
Create Date: 2026-12-01 21:00:00

PostgreSQL only. ``exchange_match_pairs`` holds one row per user and pair of a folded skill
they offer and a folded skill they want (the cross product of the two lists of
``exchange_match_profiles``; 1-8 skills each side gives 16 rows per user on average). A
two-way match of a caller offers one of the caller's wanted keys *and* wants one of the
offered ones, so it is exactly a user found under one of the caller's pairs: the match query
reads those few index entries (an index-only scan of the primary key, one descent per pair)
instead of intersecting two GIN bitmaps the size of each skill's popularity. Triggers on
``exchange_match_profiles`` keep the table in step in the same transaction (inserts once per
statement, list changes per row, deletes once per statement, TRUNCATE); the existing profiles
are backfilled here. SQLite keeps walking its profiles (embedded scale) and has no such table.

The GIN indexes of ``exchange_match_profiles`` (0011) served only the match query: they are
dropped, so a profile edit maintains the pairs instead of two GIN indexes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_match"
down_revision: str | Sequence[str] | None = "0011_suggest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pairs(rows: str) -> str:
    """The pairs of the profiles in ``rows`` (a table or transition table alias)."""
    return (
        f"SELECT o.k, w.k, r.user_id FROM {rows} AS r, unnest(r.offers) AS o(k), "
        "unnest(r.wants) AS w(k)"
    )


DDL = [
    """
CREATE TABLE exchange_match_pairs (
    offer_key text NOT NULL,
    want_key text NOT NULL,
    user_id integer NOT NULL,
    CONSTRAINT pk_exchange_match_pairs PRIMARY KEY (offer_key, want_key, user_id)
)""",
    f"""
CREATE OR REPLACE FUNCTION exchange_match_pairs_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exchange_match_pairs (offer_key, want_key, user_id) {_pairs("new_profiles")};
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER exchange_match_profiles_insert_pairs AFTER INSERT ON exchange_match_profiles
REFERENCING NEW TABLE AS new_profiles
FOR EACH STATEMENT EXECUTE FUNCTION exchange_match_pairs_insert()""",
    # A list change removes the old pairs through the primary key (one descent per old pair,
    # no index on user_id needed) and adds the new ones.
    """
CREATE OR REPLACE FUNCTION exchange_match_pairs_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM exchange_match_pairs
    WHERE offer_key = ANY(OLD.offers) AND want_key = ANY(OLD.wants) AND user_id = OLD.user_id;
    INSERT INTO exchange_match_pairs (offer_key, want_key, user_id)
    SELECT o.k, w.k, NEW.user_id FROM unnest(NEW.offers) AS o(k), unnest(NEW.wants) AS w(k);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER exchange_match_profiles_update_pairs AFTER UPDATE OF offers, wants
ON exchange_match_profiles FOR EACH ROW
WHEN (OLD.offers IS DISTINCT FROM NEW.offers OR OLD.wants IS DISTINCT FROM NEW.wants)
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
    "INSERT INTO exchange_match_pairs (offer_key, want_key, user_id) "
    + _pairs("exchange_match_profiles"),
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
