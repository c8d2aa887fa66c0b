"""vocab: one skill vocabulary (aliases, trigram similarity) for exchange matches and careers.

Revision ID: 0010_vocab
Revises: 0009_gauge2
Create Date: 2026-12-01 13:00:00

``skill_terms`` holds every lower-cased skill name people use (exchange profiles and careers
skills, kept in step by triggers) and the curated aliases, each with the key of the term it
stands for. PostgreSQL finds similar terms with ``pg_trgm`` (the extension is created here:
the role running migrations must be allowed to, see docs/deployment.md); SQLite with an FTS5
table using the trigram tokenizer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_vocab"
down_revision: str | Sequence[str] | None = "0009_gauge2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Canonical term: its aliases. Spellings of one skill only, never neighbours ("java" is not
# "javascript"); similar names are found by trigram similarity instead.
ALIASES: dict[str, tuple[str, ...]] = {
    "javascript": ("js", "ecmascript"),
    "typescript": ("ts",),
    "python": ("py", "python3"),
    "go": ("golang",),
    "kubernetes": ("k8s",),
    "postgresql": ("postgres", "psql"),
    "node.js": ("node", "nodejs"),
    "react": ("react.js", "reactjs"),
    "vue": ("vue.js", "vuejs"),
    "c++": ("cpp",),
    "c#": ("csharp",),
    "machine learning": ("ml",),
    "artificial intelligence": ("ai",),
    "natural language processing": ("nlp",),
    "search engine optimization": ("seo",),
    "amazon web services": ("aws",),
    "google cloud platform": ("gcp", "google cloud"),
    "user experience design": ("ux", "ux design"),
    "user interface design": ("ui design",),
    "microsoft excel": ("excel", "ms excel"),
    "adobe photoshop": ("photoshop",),
    "spanish": ("español", "castellano"),
    "german": ("deutsch",),
    "french": ("français",),
}

PG_DDL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_skill_terms_key_trgm ON skill_terms USING gin (key gin_trgm_ops)",
    # New names join the vocabulary as they are saved, in key order so that two profiles
    # adding the same new names never wait on each other in opposite orders.
    """
CREATE OR REPLACE FUNCTION skill_terms_from_profile() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO skill_terms (key, canonical)
    SELECT DISTINCT k, k FROM unnest(
        coalesce(exchange_lower_skills(NEW.skills_to_offer), '{}')
        || coalesce(exchange_lower_skills(NEW.skills_to_learn), '{}')) AS t(k)
    WHERE k IS NOT NULL AND k <> '' ORDER BY k
    ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER users_skill_terms AFTER INSERT OR UPDATE OF skills_to_offer, skills_to_learn
ON users FOR EACH ROW EXECUTE FUNCTION skill_terms_from_profile()""",
    """
CREATE OR REPLACE FUNCTION skill_terms_from_career() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO skill_terms (key, canonical) VALUES (lower(NEW.name), lower(NEW.name))
    ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER user_skills_skill_terms AFTER INSERT OR UPDATE OF name
