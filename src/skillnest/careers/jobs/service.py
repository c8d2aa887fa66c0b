"""Job listings: add, change, bulk import (upsert), search, and users' saved jobs.

Dialect-specific SQL lives in ``jobs.dialect``; the import path goes through the one COPY
loader, ``skillnest.core.bulk.bulk_insert``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from psycopg.errors import UniqueViolation
from pydantic import TypeAdapter
from sqlalchemy import Integer, any_, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from skillnest.careers.jobs import dialect, schemas, search_cache
from skillnest.careers.jobs.models import Job, JobMatchScore, SavedJob
from skillnest.core.bulk import BulkValidator, bulk_insert
from skillnest.core.cache import Cache
from skillnest.core.db import is_postgres
from skillnest.core.errors import BadRequest, NotFound, conflict_on_integrity
from skillnest.core.pages import Page, page_of

JOBS_TAG = "careers:jobs"
NO_SUCH_JOB = "No such job."
REQUIRED_JOB_FIELDS = ("title", "company", "remote_type")

JOB_SUMMARY_COLUMNS = (
    Job.id,
    Job.title,
    Job.company,
    Job.location,
    Job.remote_type,
    Job.employment_type,
    Job.salary_min,
    Job.salary_max,
    Job.required_skills,
    Job.posted_at,
)
JOBS = BulkValidator(schemas.JobIn)
"""Validates and dumps job listings a batch at a time (imports, the demo data)."""
# What an upsert refreshes of a listing it finds again: everything but its identity.
_IDENTITY = ("source", "external_id")


def _job_values(data: dict[str, Any]) -> dict[str, Any]:
    """Column values of a listing: the skill keys derived, an unknown posted_at left out."""
    if "required_skills" in data:
        data["skill_keys"] = dialect.skill_keys(data["required_skills"])
    if "posted_at" in data and data["posted_at"] is None:
        del data["posted_at"]  # unknown: the database stamps the time it was added
    return data


async def jobs_changed(
    *, session: AsyncSession, cache: Cache, job_ids: Iterable[int] | None = None
) -> None:
    """After job writes: their stored match scores go, every recommendation list is stale.

    Once the transaction commits, cached search pages and recommendations are retired again
    (``search_cache.announce_jobs_changed``): a reader between this call and the commit may
    have cached what the commit replaces.
    """
    ids = list(job_ids or [])
    if ids:
        await session.execute(delete(JobMatchScore).where(JobMatchScore.job_id.in_(ids)))
    await cache.invalidate_tag(JOBS_TAG)
    search_cache.announce_after_commit(session, cache)


async def create_job(
    *, session: AsyncSession, cache: Cache, data: schemas.JobIn
) -> schemas.JobRead:
    """Add a job listing (admins); the (source, external_id) pair is unique."""
    job = Job(**_job_values(data.model_dump()))
    session.add(job)
    detail = f"A job {data.external_id!r} from source {data.source!r} already exists."
    async with conflict_on_integrity(session, detail):
        await session.flush()
    await jobs_changed(session=session, cache=cache)
    return schemas.JobRead.model_validate(job)


async def _job_row(session: AsyncSession, job_id: int) -> Job:
    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound(NO_SUCH_JOB)
    return job


async def get_job(*, session: AsyncSession, job_id: int) -> schemas.JobRead:
    """A job by id."""
    return schemas.JobRead.model_validate(await _job_row(session, job_id))


async def update_job(
    *, session: AsyncSession, cache: Cache, job_id: int, data: schemas.JobUpdate
) -> schemas.JobRead:
    """Change a listing (admins); the match scores of the job are recomputed on next read."""
    job = await _job_row(session, job_id)
    for field, value in _job_values(data.model_dump(exclude_unset=True)).items():
        if value is None and field in REQUIRED_JOB_FIELDS:
            raise BadRequest(f"{field} cannot be empty.")
        setattr(job, field, value)
    if (
        job.salary_min is not None
        and job.salary_max is not None
        and job.salary_max < job.salary_min
    ):
        raise BadRequest("salary_max is below salary_min.")
    job.updated_at = datetime.now(UTC)
    await session.flush()
    await jobs_changed(session=session, cache=cache, job_ids=[job_id])
    return schemas.JobRead.model_validate(job)


def job_rows(jobs: Sequence[schemas.JobIn]) -> list[dict[str, Any]]:
    """Column values of distinct listings; of two with one (source, external_id), the later."""
    unique = {(j.source, j.external_id): j for j in jobs}  # one row may not be hit twice
    return [_job_values(row) for row in JOBS.dump(list(unique.values()))]


async def upsert_jobs(*, session: AsyncSession, jobs: Sequence[schemas.JobIn]) -> list[int]:
    """Insert or refresh listings keyed by (source, external_id); return their ids."""
    return await _upsert_rows(session=session, rows=job_rows(jobs))


async def load_job_rows(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert the rows of ``job_rows`` (imports); return how many listings were written.

    On PostgreSQL a batch is first copied straight into ``jobs`` under a savepoint: when its
    listings are all new (a first import) there is no staging table, no ``ON CONFLICT`` and no
    match score to drop. A batch that meets a stored listing is rolled back to the savepoint
    (the unique key stops the copy) and upserted.
    """
    if is_postgres(session):
        try:
            async with session.begin_nested():
                for group in _by_shape(rows):
                    await bulk_insert(session, Job.__table__, group)  # type: ignore[arg-type]
            return len(rows)
        except (UniqueViolation, IntegrityError) as exc:
            if not _is_unique_violation(exc):
                raise
    return len(await _upsert_rows(session=session, rows=rows))


def _is_unique_violation(exc: Exception) -> bool:
    cause = exc.orig if isinstance(exc, IntegrityError) else exc
    return isinstance(cause, UniqueViolation)


