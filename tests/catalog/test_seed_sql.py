"""Seed 004's SQL on a skillnest database: its INSERTs, its view, its search index."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

# INSERT statements written against seed 004's column lists, relying on its defaults
# (UUIDs, timestamps, is_active, confidence_score 1.0, mapping_source 'inferred').
SEED_INSERTS = {
    "user": (
        "INSERT INTO users (name, email, password_hash) "
        "VALUES ('Seed User', 'seed-004@example.org', 'x') RETURNING id"
    ),
    "package": (
        "INSERT INTO packages (name, description, npm_url) VALUES "
        "('react', 'The library for web and native user interfaces.', "
        "'https://www.npmjs.com/package/react') RETURNING id"
    ),
    "skill": (
        "INSERT INTO skills (skill_id, title, description, repo, installs, source_url) VALUES "
        "('vercel-react-best-practices', 'Vercel React Best Practices', "
        "'React and Next.js performance optimization guidelines', 'vercel-labs/agent-skills', "
        "25500, 'https://skills.sh/vercel-labs/agent-skills/vercel-react-best-practices') "
        "RETURNING id"
    ),
    "mapping": (
        "INSERT INTO package_skill_mappings (package_id, skill_id) VALUES (:package, :skill) "
        "RETURNING confidence_score, mapping_source"
    ),
    "tag": "INSERT INTO tags (name, category) VALUES ('frontend', 'category') RETURNING id",
    "skill_tag": "INSERT INTO skill_tags (skill_id, tag_id) VALUES (:skill, :tag)",
    "version": (
        "INSERT INTO skill_versions (skill_id, version, changelog) "
        "VALUES (:skill, '1.0.0', 'First release')"
    ),
    "analytics": (
        "INSERT INTO analytics (skill_id, package_id, event_type, user_id, metadata) "
        "VALUES (:skill, :package, 'installed', :user, '{\"agent\": \"cursor\"}') RETURNING id"
    ),
}
PREFERENCE_PG = (
    "INSERT INTO user_skill_preferences (user_id, skill_id, is_enabled, preferred_agents, "
    "preferred_scope) VALUES (:user, :skill, TRUE, ARRAY['cursor', 'windsurf'], 'global')"
)
PREFERENCE_SQLITE = (  # SQLite has no arrays: the same list as JSON
    "INSERT INTO user_skill_preferences (user_id, skill_id, is_enabled, preferred_agents, "
    "preferred_scope) VALUES (:user, :skill, TRUE, '[\"cursor\", \"windsurf\"]', 'global')"
)
SEED_VIEW = """
CREATE MATERIALIZED VIEW seed_skill_package_summary AS
SELECT
  s.id as skill_id,
  s.skill_id,
  s.title,
  s.installs,
  array_agg(p.name) as package_names,
  array_agg(psm.confidence_score) as confidence_scores
