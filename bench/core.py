"""Platform-core benchmark: skillnest's hot routes next to the ceilings of this machine.

Ceilings, measured in the same run: ``pgbench -S`` (PostgreSQL select-only tps), the bare
Starlette and FastAPI apps, the origin sync-ORM stack and an aiosqlite lookup (bench/ceiling.py),
``redis-benchmark`` GET. Then skillnest with 2
workers on PostgreSQL + Redis: ``GET /health``, an authenticated ``GET /api/v1/me`` and an
uncached ``GET /api/v1/users/{id}`` over random ids. wrk: 64 connections.

Every server runs from the start to the end of its part, and each route is measured once per
round, ``ROUNDS`` rounds back to back: the speed of a shared virtual machine drifts by a fifth
over minutes, and a ceiling measured minutes before its route would carry that drift into the
ratio. Each route shows its median round; a ratio is the median of the rounds' own ratios.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    ROOT,
    Section,
    WrkResult,
    drop_postgres_database,
    env,
    free_port,
    fresh_postgres_database,
    migrate,
    server,
    skillnest_server,
    wrk,
)
from skillnest.core.security import hash_password, new_session_token, token_digest

ROWS = 100_000
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))  # one wrk run
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = 64
TARGETS = {
    "health_vs_ping": 0.70,
    "me_vs_ping": 0.35,
    "users_vs_pk": 0.50,
    "sqlite_users_vs_pk": 0.50,
}


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def pgbench_select_tps(url: str) -> float:
    """``pgbench -S`` transactions per second (scale 10, 64 clients)."""
    bin_dir = Path(os.environ.get("SKILLNEST_PG_BIN", "/usr/bin"))
    pgbench = str(bin_dir / "pgbench") if (bin_dir / "pgbench").exists() else "pgbench"
    dsn = _libpq(url)
    subprocess.run([pgbench, "-i", "-q", "-s", "10", dsn], check=True, capture_output=True)
    out = subprocess.run(
        [pgbench, "-S", "-c", str(CONNECTIONS), "-j", "2", "-T", str(SECONDS), dsn],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]


def redis_get_rps() -> float:
    """``redis-benchmark`` GET requests per second (64 clients)."""
    port = os.environ.get("SKILLNEST_REDIS_PORT", "6379")
    out = subprocess.run(
        ["redis-benchmark", "-p", port, "-t", "get", "-n", "400000", "-c", str(CONNECTIONS), "-q"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"GET: ([\d.]+) requests per second", out).group(1))  # type: ignore[union-attr]


def load_rows(url: str) -> tuple[int, str]:
    """Fill the ceiling table and skillnest's users (100,000 each); return a user id and token."""
    password_hash = hash_password("bench password")
    token = new_session_token()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE ceiling_rows (id int PRIMARY KEY, name text, bio text)")
        with conn.cursor().copy("COPY ceiling_rows (id, name, bio) FROM STDIN") as copy:
            for i in range(1, ROWS + 1):
                copy.write_row((i, f"Row {i}", f"Bio of row {i}"))
        with conn.cursor().copy(
            "COPY users (name, email, password_hash, bio, skills_to_offer, skills_to_learn) FROM STDIN"
        ) as copy:
            for i in range(1, ROWS + 1):
                copy.write_row(
                    (
                        f"User {i}",
                        f"user{i}@bench.example",
                        password_hash,
                        f"Bio of user {i}",
                        ["Python", "SQL"],
                        ["Guitar"],
                    )
                )
        user_id = conn.execute("SELECT min(id) FROM users").fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO user_sessions (user_id, token_hash, expires_at) VALUES (%s, %s, now() + interval '1 day')",
            (user_id, token_digest(token)),
        )
        conn.execute("ANALYZE")
    return user_id, token


