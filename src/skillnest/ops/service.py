"""Operations: migrations, the maintenance run, and the demo data loader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.platform import Platform
from skillnest.modules import MODULES, submodule
from skillnest.settings import Settings

log = logging.getLogger("skillnest.ops")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MAINTENANCE_LOCK_ID = 0x5C111E57  # any constant shared by every worker
MAINTENANCE_INTERVAL_SECONDS = 60


def alembic_config(settings: Settings) -> Config:
    """Alembic configuration built in code: no alembic.ini to keep in sync."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Dated file names: the history reads in order in a file listing.
    config.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
    )
    url = settings.database_url.replace("+aiosqlite", "")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return config


@contextlib.asynccontextmanager
async def advisory_lock(session: AsyncSession, lock_id: int) -> AsyncIterator[bool]:
    """Hold a PostgreSQL transaction-level advisory lock if free; SQLite has one writer anyway."""
    if session.get_bind().dialect.name != "postgresql":
        yield True
        return
    got = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id})
    yield bool(got)


async def run_maintenance(platform: Platform) -> dict[str, str]:
    """Run each module's periodic jobs once, guarded so that only one worker does it."""
    report: dict[str, str] = {}
    async with platform.db.unit_of_work() as session:
        async with advisory_lock(session, MAINTENANCE_LOCK_ID) as acquired:
            if not acquired:
                return {"maintenance": "skipped: another worker holds the lock"}
            for module in MODULES:
                service = submodule(module, "service")
                job = getattr(service, "run_maintenance", None) if service else None
                if job is not None and module != "ops":
                    report[module] = str(await job(session=session, platform=platform))
    return report


async def maintenance_loop(platform: Platform) -> None:
    """Run maintenance periodically for as long as the server runs."""
    while True:
        await asyncio.sleep(MAINTENANCE_INTERVAL_SECONDS)
        try:
            report = await run_maintenance(platform)
            log.info("maintenance: %s", report)
        except Exception:  # keep the loop alive; the next run may succeed
            log.exception("maintenance run failed")


async def load_demo(platform: Platform) -> list[str]:
    """Load every module's demo data, each idempotent, in one transaction."""
    lines: list[str] = []
    async with platform.db.unit_of_work() as session:
        for module in MODULES:
            service = submodule(module, "service")
            loader = getattr(service, "load_demo", None) if service else None
            if loader is not None and module != "ops":
                lines.append(str(await loader(session=session)))
    return lines
