"""OAuth / OpenID Connect sign-in, end to end against a real local provider (Authlib)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from skillnest.accounts import service
from skillnest.accounts.models import OAuthProvider, User
from skillnest.settings import OAuthClient, Settings
from tests.accounts.conftest import PUBLIC_URL
from tests.accounts.oidc_provider import Person, Provider
from tests.factories import make_user

CALLBACK = "/api/v1/auth/oauth/local/callback"
GITHUB_CALLBACK = "/api/v1/auth/oauth/github/callback"


@pytest.fixture
def oidc() -> Iterator[Provider]:
    """The provider, listening on a loopback port for the length of a test."""
    provider = Provider(PUBLIC_URL + CALLBACK, PUBLIC_URL + GITHUB_CALLBACK)
    provider.serve()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def mail_settings(mail_settings: Settings, oidc: Provider) -> Settings:
    """The accounts test settings with the local provider configured as ``local``."""
    client = OAuthClient(
        client_id=oidc.client.client_id,
        client_secret=oidc.client.client_secret,  # type: ignore[arg-type]
        server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
    )
    # The same provider also plays a GitHub Enterprise Server (plain OAuth 2.0, no OIDC).
    github = OAuthClient(
        client_id=oidc.client.client_id,
        client_secret=oidc.client.client_secret,  # type: ignore[arg-type]
        github_url=oidc.issuer,
        api_url=oidc.issuer,
    )
    return mail_settings.model_copy(update={"oauth": {"local": client, "github": github}})


async def at_provider(client, oidc: Provider, person: Person) -> dict[str, str]:
    """Start at skillnest, sign in at the provider; return the callback's query parameters."""
    oidc.login_as(person)
    start = await client.get("/api/v1/auth/oauth/local/start")
    assert start.status_code == 302, start.text
    location = start.headers["location"]
    assert location.startswith(f"{oidc.issuer}/authorize?")
    asked = parse_qs(urlsplit(location).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["state"][0] and asked["nonce"][0]
    async with httpx.AsyncClient() as browser:
        back = await browser.get(location)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(PUBLIC_URL + CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(back.headers["location"]).query).items()}


async def sign_in(client, oidc: Provider, person: Person) -> dict:
    """The whole round trip; return the callback's JSON."""
    params = await at_provider(client, oidc, person)
    response = await client.get(CALLBACK, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_first_sign_in_creates_the_account_and_the_second_signs_into_it(
    client, session, oidc, platform
):
    person = Person(sub="sub-001", email="new.person@example.org", name="New Person")
    first = await sign_in(client, oidc, person)
    assert first["user"]["email"] == "new.person@example.org"
    assert first["user"]["name"] == "New Person"
    assert first["user"]["email_verified"] is True
    headers = {"Authorization": f"Bearer {first['token']}"}
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200

    second = await sign_in(client, oidc, person)
    assert second["user"]["id"] == first["user"]["id"]
    assert second["token"] != first["token"]
    count = await session.scalar(
        select(func.count()).select_from(User).where(User.email == "new.person@example.org")
    )
    assert count == 1

    link = (
        await session.execute(select(OAuthProvider).where(OAuthProvider.provider == "local"))
    ).scalar_one()
    assert link.provider_user_id == "sub-001"
    # The provider's access token is stored, encrypted: only the secret key opens it.
    stored = link.access_token_encrypted
    access_token = service.oauth_access_token(settings=platform.settings, link=link)
    assert access_token in oidc.tokens and stored and access_token not in stored

    shown = await client.get("/api/v1/me/oauth/local", headers=headers)
    assert shown.status_code == 200
    assert shown.json()["provider_user_id"] == "sub-001"
    assert "access_token_encrypted" not in shown.json()
    assert (await client.delete("/api/v1/me/oauth/local", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me/oauth/local", headers=headers)).status_code == 404


async def test_a_matching_verified_email_links_instead_of_duplicating(client, session, oidc):
    user = await make_user(session, email="known@example.org", email_verified_at=datetime.now(UTC))
    user_id = user.id
    signed = await sign_in(client, oidc, Person(sub="sub-known", email="known@example.org"))
    assert signed["user"]["id"] == user_id
    count = await session.scalar(
        select(func.count()).select_from(User).where(User.email == "known@example.org")
    )
    assert count == 1
    link_owner = await session.scalar(
        select(OAuthProvider.user_id).where(OAuthProvider.provider_user_id == "sub-known")
    )
    assert link_owner == user_id


async def test_an_unverified_match_is_not_taken_over(client, session, oidc):
    await make_user(session, email="squatted@example.org")
    params = await at_provider(client, oidc, Person(sub="sub-sq", email="squatted@example.org"))
    response = await client.get(CALLBACK, params=params)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_wrong_or_reused_state_is_refused(client, oidc):
    person = Person(sub="sub-state", email="state@example.org")
    params = await at_provider(client, oidc, person)
    wrong = await client.get(CALLBACK, params={**params, "state": params["state"] + "x"})
    assert wrong.status_code == 400
    assert wrong.headers["content-type"] == "application/problem+json"

    fresh = await at_provider(client, oidc, person)
    ok = await client.get(CALLBACK, params=fresh)
    assert ok.status_code == 200
    replay = await client.get(CALLBACK, params=fresh)
    assert replay.status_code == 400


async def test_provider_errors_and_unknown_providers(client, oidc):
    denied = await client.get(CALLBACK, params={"error": "access_denied", "state": "x"})
    assert denied.status_code == 400
    missing = await client.get(CALLBACK)
    assert missing.status_code == 400
    unknown = await client.get("/api/v1/auth/oauth/nowhere/start")
    assert unknown.status_code == 404
    bad_name = await client.get("/api/v1/auth/oauth/NOT%20OK/start")
    assert bad_name.status_code == 422


async def test_github_sign_in_uses_the_primary_verified_email(client, oidc):
    oidc.login_as(Person(sub="4242", email="octo@example.org", name="Octo Cat"))
    start = await client.get("/api/v1/auth/oauth/github/start")
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(f"{oidc.issuer}/login/oauth/authorize?")
    asked = parse_qs(urlsplit(location).query)
    assert asked["code_challenge_method"] == ["S256"] and "nonce" not in asked
    async with httpx.AsyncClient() as browser:
        back = await browser.get(location)
    params = {k: v[0] for k, v in parse_qs(urlsplit(back.headers["location"]).query).items()}
    signed = await client.get(GITHUB_CALLBACK, params=params)
    assert signed.status_code == 200, signed.text
    assert signed.json()["user"]["email"] == "octo@example.org"
    assert signed.json()["user"]["email_verified"] is True
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    link = await client.get("/api/v1/me/oauth/github", headers=headers)
    assert link.json()["provider_user_id"] == "4242"
