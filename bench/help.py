"""Anonymous help: feed reads with filters over 10,000 live requests, and the trust score.

Scenarios (issue 4, point 10):
* 10,000 active requests in the feed; authenticated feed reads with filters through the real
  server (auth, the 100-per-15-minutes rate limit and the database confirmation included),
  on PostgreSQL + Redis (2 workers) and on the embedded default (SQLite + in-process, 1 worker).
  2,000 accounts share the load so the per-account limit is never reached.
* In-process: one feed page from the cached cards (+ primary-key confirmation) against the
  same page straight from the database (the fallback when Redis is unreachable).
* Trust score of a helper with 1,000 interactions (among 50,000 of other helpers): computed
  (uncached) and from the cache, in-process, plus GET /help/trust/me through the server.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis as sync_redis
from sqlalchemy import create_engine, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import (
    OUT,
    ROOT,
    Section,
    bench_settings_env,
    drop_postgres_database,
    env,
    free_port,
    fresh_postgres_database,
    in_process_settings,
    migrate,
    parse_wrk,
    percentiles,
    server,
)

REQUESTS = 10_000
ACCOUNTS = 2_000
HELPER_INTERACTIONS = 1_000
OTHER_INTERACTIONS = 50_000
WRK_SECONDS = int(os.environ.get("HELP_BENCH_SECONDS", "15"))
SERIAL_REQUESTS = 3_000
TARGET_RPS = 2_000  # issue 12: the feed at 64 connections on PostgreSQL + Redis
SKILLS = [
    "python", "sql", "javascript", "react", "calculus", "linear algebra", "statistics", "rust",
    "java", "c++", "go", "essay writing", "physics", "chemistry", "organic chemistry", "biology",
    "economics", "accounting", "excel", "figma", "docker", "kubernetes", "git", "machine learning",
    "pandas", "typescript", "swift", "kotlin", "spanish", "french", "german", "discrete math",
    "algorithms", "data structures", "networking", "linux", "public speaking", "latex", "r",
    "matlab",
]  # fmt: skip
# Every account is a verified student of one of these colleges: the college filter ("mine",
# the caller's own college) answers 200 with their college's requests, never a 403.
DOMAINS = [f"uni{i:02d}.edu" for i in range(20)]
FEED_PATHS = [
    "/api/v1/help/feed?skills=python",
    "/api/v1/help/feed?skills=python,sql&min_urgency=3",
    "/api/v1/help/feed?min_urgency=4",
    "/api/v1/help/feed?college_domain=mine",
    "/api/v1/help/feed?skills=rust&college_domain=mine",
    "/api/v1/help/feed?skills=calculus&offset=100&limit=20",
]
WRK_SCRIPT = """
local tokens = {%s}
local paths = {%s}
math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
request = function()
  local token = tokens[math.random(#tokens)]
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
"""
PSEUDONYM_KEY = bench_settings_env("", None)["SKILLNEST_PSEUDONYM_KEY"]


def _sync_url(url: str) -> str:
    return url.replace("+aiosqlite", "")


def seed(database_url: str) -> tuple[list[str], str]:
    """Fill a migrated database; return the accounts' tokens and the helper's token."""
    from skillnest.accounts.models import User, UserSession
    from skillnest.core.security import keyed_pseudonym, token_digest
    from skillnest.help.models import HelpSession, TrustInteraction

    rng = random.Random(4)
    now = datetime.now(UTC)
    engine = create_engine(_sync_url(database_url))
    tokens = [secrets.token_urlsafe(32) for _ in range(ACCOUNTS)]
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "name": f"Bench {i}",
                    "email": f"bench{i}@{DOMAINS[i % len(DOMAINS)]}",
                    "password_hash": "x",
                    "email_verified_at": now - timedelta(days=1),
                }
                for i in range(ACCOUNTS)
            ],
        )
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM users ORDER BY id")]
        conn.execute(
            insert(UserSession),
            [
                {
                    "user_id": user_id,
                    "token_hash": token_digest(token),
                    "expires_at": now + timedelta(days=2),
                }
                for user_id, token in zip(ids, tokens, strict=True)
            ],
        )
        conn.execute(
            insert(HelpSession),
            [
                {
                    "id": uuid.uuid4(),
                    "skill_tags": rng.sample(SKILLS, rng.randint(1, 3)),
                    "urgency_level": rng.randint(1, 5),
                    "college_domain": rng.choice([*DOMAINS, None]),
                    "anonymous_avatar": "blue-circle",
                    "encrypted_request": base64.b64encode(rng.randbytes(300)).decode(),
                    "title": f"Request {i}",
                    "created_at": (created := now - timedelta(minutes=rng.randint(1, 1200))),
                    "expires_at": created + timedelta(hours=24),
                    "status": "Active",
                    "owner_hash": secrets.token_hex(32),
                }
                for i in range(REQUESTS)
            ],
        )
        helper_hash = keyed_pseudonym(PSEUDONYM_KEY, "trust", ids[0])
        others = [secrets.token_hex(32) for _ in range(500)]
        seekers = [secrets.token_hex(32) for _ in range(200)]
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "helper_hash": helper_hash if i < HELPER_INTERACTIONS else rng.choice(others),
                "seeker_hash": rng.choice(seekers),
                "session_quality": rng.randint(1, 10),
                "help_duration": rng.randint(5, 90),
                "skill_category": rng.choice(SKILLS)[:50],
                "created_at": now - timedelta(hours=rng.randint(1, 24 * 60)),
            }
            for i in range(HELPER_INTERACTIONS + OTHER_INTERACTIONS)
        ]
        for start in range(0, len(rows), 5_000):
            conn.execute(insert(TrustInteraction), rows[start : start + 5_000])
    # Statistics and visibility maps as a database that has run a while has them: without
    # this, autovacuum analyses the fresh tables during the measurement, on the same 2 cores.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    return tokens, tokens[0]


def wrk_feed(base: str, tokens: list[str]) -> dict[str, float]:
    import subprocess

    OUT.mkdir(parents=True, exist_ok=True)
    script = OUT / f"help-feed-{uuid.uuid4().hex[:6]}.lua"
    script.write_text(
        WRK_SCRIPT % (",".join(f'"{t}"' for t in tokens), ",".join(f'"{p}"' for p in FEED_PATHS))
    )
    try:
        argv = ["wrk", "-t2", "-c64", f"-d{WRK_SECONDS}s", "--latency", "-s", str(script), base]
        output = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    finally:
        script.unlink()
    result = parse_wrk(output)
    return {
        "rps": round(result.requests_per_second),
        "p50_ms": result.latency_p50_ms,
        "p99_ms": result.latency_p99_ms,
        "errors": result.errors,
    }


def wrk_get(url: str, token: str) -> dict[str, float]:
    from bench.common import wrk

    result = wrk(url, seconds=WRK_SECONDS, headers={"Authorization": f"Bearer {token}"})
    return {
        "rps": round(result.requests_per_second),
        "p50_ms": result.latency_p50_ms,
        "p99_ms": result.latency_p99_ms,
        "errors": result.errors,
    }


def warm(base: str, tokens: list[str]) -> int:
    """Every account reads the feed once, and once its own college's: the steady state.

    Its session and its college then come from the cache, as they do for an account that
    read the feed in the last five minutes (a first read costs a database lookup of each,
    once). Every filter of the run must answer 200.
    """
    items = 0
    own_college = next(path for path in FEED_PATHS if "college_domain=mine" in path)
    with httpx.Client(base_url=base, timeout=30) as http:
        for i, token in enumerate(tokens):
            path = FEED_PATHS[i % len(FEED_PATHS)]
            for read in dict.fromkeys((path, own_college)):
                response = http.get(read, headers={"Authorization": f"Bearer {token}"})
                response.raise_for_status()
                items = max(items, len(response.json()["items"]))
    return items


def _process_cpu(port: int) -> float:
    """CPU seconds (user + system) used so far by the server listening on ``port`` and its group."""
    group = None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if b"--port" in argv and str(port).encode() in argv:
                    group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[2]
                    break
    if group is None:
        raise RuntimeError(f"no server process on port {port}")
    ticks = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[2] == group:
                    ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def serial_cpu(
    base: str, port: int, tokens: list[str], count: int = SERIAL_REQUESTS
) -> dict[str, float]:
    """Server CPU per feed request: one request at a time against one worker.

    CPU time, unlike throughput, hardly moves with the load of a shared machine: this is the
    figure to compare before and after a change to the request path.
    """
    paths = [(FEED_PATHS[i % len(FEED_PATHS)], tokens[i % len(tokens)]) for i in range(count)]
    samples: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for path, token in paths[:200]:  # warm-up: tokens cached, statements prepared
            http.get(path, headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        before = _process_cpu(port)
        for path, token in paths:
            start = time.perf_counter()
            response = http.get(path, headers={"Authorization": f"Bearer {token}"})
            samples.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
        used = _process_cpu(port) - before
    return {"cpu_us": round(used / count * 1_000_000), **percentiles(samples)}


async def in_process(database_url: str, redis_url: str | None) -> dict[str, Any]:
    """Feed page (cards + confirmation vs database) and trust score (computed vs cached)."""
    from skillnest.core.cache import MemoryCache, RedisCache
    from skillnest.core.db import make_engine
    from skillnest.core.security import keyed_pseudonym
    from skillnest.help import feed
    from skillnest.help.service import compute_trust, helper_trust

    settings = in_process_settings(database_url, redis_url)
    engine = make_engine(database_url, settings)
    cache = RedisCache(redis_url) if redis_url else MemoryCache()
    figures: dict[str, Any] = {}
    async with AsyncSession(engine) as session:
        user_id = (await session.execute(text("SELECT min(id) FROM users"))).scalar_one()
        helper_hash = keyed_pseudonym(PSEUDONYM_KEY, "trust", user_id)
        filters = feed.Filters(skills=frozenset({"python", "sql"}), min_urgency=3)

        async def timed(fn: Any, repeat: int) -> dict[str, float]:
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                await fn()
                samples.append((time.perf_counter() - start) * 1000)
            return percentiles(samples)

        async def page_cards() -> None:
            await feed.read_page(session=session, cache=cache, filters=filters, offset=0, limit=20)

        async def page_db() -> None:
            await feed.page_from_db(
                session=session, filters=filters, offset=0, limit=20, now=datetime.now(UTC)
            )

        await page_cards()
        start = time.perf_counter()
        await cache.delete(feed.VERSION_KEY)
        await page_cards()  # a rebuild from the database
        figures["rebuild_ms"] = round((time.perf_counter() - start) * 1000, 1)
        figures["feed_page_cards"] = await timed(page_cards, 300)
        figures["feed_page_database"] = await timed(page_db, 300)

        async def trust_uncached() -> None:
            await compute_trust(session=session, helper_hash=helper_hash)

        async def trust_cached() -> None:
            await helper_trust(session=session, cache=cache, helper_hash=helper_hash)

        stats = await compute_trust(session=session, helper_hash=helper_hash)
        figures["trust_sessions"] = stats.total_sessions
        figures["trust_uncached"] = await timed(trust_uncached, 300)
        await trust_cached()
        figures["trust_cached"] = await timed(trust_cached, 1000)
    await cache.close()
    await engine.dispose()
    return figures


def clear_redis_keys(redis_url: str) -> None:
    client = sync_redis.Redis.from_url(redis_url)
    client.delete("live_help_feed", "live_help_feed:closed", "help:feed:version")
    # The per-account feed limit (100 per 15 minutes) of an earlier run on the same ids.
    for key in client.scan_iter("LIMITS:LIMITER/help-feed/*"):
        client.delete(key)
    for key in client.scan_iter("trust_score:*"):
        client.delete(key)
    client.close()


def help_server(port: int, workers: int, database_url: str, redis_url: str | None) -> Any:
    """``skillnest serve`` as bench.common.skillnest_server runs it, minus slow-query logging.

    bench.common.server pipes the server's stderr and never reads it: under load the slow
    query log fills the pipe and the server blocks on a write. A high threshold keeps quiet.
    """
    argv = [
        str(ROOT / ".venv/bin/skillnest"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    # No maintenance run during the measurement: on SQLite its reconciliation of the 10,000
    # cards holds the write lock long enough to turn token look-ups that write into 503s.
    extra = {
        **bench_settings_env(database_url, redis_url),
        "SKILLNEST_SLOW_QUERY_MS": "600000",
        "SKILLNEST_MAINTENANCE_SECONDS": "86400",
    }
    return server(argv, port, extra)


def measure(database_url: str, redis_url: str | None, workers: int) -> dict[str, Any]:
    migrate(database_url)
    tokens, helper_token = seed(database_url)
    if redis_url:
        clear_redis_keys(redis_url)
    figures: dict[str, Any] = {}
    port = free_port()
    with help_server(port, 1, database_url, redis_url) as base:
        figures["items_on_first_page"] = warm(base, tokens)
        figures["feed_serial"] = serial_cpu(base, port, tokens)
    with help_server(free_port(), workers, database_url, redis_url) as base:
        # A server runs warm: every token resolved once by this server too (the in-process
        # cache of the embedded default belongs to one process; a cold one makes each first
        # look-up write the session's last-seen time, all at once).
        warm(base, tokens)
        figures["feed_http"] = wrk_feed(base, tokens)
        figures["trust_http_cached"] = wrk_get(base + "/api/v1/help/trust/me", helper_token)
        # The ceiling of this server on this machine at this moment, for comparison.
        figures["health_http"] = wrk_get(base + "/health", helper_token)
    figures.update(asyncio.run(in_process(database_url, redis_url)))
    return figures


def _row(name: str, f: dict[str, float], target: str = "", met: str = "") -> str:
    return (
        f"| {name} | {f['rps']:,} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} "
        f"| {target} | {met} |"
    )


def _lat(name: str, f: dict[str, float]) -> str:
    return f"| {name} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['mean_ms']:.2f} |"


def _serial(name: str, f: dict[str, float]) -> str:
    return f"| {name} | {f['cpu_us']:,} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} |"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run() -> Section:
    load_before = _load()
    redis_url = env("SKILLNEST_TEST_REDIS_URL")
    pg_url = fresh_postgres_database("bench_help")
    sqlite_path = OUT / "bench-help.db"
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    sqlite_url = f"sqlite+aiosqlite:///{sqlite_path}"
    try:
        pg = measure(pg_url, redis_url, workers=2)
        lite = measure(sqlite_url, None, workers=1)
    finally:
        drop_postgres_database(pg_url)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    load_after = _load()
    feed_met = pg["feed_http"]["rps"] >= TARGET_RPS and pg["feed_http"]["errors"] == 0
    markdown = "\n".join(
        [
            f"{REQUESTS:,} active requests in the feed; {ACCOUNTS:,} accounts, each a verified "
            f"student of one of {len(DOMAINS)} colleges; a helper with "
            f"{HELPER_INTERACTIONS:,} trust interactions among {OTHER_INTERACTIONS:,} others. "
            f"wrk: 2 threads, 64 connections, {WRK_SECONDS} s, random account and filter per "
            "request (skills, skills + min_urgency, min_urgency, own college, skill + own "
            "college, offset 100). Every feed read includes authentication, the per-account "
            "rate limit and the database confirmation of the page; every answer counted is a "
            "200 (errors: non-2xx and socket errors).",
            "",
            f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after} on "
            f"{os.cpu_count()} cores. Other work shared the machine: treat the throughput "
            "figures as a floor, and compare changes by the CPU per request below.",
            "",
            "| HTTP | req/s | p50 ms | p99 ms | errors | target | met |",
            "|---|---:|---:|---:|---:|---:|:-:|",
            _row(
                "feed, PostgreSQL + Redis, 2 workers",
                pg["feed_http"],
                f">= {TARGET_RPS:,}",
                "yes" if feed_met else "no",
            ),
            _row("feed, SQLite + in-process, 1 worker", lite["feed_http"]),
            _row("trust/me (cached), PostgreSQL + Redis, 2 workers", pg["trust_http_cached"]),
            _row("trust/me (cached), SQLite + in-process, 1 worker", lite["trust_http_cached"]),
            _row(
                "/health (no auth, cached checks), PostgreSQL + Redis, 2 workers", pg["health_http"]
            ),
            _row(
                "/health (no auth, cached checks), SQLite + in-process, 1 worker",
                lite["health_http"],
            ),
            "",
            f"Server CPU per feed request: {SERIAL_REQUESTS:,} requests one at a time (the same "
            "random accounts and filters) against one worker, CPU time of the server process "
            "divided by the requests; latency seen by the client:",
            "",
            "| serial, 1 worker | server CPU µs / request | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
            _serial("feed, PostgreSQL + Redis", pg["feed_serial"]),
            _serial("feed, SQLite + in-process", lite["feed_serial"]),
            "",
            "In-process, one call at a time (skills python or sql, min_urgency 3, 20 items):",
            "",
            "| in-process | p50 ms | p99 ms | mean ms |",
            "|---|---|---|---|",
            _lat(
                "feed page from cached cards + confirmation, PostgreSQL + Redis",
                pg["feed_page_cards"],
            ),
            _lat("feed page from the database (fallback), PostgreSQL", pg["feed_page_database"]),
            _lat(
                "feed page from cached cards + confirmation, SQLite + in-process",
                lite["feed_page_cards"],
            ),
            _lat("feed page from the database (fallback), SQLite", lite["feed_page_database"]),
            _lat(
                f"trust score uncached ({pg['trust_sessions']:,} interactions), PostgreSQL",
                pg["trust_uncached"],
            ),
            _lat("trust score cached, Redis", pg["trust_cached"]),
            _lat(
                f"trust score uncached ({lite['trust_sessions']:,} interactions), SQLite",
                lite["trust_uncached"],
            ),
            _lat("trust score cached, in-process", lite["trust_cached"]),
            "",
            f"Rebuilding the sorted set from the database after it was lost: "
            f"{pg['rebuild_ms']} ms on PostgreSQL + Redis, {lite['rebuild_ms']} ms on SQLite "
            f"(first read after the loss; {REQUESTS:,} cards).",
        ]
    )
    return Section(
        title="help: live feed and trust score",
        markdown=markdown,
        figures={"postgresql_redis": pg, "sqlite_memory": lite, "load": [load_before, load_after]},
    )
