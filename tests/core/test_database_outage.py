"""A database that cannot be reached is an outage: 503 problem+json, never a 500."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator

from httpx import ASGITransport, AsyncClient

from skillnest.app import create_app
from skillnest.core.cache import MemoryCache
from skillnest.core.db import Database, make_engine
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
from tests.conftest import make_settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def unreachable_database() -> AsyncIterator[AsyncClient]:
    """A client of the app whose PostgreSQL refuses every connection."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/gone"
    settings = make_settings(url, None)
    platform = Platform(
        settings=settings,
        db=Database(settings, make_engine(url, settings)),
        cache=MemoryCache(),
        hub=Hub(),
        limiter=RateLimiter(None),
    )
    app = create_app(platform=platform)
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            yield http
    finally:
        await platform.db.dispose()


async def test_an_unreachable_postgresql_answers_503():
    async with unreachable_database() as http:
        response = await http.get("/api/v1/users/1")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["title"] == "Service unavailable"


async def test_a_page_during_the_outage_is_the_html_error_page():
    async with unreachable_database() as http:
        response = await http.get("/catalog/skills/anything")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "1"
    assert "The database is unavailable; retry shortly." in response.text
