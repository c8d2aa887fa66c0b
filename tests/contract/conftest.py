"""Helpers of the contract tests: a real `skillnest serve` process on a database of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from skillnest.settings import Settings

SECRETS = {
    "SKILLNEST_SECRET_KEY": "contract-secret-key-0123456789abcdef",
    "SKILLNEST_PSEUDONYM_KEY": "contract-pseudonym-key-0123456789abcdef",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a skillnest command on this database (no inherited SKILLNEST_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLNEST_")}
    env.update(SECRETS, SKILLNEST_ENV="test", SKILLNEST_DATABASE_URL=database_url, **extra)
    return env


def skillnest(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the `skillnest` command."""
    return subprocess.run(
        [sys.executable, "-m", "skillnest", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def serving(database_url: str, log: Path, **extra: str) -> Iterator[str]:
    """`skillnest serve` with one uvicorn worker in its own process; yields the base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "skillnest", "serve", "--port", str(port), "--workers", "1"],
            env=cli_env(database_url, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine starts slowly
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start: " + log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(30)


def settings_for(database_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=SECRETS["SKILLNEST_SECRET_KEY"],  # type: ignore[arg-type]
        pseudonym_key=SECRETS["SKILLNEST_PSEUDONYM_KEY"],  # type: ignore[arg-type]
    )
