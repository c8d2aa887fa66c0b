from __future__ import annotations

from fastapi import APIRouter
from httpx import ASGITransport, AsyncClient

from tests.factories import login, make_user


async def test_health_reports_database_and_cache(client, backend):
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == backend
    assert body["cache"] == ("redis" if backend == "postgresql" else "memory")


async def test_security_headers_on_every_response(client):
    for path in ("/health", "/api/v1/me", "/api/v1/no/such/route", "/no/such/page"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        expected = "default-src 'self'" if path == "/no/such/page" else "default-src 'none'"
        assert expected in response.headers["content-security-policy"]


async def test_unknown_route_is_problem_json(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_validation_error_is_problem_json(client):
    response = await client.post("/api/v1/auth/signup", content=b"not json")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Validation failed"


async def test_unexpected_error_is_500_without_internals(app):
    router = APIRouter()

    @router.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    app.include_router(router)
    # Starlette re-raises after answering (so servers can log it); read the answer only.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "SELECT" not in response.text and "Traceback" not in response.text


async def test_admin_routes_answer_403_to_others(client, session):
    user_headers = await login(client, await make_user(session))
    admin_headers = await login(client, await make_user(session, is_admin=True))
    assert (await client.get("/api/v1/admin/users", headers=user_headers)).status_code == 403
    listed = await client.get("/api/v1/admin/users?limit=1", headers=admin_headers)
    assert listed.status_code == 200
    body = listed.json()
    assert len(body["items"]) == 1 and body["total"] >= 2
    assert "password_hash" not in body["items"][0]


async def test_openapi_and_docs_load(client):
    assert (await client.get("/openapi.json")).status_code == 200
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_health_is_503_when_the_database_is_down(tmp_path):
    from skillnest.app import build_platform, close_platform, create_app
    from tests.conftest import make_settings

    # A directory where the database file should be: SQLite cannot open it.
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}", None)
    platform = build_platform(settings)
    app = create_app(platform=platform)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/health")
    await close_platform(platform)
    assert response.status_code == 503
    assert response.json()["database"] == "down"
