"""Dialect-specific job queries, each with its PostgreSQL form and its SQLite twin.

- full text: the generated ``jobs.search_vector`` (GIN) with ``websearch_to_tsquery`` on
  PostgreSQL; the ``jobs_fts`` FTS5 table (triggers keep it in step) on SQLite;
- skills: array containment/overlap on ``jobs.skill_keys`` (GIN) on PostgreSQL;
  ``json_each`` on SQLite.
The objects themselves are created by the careers migration.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    cast,
    column,
    exists,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from skillnest.careers.jobs.models import Job

_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=8192)  # imports fold the same few thousand skill names again and again
def skill_key(name: str) -> str:
    """The case-folded form skills are matched by."""
    return " ".join(name.casefold().split())


def skill_keys(names: Sequence[str] | None) -> list[str]:
    """Distinct matching keys of skill names, in order."""
    keys: list[str] = []
    for name in names or ():
        key = skill_key(name)
        if key and key not in keys:
            keys.append(key)
    return keys


def fts5_query(text_query: str) -> str | None:
    """An FTS5 MATCH expression: every word of the query, quoted, all required."""
    words = _WORD.findall(text_query)
    if not words:
        return None
    return " ".join(f'"{word}"' for word in words[:20])


TEXT_MATCH_WINDOW = 500
"""Text search ranks the newest matches by relevance: ranking every match of a common word
over 100,000 listings costs a full scan, the newest 500 stay cheap (see docs/careers.md)."""


def _tsquery(text_query: str) -> Any:
    return func.websearch_to_tsquery(literal_column("'english'"), text_query)


def matches_text(text_query: str, *, postgres: bool) -> ColumnElement[bool]:
    """Jobs whose title, company, location or description match every word of the query."""
    if postgres:
        vector: ColumnElement[Any] = literal_column("jobs.search_vector")
        return vector.op("@@", is_comparison=True)(_tsquery(text_query))
    match = fts5_query(text_query)
    if match is None:
        return literal_column("0") == 1
    return Job.id.in_(
        text("SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH :m").bindparams(m=match)
    )


def _sqlite_skill_hits(keys: list[str]) -> Any:
    each = func.json_each(Job.skill_keys).table_valued("value")
    return select(func.count(func.distinct(each.c.value))).where(each.c.value.in_(keys))


def has_all_skills(keys: list[str], *, postgres: bool) -> ColumnElement[bool]:
    """Jobs that require every one of the skills."""
    if postgres:
        return Job.skill_keys.op("@>", is_comparison=True)(_pg_array(keys))
    return _sqlite_skill_hits(keys).scalar_subquery() == len(keys)


def has_any_skill(keys: list[str], *, postgres: bool) -> ColumnElement[bool]:
    """Jobs that require at least one of the skills."""
    if postgres:
        return Job.skill_keys.op("&&", is_comparison=True)(_pg_array(keys))
    each = func.json_each(Job.skill_keys).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value.in_(keys)))


def _pg_array(keys: list[str]) -> Any:
    return postgresql.array(keys, type_=postgresql.VARCHAR(100))


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def job_filters(
    *,
    location: str | None = None,
    remote_type: str | None = None,
    employment_type: str | None = None,
    salary_min: int | None = None,
    skills: Sequence[str] | None = None,
    postgres: bool,
) -> list[ColumnElement[bool]]:
    """The WHERE clauses shared by job search and job alerts."""
    # ILIKE on the bare columns (not lower(column)) lets PostgreSQL estimate from the column
    # statistics, so a filter that keeps many jobs still walks the newest-first index.
    clauses: list[ColumnElement[bool]] = []
    if location:
        clauses.append(Job.location.ilike(f"%{_like_escape(location)}%", escape="\\"))
    if remote_type:
        clauses.append(Job.remote_type == remote_type)
    if employment_type:
        clauses.append(Job.employment_type.ilike(_like_escape(employment_type), escape="\\"))
    if salary_min is not None:
        clauses.append(func.coalesce(Job.salary_max, Job.salary_min) >= salary_min)
    keys = skill_keys(skills)
    if keys:
        clauses.append(has_all_skills(keys, postgres=postgres))
    return clauses


def all_of(clauses: list[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    """AND of the clauses, or None when there are none."""
    return and_(*clauses) if clauses else None


# --- job search as pre-built statements ---------------------------------------------------
# A search is one of a few hundred shapes (which filters are set, how many skills); each
# shape's statement is built once with bound parameters, so a request only binds values.


@dataclass(frozen=True)
class SearchShape:
    """Which filters a job search uses (its values travel as bound parameters)."""

    text: bool = False
    location: bool = False
    remote_type: bool = False
    employment_type: bool = False
    salary_min: bool = False
    skills: int = 0  # how many distinct skill keys


def search_parameters(
    *,
    q: str | None,
    location: str | None,
    remote_type: str | None,
    employment_type: str | None,
    salary_min: int | None,
    skills: Sequence[str] | None,
    limit: int,
    offset: int,
    postgres: bool,
) -> tuple[SearchShape, dict[str, Any]]:
    """The shape of a search and the values of its parameters (``job_filters``' rules)."""
    text_query = q.strip() if q and q.strip() else None
    keys = skill_keys(skills)
    params: dict[str, Any] = {"limit": limit + 1, "offset": offset}
    if text_query is not None:
        params["q"] = text_query if postgres else (fts5_query(text_query) or '""')
    if location:
        params["location"] = f"%{_like_escape(location)}%"
    if remote_type:
        params["remote_type"] = remote_type
    if employment_type:
        params["employment_type"] = _like_escape(employment_type)
    if salary_min is not None:
        params["salary_min"] = salary_min
    if keys:
        params["skill_keys"] = keys
        params["skill_count"] = len(keys)
    shape = SearchShape(
        text=text_query is not None,
        location=bool(location),
        remote_type=bool(remote_type),
        employment_type=bool(employment_type),
        salary_min=salary_min is not None,
        skills=len(keys),
    )
    return shape, params


def _shape_filters(shape: SearchShape, *, postgres: bool) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if shape.location:
        clauses.append(Job.location.ilike(bindparam("location"), escape="\\"))
    if shape.remote_type:
        clauses.append(Job.remote_type == bindparam("remote_type"))
    if shape.employment_type:
        clauses.append(Job.employment_type.ilike(bindparam("employment_type"), escape="\\"))
    if shape.salary_min:
        clauses.append(func.coalesce(Job.salary_max, Job.salary_min) >= bindparam("salary_min"))
    if shape.skills and postgres:
        keys = cast(bindparam("skill_keys"), postgresql.ARRAY(postgresql.VARCHAR(100)))
        clauses.append(Job.skill_keys.op("@>", is_comparison=True)(keys))
    elif shape.skills:
        each = func.json_each(Job.skill_keys).table_valued("value")
        hits = select(func.count(func.distinct(each.c.value))).where(
            each.c.value.in_(bindparam("skill_keys", expanding=True))
        )
        clauses.append(hits.scalar_subquery() == bindparam("skill_count"))
    return clauses


@functools.lru_cache(maxsize=512)
def search_statement(shape: SearchShape, columns: tuple[Any, ...], *, postgres: bool) -> Any:
    """The statement of a search shape: newest first, or best text match first."""
    clauses = _shape_filters(shape, postgres=postgres)
    newest = (Job.posted_at.desc(), Job.id.desc())
    query: Select[Any]
    if not shape.text:
        query = select(*columns).where(*clauses).order_by(*newest)
    elif postgres:
        vector: ColumnElement[Any] = literal_column("jobs.search_vector")
        tsquery = func.websearch_to_tsquery(literal_column("'english'"), bindparam("q"))
        inner = (
            select(*columns, func.ts_rank(vector, tsquery).label("rank"))
            .where(vector.op("@@", is_comparison=True)(tsquery), *clauses)
            .order_by(*newest)
            .limit(TEXT_MATCH_WINDOW)
            .subquery("matches")
        )
        query = select(*(inner.c[c.key] for c in columns)).order_by(
            inner.c.rank.desc(), inner.c.posted_at.desc(), inner.c.id.desc()
        )
    else:
        hits = (
            text(
                "SELECT rowid AS job_id, bm25(jobs_fts) AS rank FROM jobs_fts "
                "WHERE jobs_fts MATCH :q"
            )
            .columns(column("job_id"), column("rank"))
            .subquery("fts")
        )
        inner = (
            select(*columns, hits.c.rank.label("rank"))
            .join(hits, hits.c.job_id == Job.id)
            .where(*clauses)
            .order_by(*newest)
            .limit(TEXT_MATCH_WINDOW)
            .subquery("matches")
        )
        query = select(*(inner.c[c.key] for c in columns)).order_by(
            inner.c.rank.asc(), inner.c.posted_at.desc(), inner.c.id.desc()
        )
    return query.limit(bindparam("limit")).offset(bindparam("offset"))


@contextlib.asynccontextmanager
async def planned_for_its_values(
    connection: AsyncConnection, *, postgres: bool
) -> AsyncIterator[None]:
    """Statements run here are planned for their values, never as prepared generic plans.

    psycopg prepares a statement after a few executions, and PostgreSQL then settles on a
    generic plan: for a text search with filters that is a bitmap of every text match
    (52,651 rows for ``data engineer`` at 100,000 jobs, 310 ms) where the values' own plan
    walks the newest-first index (17 ms). Planning each search costs a fraction of a millisecond.
    """
    driver = (await connection.get_raw_connection()).driver_connection if postgres else None
    if driver is None:
        yield
        return
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None  # psycopg: no prepared statements
    try:
        yield
    finally:
        driver.prepare_threshold = threshold
