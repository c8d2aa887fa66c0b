"""Reading job listings from JSON lines (``skillnest jobs import FILE``, the demo data).

One JSON object per line with the fields of ``schemas.JobIn``; ``source`` and
``external_id`` identify a listing, so importing the same file twice changes nothing but
``updated_at``. A line that is not valid JSON or not a valid job is reported with its line
number, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from pydantic import ValidationError

from skillnest.careers.jobs.schemas import JobIn

DEMO_JOBS = Path(__file__).resolve().parents[1] / "data" / "demo_jobs.jsonl"


def parse_line(line: str) -> JobIn:
    """One job from one JSON line; raises ValueError with a readable reason."""
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    try:
        return JobIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(root)"
        raise ValueError(f"{where}: {first.get('msg', 'invalid')}") from exc


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
