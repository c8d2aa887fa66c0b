"""catalog: ``suggest_mappings``, the narrow mapping table suggest ranks from in SQL.

Revision ID: 0012_suggest2
Revises: 0011_suggest
Create Date: 2026-12-01 21:00:00

One row per ``package_skill_mappings`` row (same id, deleted with it by the foreign key),
carrying what ranking reads: the package's name and ecosystem, the skill's ``skill_id``,
``installs`` and ``is_active``, the confidence in hundredths (``score``, so sums are exact)
and ``named`` (the skill is named after the package: ``skillnest.catalog.ranking.name_key``
of both sides equal). Triggers on ``package_skill_mappings``, ``skills`` and ``packages``
keep every row in step in the same transaction as the change; existing rows are backfilled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_suggest2"
down_revision: str | Sequence[str] | None = "0011_suggest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, skill_ref, name, ecosystem, skill_id, installs, is_active, score, named"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# ranking.name_key in SQL: ASCII whitespace trimmed, runs of - _ . made one -, ASCII lower.
PG_NAME_KEY = f"""
CREATE OR REPLACE FUNCTION suggest_name_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT translate(regexp_replace(btrim(value, E' \\t\\n\\r\\x0b\\x0c'), '[-_.]+', '-', 'g'),
                 '{UPPER}', '{UPPER.lower()}')
$$"""


def _pg_select(source: str) -> str:
    """The suggest_mappings rows of the mapping rows in ``source`` (aliased n)."""
    return (
        "SELECT n.id, s.id, p.name, p.ecosystem, s.skill_id, s.installs, s.is_active, "
        "round(n.confidence_score * 100)::smallint, "
        "suggest_name_key(s.skill_id) = suggest_name_key(p.name) "
        f"FROM {source} JOIN packages AS p ON p.id = n.package_id "
        "JOIN skills AS s ON s.id = n.skill_id"
    )


PG_DDL = [
    PG_NAME_KEY,
    # Inserts once per statement from the transition table (a COPY of a million mappings is
    # one INSERT ... SELECT, not a call per row).
    f"""
CREATE OR REPLACE FUNCTION suggest_mappings_from_new() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suggest_mappings ({COLUMNS}) {_pg_select("new_mappings AS n")};
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER mappings_insert_suggest AFTER INSERT ON package_skill_mappings
REFERENCING NEW TABLE AS new_mappings
FOR EACH STATEMENT EXECUTE FUNCTION suggest_mappings_from_new()""",
    f"""
CREATE OR REPLACE FUNCTION suggest_mapping_from_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM suggest_mappings WHERE id = OLD.id;
    INSERT INTO suggest_mappings ({COLUMNS})
    {_pg_select("(SELECT NEW.id AS id, NEW.package_id AS package_id, NEW.skill_id AS skill_id, NEW.confidence_score AS confidence_score) AS n")};
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER mappings_update_suggest
AFTER UPDATE OF package_id, skill_id, confidence_score ON package_skill_mappings
FOR EACH ROW EXECUTE FUNCTION suggest_mapping_from_update()""",
    """
CREATE OR REPLACE FUNCTION suggest_mappings_from_skill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE suggest_mappings
    SET skill_id = NEW.skill_id, installs = NEW.installs, is_active = NEW.is_active,
        named = suggest_name_key(NEW.skill_id) = suggest_name_key(name)
    WHERE skill_ref = NEW.id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER skills_update_suggest AFTER UPDATE OF skill_id, installs, is_active ON skills
FOR EACH ROW WHEN (OLD.skill_id IS DISTINCT FROM NEW.skill_id
    OR OLD.installs IS DISTINCT FROM NEW.installs OR OLD.is_active IS DISTINCT FROM NEW.is_active)
EXECUTE FUNCTION suggest_mappings_from_skill()""",
    """
