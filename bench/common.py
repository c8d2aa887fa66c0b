"""Shared benchmark tools: databases, servers, wrk runs and latency statistics."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from alembic import command
from sqlalchemy import create_engine, text

if TYPE_CHECKING:
    from skillnest.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


@dataclass
class Section:
    """One scenario's part of RESULTS.md and of the JSON record."""

    title: str
    markdown: str
    figures: dict[str, Any] = field(default_factory=dict)


def env(name: str) -> str:
    """A URL exported by scripts/services.sh (via `make bench`)."""
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run benchmarks with `make bench`")
    return value


def machine() -> str:
    """A one-line description of this machine."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def fresh_postgres_database(prefix: str) -> str:
    """Create an empty PostgreSQL database and return its async URL."""
    admin_url = env("SKILLNEST_TEST_ADMIN_DATABASE_URL")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    """Drop a benchmark database."""
    engine = create_engine(env("SKILLNEST_TEST_ADMIN_DATABASE_URL"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def bench_settings_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    """Environment variables for a skillnest process in a benchmark."""
    values = {
        "SKILLNEST_ENV": "production",
        "SKILLNEST_DATABASE_URL": database_url,
        "SKILLNEST_SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "SKILLNEST_PSEUDONYM_KEY": "bench-pseudonym-key-0123456789abcdef",
        "SKILLNEST_LOG_LEVEL": "WARNING",
    }
    if redis_url:
        values["SKILLNEST_REDIS_URL"] = redis_url
    return values


def in_process_settings(
    database_url: str, redis_url: str | None = None, **overrides: Any
) -> Settings:
    """The servers' settings (``bench_settings_env``) for work done in the benchmark's process."""
    from skillnest.settings import Settings

    env_values = bench_settings_env(database_url, redis_url)
    values: dict[str, Any] = {
        k.removeprefix("SKILLNEST_").lower(): v for k, v in env_values.items()
    }
    return Settings(**{**values, **overrides})


def migrate(database_url: str) -> None:
    """Upgrade a database to head."""
    from skillnest.ops.service import alembic_config

    settings = in_process_settings(database_url, None)
    command.upgrade(alembic_config(settings), "head")


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(
    argv: list[str], port: int, extra_env: dict[str, str] | None = None, health: str = "/health"
) -> Iterator[str]:
    """Run a server process until the block ends; yield its base URL."""
    process_env = {**os.environ, **(extra_env or {})}
    # stderr goes to a file: an unread pipe fills up under load and blocks the server.
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"server-{port}.log"
    log_file = log_path.open("wb")
    proc = subprocess.Popen(
        argv,
        env=process_env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts workers slowly
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + health, timeout=1).status_code < 500:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not start in 120 s")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log_file.close()


def skillnest_server(
    port: int, workers: int, database_url: str, redis_url: str | None
) -> contextlib.AbstractContextManager[str]:
    """skillnest's own API server."""
    argv = [
        str(ROOT / ".venv/bin/skillnest"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return server(argv, port, bench_settings_env(database_url, redis_url))


WRK_LUA = """
local ids = {}
math.randomseed(os.time())
request = function()
  local path = string.gsub(wrk.path, "{id}", tostring(math.random(%d, %d)))
  return wrk.format(nil, path)
end
"""


@dataclass
class WrkResult:
    """Figures of one wrk run."""

    requests_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    errors: int


def wrk(
    url: str,
    *,
    seconds: int = 20,
    connections: int = 64,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    id_range: tuple[int, int] | None = None,
) -> WrkResult:
    """Run wrk against a URL; ``{id}`` in the URL is replaced by a random id per request."""
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        argv += ["-H", f"{key}: {value}"]
    script = None
    if id_range:
        script = OUT / f"wrk-{uuid.uuid4().hex[:6]}.lua"
        OUT.mkdir(parents=True, exist_ok=True)
        script.write_text(WRK_LUA % id_range)
        argv += ["-s", str(script)]
    output = subprocess.run(argv + [url], check=True, capture_output=True, text=True).stdout
    if script:
        script.unlink()
    return parse_wrk(output)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s, p50, p99 and errors from wrk's --latency output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return WrkResult(
        rps, _ms(*p50.groups()) if p50 else 0.0, _ms(*p99.groups()) if p99 else 0.0, errors
    )


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50, p99 and mean of latency samples in milliseconds."""
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49], 3),
        "p99_ms": round(q[98], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "n": len(ordered),
    }


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Run ``fn`` ``repeat`` times; return each duration in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples
