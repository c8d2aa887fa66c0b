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
