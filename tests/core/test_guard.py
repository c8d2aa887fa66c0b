"""The shared request guards: NUL and lone surrogates, body size, 405 Allow, 503, CORS."""

from __future__ import annotations

import pytest
from httpx import ASGITransport, AsyncClient

from skillnest.app import create_app
from skillnest.core.cache import MemoryCache
from skillnest.core.db import Database
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
from tests.conftest import make_settings
from tests.factories import login, make_user

SIGNUP = "/api/v1/auth/signup"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        (b'{"name": "a\\u0000b", "email": "x@example.org", "password": "long enough pw"}', "name"),
        (
            b'{"name": "Sam", "email": "x\\ud800@example.org", "password": "long enough pw"}',
            "email",
        ),
        (
            b'{"name": "Sam", "email": "x@example.org", "password": "pw\\uDFFF pw pw pw"}',
            "password",
        ),
    ],
)
async def test_nul_and_lone_surrogates_in_json_are_422_naming_the_field(client, raw, loc):
    response = await client.post(SIGNUP, content=raw, headers={"content-type": "application/json"})
    body = _problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", loc]


async def test_nested_json_strings_and_keys_are_checked(client, session):
    headers = await login(client, await make_user(session))
    raw = b'{"name": "Sam", "bio": {"deep": ["ok", "bad\\u0000"]}}'
    response = await client.patch(
        "/api/v1/me", content=raw, headers={**headers, "content-type": "application/json"}
    )
    assert _problem(response, 422)["errors"][0]["loc"] == ["body", "bio", "deep", 1]


async def test_a_valid_surrogate_pair_passes_the_guard(client):
    raw = (
        b'{"name": "Sam \\ud83d\\ude00", "email": "pair@example.org", "password": "long enough pw"}'
    )
    response = await client.post(SIGNUP, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["user"]["name"] == "Sam \U0001f600"


async def test_nul_in_query_and_path_is_422(client):
    response = await client.get("/api/v1/skills?q=a%00b")
    assert _problem(response, 422)["errors"][0]["loc"] == ["query", "q"]
    response = await client.get("/api/v1/users/1%00")
    assert _problem(response, 422)["errors"][0]["loc"] == ["path"]
    response = await client.get("/api/v1/skills?q=%ed%a0%80")
    assert _problem(response, 422)["errors"][0]["loc"] == ["query", "q"]


async def test_bodies_over_the_cap_are_413(client, settings):
    big = b'{"name": "' + b"x" * settings.max_body_bytes + b'"}'
    response = await client.post(SIGNUP, content=big, headers={"content-type": "application/json"})
    _problem(response, 413)

    async def chunks():
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536

    response = await client.post(SIGNUP, content=chunks())  # no Content-Length: counted
    _problem(response, 413)


async def test_405_allow_lists_every_method_of_the_path(client):
    response = await client.put("/api/v1/me")
    _problem(response, 405)
    assert set(response.headers["allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}


async def test_database_unreachable_is_503_with_retry_after(settings):
    dead = make_settings("postgresql+psycopg://postgres@127.0.0.1:9/none", None)
    platform = Platform(
        settings=dead, db=Database(dead), cache=MemoryCache(), hub=Hub(), limiter=RateLimiter(None)
    )
    app = create_app(platform=platform)
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/api/v1/users/1")
        assert _problem(response, 503)["type"].endswith("/unavailable")
        assert int(response.headers["retry-after"]) > 0
        health = await http.get("/health")
        assert health.status_code == 503 and health.json()["database"] == "down"
    await platform.db.dispose()


async def test_health_reports_the_revision(client):
    body = (await client.get("/health")).json()
    assert body["revision"] and body["revision"].startswith("00")


def _cors_app(platform, origins: str):
    settings = platform.settings.model_copy(update={"cors_origins": origins.split(",")})
    return create_app(settings=settings, platform=platform)


async def test_cors_preflight_and_credentials_only_for_listed_origins(platform):
    settings = platform.settings.model_copy(update={"cors_origins": ["https://app.example"]})
    app = create_app(settings=settings, platform=platform)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        preflight = {
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        response = await http.options(SIGNUP, headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "POST" in response.headers["access-control-allow-methods"]

        other = {**preflight, "Origin": "https://evil.example"}
        response = await http.options(SIGNUP, headers=other)
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers

        response = await http.get("/health", headers={"Origin": "https://app.example"})
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        assert response.headers["access-control-allow-credentials"] == "true"
        response = await http.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


async def test_no_cors_headers_by_default(client):
    response = await client.get("/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_docs_are_served_from_the_package(client):
    page = await client.get("/docs")
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = await client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 100_000
    redoc = await client.get("/redoc")
    assert "/docs/assets/redoc.standalone.js" in redoc.text and "googleapis" not in redoc.text


async def test_a_literal_path_is_not_taken_for_a_parameter(client, session):
    headers = await login(client, await make_user(session))
    # /applications/stats exists (GET); DELETE /applications/{id} must not claim it.
    response = await client.delete("/api/v1/applications/stats", headers=headers)
    _problem(response, 405)
    assert response.headers["allow"] == "GET"
    response = await client.options("/api/v1/applications/stats")
    assert response.headers["allow"] == "GET"


@pytest.mark.parametrize("ident", [2**31, 2**63, 2**70, int("9" * 4000)])
async def test_ids_beyond_any_column_are_never_500(client, session, ident):
    headers = await login(client, await make_user(session))
    # Routes typed with the bounded Id refuse at validation (422). A route still taking a
    # plain int reaches the database: beyond 64 bits (or PostgreSQL's 32-bit column) its
    # range error answers 422 too; within SQLite's 64 bits the row is simply not found.
    for path in ("/api/v1/users/{}", "/api/v1/jobs/{}", "/api/v1/chats/{}/messages"):
        response = await client.get(path.format(ident), headers=headers)
        assert response.headers["content-type"] == "application/problem+json"
        expected = {422} if ident >= 2**64 else {404, 422}
        assert response.status_code in expected, (path, response.text)
