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
import random
import secrets
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
    migrate,
    parse_wrk,
    percentiles,
    server,
)

REQUESTS = 10_000
ACCOUNTS = 2_000
HELPER_INTERACTIONS = 1_000
OTHER_INTERACTIONS = 50_000
WRK_SECONDS = 15
SKILLS = [
    "python", "sql", "javascript", "react", "calculus", "linear algebra", "statistics", "rust",
    "java", "c++", "go", "essay writing", "physics", "chemistry", "organic chemistry", "biology",
    "economics", "accounting", "excel", "figma", "docker", "kubernetes", "git", "machine learning",
    "pandas", "typescript", "swift", "kotlin", "spanish", "french", "german", "discrete math",
    "algorithms", "data structures", "networking", "linux", "public speaking", "latex", "r",
    "matlab",
]  # fmt: skip
DOMAINS = [f"uni{i:02d}.example.edu" for i in range(20)]
FEED_PATHS = [
    "/api/v1/help/feed?skills=python",
    "/api/v1/help/feed?skills=python,sql&min_urgency=3",
    "/api/v1/help/feed?min_urgency=4",
    "/api/v1/help/feed?college_domain=uni03.example.edu",
    "/api/v1/help/feed?skills=rust&college_domain=uni07.example.edu",
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
                {"name": f"Bench {i}", "email": f"bench{i}@example.org", "password_hash": "x"}
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
    """Resolve every token once (sessions get cached) and check the feed answers."""
    items = 0
    with httpx.Client(base_url=base, timeout=30) as http:
        for token in tokens:
            response = http.get("/api/v1/help/feed", headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()
            items = len(response.json()["items"])
    return items


async def in_process(database_url: str, redis_url: str | None) -> dict[str, Any]:
    """Feed page (cards + confirmation vs database) and trust score (computed vs cached)."""
    import time

    from skillnest.core.cache import MemoryCache, RedisCache
    from skillnest.core.db import make_engine
    from skillnest.core.security import keyed_pseudonym
    from skillnest.help import feed
    from skillnest.help.service import compute_trust, helper_trust
    from skillnest.settings import Settings

    values = bench_settings_env(database_url, redis_url)
    settings = Settings(**{k.removeprefix("SKILLNEST_").lower(): v for k, v in values.items()})  # type: ignore[arg-type]
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
    extra = {**bench_settings_env(database_url, redis_url), "SKILLNEST_SLOW_QUERY_MS": "600000"}
    return server(argv, port, extra)


def measure(database_url: str, redis_url: str | None, workers: int) -> dict[str, Any]:
    migrate(database_url)
    tokens, helper_token = seed(database_url)
    if redis_url:
        clear_redis_keys(redis_url)
    figures: dict[str, Any] = {}
    with help_server(free_port(), workers, database_url, redis_url) as base:
        figures["items_on_first_page"] = warm(base, tokens)
        figures["feed_http"] = wrk_feed(base, tokens)
        figures["trust_http_cached"] = wrk_get(base + "/api/v1/help/trust/me", helper_token)
        # The ceiling of this server on this machine at this moment, for comparison.
        figures["health_http"] = wrk_get(base + "/health", helper_token)
    figures.update(asyncio.run(in_process(database_url, redis_url)))
    return figures


def _row(name: str, f: dict[str, float]) -> str:
    return f"| {name} | {f['rps']:,} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} |"


def _lat(name: str, f: dict[str, float]) -> str:
    return f"| {name} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['mean_ms']:.2f} |"


def run() -> Section:
    import os

    load_before = os.getloadavg()[0]
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
    load_after = os.getloadavg()[0]
    markdown = "\n".join(
        [
            f"{REQUESTS:,} active requests in the feed; {ACCOUNTS:,} accounts; a helper with "
            f"{HELPER_INTERACTIONS:,} trust interactions among {OTHER_INTERACTIONS:,} others. "
            f"wrk: 2 threads, 64 connections, {WRK_SECONDS} s, random account and filter per "
            "request (skills, skills + min_urgency, min_urgency, college, skill + college, "
            "offset 100). Every feed read includes authentication, the per-account rate limit "
            "and the database confirmation of the page.",
            "",
            "| HTTP | req/s | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|",
            _row("feed, PostgreSQL + Redis, 2 workers", pg["feed_http"]),
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
            "",
            f"Load average (1 min) before and after the run: {load_before:.1f} / "
            f"{load_after:.1f} on {os.cpu_count()} cores; other work shared the machine, so "
            "treat the HTTP figures as a floor.",
        ]
    )
    return Section(
        title="help: live feed and trust score",
        markdown=markdown,
        figures={"postgresql_redis": pg, "sqlite_memory": lite},
    )