ON user_skills FOR EACH ROW EXECUTE FUNCTION skill_terms_from_career()""",
]
PG_BACKFILL = """
INSERT INTO skill_terms (key, canonical)
SELECT DISTINCT k, k FROM (
    SELECT unnest(exchange_lower_skills(skills_to_offer)) AS k FROM users
    UNION SELECT unnest(exchange_lower_skills(skills_to_learn)) FROM users
    UNION SELECT lower(name) FROM user_skills
    UNION SELECT unnest(skill_keys) FROM jobs
) AS names WHERE k IS NOT NULL AND k <> '' AND char_length(k) <= 100
ON CONFLICT (key) DO NOTHING
"""

_SQLITE_PROFILE_INSERT = (
    "INSERT OR IGNORE INTO skill_terms (key, canonical) "
    "SELECT lower(value), lower(value) FROM json_each(coalesce(NEW.skills_to_offer, '[]')) "
    "WHERE value <> '' UNION "
    "SELECT lower(value), lower(value) FROM json_each(coalesce(NEW.skills_to_learn, '[]')) "
    "WHERE value <> ''; "
)
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE skill_terms_fts USING fts5("
    "key, content='skill_terms', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER skill_terms_fts_insert AFTER INSERT ON skill_terms BEGIN "
    "INSERT INTO skill_terms_fts(rowid, key) VALUES (new.rowid, new.key); END",
    "CREATE TRIGGER skill_terms_fts_delete AFTER DELETE ON skill_terms BEGIN "
    "INSERT INTO skill_terms_fts(skill_terms_fts, rowid, key) "
    "VALUES ('delete', old.rowid, old.key); END",
    f"CREATE TRIGGER users_skill_terms_insert AFTER INSERT ON users BEGIN "
    f"{_SQLITE_PROFILE_INSERT}END",
    "CREATE TRIGGER users_skill_terms_update AFTER UPDATE OF skills_to_offer, skills_to_learn "
    f"ON users BEGIN {_SQLITE_PROFILE_INSERT}END",
    "CREATE TRIGGER user_skills_skill_terms AFTER INSERT ON user_skills BEGIN "
    "INSERT OR IGNORE INTO skill_terms (key, canonical) "
    "VALUES (lower(NEW.name), lower(NEW.name)); END",
    "CREATE TRIGGER user_skills_skill_terms_update AFTER UPDATE OF name ON user_skills BEGIN "
    "INSERT OR IGNORE INTO skill_terms (key, canonical) "
    "VALUES (lower(NEW.name), lower(NEW.name)); END",
]
SQLITE_BACKFILL = """
INSERT OR IGNORE INTO skill_terms (key, canonical)
SELECT k, k FROM (
    SELECT lower(o.value) AS k FROM users, json_each(coalesce(users.skills_to_offer, '[]')) AS o
    UNION SELECT lower(l.value) FROM users, json_each(coalesce(users.skills_to_learn, '[]')) AS l
    UNION SELECT lower(name) FROM user_skills
    UNION SELECT j.value FROM jobs, json_each(coalesce(jobs.skill_keys, '[]')) AS j
) WHERE k IS NOT NULL AND k <> '' AND length(k) <= 100
"""
SQLITE_TRIGGERS = (
    "skill_terms_fts_insert",
    "skill_terms_fts_delete",
    "users_skill_terms_insert",
    "users_skill_terms_update",
    "user_skills_skill_terms",
    "user_skills_skill_terms_update",
)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "skill_terms",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("canonical", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_skill_terms")),
    )
    op.create_index("ix_skill_terms_canonical", "skill_terms", ["canonical"], unique=False)
    postgres = _is_postgres()
    for statement in PG_DDL if postgres else SQLITE_DDL:
        op.execute(statement)
    terms = sa.table("skill_terms", sa.column("key"), sa.column("canonical"))
    op.bulk_insert(
        terms,
        [
            {"key": key, "canonical": canonical}
            for canonical, aliases in ALIASES.items()
            for key in (canonical, *aliases)
        ],
    )
    op.execute(PG_BACKFILL if postgres else SQLITE_BACKFILL)


def downgrade() -> None:
    if _is_postgres():
        op.execute("DROP TRIGGER IF EXISTS user_skills_skill_terms ON user_skills")
        op.execute("DROP TRIGGER IF EXISTS users_skill_terms ON users")
        op.execute("DROP FUNCTION IF EXISTS skill_terms_from_career()")
        op.execute("DROP FUNCTION IF EXISTS skill_terms_from_profile()")
        op.execute("DROP INDEX IF EXISTS ix_skill_terms_key_trgm")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS skill_terms_fts")
    op.drop_index("ix_skill_terms_canonical", table_name="skill_terms")
    op.drop_table("skill_terms")
