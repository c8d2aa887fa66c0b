"""The replica stops under load: reads fall back to the primary, and it is used again after."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.cluster.conftest import Cluster, caught_up, health, replica_has, signup, wait_for

pytestmark = pytest.mark.cluster

READERS = 4


async def read_load(
    http: httpx.AsyncClient, paths: list[tuple[str, dict[str, str]]], stop: asyncio.Event
) -> list[int]:
    """Read the paths in turn until told to stop; return every status seen."""
    statuses: list[int] = []
    while not stop.is_set():
        for path, headers in paths:
            statuses.append((await http.get(path, headers=headers)).status_code)
    return statuses


def replica_reads(replica: Engine) -> int:
    """Transactions the replica has run on the skillnest database (its statistics)."""
    return int(
        replica_has(
            replica,
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()",
        )
    )


async def test_reads_survive_a_stopped_replica_and_return_to_it(
    cluster: Cluster, http: httpx.AsyncClient, primary: Engine, replica: Engine
) -> None:
    alice = await signup(http, "Alice")
    await caught_up(primary, replica)
    paths = [
        (f"/api/v1/users/{alice.id}", {}),
        (f"/api/v1/users/{alice.id}", alice.headers),
        ("/api/v1/jobs?limit=5", {}),
        ("/api/v1/skills?limit=5", {}),
        ("/api/v1/chats", alice.headers),
    ]
    stop = asyncio.Event()
    load = [asyncio.create_task(read_load(http, paths, stop)) for _ in range(READERS)]
    try:
        await asyncio.sleep(1.0)
        cluster.pg_ctl("replica", "stop", "-m", "fast", "-w")
        stopped_at = time.monotonic()
        for server in cluster.servers:
            (state,) = (await health(server))["replicas"]
            assert state["status"] == "down"
        await asyncio.sleep(max(0.0, 3.0 - (time.monotonic() - stopped_at)))

        cluster.pg_ctl("replica", "start", "-w", "-t", "60", "-l", str(replica_log(cluster)))
        for server in cluster.servers:
            await wait_for(
                lambda server=server: _replica_ok(server), "the replica in /health", timeout=40
            )
        before = replica_reads(replica)
        # Back-off expires within seconds; the load's reads then reach the replica again.
        await wait_for(lambda: replica_reads(replica) > before + 20, "reads on the replica", 40)
    finally:
        stop.set()
        statuses = [status for task in load for status in await task]
    assert len(statuses) > 100
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}


def replica_log(cluster: Cluster) -> object:
    """The replica's server log (pg_ctl must not hold the test's output open)."""
    return cluster.state_dir / "replica" / "server.log"


async def _replica_ok(server: str) -> bool:
    (state,) = (await health(server))["replicas"]
    return bool(state["status"] == "ok")
