"""Warm start of `make run`: seconds from launch to the first 200 from /health.

`make run` is `skillnest serve --prepare` in development mode; this runs the same command in a
scratch folder: once cold (new database: migrations and demo data) and then warm three times.
Wall time depends on the machine's load, so the CPU seconds the server process spent until it
answered are reported too (what the wall time is on an idle machine, give or take I/O).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import Section, free_port

WARM_RUNS = 3


def _start_once(workdir: Path) -> tuple[float, float]:
    """Wall and CPU seconds until /health answered."""
    port = free_port()
    env = {**os.environ, "SKILLNEST_ENV": "development"}
    for name in ("SKILLNEST_DATABASE_URL", "SKILLNEST_REDIS_URL"):
        env.pop(name, None)
    started = time.perf_counter()
    with (workdir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "skillnest", "serve", "--prepare", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        while True:
            assert process.poll() is None, (workdir / "server.log").read_text()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.02)
        wall = time.perf_counter() - started
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    return wall, cpu


def run() -> Section:
    """Cold start once, then warm starts."""
    with tempfile.TemporaryDirectory(prefix="skillnest-warm-") as folder:
        workdir = Path(folder)
        (workdir / "var").mkdir()
        cold = _start_once(workdir)
        warm = [_start_once(workdir) for _ in range(WARM_RUNS)]
    load = os.getloadavg()[0]
    best = min(warm)
    rows = [f"| cold (new database, demo data) | {cold[0]:.2f} | {cold[1]:.2f} |"]
    rows += [f"| warm {i + 1} | {w:.2f} | {c:.2f} |" for i, (w, c) in enumerate(warm)]
    markdown = (
        "| start | wall s to /health | CPU s of the server |\n|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\nLoad average at the end: {load:.1f}. Target: a warm start under 3 s.\n"
    )
    figures = {
        "cold_wall_s": round(cold[0], 2),
        "warm_wall_s": [round(w, 2) for w, _ in warm],
        "warm_cpu_s": [round(c, 2) for _, c in warm],
        "best_warm_wall_s": round(best[0], 2),
        "load_average": round(load, 1),
    }
    return Section("Ops: warm start of make run", markdown, figures)
