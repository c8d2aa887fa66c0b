"""A real ``skillnest serve`` process for end-to-end tests, with its log captured to a file."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import make_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, redis: str | None, **extra: str) -> dict[str, str]:
    """The environment of a server (and of local CLI commands) on this database."""
    settings = make_settings(database_url, redis)
    env = {
        **os.environ,
        "SKILLNEST_ENV": "test",
        "SKILLNEST_DATABASE_URL": database_url,
        "SKILLNEST_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SKILLNEST_PSEUDONYM_KEY": settings.pseudonym_key.get_secret_value(),
        "SKILLNEST_LOG_LEVEL": "INFO",
        **extra,
    }
    env.pop("SKILLNEST_REDIS_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if redis:
        env["SKILLNEST_REDIS_URL"] = redis
    return env


@dataclass
class ServerProcess:
    """``python -m skillnest serve`` on a free port, stdout and stderr in ``server.log``."""

    workdir: Path
    env: dict[str, str]
    workers: int = 1
    base: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self) -> None:
        """Start the server and wait until /health answers."""
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "skillnest", "serve", "--port", str(port)]
        command += ["--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        """Stop the whole process group (the workers too)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")
