"""Dialect-specific SQL of the catalog, one function per need with its SQLite twin beside it.

PostgreSQL: ``INSERT ... ON CONFLICT`` and ``= ANY(array)``, the ``skill_package_summary``
materialized view, ``tsvector`` search. SQLite: the same upsert, ``IN``, a plain aggregate
query, FTS5. Bulk loads go through the project's one loader, ``skillnest.core.bulk``.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    any_,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog.models import Package, PackageSkillMapping, Skill
from skillnest.catalog.ranking import CatalogSkill, Mapping
from skillnest.core.db import Base, is_postgres

# --- upserts ------------------------------------------------------------------------------


def upsert_statement(session: AsyncSession, model: type[Base]) -> Any:
    """The dialect's ``INSERT`` construct that supports ``on_conflict_*``."""
    table = cast(Table, model.__table__)
    return pg_insert(table) if is_postgres(session) else sqlite_insert(table)


def any_of(session: AsyncSession, column: Any, values: list[str]) -> Any:
    """``column = ANY(:array)`` on PostgreSQL, ``column IN (...)`` on SQLite.

    One statement text whatever the list length, so psycopg prepares it once per connection.
    """
    if is_postgres(session):
        array = bindparam("any_values", value=values, type_=postgresql.ARRAY(String), unique=True)
        return column == any_(array)
    return column.in_(values)


# --- the summary view ----------------------------------------------------------------------


async def refresh_summary(session: AsyncSession) -> bool:
    """Refresh ``skill_package_summary`` without blocking readers (PostgreSQL only).

    SQLite has no materialized views: it answers the same questions with the plain query of
    :func:`catalog_snapshot`, so there is nothing to refresh.
    """
    if not is_postgres(session):
        return False
    await session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY skill_package_summary"))
    return True


async def catalog_snapshot(session: AsyncSession) -> list[CatalogSkill]:
    """Every active skill with all its mappings, as ranking sees them.

    PostgreSQL reads the materialized view (one row per skill, as fresh as its last refresh);
    SQLite aggregates the live tables.
    """
    if is_postgres(session):
        rows = await session.execute(
            text(
                "SELECT id, skill_id, title, description, repo, installs, package_names, "
                "package_ecosystems, confidence_scores FROM skill_package_summary "
                "ORDER BY skill_id"
            )
        )
        return [
            CatalogSkill(
                id=str(r.id),
                skill_id=r.skill_id,
                title=r.title,
                description=r.description,
                repo=r.repo,
                installs=r.installs,
                mappings=tuple(
                    Mapping(n, e, float(c))
                    for n, e, c in zip(
                        r.package_names, r.package_ecosystems, r.confidence_scores, strict=True
                    )
                ),
            )
            for r in rows
        ]
    skills = await session.execute(
        select(Skill.id, Skill.skill_id, Skill.title, Skill.description, Skill.repo, Skill.installs)
        .where(Skill.is_active.is_(True))
        .order_by(Skill.skill_id)
    )
    mappings: dict[Any, list[Mapping]] = {}
    for row in await session.execute(
        select(
            PackageSkillMapping.skill_id,
            Package.name,
            Package.ecosystem,
            PackageSkillMapping.confidence_score,
        )
        .join(Package, Package.id == PackageSkillMapping.package_id)
        .order_by(Package.ecosystem, Package.name)
    ):
        mappings.setdefault(row.skill_id, []).append(
            Mapping(row.name, row.ecosystem, float(row.confidence_score))
        )
    return [
        CatalogSkill(
            id=str(r.id),
            skill_id=r.skill_id,
            title=r.title,
            description=r.description,
            repo=r.repo,
            installs=r.installs,
            mappings=tuple(mappings.get(r.id, ())),
        )
        for r in skills
    ]


# --- full-text search ----------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(q: str) -> list[str]:
    """The words of a search; punctuation and query syntax are ignored on both dialects."""
    return _WORD.findall(q.lower())[:20]


def apply_search(
    session: AsyncSession, statement: Select[Any], terms: list[str]
) -> tuple[Select[Any], ColumnElement[Any]]:
    """Filter skills to those matching every term; return the statement and a relevance score.

    PostgreSQL: the trigger-maintained ``search_vector`` (GIN) with ``plainto_tsquery`` and
    ``ts_rank_cd``. SQLite: the FTS5 table ``skills_fts`` (title, description, tags) joined
    on rowid, ranked by BM25. Higher relevance is better on both.
    """
    if is_postgres(session):
        query = func.plainto_tsquery("english", bindparam("search_q", " ".join(terms)))
        vector = Skill.__table__.c.search_vector
        rank: ColumnElement[Any] = func.ts_rank_cd(vector, query)
        return statement.where(vector.op("@@")(query)), rank
    match = " ".join(f'"{term}"' for term in terms)
    relevance: ColumnElement[Any] = -literal_column("bm25(skills_fts, 10.0, 4.0, 2.0)")
    fts = table("skills_fts", column("rowid"))
    statement = statement.join(fts, fts.c.rowid == literal_column("skills.rowid")).where(
        text("skills_fts MATCH :search_q").bindparams(search_q=match)
    )
    return statement, relevance


# --- suggest, ranked in SQL ----------------------------------------------------------------

