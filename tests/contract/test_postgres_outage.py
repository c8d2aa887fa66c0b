"""PostgreSQL stopped under write load: 503 with Retry-After, recovery without a restart.

The test starts a PostgreSQL server of its own (own data directory and port, as the
`postgres` user when run as root, like scripts/services.sh), never touching the shared one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, text

from skillnest.ops.service import alembic_config
from tests.conftest import required_env
from tests.contract.conftest import free_port, serving, settings_for

PASSWORD = "outage test password"


class PrivatePostgres:
    """A throwaway PostgreSQL server."""

    def __init__(self) -> None:
        self.bin = Path(required_env("SKILLNEST_PG_BIN"))
        self.dir = Path(tempfile.mkdtemp(prefix="skillnest-outage-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.root = os.getuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def run(self, tool: str, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.root else []
        subprocess.run(
            [*prefix, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        log = str(self.dir / "server.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", log, "-o", options, "start"
        )

    def kill(self) -> None:
        """Stop at once, as a crash would: no checkpoint, connections cut."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--"] * self.root
            + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


async def writer(http: httpx.AsyncClient, name: str, acked: list[str], seen: Counter, stop) -> None:
    """Sign up new users one after another; remember each acknowledged one."""
    n = 0
    while not stop.is_set():
        n += 1
        email = f"{name}-{n}@example.org"
        try:
            response = await http.post(
                "/api/v1/auth/signup", json={"name": name, "email": email, "password": PASSWORD}
            )
        except httpx.TransportError:
            seen["transport-error"] += 1
            continue
        seen[response.status_code] += 1
        if response.status_code == 201:
            acked.append(email)
        elif response.status_code == 503:
            assert int(response.headers["retry-after"]) > 0
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers.get("connection", "").lower() != "close"
            await asyncio.sleep(0.05)


async def until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_postgres_outage_is_503_and_recovers(postgres, tmp_path):
    command.upgrade(alembic_config(settings_for(postgres.url)), "head")
    acked: list[str] = []
    before, during, after = Counter(), Counter(), Counter()
    with serving(postgres.url, tmp_path / "server.log") as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for phase, seen in (("before", before), ("during", during), ("after", after)):
                stop = asyncio.Event()
                tasks = [
                    asyncio.create_task(writer(http, f"{phase}{i}", acked, seen, stop))
                    for i in range(4)
                ]
                if phase == "before":
                    await until(lambda: before[201] >= 20)
                    await asyncio.to_thread(postgres.kill)
                elif phase == "during":
                    await until(lambda: during[503] >= 20)
                    health = await http.get("/health")
                    assert health.status_code == 503
                    await asyncio.to_thread(postgres.start)
                else:
                    await until(lambda: after[201] >= 20)
                    assert (await http.get("/health")).status_code == 200
                stop.set()
                await asyncio.gather(*tasks)
    print(f"outage statuses: before={dict(before)} during={dict(during)} after={dict(after)}")
    assert 500 not in before + during + after, (before, during, after)
    assert "transport-error" not in before + during + after, (before, during, after)
    assert set(during) <= {201, 503}, during
    engine = create_engine(postgres.url.replace("+psycopg", "+psycopg"))
    with engine.connect() as conn:
        stored = set(conn.scalars(text("SELECT email FROM users")))
    engine.dispose()
    assert set(acked) <= stored, sorted(set(acked) - stored)[:5]
