"""A 500 answers problem+json and keeps the keep-alive connection open (real uvicorn)."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time

import uvicorn
from fastapi import APIRouter

from skillnest.app import create_app
from tests.contract.conftest import free_port


async def test_unhandled_error_is_500_problem_and_the_connection_stays_open(settings):
    app = create_app(settings)
    router = APIRouter()

    @router.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    app.include_router(router)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        await asyncio.sleep(0.05)
    try:
        statuses = await asyncio.to_thread(_three_requests_on_one_connection, port)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)
    assert statuses == [500, 200, 500]


def _three_requests_on_one_connection(port: int) -> list[int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    statuses = []
    conn.connect()
    sock = conn.sock
    for path in ("/api/v1/boom", "/health", "/api/v1/boom"):
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        statuses.append(response.status)
        if response.status == 500:
            assert response.getheader("content-type") == "application/problem+json"
            assert b"SELECT" not in body
        assert (response.getheader("connection") or "").lower() != "close"
        assert conn.sock is sock, "the server closed the connection"
    conn.close()
    return statuses