def _by_shape(rows: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows with posted_at, then those without (one load per column set)."""
    groups = ([r for r in rows if "posted_at" in r], [r for r in rows if "posted_at" not in r])
    return [group for group in groups if group]


async def _upsert_rows(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Upsert validated, distinct listing rows (``_job_values`` applied); return their ids."""
    ids: list[int] = []
    # Rows without posted_at keep the stored one (or get the current time): one load for
    # each shape, since every row of a bulk load has the same columns.
    for group in _by_shape(rows):
        loaded = await bulk_insert(
            session,
            Job.__table__,  # type: ignore[arg-type]
            group,
            conflict=_IDENTITY,
            update=[c for c in group[0] if c not in _IDENTITY],
            also_set={"updated_at": func.now()},
            returning=["id"],
        )
        ids.extend(row[0] for row in loaded)
    if ids and is_postgres(session):
        # One array parameter: an IN list of a whole batch costs more to compile and send.
        await session.execute(_DROP_SCORES, {"ids": ids})
    elif ids:
        await session.execute(delete(JobMatchScore).where(JobMatchScore.job_id.in_(ids)))
    return ids


_DROP_SCORES = delete(JobMatchScore).where(
    JobMatchScore.job_id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer)))
)


async def count_jobs(*, session: AsyncSession) -> int:
    """How many listings there are."""
    return int(await session.scalar(select(func.count()).select_from(Job)) or 0)


class SearchQuery(NamedTuple):
    """The filters and page of a job search, as the route reads them."""

    q: str | None = None
    location: str | None = None
    remote_type: str | None = None
    employment_type: str | None = None
    salary_min: int | None = None
    skills: Sequence[str] | None = None
    limit: int = 20
    offset: int = 0


SEARCH_ITEMS: TypeAdapter[list[schemas.JobSummary]] = TypeAdapter(list[schemas.JobSummary])


async def _search_page(
    connection: AsyncConnection | AsyncSession, search: SearchQuery, *, postgres: bool
) -> Page[schemas.JobSummary]:
    """One round trip: the page's rows and one more (which only says more exist)."""
    shape, params = dialect.search_parameters(**search._asdict(), postgres=postgres)
    statement = dialect.search_statement(shape, JOB_SUMMARY_COLUMNS, postgres=postgres)
    if not isinstance(connection, AsyncConnection):  # a session (or the request's lazy one)
        connection = await connection.connection()
    async with dialect.planned_for_its_values(connection, postgres=postgres):
        rows = (await connection.execute(statement, params)).all()
    items = SEARCH_ITEMS.validate_python(rows, from_attributes=True)
    return page_of(items, limit=search.limit, offset=search.offset)


async def search_jobs(
    *,
    session: AsyncSession,
    q: str | None = None,
    location: str | None = None,
    remote_type: str | None = None,
    employment_type: str | None = None,
    salary_min: int | None = None,
    skills: Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Page[schemas.JobSummary]:
    """Jobs matching the filters, newest first; with a text query, best match first.

    A text query ranks the newest ``dialect.TEXT_MATCH_WINDOW`` matches by relevance.
    """
    search = SearchQuery(
        q, location, remote_type, employment_type, salary_min, skills, limit, offset
    )
    return await _search_page(session, search, postgres=is_postgres(session))


async def search_jobs_json(*, connection: AsyncConnection, search: SearchQuery) -> bytes:
    """``search_jobs`` as JSON bytes, through a connection outside any transaction.

    One statement, so it reads one consistent snapshot without a transaction around it.
    """
    postgres = connection.dialect.name == "postgresql"
    page = await _search_page(connection, search, postgres=postgres)
    return SEARCH_PAGE.serializer.to_json(page)


SEARCH_PAGE: TypeAdapter[Page[schemas.JobSummary]] = TypeAdapter(Page[schemas.JobSummary])


# --- saved jobs -------------------------------------------------------------------------


async def save_job(
    *, session: AsyncSession, user_id: int, job_id: int, data: schemas.SaveJobIn
) -> schemas.SavedJobRead:
    """Bookmark a job (saving again updates the note)."""
    job = await _job_row(session, job_id)
    saved = await session.scalar(
        select(SavedJob).where(SavedJob.user_id == user_id, SavedJob.job_id == job_id)
    )
    if saved is None:
        saved = SavedJob(user_id=user_id, job_id=job_id, notes=data.notes)
        session.add(saved)
    else:
        saved.notes = data.notes
    await session.flush()
    return schemas.SavedJobRead(
        job=schemas.JobSummary.model_validate(job), notes=saved.notes, saved_at=saved.created_at
    )


async def unsave_job(*, session: AsyncSession, user_id: int, job_id: int) -> None:
    """Remove a bookmark."""
    result = await session.execute(
        delete(SavedJob).where(SavedJob.user_id == user_id, SavedJob.job_id == job_id)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("This job is not saved.")


async def list_saved_jobs(
    *, session: AsyncSession, user_id: int, limit: int, offset: int
) -> Page[schemas.SavedJobRead]:
    """One page of the user's saved jobs, newest first."""
    rows = (
        await session.execute(
            select(*JOB_SUMMARY_COLUMNS, SavedJob.notes, SavedJob.created_at.label("saved_at"))
            .join(SavedJob, SavedJob.job_id == Job.id)
            .where(SavedJob.user_id == user_id)
            .order_by(SavedJob.created_at.desc(), SavedJob.id.desc())
            .limit(limit + 1)
            .offset(offset)
        )
    ).mappings()
    items = [
        schemas.SavedJobRead(
            job=schemas.JobSummary.model_validate(dict(r)), notes=r["notes"], saved_at=r["saved_at"]
        )
        for r in rows
    ]
    return page_of(items, limit=limit, offset=offset)
