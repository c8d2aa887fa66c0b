"""The cluster scenarios: run by ``make test-cluster`` against ``scripts/cluster.sh up``.

Everything goes to real processes on loopback addresses: nginx in front of two skillnest
servers (two workers each), a PostgreSQL primary with a streaming replica, one Redis.
The addresses come from ``var/cluster.env``, which ``make test-cluster`` exports.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "cluster password 1"


@dataclass
class Cluster:
    """Addresses and data directories of the running cluster."""

    url: str
    servers: list[str]
    primary_url: str
    replica_url: str
    redis_url: str
    state_dir: Path
    pg_bin: Path
    maintenance_seconds: int

    def pg_ctl(self, node: str, *args: str) -> None:
        """Run ``pg_ctl`` on the primary or the replica, as the user PostgreSQL runs as."""
        command = [str(self.pg_bin / "pg_ctl"), "-D", str(self.state_dir / node), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def server_group(self, number: int) -> int:
        """The process group of skillnest server 1 or 2 (its supervisor and workers)."""
        return int((self.state_dir / f"server{number}" / "pid").read_text())

    def restore(self) -> None:
        """Start again whatever a scenario stopped (``scripts/cluster.sh up`` is idempotent)."""
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "cluster.sh"), "up"],
            check=True,
            capture_output=True,
            timeout=180,
            cwd=ROOT,
        )


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run these scenarios with `make test-cluster`, which starts "
            "the cluster (scripts/cluster.sh up) and exports var/cluster.env",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    """The running cluster."""
    return Cluster(
        url=_required("SKILLNEST_CLUSTER_URL"),
        servers=_required("SKILLNEST_CLUSTER_SERVERS").split(","),
        primary_url=_required("SKILLNEST_CLUSTER_PRIMARY_URL"),
        replica_url=_required("SKILLNEST_CLUSTER_REPLICA_URL"),
        redis_url=_required("SKILLNEST_CLUSTER_REDIS_URL"),
        state_dir=Path(_required("SKILLNEST_CLUSTER_DIR")),
        pg_bin=Path(_required("SKILLNEST_PG_BIN")),
        maintenance_seconds=int(_required("SKILLNEST_CLUSTER_MAINTENANCE_SECONDS")),
    )


@pytest.fixture(scope="session")
def primary(cluster: Cluster) -> Iterator[Engine]:
    """Direct SQL on the primary (what was really committed)."""
    engine = create_engine(cluster.primary_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def replica(cluster: Cluster) -> Iterator[Engine]:
    """Direct SQL on the replica (what it has replayed); no pooling: it gets stopped."""
    engine = create_engine(cluster.replica_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
async def http(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    """A client of nginx, the cluster's single entry point."""
    async with httpx.AsyncClient(base_url=cluster.url, timeout=30) as client:
        yield client


@dataclass
class Member:
    """A signed-up user and the headers of their session."""

    id: int
    headers: dict[str, str]


async def signup(http: httpx.AsyncClient, name: str) -> Member:
    """A new account, through nginx."""
    email = f"cluster-{name.lower()}-{uuid.uuid4().hex[:12]}@example.org"
    created = await http.post(
        "/api/v1/auth/signup", json={"name": name, "email": email, "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    return Member(body["user"]["id"], {"Authorization": f"Bearer {body['token']}"})


def replica_has(replica: Engine, sql: str, **params: Any) -> Any:
    """One value read directly on the replica."""
    with replica.connect() as conn:
        return conn.execute(text(sql), params).scalar()


async def wait_for(check: Any, what: str, timeout: float = 20.0) -> Any:
    """Poll ``check`` (sync or async) until it returns a truthy value, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def set_apply_delay(cluster: Cluster, replica: Engine, delay: str) -> None:
    """Hold back the replica's replay of commits (``recovery_min_apply_delay``)."""
    with replica.connect() as conn:
        conn.execute(text(f"ALTER SYSTEM SET recovery_min_apply_delay = '{delay}'"))
        conn.execute(text("SELECT pg_reload_conf()"))


async def caught_up(primary: Engine, replica: Engine) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with primary.connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar()

    def replayed() -> bool:
        with replica.connect() as conn:
            return bool(
                conn.execute(
                    text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)"),
                    {"target": target},
                ).scalar()
            )

    await wait_for(replayed, "the replica to catch up")


async def health(server: str) -> dict[str, Any]:
    """One server's /health, fresh (the check is cached for a second)."""
    await asyncio.sleep(1.1)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{server}/health")
    assert response.status_code == 200, response.text
    return dict(orjson.loads(response.content))
