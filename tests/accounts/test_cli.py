"""``skillnest users reset-password | sessions | export``, with a real database and SMTP server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from alembic import command
from httpx import ASGITransport, AsyncClient
from typer.testing import CliRunner

from skillnest.app import build_platform, close_platform, create_app
from skillnest.cli import app as skillnest_app
from skillnest.ops.service import alembic_config
from skillnest.settings import get_settings
from tests.accounts.conftest import PUBLIC_URL, Inbox, link_token
from tests.conftest import (
    drop_postgres_database,
    empty_database_url,
    make_settings,
    redis_url,
)
from tests.factories import PASSWORD

EMAIL = "cli.person@example.org"


@pytest.fixture
def cli_env(
    backend: str, tmp_path: Path, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A fresh migrated database and the test SMTP server, configured through the environment."""
    url = empty_database_url(backend, tmp_path, prefix="skillnest_accounts_cli")
    command.upgrade(alembic_config(make_settings(url, None)), "head")
    monkeypatch.setenv("SKILLNEST_ENV", "test")
    monkeypatch.setenv("SKILLNEST_DATABASE_URL", url)
    monkeypatch.setenv("SKILLNEST_SECRET_KEY", "cli-test-secret-key-0123456789")
    monkeypatch.setenv("SKILLNEST_PSEUDONYM_KEY", "cli-test-pseudonym-key-0123456789")
    monkeypatch.setenv("SKILLNEST_SMTP_URL", f"smtp://127.0.0.1:{inbox.port}")
    monkeypatch.setenv("SKILLNEST_PUBLIC_URL", PUBLIC_URL)
    if backend == "postgresql":
        sync_redis.Redis.from_url(redis_url()).flushdb()
        monkeypatch.setenv("SKILLNEST_REDIS_URL", redis_url())
    else:
        monkeypatch.delenv("SKILLNEST_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    if backend == "postgresql":
        drop_postgres_database(url)


def cli(*args: str) -> str:
    result = CliRunner().invoke(skillnest_app, ["users", *args])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return str(result.output)


async def test_users_sessions_reset_password_and_export(cli_env, inbox):
    platform = build_platform(get_settings())
    transport = ASGITransport(app=create_app(platform=platform), client=("198.51.100.4", 4000))
    try:
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            await _sessions_and_reset(http, inbox, shared_cache=platform.cache.backend == "redis")
    finally:
        await close_platform(platform)

    document = json.loads(await asyncio.to_thread(cli, "export", EMAIL))
    assert document["modules"]["accounts"]["profile"]["email"] == EMAIL
    assert {"exchange", "careers", "gauge", "catalog", "help"} <= set(document["modules"])

    missing = await asyncio.to_thread(
        CliRunner().invoke, skillnest_app, ["users", "sessions", "nobody@example.org"]
    )
    assert missing.exit_code == 1
    assert "No account" in missing.output


async def _sessions_and_reset(http: AsyncClient, inbox: Inbox, shared_cache: bool) -> None:
    signed = await http.post(
        "/api/v1/auth/signup", json={"name": "Cli Person", "email": EMAIL, "password": PASSWORD}
    )
    assert signed.status_code == 201, signed.text
    tokens = [signed.json()["token"]]
    for _ in range(2):
        login = await http.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        tokens.append(login.json()["token"])

    # With Redis the server and the shell share the cache: warm it with the token lookups, the
    # CLI's revocation must still reach the server at once. (The in-process cache of the
    # embedded mode is the server's own; another process cannot clear it.)
    for token in tokens if shared_cache else ():
        me = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200

    listed = await asyncio.to_thread(cli, "sessions", EMAIL)
    assert f"{EMAIL}: 3 open session(s)" in listed
    assert listed.count("198.51.100.4") == 3

    revoked = await asyncio.to_thread(cli, "sessions", EMAIL, "--revoke-all")
    assert "0 open session(s) (all revoked)" in revoked
    for token in tokens:
        me = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401

    assert f"reset link mailed to {EMAIL}" in await asyncio.to_thread(cli, "reset-password", EMAIL)
    resets = [m for m in inbox.messages if m["Subject"] == "Reset your skillnest password"]
    assert len(resets) == 1
    done = await http.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": link_token(resets[0], "reset-password"), "password": "fresh from the shell"},
    )
    assert done.status_code == 204