FROM skills s
JOIN package_skill_mappings psm ON s.id = psm.skill_id
JOIN packages p ON psm.package_id = p.id
WHERE s.is_active = TRUE
GROUP BY s.id, s.skill_id, s.title, s.installs
"""


@pytest.fixture
def conn(sync_engine):
    with sync_engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def run_seed_inserts(conn, backend):
    ids = {}
    ids["user"] = conn.execute(text(SEED_INSERTS["user"])).scalar_one()
    ids["package"] = conn.execute(text(SEED_INSERTS["package"])).scalar_one()
    ids["skill"] = conn.execute(text(SEED_INSERTS["skill"])).scalar_one()
    mapping = conn.execute(text(SEED_INSERTS["mapping"]), ids).one()
    ids["tag"] = conn.execute(text(SEED_INSERTS["tag"])).scalar_one()
    conn.execute(text(SEED_INSERTS["skill_tag"]), ids)
    conn.execute(text(SEED_INSERTS["version"]), ids)
    conn.execute(text(SEED_INSERTS["analytics"]), ids)
    conn.execute(text(PREFERENCE_PG if backend == "postgresql" else PREFERENCE_SQLITE), ids)
    return ids, mapping


def test_seed_inserts_run_unchanged_with_the_seeds_defaults(conn, backend):
    ids, mapping = run_seed_inserts(conn, backend)
    assert float(mapping.confidence_score) == 1.0 and mapping.mapping_source == "inferred"
    package = conn.execute(text("SELECT ecosystem, created_at FROM packages")).one()
    assert package.ecosystem == "npm" and package.created_at is not None
    skill = conn.execute(text("SELECT is_active, installs FROM skills")).one()
    assert bool(skill.is_active) and skill.installs == 25500
    preference = conn.execute(
        text("SELECT preferred_agents, preferred_scope, is_enabled FROM user_skill_preferences")
    ).one()
    agents = preference.preferred_agents
    assert (agents if backend == "postgresql" else json.loads(agents)) == ["cursor", "windsurf"]
    metadata = conn.execute(text("SELECT metadata FROM analytics")).scalar_one()
    assert (metadata if backend == "postgresql" else json.loads(metadata)) == {"agent": "cursor"}
    # Deleting the skill keeps the event (skill_id set NULL) and drops its mappings.
    conn.execute(text("DELETE FROM skills"))
    assert conn.execute(text("SELECT skill_id FROM analytics")).scalar_one() is None
    assert conn.execute(text("SELECT count(*) FROM package_skill_mappings")).scalar_one() == 0


def test_package_names_are_unique_per_ecosystem(conn, backend):
    run_seed_inserts(conn, backend)
    conn.execute(text("INSERT INTO packages (name, ecosystem) VALUES ('react', 'pypi')"))
    with pytest.raises(IntegrityError), conn.begin_nested():
        conn.execute(text("INSERT INTO packages (name) VALUES ('react')"))
    with pytest.raises(IntegrityError), conn.begin_nested():
        conn.execute(text("INSERT INTO packages (name, ecosystem) VALUES ('x', 'cargo')"))


def test_summary_view_and_search_index(conn, backend):
    run_seed_inserts(conn, backend)
    if backend == "postgresql":
        conn.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY skill_package_summary"))
        row = conn.execute(
            text(
                "SELECT skill_id, package_names, confidence_scores FROM skill_package_summary "
                "WHERE package_names @> ARRAY['react']::varchar[]"
            )
        ).one()
        assert row.skill_id == "vercel-react-best-practices"
        assert row.package_names == ["react"] and [float(c) for c in row.confidence_scores] == [1.0]
        indexes = set(
            conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE tablename = 'skill_package_summary'")
            ).scalars()
        )
        assert any("UNIQUE" in d and "(id)" in d for d in indexes)
        assert any("gin (package_names)" in d for d in indexes)
        # The trigger keeps the tsvector current, tags included.
        hits = conn.execute(
            text(
                "SELECT skill_id FROM skills WHERE search_vector @@ plainto_tsquery('english', "
                "'frontend performance')"
            )
        ).scalars()
        assert list(hits) == ["vercel-react-best-practices"]
    else:
        # SQLite: no materialized views; the FTS5 table is kept by triggers, tags included.
        assert (
            conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'skill_package_summary'")
            ).scalar_one()
            == 0
        )
        hits = conn.execute(
            text(
                "SELECT s.skill_id FROM skills_fts JOIN skills s ON s.rowid = skills_fts.rowid "
                'WHERE skills_fts MATCH \'"frontend" "performance"\''
            )
        ).scalars()
        assert list(hits) == ["vercel-react-best-practices"]
    conn.execute(text("UPDATE skills SET title = 'Renamed'"))
    conn.execute(text("DELETE FROM skill_tags"))
    if backend == "postgresql":
        search = "SELECT count(*) FROM skills WHERE search_vector @@ plainto_tsquery('english', :q)"
    else:
        search = "SELECT count(*) FROM skills_fts WHERE skills_fts MATCH :q"
    assert conn.execute(text(search), {"q": "renamed"}).scalar_one() == 1
    assert conn.execute(text(search), {"q": "frontend"}).scalar_one() == 0


def test_the_seeds_own_view_is_rejected_as_written(conn, backend):
    """Why the migration renames the uuid column: two columns named skill_id."""
    if backend == "postgresql":
        with pytest.raises(ProgrammingError, match='column "skill_id" specified more than once'):
            conn.execute(text(SEED_VIEW))
    else:
        with pytest.raises(OperationalError, match="syntax error"):
            conn.execute(text(SEED_VIEW))
