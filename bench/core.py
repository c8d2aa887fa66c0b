"""Platform-core benchmark: skillnest's hot routes next to the ceilings of this machine.

Ceilings, measured in the same run: ``pgbench -S`` (PostgreSQL select-only tps),
``redis-benchmark`` GET, and the bare ceiling app (bench/ceiling.py). Then skillnest with 2
workers on PostgreSQL + Redis: ``GET /health``, an authenticated ``GET /api/v1/me`` and an
uncached ``GET /api/v1/users/{id}`` over random ids. wrk: 20 s, 64 connections.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import psycopg

from bench.common import (
    ROOT,
    Section,
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
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = 64
TARGETS = {"health_vs_ping": 0.80, "me_vs_ping": 0.50, "users_vs_pk": 0.60}


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


def run() -> Section:
    """Measure ceilings and skillnest in one run."""
    redis_url = env("SKILLNEST_TEST_REDIS_URL").rsplit("/", 1)[0] + "/9"
    url = fresh_postgres_database("bench_core")
    try:
        migrate(url)
        user_id, token = load_rows(url)
        first_id = user_id
        figures: dict[str, float] = {}
        print("pgbench -S ...", flush=True)
        figures["pgbench_select_tps"] = pgbench_select_tps(url)
        print("redis-benchmark GET ...", flush=True)
        figures["redis_get_rps"] = redis_get_rps()

        port = free_port()
        ceiling_argv = [
            str(ROOT / ".venv/bin/uvicorn"),
            "bench.ceiling:app",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with server(ceiling_argv, port, {"CEILING_DSN": _libpq(url)}, health="/ping") as base:
            print("ceiling /ping, /pk ...", flush=True)
            ping = wrk(base + "/ping", seconds=SECONDS, connections=CONNECTIONS)
            pk = wrk(
                base + "/pk/{id}", seconds=SECONDS, connections=CONNECTIONS, id_range=(1, ROWS)
            )
        port = free_port()
        with skillnest_server(port, 2, url, redis_url) as base:
            print("skillnest /health, /me, /users/{id} ...", flush=True)
            wrk(base + "/health", seconds=3, connections=CONNECTIONS)  # warm-up
            health = wrk(base + "/health", seconds=SECONDS, connections=CONNECTIONS)
            me = wrk(
                base + "/api/v1/me",
                seconds=SECONDS,
                connections=CONNECTIONS,
                headers={"Authorization": f"Bearer {token}"},
            )
            users = wrk(
                base + "/api/v1/users/{id}",
                seconds=SECONDS,
                connections=CONNECTIONS,
                id_range=(first_id, first_id + ROWS - 1),
            )
    finally:
        drop_postgres_database(url)

    rows = [
        ("ping", "ceiling: bare async JSON `/ping`", ping, None),
        ("pk", "ceiling: async psycopg PK lookup `/pk/{id}`", pk, None),
        ("health", "skillnest `GET /health`", health, ("health_vs_ping", ping)),
        ("me", "skillnest `GET /api/v1/me` (authenticated)", me, ("me_vs_ping", ping)),
        (
            "users",
            "skillnest `GET /api/v1/users/{id}` (uncached, random ids)",
            users,
            ("users_vs_pk", pk),
        ),
    ]
    lines = [
        f"PostgreSQL `pgbench -S` (scale 10, 64 clients, {SECONDS} s): **{figures['pgbench_select_tps']:,.0f} tps**; "
        f"`redis-benchmark -t get -c 64`: **{figures['redis_get_rps']:,.0f} GET/s**.",
        "",
        f"wrk, {SECONDS} s, 64 connections, 2 threads; servers with 2 uvicorn workers; {ROWS:,} rows/users.",
        "",
        "| route | req/s | p50 ms | p99 ms | errors | ratio to ceiling | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for key, label, result, ratio in rows:
        figures[f"{key}_rps"] = result.requests_per_second
        figures[f"{key}_p50_ms"] = result.latency_p50_ms
        figures[f"{key}_p99_ms"] = result.latency_p99_ms
        figures[f"{key}_errors"] = result.errors
        ratio_text = target_text = met = ""
        if ratio:
            name, ceiling = ratio
            value = result.requests_per_second / ceiling.requests_per_second
            figures[name] = round(value, 3)
            ratio_text, target_text = f"{value:.0%}", f">= {TARGETS[name]:.0%}"
            met = "yes" if value >= TARGETS[name] else "no"
        lines.append(
            f"| {label} | {result.requests_per_second:,.0f} | {result.latency_p50_ms:.2f} | "
            f"{result.latency_p99_ms:.2f} | {result.errors} | {ratio_text} | {target_text} | {met} |"
        )
    return Section("Platform core: ceilings and hot routes", "\n".join(lines) + "\n", figures)
