"""Cached job search pages: every kind of job write is seen by the next search."""

from __future__ import annotations

import asyncio

import orjson
import redis as sync_redis
from httpx import ASGITransport, AsyncClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from skillnest.app import build_platform, close_platform, create_app
from skillnest.careers.jobs import search_cache
from skillnest.cli import app as cli_app
from skillnest.core.cli import use_settings
from tests.careers.conftest import job_payload
from tests.conftest import make_settings, redis_url
from tests.factories import login, make_user


async def test_search_pages_change_after_every_kind_of_job_write(cli_database, backend, tmp_path):
    redis = redis_url() if backend == "postgresql" else None
    if redis:
        sync_redis.Redis.from_url(redis).flushdb()
    settings = make_settings(cli_database, redis)
    platform = build_platform(settings)
    transport = ASGITransport(app=create_app(platform=platform), client=("198.51.100.9", 4000))
    try:
        with use_settings(settings):  # the shell's import uses the same database and cache
            async with AsyncClient(transport=transport, base_url="http://test") as http:
                await _every_kind_of_write(
                    http, platform, cli_database, tmp_path, cached=bool(redis)
                )
    finally:
        await close_platform(platform)


async def _every_kind_of_write(http, platform, url, tmp_path, cached):  # type: ignore[no-untyped-def]
    async def titles(q: str) -> list[str]:
        response = await http.get("/api/v1/jobs", params={"q": q})
        assert response.status_code == 200, response.text
        return [job["title"] for job in response.json()["items"]]

    async with platform.db.unit_of_work() as session:
        user = await make_user(session, is_admin=True)
    admin = await login(http, user)
    assert await titles("rust") == []

    payload = job_payload("c-1", title="Rust Developer", description="Firmware.")
    created = await http.post("/api/v1/jobs", headers=admin, json=payload)
    assert created.status_code == 201, created.text
    assert await titles("rust") == ["Rust Developer"]
    assert await titles("rust") == ["Rust Developer"]  # the cached page, when cached

    job_id = created.json()["id"]
    changed = await http.patch(f"/api/v1/jobs/{job_id}", headers=admin, json={"title": "Haskell"})
    assert changed.status_code == 200, changed.text
    assert await titles("rust") == []
    assert await titles("haskell") == ["Haskell"]

    feed = tmp_path / "jobs.jsonl"
    feed.write_bytes(orjson.dumps(job_payload("i-1", title="Rust Firmware Engineer")) + b"\n")
    imported = await asyncio.to_thread(CliRunner().invoke, cli_app, ["jobs", "import", str(feed)])
    assert imported.exit_code == 0, imported.output
    assert await titles("rust") == ["Rust Firmware Engineer"]

    # A write nobody announces: with Redis the page stays cached, which shows it is cached.
    engine = create_engine(url.replace("+aiosqlite", ""))
    with engine.begin() as conn:
        conn.execute(text("UPDATE jobs SET title = 'Rust Lead' WHERE external_id = 'i-1'"))
    engine.dispose()
    assert await titles("rust") == (["Rust Firmware Engineer"] if cached else ["Rust Lead"])
    await search_cache.announce_jobs_changed(platform.cache)
    assert await titles("rust") == ["Rust Lead"]
