"""The maintenance job runs once per period across both servers and their four workers."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.cluster.conftest import Cluster

pytestmark = pytest.mark.cluster

PERIODS = 5


async def test_maintenance_runs_exactly_once_per_period(cluster: Cluster, primary: Engine) -> None:
    interval = cluster.maintenance_seconds
    started = datetime.now(UTC)
    await asyncio.sleep(interval * (PERIODS + 1) + 1)
    with primary.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT period_start, worker, count(*) OVER (PARTITION BY period_start) AS runs "
                "FROM maintenance_runs WHERE period_start > :started ORDER BY period_start"
            ),
            {"started": started},
        ).all()
    periods = [row.period_start for row in rows]
    assert len(periods) >= PERIODS
    assert all(row.runs == 1 for row in rows)
    # No period was missed: one run for each, back to back.
    steps = {later - earlier for earlier, later in zip(periods, periods[1:], strict=False)}
    assert steps == {timedelta(seconds=interval)}
    # Each run was made by one of the servers' worker processes.
    workers = set()
    for number in (1, 2):
        group = cluster.server_group(number)
        workers |= {f"{host}:{pid}" for host, pid in _processes_in_group(group)}
    assert {row.worker for row in rows} <= workers
    for number in (1, 2):
        log = (cluster.state_dir / f"server{number}" / "server.log").read_text()
        assert "maintenance run failed" not in log


def _processes_in_group(group: int) -> list[tuple[str, int]]:
    """``(host, pid)`` of the processes of one process group."""
    host = socket.gethostname()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == group:
                    found.append((host, int(entry)))
            except ProcessLookupError:
                continue
    return found
