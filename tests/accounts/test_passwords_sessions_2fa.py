"""Common-password refusal, the sessions list, and two-factor sign-in."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pyotp
import pytest
from sqlalchemy import delete, select, update

from skillnest.accounts import caching, schemas, service
from skillnest.accounts.models import User, UserSession
from skillnest.accounts.rules import common_passwords
from skillnest.core.cache import MemoryCache
from skillnest.core.db import Database
from tests.accounts.conftest import link_token
from tests.factories import PASSWORD, login, make_user, signup

WEAK = ["12345678", "password1234", "qwertyuiop"]


def test_the_shipped_list_has_at_least_100000_passwords():
    # 100,000 lines; compared lower-cased, so spellings differing by case fold together.
    assert len(common_passwords()) > 95_000
    assert {"123456", "password", "qwerty"} <= common_passwords()


@pytest.mark.parametrize("password", [*WEAK, "emma.stone", "PassWord1234"])
async def test_signup_refuses_guessable_passwords(client, password):
    response = await client.post(
        "/api/v1/auth/signup",
        json={"name": "Emma", "email": "emma.stone@example.org", "password": password},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/weak-password")
    assert body["errors"][0]["loc"] == ["body", "password"]
    assert body["detail"]


async def test_signup_refuses_a_password_with_the_name(client):
    response = await client.post(
        "/api/v1/auth/signup",
        json={"name": "Bartholomew", "email": "b@example.org", "password": "bartholomew-rocks"},
    )
    assert response.status_code == 422
    assert "name" in response.json()["detail"]


@pytest.mark.parametrize("password", [*WEAK, "local.part"])
async def test_change_refuses_guessable_passwords(client, password):
    _, headers = await signup(client, email="local.part@example.org")
    response = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": password},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "new_password"]


async def test_reset_refuses_guessable_passwords_and_keeps_the_link(client, session, inbox):
    user = await make_user(session, email="resetter@example.org")
    await client.post("/api/v1/auth/password-reset", json={"email": "resetter@example.org"})
    token = link_token((await inbox.to("resetter@example.org"))[0], "reset-password")
    for password in [*WEAK, "resetter"]:
        response = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": password}
        )
        assert response.status_code == 422, password
    ok = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "sturdy new one"}
    )
    assert ok.status_code == 204
    assert user.id


async def test_sessions_are_listed_and_revoked(client, session):
    user = await make_user(session)
    first = await login(client, user)
    second = await client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"User-Agent": "phone-app/1.0"},
    )
    second_headers = {"Authorization": f"Bearer {second.json()['token']}"}
    third = await login(client, user)

    listed = await client.get("/api/v1/me/sessions", headers=first)
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 3 and len(page["items"]) == 3
    assert [s["current"] for s in page["items"]] == [False, False, True]
    phone = page["items"][1]
    assert phone["user_agent"] == "phone-app/1.0"
    assert phone["ip_address"] == "203.0.113.7"
    assert phone["created_at"] and phone["last_seen_at"]

    revoked = await client.delete(f"/api/v1/me/sessions/{phone['id']}", headers=first)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=second_headers)).status_code == 401

    others = await client.delete("/api/v1/me/sessions", headers=first)
    assert others.status_code == 204
    assert (await client.get("/api/v1/me", headers=third)).status_code == 401
    assert (await client.get("/api/v1/me", headers=first)).status_code == 200


async def test_someone_elses_session_is_not_found(client, session):
    alice = await login(client, await make_user(session))
    bob = await login(client, await make_user(session))
    bobs = (await client.get("/api/v1/me/sessions", headers=bob)).json()["items"][0]["id"]
    response = await client.delete(f"/api/v1/me/sessions/{bobs}", headers=alice)
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=bob)).status_code == 200


async def _enable_two_factor(client, headers) -> tuple[pyotp.TOTP, list[str]]:
    setup = await client.post("/api/v1/me/2fa/setup", headers=headers)
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(secret)
    wrong = await client.post("/api/v1/me/2fa/enable", json={"code": "000000"}, headers=headers)
    if totp.now() != "000000":
        assert wrong.status_code == 400
    enabled = await client.post("/api/v1/me/2fa/enable", json={"code": totp.now()}, headers=headers)
    assert enabled.status_code == 200, enabled.text
    codes = enabled.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return totp, codes


async def test_two_factor_login(client, session):
    user = await make_user(session)
    email = user.email
    totp, codes = await _enable_two_factor(client, await login(client, user))

    body = {"email": email, "password": PASSWORD}
    missing = await client.post("/api/v1/auth/login", json=body)
    assert missing.status_code == 401
    assert missing.json()["type"] == "https://skillnest.dev/problems/otp-required"

    # The enabling code's step is used up: the next step's code (within the window) works.
    code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    ok = await client.post("/api/v1/auth/login", json={**body, "otp": code})
    assert ok.status_code == 200, ok.text
    assert ok.json()["token"]
    replay = await client.post("/api/v1/auth/login", json={**body, "otp": code})
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/otp-required")

    recovery = await client.post("/api/v1/auth/login", json={**body, "otp": codes[0].upper()})
    assert recovery.status_code == 200
    again = await client.post("/api/v1/auth/login", json={**body, "otp": codes[0]})
    assert again.status_code == 401

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['token']}"})
    assert me.json()["two_factor_enabled"] is True


async def test_wrong_codes_count_toward_the_login_limit(client, session):
    user = await make_user(session)
    email = user.email
    await _enable_two_factor(client, await login(client, user))
    statuses = [
        (
            await client.post(
                "/api/v1/auth/login",
                json={"email": email, "password": PASSWORD, "otp": "abcdefghij"},
            )
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]


async def test_disable_needs_password_and_code(client, session):
    user = await make_user(session)
    email = user.email
    headers = await login(client, user)
    _, codes = await _enable_two_factor(client, headers)
    bad = await client.post(
        "/api/v1/me/2fa/disable",
        json={"password": "not it at all", "code": codes[1]},
        headers=headers,
    )
    assert bad.status_code == 401
    off = await client.post(
        "/api/v1/me/2fa/disable", json={"password": PASSWORD, "code": codes[1]}, headers=headers
    )
    assert off.status_code == 204
    plain = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert plain.status_code == 200


@pytest.fixture
async def committed_user(settings, engine):
    """A user committed where other connections see it; deleted again after the test.

    The tests below need a second connection, so they cannot use the rolled-back session
    fixture; without the deletion the user would stay in the worker's shared database.
    """
    db = Database(settings, engine)
    async with db.unit_of_work() as session:
        user = await make_user(session, email=f"{uuid.uuid4().hex}@example.org")
    yield db, user
    async with db.unit_of_work() as session:
        await session.execute(delete(User).where(User.id == user.id))  # sessions cascade


async def test_a_read_resolves_a_token_while_another_connection_writes(settings, committed_user):
    """A GET's first lookup of a token is no write that can fail the request.

    On SQLite the GET's transaction reads from a snapshot; once another connection has
    committed, it can no longer write ("database is locked" at once), so the "last seen"
    timestamp must not be what fails it.
    """
    db, user = committed_user
    async with db.unit_of_work() as session:
        token, _ = await service.open_session(session=session, user=user, settings=settings)
    async with db.unit_of_work(readonly=True) as reader:
        await reader.execute(select(User.id).where(User.id == user.id))  # the snapshot starts
        async with db.unit_of_work() as writer:
            await writer.execute(update(User).where(User.id == user.id).values(bio="changed"))
        resolved = await service.resolve_token(session=reader, cache=MemoryCache(), token=token)
    assert resolved is not None and resolved.id == user.id


async def test_a_token_resolves_while_another_transaction_holds_its_session(
    settings, committed_user
):
    """The first lookups of one token at once do not queue behind each other's "last seen".

    The other transaction holds the session's row (PostgreSQL) or the write lock (SQLite);
    the lookup answers without waiting for it to end.
    """
    db, user = committed_user
    async with db.unit_of_work() as session:
        token, _ = await service.open_session(session=session, user=user, settings=settings)
    async with db.unit_of_work() as holder:
        await holder.execute(
            update(UserSession).where(UserSession.user_id == user.id).values(user_agent="held")
        )
        async with db.unit_of_work(readonly=True) as reader:
            lookup = service.resolve_token(session=reader, cache=MemoryCache(), token=token)
            resolved = await asyncio.wait_for(lookup, timeout=10)
    assert resolved is not None and resolved.id == user.id


async def test_a_profile_read_before_the_change_commits_is_not_kept(committed_user, cache):
    """Another request reading the profile between a change and its commit stores the old
    document again; the deletion queued for the commit drops it."""
    db, user = committed_user
    async with db.unit_of_work() as writer:
        change = schemas.ProfileUpdate(bio="after the change")
        await service.update_profile(session=writer, cache=cache, user_id=user.id, data=change)
        async with db.unit_of_work(readonly=True) as reader:
            stale = await service.me_document(session=reader, cache=cache, user_id=user.id)
        assert orjson.loads(stale)["bio"] != "after the change"
    await caching._FORGET_AFTER_COMMIT.drain(timeout=10, this_loop=True)
    async with db.unit_of_work(readonly=True) as reader:
        fresh = await service.me_document(session=reader, cache=cache, user_id=user.id)
    assert orjson.loads(fresh)["bio"] == "after the change"
