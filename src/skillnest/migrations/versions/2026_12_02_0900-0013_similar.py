"""similar terms: the vocabulary's pairs of similar names, kept in a table.

Revision ID: 0013_similar
Revises: 0012_match
Create Date: 2026-12-02 09:00:00

PostgreSQL only. ``skill_terms_similar`` holds (key, other) for every two terms of
``skill_terms`` that the exchange relates by name: both at least 3 characters long and a
``pg_trgm`` similarity of at least 0.4 (``rules.MIN_RELATED_LENGTH`` and
``rules.SIMILARITY_THRESHOLD`` when this was written), stored both ways. The match page
used to search the trigram index for each of the caller's keys on every request (1.7 ms of
server CPU of its 6); it now reads these rows by primary key.

A term is related when its transaction commits: a deferred constraint trigger takes one
advisory lock, then compares the new term with every committed one. Two transactions
adding similar new names therefore run their comparisons one after the other, and the later
one sees the earlier one's term (each statement of the trigger takes a fresh snapshot
under READ COMMITTED, the isolation every writer of the vocabulary uses). Taking the lock at
commit, not when the row is inserted, means a transaction never waits for another one's new
term while it holds the lock, so the two cannot deadlock. SQLite keeps finding similar names
with its FTS5 trigram table (embedded scale) and has no such table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_similar"
down_revision: str | Sequence[str] | None = "0012_match"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIN_LENGTH = 3
THRESHOLD = 0.4
LOCK_ID = 0x5C111A2  # any constant: serialises the comparisons of new terms

# Terms of ``skill_terms`` (alias ``t``) similar to the text expression ``term``.
_SIMILAR = (
    "SELECT t.key FROM skill_terms AS t WHERE t.key % {term} AND t.key <> {term} "
    f"AND char_length(t.key) >= {MIN_LENGTH} AND similarity(t.key, {{term}}) >= {THRESHOLD}"
)

DDL = [
    """
CREATE TABLE skill_terms_similar (
    key varchar(100) NOT NULL REFERENCES skill_terms (key) ON DELETE CASCADE ON UPDATE CASCADE,
    other varchar(100) NOT NULL REFERENCES skill_terms (key) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT pk_skill_terms_similar PRIMARY KEY (key, other)
)""",
    # The foreign key's cascades look rows up by ``other``.
    "CREATE INDEX ix_skill_terms_similar_other ON skill_terms_similar (other)",
    f"""
CREATE OR REPLACE FUNCTION skill_terms_similar_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A renamed term's pairs were renamed by the cascade: they are measured again.
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM skill_terms_similar WHERE key = NEW.key OR other = NEW.key;
    END IF;
    IF char_length(NEW.key) < {MIN_LENGTH}
        OR NOT EXISTS (SELECT 1 FROM skill_terms WHERE key = NEW.key) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_ID});
    -- One search of the trigram index; each similar term is stored both ways.
    INSERT INTO skill_terms_similar (key, other)
    SELECT pair.key, pair.other FROM ({_SIMILAR.format(term="NEW.key")}) AS s
    CROSS JOIN LATERAL (VALUES (NEW.key, s.key), (s.key, NEW.key)) AS pair(key, other)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$""",
    """
CREATE CONSTRAINT TRIGGER skill_terms_similar_add AFTER INSERT OR UPDATE OF key
ON skill_terms DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION skill_terms_similar_add()""",
    f"""
INSERT INTO skill_terms_similar (key, other)
SELECT a.key, s.key FROM skill_terms AS a CROSS JOIN LATERAL ({_SIMILAR.format(term="a.key")}) AS s
WHERE char_length(a.key) >= {MIN_LENGTH}""",
]


def upgrade() -> None:
    """Create and fill the table of similar terms, kept in step by a trigger (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DDL:
        op.execute(statement)


def downgrade() -> None:
    """Drop the table, its trigger and function."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS skill_terms_similar_add ON skill_terms")
    op.execute("DROP FUNCTION IF EXISTS skill_terms_similar_add()")
    op.execute("DROP TABLE IF EXISTS skill_terms_similar")