def load_sqlite(path: Path) -> tuple[int, int]:
    """Migrate a SQLite file and fill it with 100,000 users; return the first and last id."""
    migrate(f"sqlite+aiosqlite:///{path}")
    password_hash = hash_password("bench password")
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO users (name, email, password_hash, bio, skills_to_offer, skills_to_learn)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    f"User {i}",
                    f"user{i}@bench.example",
                    password_hash,
                    f"Bio of user {i}",
                    '["Python", "SQL"]',
                    '["Guitar"]',
                )
                for i in range(1, ROWS + 1)
            ),
        )
        first, last = conn.execute("SELECT min(id), max(id) FROM users").fetchone()
    return int(first), int(last)


def _uvicorn(app: str, port: int, workers: int) -> list[str]:
    return [
        str(ROOT / ".venv/bin/uvicorn"),
        app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def _median_run(runs: list[WrkResult]) -> WrkResult:
    """The run with the median throughput (the middle one of an odd number)."""
    return sorted(runs, key=lambda run: run.requests_per_second)[(len(runs) - 1) // 2]


def _median_ratio(routes: list[WrkResult], ceilings: list[WrkResult]) -> float:
    """The median of each round's route / ceiling throughput."""
    return statistics.median(
        route.requests_per_second / max(ceiling.requests_per_second, 1e-9)
        for route, ceiling in zip(routes, ceilings, strict=True)
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages as one string."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run() -> Section:
    """Measure ceilings and skillnest in one run."""
    redis_url = env("SKILLNEST_TEST_REDIS_URL")  # the db of this checkout (var/services.env)
    # As in bench/careers.py: on a loaded machine every lookup crosses the slow-query
    # threshold, and logging each one would be measured instead of the request path.
    os.environ["SKILLNEST_SLOW_QUERY_MS"] = "600000"
    url = fresh_postgres_database("bench_core")
    load_before = load_average()
    results: dict[str, list[WrkResult]] = {}

    def rounds(plan: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Each route of ``plan`` once per round, rounds back to back (module docstring)."""
        for number in range(1, ROUNDS + 1):
            for key, target, kwargs in plan:
                print(f"  {key} (round {number} of {ROUNDS}) ...", flush=True)
                run = wrk(target, seconds=SECONDS, connections=CONNECTIONS, **kwargs)
                results.setdefault(key, []).append(run)

    try:
        migrate(url)
        user_id, token = load_rows(url)
        first_id = user_id
        users_range = (first_id, first_id + ROWS - 1)
        auth = {"headers": {"Authorization": f"Bearer {token}"}}
        figures: dict[str, Any] = {}
        print("pgbench -S ...", flush=True)
        figures["pgbench_select_tps"] = pgbench_select_tps(url)
        print("redis-benchmark GET ...", flush=True)
        figures["redis_get_rps"] = redis_get_rps()
        ceiling_env = {"CEILING_DSN": _libpq(url), "CEILING_ORM_URL": url}
        with contextlib.ExitStack() as servers:

            def start(app: str) -> str:
                port = free_port()
                return servers.enter_context(
                    server(_uvicorn(app, port, 2), port, ceiling_env, "/ping")
                )

            bare, fastapi_base, orm = (
                start(f"bench.ceiling:{app}") for app in ("starlette_app", "app", "sync_orm_app")
            )
            port = free_port()
            ours = servers.enter_context(skillnest_server(port, 2, url, redis_url))
            wrk(ours + "/health", seconds=3, connections=CONNECTIONS)  # warm-up
            rounds(
                [
                    ("ping", bare + "/ping", {}),
                    ("health", ours + "/health", {}),
                    ("me", ours + "/api/v1/me", auth),
                    ("pk", bare + "/pk/{id}", {"id_range": (1, ROWS)}),
                    ("users", ours + "/api/v1/users/{id}", {"id_range": users_range}),
                    ("fastapi_ping", fastapi_base + "/ping", {}),
                    ("sync_orm", orm + "/users/{id}", {"id_range": users_range}),
                    # A route on the ordinary path: FastAPI dependencies, a lazy unit of work,
                    # two ORM queries (no target; it shows what routes without a lean path cost).
                    ("sessions", ours + "/api/v1/me/sessions", auth),
                ]
            )
    finally:
        drop_postgres_database(url)

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as servers:
        path = Path(tmp) / "bench.db"
        sqlite_range = load_sqlite(path)
        port = free_port()
        sqlite_env = {"CEILING_SQLITE": str(path)}
        bare = servers.enter_context(
            server(_uvicorn("bench.ceiling:sqlite_app", port, 1), port, sqlite_env, "/ping")
        )
        port = free_port()
        ours = servers.enter_context(skillnest_server(port, 1, f"sqlite+aiosqlite:///{path}", None))
        rounds(
            [
                ("sqlite_pk", bare + "/pk/{id}", {"id_range": sqlite_range}),
                ("sqlite_users", ours + "/api/v1/users/{id}", {"id_range": sqlite_range}),
            ]
        )
    load_after = load_average()

    rows = [
        ("ping", "ceiling: bare Starlette `/ping`", None),
        ("fastapi_ping", "ceiling: bare FastAPI `/ping`", None),
        ("pk", "ceiling: bare Starlette + async psycopg PK lookup", None),
        ("sync_orm", "origin stack: sync ORM entity in a thread pool `/users/{id}`", None),
        ("health", "skillnest `GET /health`", ("health_vs_ping", "ping")),
        ("me", "skillnest `GET /api/v1/me` (authenticated)", ("me_vs_ping", "ping")),
        (
            "users",
            "skillnest `GET /api/v1/users/{id}` (uncached, random ids)",
            ("users_vs_pk", "pk"),
        ),
        ("sessions", "skillnest `GET /api/v1/me/sessions` (ORM route, no lean path)", None),
        ("sqlite_pk", "ceiling: aiosqlite PK lookup, 1 worker", None),
        (
            "sqlite_users",
            "skillnest on SQLite `GET /api/v1/users/{id}`, 1 worker",
            ("sqlite_users_vs_pk", "sqlite_pk"),
        ),
    ]
    lines = [
        f"PostgreSQL `pgbench -S` (scale 10, 64 clients, {SECONDS} s): **{figures['pgbench_select_tps']:,.0f} tps**; "
        f"`redis-benchmark -t get -c 64`: **{figures['redis_get_rps']:,.0f} GET/s**.",
        "",
        f"wrk, {ROUNDS} interleaved rounds of {SECONDS} s per route (each row its median round, "
        "each ratio the median of the rounds' ratios), 64 connections, 2 threads; PostgreSQL "
        "servers with 2 uvicorn workers, "
        f"SQLite ones with 1; {ROWS:,} rows/users. Load average before: {load_before}; after: {load_after}.",
        "",
        "| route | req/s | p50 ms | p99 ms | errors | ratio to ceiling | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for key, label, ratio in rows:
        result = _median_run(results[key])
        figures[f"{key}_runs_rps"] = [round(r.requests_per_second) for r in results[key]]
        figures[f"{key}_rps"] = result.requests_per_second
        figures[f"{key}_p50_ms"] = result.latency_p50_ms
        figures[f"{key}_p99_ms"] = result.latency_p99_ms
        figures[f"{key}_errors"] = sum(r.errors for r in results[key])
        ratio_text = target_text = met = ""
        if ratio:
            name, ceiling_key = ratio
            value = _median_ratio(results[key], results[ceiling_key])
            figures[name] = round(value, 3)
            ratio_text, target_text = f"{value:.0%}", f">= {TARGETS[name]:.0%}"
            met = "yes" if value >= TARGETS[name] else "no"
        lines.append(
            f"| {label} | {result.requests_per_second:,.0f} | {result.latency_p50_ms:.2f} | "
            f"{result.latency_p99_ms:.2f} | {figures[f'{key}_errors']} | {ratio_text} | "
            f"{target_text} | {met} |"
        )
    vs_orm = _median_ratio(results["users"], results["sync_orm"])
    figures["users_vs_sync_orm"] = round(vs_orm, 2)
    lines += [
        "",
        f"Uncached `/users/{{id}}` against the origin stack: **{vs_orm:.1f}x** (target >= 3x: "
        f"{'met' if vs_orm >= 3 else 'missed'}).",
    ]
    return Section("Platform core: ceilings and hot routes", "\n".join(lines) + "\n", figures)
