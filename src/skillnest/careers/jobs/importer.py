"""Reading job listings from JSON lines (``skillnest jobs import FILE``, the demo data).

One JSON object per line with the fields of ``schemas.JobIn``; ``source`` and
``external_id`` identify a listing, so importing the same file twice changes nothing but
``updated_at``. A line that is not valid JSON or not a valid job is reported with its line
number, never silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import ValidationError

from skillnest.careers.jobs import search_cache, service
from skillnest.careers.jobs.schemas import JobIn
from skillnest.core.cache import Cache
from skillnest.core.db import Database

DEMO_JOBS = Path(__file__).resolve().parents[1] / "data" / "demo_jobs.jsonl"


JOBS = service.JOBS
WRITERS = 3  # batches written at once on PostgreSQL, one connection each


def _record(line: str) -> dict[str, Any]:
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    return raw


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "(root)"
    return f"{where}: {first.get('msg', 'invalid')}"


def parse_line(line: str) -> JobIn:
    """One job from one JSON line; raises ValueError with a readable reason."""
    raw = _record(line)
    try:
        return JobIn.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(_reason(exc)) from exc


def parse_lines(lines: Sequence[str]) -> list[JobIn | str]:
    """``parse_line`` over many lines at once: each job, or the reason its line was refused.

    The JSON is parsed line by line (a line never runs into the next), the jobs are
    validated in one pass (``core.bulk.BulkValidator``).
    """
    parsed: list[dict[str, Any] | str] = []
    for line in lines:
        try:
            parsed.append(_record(line))
        except ValueError as exc:
            parsed.append(str(exc))
    validated = iter(JOBS.validate([p for p in parsed if not isinstance(p, str)]))
    results: list[JobIn | str] = []
    for item in parsed:
        if isinstance(item, str):
            results.append(item)
            continue
        job = next(validated)
        results.append(_reason(job) if isinstance(job, ValidationError) else job)
    return results


def iter_jobs(lines: Iterable[str]) -> Iterator[tuple[int, JobIn | str]]:
    """(line number, job) for each valid line and (line number, reason) for each bad one."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, parse_line(line)
        except ValueError as exc:
            yield number, str(exc)


def read_jobs(lines: Iterable[str]) -> tuple[list[JobIn], list[tuple[int, str]]]:
    """Every valid job, and the (line number, reason) of every rejected line."""
    jobs: list[JobIn] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, item in iter_jobs(lines):
        if isinstance(item, str):
            errors.append((number, item))
            continue
        key = (item.source, item.external_id)
        if key in seen:  # the later line wins, as a second import of it would
            jobs[seen[key]] = item
        else:
            seen[key] = len(jobs)
            jobs.append(item)
    return jobs, errors


@dataclass
class FeedReport:
    """What an import did: jobs imported (new or updated), new listings, refused lines."""

    imported: int = 0
    new: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def updated(self) -> int:
        """Listings that existed and were refreshed."""
        return self.imported - self.new


def _prepare(
    batch: Sequence[tuple[int, str]],
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """The column values of a batch's valid jobs, and the (line number, reason) of the rest."""
    jobs: list[JobIn] = []
    errors: list[tuple[int, str]] = []
    for (number, _), job in zip(batch, parse_lines([line for _, line in batch]), strict=True):
        if isinstance(job, str):
            errors.append((number, job))
        else:
            jobs.append(job)
    return service.job_rows(jobs), errors


def _keys(rows: Sequence[dict[str, Any]]) -> frozenset[tuple[str, str]]:
    return frozenset((row["source"], row["external_id"]) for row in rows)


async def import_feed(
    *,
    db: Database,
    cache: Cache,
    handle: IO[bytes],
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> FeedReport:
    """Load a JSON-lines feed, ``batch_size`` lines per transaction (``skillnest jobs import``).

    Each batch is validated together and upserted in a transaction of its own; every
    refused line is reported with its number. The next batch is parsed and validated (in a
    thread) while the database writes. On PostgreSQL ``WRITERS`` batches are written at
    once, each on a connection of its own, so the database works on every core (most of a
    job's cost is its ``to_tsvector``); a batch holding a listing that a batch still being
    written holds too waits for it, so of two lines with one listing the later one stays.
    ``progress(bytes read, jobs imported)`` is called after each batch is committed.
    """
    async with db.unit_of_work() as session:
        before = await service.count_jobs(session=session)
    report = FeedReport()
    writers = WRITERS if db.dialect == "postgresql" else 1  # SQLite has one writer
    in_flight: list[tuple[asyncio.Task[None], frozenset[tuple[str, str]]]] = []

    async def write(rows: list[dict[str, Any]], read: int) -> None:
        if rows:
            async with db.unit_of_work() as session:
                written = await service.load_job_rows(session=session, rows=rows)
            report.imported += written  # after the await: another batch adds to it meanwhile
            await search_cache.announce_jobs_changed(cache)  # committed: searches see it now
        if progress is not None:
            progress(read, report.imported)

    async def settle(count: int) -> None:
        """Wait for the ``count`` oldest batches in flight."""
        for task, _ in in_flight[:count]:
            await task
        del in_flight[:count]

    async def flush(batch: list[tuple[int, str]], read: int) -> None:
        rows, errors = await asyncio.to_thread(_prepare, batch)
        report.errors.extend(errors)
        keys = _keys(rows)
        if any(keys & held for _, held in in_flight):
            await settle(len(in_flight))  # the later line must be written last
        elif len(in_flight) >= writers:
            await settle(len(in_flight) - writers + 1)
        in_flight.append((asyncio.create_task(write(rows, read)), keys))

    try:
        batch: list[tuple[int, str]] = []  # (line number, line), validated together
        read = 0  # bytes read since the last batch
        for number, raw in enumerate(handle, start=1):
            read += len(raw)
            line = raw.decode("utf-8", errors="replace")
            if line.strip():
                batch.append((number, line))
            if len(batch) >= batch_size:
                await flush(batch, read)
                batch, read = [], 0
        await flush(batch, read)
        await settle(len(in_flight))
    finally:
        for task, _ in in_flight:  # a batch failed: stop the others
            if not task.done():
                task.cancel()
        for task, _ in in_flight:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    async with db.unit_of_work() as session:
        report.new = await service.count_jobs(session=session) - before
        await service.jobs_changed(session=session, cache=cache)
    return report