# ranking.rank_rows in one statement over suggest_mappings (migration 0012_suggest2), so no
# candidate row crosses to Python: the requested packages come with their gate (0 any
# mapping counts, 1 front-matter evidence or a skill named after the package, 2 a registry's
# own mapping only) and popularity rank, the packages of installed skills that were not
# requested, and the hidden skill_ids (installed or disabled). Returned: the page in order
# (tier, skill_id, installs, best score, matched package indexes, the skill's details), each
# row with ``total`` and the indexes of every matched requested package. Scores are
# hundredths, so sums are exact; skill_id ties sort by code point (C / BINARY collation).
_SUGGEST_ORDER = "tier, grp, k1, k2, popularity, {p}installs DESC, {p}skill_id {collate}"
_COUNTS = (
    "m.is_active AND m.skill_id NOT IN (SELECT skill_id FROM hidden) "
    "AND (m.score >= 100 OR (w.gate < 2 AND (w.gate = 0 OR m.score >= 90 OR m.named)))"
)
_SUGGEST_BODY = f"""
tier1 AS MATERIALIZED (
    SELECT m.skill_id, max(m.installs) AS installs, max(m.score) AS best,
        sum(m.score) AS strength, min(w.rank) AS popularity,
        max(CASE WHEN m.named THEN 1 ELSE 0 END) AS named, {{agg_k}} AS keys
    FROM wanted AS w
    JOIN suggest_mappings AS m ON m.ecosystem = w.ecosystem AND m.name = w.name
    WHERE {_COUNTS}
    GROUP BY m.skill_id
),
tier2 AS (
    SELECT m.skill_id, max(m.installs) AS installs, max(m.score) AS best, {{agg_ik}} AS keys
    FROM shared AS i
    JOIN suggest_mappings AS m ON m.ecosystem = i.ecosystem AND m.name = i.name
    WHERE m.is_active AND m.skill_id NOT IN (SELECT skill_id FROM hidden)
      AND m.skill_id NOT IN (SELECT skill_id FROM tier1)
    GROUP BY m.skill_id
),
grouped AS (
    SELECT skill_id, installs, best, strength, popularity, keys,
        CASE WHEN best >= 100 THEN 0 WHEN named = 1 THEN 1 ELSE 2 END AS grp
    FROM tier1
),
ranked AS (
    SELECT 1 AS tier, grp, skill_id, installs, best, keys,
        CASE grp WHEN 0 THEN 0 WHEN 1 THEN -best ELSE -strength END AS k1,
        CASE grp WHEN 0 THEN 0 WHEN 1 THEN -strength ELSE -best END AS k2,
        CASE grp WHEN 0 THEN 0 ELSE popularity END AS popularity
    FROM grouped
    UNION ALL
    SELECT 2, 0, skill_id, installs, best, keys, -best, 0, 0 FROM tier2
),
page AS (SELECT * FROM ranked ORDER BY {{order}} LIMIT :limit)
SELECT tier, p.skill_id, p.installs, best, keys, s.id, s.title, s.description, s.repo,
    (SELECT count(*) FROM tier1) + (SELECT count(*) FROM tier2) AS total,
    (SELECT {{agg_matched}} FROM wanted AS w WHERE EXISTS (
        SELECT 1 FROM suggest_mappings AS m
        WHERE m.ecosystem = w.ecosystem AND m.name = w.name AND {_COUNTS})) AS matched
FROM page AS p JOIN skills AS s ON s.skill_id = p.skill_id
ORDER BY {{page_order}}
"""
SUGGEST_PG = text(
    """WITH wanted AS MATERIALIZED (
    SELECT w.name, w.ecosystem, w.gate, w.rank, w.k - 1 AS k
    FROM unnest(CAST(:names AS text[]), CAST(:ecosystems AS text[]), CAST(:gates AS int[]),
        CAST(:ranks AS int[])) WITH ORDINALITY AS w(name, ecosystem, gate, rank, k)
),
shared AS MATERIALIZED (
    SELECT i.name, i.ecosystem, i.k - 1 AS k
    FROM unnest(CAST(:shared_names AS text[]), CAST(:shared_ecosystems AS text[]))
        WITH ORDINALITY AS i(name, ecosystem, k)
),
hidden AS MATERIALIZED (SELECT unnest(CAST(:hidden AS text[])) AS skill_id),"""
    + _SUGGEST_BODY.format(
        agg_k="array_agg(w.k)",
        agg_ik="array_agg(i.k)",
        agg_matched="array_agg(w.k)",
        order=_SUGGEST_ORDER.format(p="", collate='COLLATE "C"'),
        page_order=_SUGGEST_ORDER.format(p="p.", collate='COLLATE "C"'),
    )
)
# SQLite: the lists as JSON arrays (json_each), group_concat for the index lists.
SUGGEST_SQLITE = text(
    """WITH wanted AS MATERIALIZED (
    SELECT json_extract(value, '$[0]') AS name, json_extract(value, '$[1]') AS ecosystem,
        json_extract(value, '$[2]') AS gate, json_extract(value, '$[3]') AS rank, key AS k
    FROM json_each(:wanted)
),
shared AS MATERIALIZED (
    SELECT json_extract(value, '$[0]') AS name, json_extract(value, '$[1]') AS ecosystem,
        key AS k
    FROM json_each(:shared)
),
hidden AS MATERIALIZED (SELECT value AS skill_id FROM json_each(:hidden)),"""
    + _SUGGEST_BODY.format(
        agg_k="group_concat(w.k)",
        agg_ik="group_concat(i.k)",
        agg_matched="group_concat(w.k)",
        order=_SUGGEST_ORDER.format(p="", collate=""),
        page_order=_SUGGEST_ORDER.format(p="p.", collate=""),
    )
)
