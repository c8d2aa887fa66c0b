"""A database that cannot be reached is an outage: 503 problem+json, never a 500."""

from __future__ import annotations

import socket

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


async def test_an_unreachable_postgresql_answers_503():
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
            response = await http.get("/api/v1/users/1")
    finally:
        await platform.db.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["title"] == "Service unavailable"