CREATE OR REPLACE FUNCTION suggest_mappings_from_package() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE suggest_mappings AS m
    SET name = NEW.name, ecosystem = NEW.ecosystem,
        named = suggest_name_key(m.skill_id) = suggest_name_key(NEW.name)
    WHERE m.id IN (SELECT id FROM package_skill_mappings WHERE package_id = NEW.id);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER packages_update_suggest AFTER UPDATE OF name, ecosystem ON packages
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.ecosystem IS DISTINCT FROM NEW.ecosystem)
EXECUTE FUNCTION suggest_mappings_from_package()""",
]
PG_TRIGGERS = {
    "mappings_insert_suggest": ("package_skill_mappings", "suggest_mappings_from_new"),
    "mappings_update_suggest": ("package_skill_mappings", "suggest_mapping_from_update"),
    "skills_update_suggest": ("skills", "suggest_mappings_from_skill"),
    "packages_update_suggest": ("packages", "suggest_mappings_from_package"),
}


def sqlite_name_key(value: str) -> str:
    """The same key in SQLite's SQL (no regular expressions there).

    ``_`` and ``.`` become ``-``, then eight passes of ``--`` -> ``-`` collapse any run up to
    256 characters (each pass halves a run; ids and names are at most 255 characters);
    SQLite's ``lower`` folds ASCII only, as the key does.
    """
    key = f"replace(replace(trim({value}, char(32, 9, 10, 13, 11, 12)), '_', '-'), '.', '-')"
    for _ in range(8):
        key = f"replace({key}, '--', '-')"
    return f"lower({key})"


def _sqlite_insert(alias: str, source: str = "") -> str:
    return (
        f"INSERT INTO suggest_mappings ({COLUMNS}) "
        f"SELECT {alias}.id, s.id, p.name, p.ecosystem, s.skill_id, s.installs, s.is_active, "
        f"CAST(round({alias}.confidence_score * 100) AS INTEGER), "
        f"{sqlite_name_key('s.skill_id')} = {sqlite_name_key('p.name')} "
        f"FROM {source}packages AS p, skills AS s WHERE p.id = {alias}.package_id "
        f"AND s.id = {alias}.skill_id; "
    )


SQLITE_DDL = [
    "CREATE TRIGGER mappings_suggest_insert AFTER INSERT ON package_skill_mappings "
    f"BEGIN {_sqlite_insert('NEW')}END",
    "CREATE TRIGGER mappings_suggest_update "
    "AFTER UPDATE OF package_id, skill_id, confidence_score ON package_skill_mappings "
    f"BEGIN DELETE FROM suggest_mappings WHERE id = OLD.id; {_sqlite_insert('NEW')}END",
    "CREATE TRIGGER skills_suggest_update AFTER UPDATE OF skill_id, installs, is_active ON skills "
    "WHEN OLD.skill_id IS NOT NEW.skill_id OR OLD.installs IS NOT NEW.installs "
    "OR OLD.is_active IS NOT NEW.is_active "
    "BEGIN UPDATE suggest_mappings SET skill_id = NEW.skill_id, installs = NEW.installs, "
    f"is_active = NEW.is_active, named = {sqlite_name_key('NEW.skill_id')} = "
    f"{sqlite_name_key('name')} WHERE skill_ref = NEW.id; END",
    "CREATE TRIGGER packages_suggest_update AFTER UPDATE OF name, ecosystem ON packages "
    "WHEN OLD.name IS NOT NEW.name OR OLD.ecosystem IS NOT NEW.ecosystem "
    "BEGIN UPDATE suggest_mappings SET name = NEW.name, ecosystem = NEW.ecosystem, "
    f"named = {sqlite_name_key('skill_id')} = {sqlite_name_key('NEW.name')} "
    "WHERE id IN (SELECT id FROM package_skill_mappings WHERE package_id = NEW.id); END",
]
SQLITE_TRIGGERS = (
    "mappings_suggest_insert",
    "mappings_suggest_update",
    "skills_suggest_update",
    "packages_suggest_update",
)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgres = _is_postgres()
    op.create_table(
        "suggest_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("skill_ref", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("ecosystem", sa.String(length=10), nullable=False),
        sa.Column("skill_id", sa.String(length=255), nullable=False),
        sa.Column("installs", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"],
            ["package_skill_mappings.id"],
            name=op.f("fk_suggest_mappings_id_package_skill_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggest_mappings")),
    )
    if postgres:
        op.execute(PG_NAME_KEY)
        op.execute(
            f"INSERT INTO suggest_mappings ({COLUMNS}) " + _pg_select("package_skill_mappings AS n")
        )
    else:
        op.execute(_sqlite_insert("n", "package_skill_mappings AS n, "))
    op.create_index(
        "idx_suggest_mappings_package",
        "suggest_mappings",
        ["ecosystem", "name", "is_active", "score", "named", "installs", "skill_id"],
    )
    op.create_index("idx_suggest_mappings_skill", "suggest_mappings", ["skill_ref"])
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
    op.drop_index("idx_suggest_mappings_skill", table_name="suggest_mappings")
    op.drop_index("idx_suggest_mappings_package", table_name="suggest_mappings")
    op.drop_table("suggest_mappings")
    if _is_postgres():
        op.execute("DROP FUNCTION IF EXISTS suggest_name_key(text)")
