"""Maintenance claims each period once, whichever worker wakes first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import delete, select

from skillnest.core.platform import Platform
from skillnest.ops.models import MaintenanceRun
from skillnest.ops.service import current_period, run_maintenance

PERIOD = datetime(2001, 1, 1, 0, 0, tzinfo=UTC)


async def test_a_period_runs_once_however_many_workers_try(platform: Platform) -> None:
    try:
        attempts = [run_maintenance(platform, period_start=PERIOD) for _ in range(3)]
        if platform.db.dialect == "postgresql":  # concurrent workers, as on a server
            reports = list(await asyncio.gather(*attempts))
        else:  # SQLite has one writer at a time: the workers take turns
            reports = [await attempt for attempt in attempts]
        ran = [report for report in reports if "maintenance" not in report]
        assert len(ran) == 1
        assert all(
            report["maintenance"].startswith("skipped") for report in reports if report not in ran
        )
        again = await run_maintenance(platform, period_start=PERIOD)
        assert again == {"maintenance": "skipped: this period already ran"}
        async with platform.db.unit_of_work() as session:
            (run,) = (
                await session.scalars(
                    select(MaintenanceRun).where(MaintenanceRun.period_start == PERIOD)
                )
            ).all()
        assert run.period_start == PERIOD and run.report == ran[0]
    finally:
        async with platform.db.unit_of_work() as session:
            await session.execute(
                delete(MaintenanceRun).where(MaintenanceRun.period_start == PERIOD)
            )


def test_periods_are_aligned_on_the_clock() -> None:
    start, wait = current_period(60, now=1_000_000_030.5)
    assert start == datetime.fromtimestamp(1_000_000_020, UTC)
    assert wait == 49.5
