"""Operations: migrations, the maintenance run, and the demo data loader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from skillnest.core import metrics
from skillnest.core.cache import forget_answers
from skillnest.core.platform import Platform
from skillnest.modules import MODULES, submodule
from skillnest.ops.models import MaintenanceRun
from skillnest.settings import Settings

log = logging.getLogger("skillnest.ops")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MAINTENANCE_LOCK_ID = 0x5C111E57  # any constant shared by every worker


def alembic_config(settings: Settings) -> Config:
    """Alembic configuration built in code: no alembic.ini to keep in sync."""
    return alembic_config_for(settings.database_url)


def alembic_config_for(database_url: str) -> Config:
    """Alembic configuration for a database URL (async drivers are swapped for sync ones)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Dated file names: the history reads in order in a file listing.
    config.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
    )
    url = database_url.replace("+aiosqlite", "")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return config


def migration_state(settings: Settings) -> tuple[set[str], set[str]]:
    """The revisions the database is at and the head revisions of the code."""
    heads = set(ScriptDirectory.from_config(alembic_config(settings)).get_heads())
    engine = create_engine(settings.sync_database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    return current, heads


@contextlib.asynccontextmanager
async def advisory_lock(
    session: AsyncSession, lock_id: int, *, wait: bool = False
) -> AsyncIterator[bool]:
    """Hold a PostgreSQL transaction-level advisory lock: if free, or once free with ``wait``.

    SQLite has one writer anyway.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield True
        return
    if wait:
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        yield True
        return
    got = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id})
    yield bool(got)


async def run_maintenance(
    platform: Platform, *, period_start: datetime | None = None
) -> dict[str, str]:
    """Run each module's periodic jobs once, guarded so that only one worker does it.

    With ``period_start`` (the periodic loop), the period is first claimed in
    ``maintenance_runs`` inside the same transaction: a period already claimed by another
    worker, on this server or another, is skipped. Without it (the CLI), the jobs always run:
    after the run of a worker that holds the lock, if one does.
    """
    report: dict[str, str] = {}
    async with platform.db.unit_of_work() as session:
        wait = period_start is None
        async with advisory_lock(session, MAINTENANCE_LOCK_ID, wait=wait) as acquired:
            if not acquired:
                log.info("maintenance skipped: another worker holds the lock")
                return {"maintenance": "skipped: another worker holds the lock"}
            if period_start is not None:
                if await session.get(MaintenanceRun, period_start) is not None:
                    return {"maintenance": "skipped: this period already ran"}
                claim = MaintenanceRun(period_start=period_start, worker=worker_name())
                session.add(claim)
                await session.flush()
            for module in MODULES:
                service = submodule(module, "service")
                job = getattr(service, "run_maintenance", None) if service else None
                if job is not None and module != "ops":
                    report[module] = await _timed_job(
                        module, job(session=session, platform=platform)
                    )
            if period_start is not None:
                claim.report = report
    return report


async def _timed_job(module: str, job: Awaitable[object]) -> str:
    """Await one module's job: log what it did, count it and time it."""
    started = time.perf_counter()
    try:
        outcome = str(await job)
    except Exception:
        seconds = time.perf_counter() - started
        metrics.MAINTENANCE_RUNS.labels(module, "failed").inc()
        metrics.MAINTENANCE_SECONDS.labels(module).observe(seconds)
        log.exception(
            "maintenance %s failed after %.2f s",
            module,
            seconds,
            extra={"job": module, "outcome": "failed", "duration_ms": round(seconds * 1000, 1)},
        )
        raise
    seconds = time.perf_counter() - started
    metrics.MAINTENANCE_RUNS.labels(module, "ok").inc()
    metrics.MAINTENANCE_SECONDS.labels(module).observe(seconds)
    log.info(
        "maintenance %s: %s",
        module,
        outcome,
        extra={"job": module, "outcome": "ok", "duration_ms": round(seconds * 1000, 1)},
    )
    return outcome


def worker_name() -> str:
    """This process as ``host:pid``, recorded with the runs it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def current_period(interval: int, now: float | None = None) -> tuple[datetime, float]:
    """The start of the period containing ``now`` and the seconds until the next one."""
    now = time.time() if now is None else now
    start = now - now % interval
    return datetime.fromtimestamp(start, UTC), start + interval - now


async def maintenance_loop(platform: Platform) -> None:
    """Run maintenance once per period for as long as the server runs.

    Every worker wakes just after each period boundary; the first to claim the period runs
    the jobs, the others see the claim and go back to sleep.
    """
    interval = platform.settings.maintenance_seconds
    while True:
        _, wait = current_period(interval)
        await asyncio.sleep(wait + 0.05)
        period_start, _ = current_period(interval)
        try:
            report = await run_maintenance(platform, period_start=period_start)
            log.info("maintenance: %s", report)
        except Exception:  # keep the loop alive; the next run may succeed
            log.exception("maintenance run failed")


async def forget_cached_answers(platform: Platform) -> bool:
    """Drop every cached answer and near copy; False when Redis did not take the deletions.

    After a restore the cached answers describe other data. With Redis unreachable the
    deletions wait in this process for Redis to answer again; a CLI process exits first,
    so the caller must tell the operator the old answers remain (until their TTLs).
    """
    await forget_answers(platform.cache)
    return not platform.cache.deletions_pending


async def load_demo(platform: Platform) -> list[str]:
    """Load every module's demo data, each idempotent, in one transaction."""
    lines: list[str] = []
    async with platform.db.unit_of_work() as session:
        for module in MODULES:
            service = submodule(module, "service")
            loader = getattr(service, "load_demo", None) if service else None
            if loader is not None and module != "ops":
                lines.append(str(await loader(session=session)))
    for module in MODULES:  # committed: what a module caches of its demo data is retired
        service = submodule(module, "service")
        loaded = getattr(service, "demo_loaded", None) if service else None
        if loaded is not None:
            await loaded(platform=platform)
    return lines
