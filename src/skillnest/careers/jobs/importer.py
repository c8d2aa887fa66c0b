"""Reading job listings from JSON lines (``skillnest jobs import FILE``, the demo data).

One JSON object per line with the fields of ``schemas.JobIn``; ``source`` and
``external_id`` identify a listing, so importing the same file twice changes nothing but
``updated_at``. A line that is not valid JSON or not a valid job is reported with its line
number, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from skillnest.careers.jobs.schemas import JobIn
from skillnest.core.bulk import BulkValidator

DEMO_JOBS = Path(__file__).resolve().parents[1] / "data" / "demo_jobs.jsonl"


JOBS = BulkValidator(JobIn)


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
