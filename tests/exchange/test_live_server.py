"""The acceptance flow against a real server: uvicorn on a free port, real commits, SSE.

The server runs in a background thread on the backend's migrated test database (with Redis
pub/sub on PostgreSQL), so the other side's event stream is exercised exactly as in
production. Everything this test creates is removed through ``DELETE /api/v1/me``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from skillnest.app import create_app
from skillnest.settings import Settings

PASSWORD = "live server password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live_server(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        ws="none",
        lifespan="on",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 15)
        assert not thread.is_alive()


async def collect_events(http: httpx.AsyncClient, headers: dict[str, str], into: asyncio.Queue):
    """Read the SSE stream, putting each ``{"event", "data"}`` into the queue."""
    async with http.stream("GET", "/api/v1/me/events", headers=headers, timeout=None) as stream:
        assert stream.status_code == 200
        current: dict[str, Any] = {}
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                current["event"] = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                current["data"] = orjson.loads(line.removeprefix("data:").strip())
            elif not line and current:
                await into.put(current)
                current = {}


async def next_event(
    events: asyncio.Queue, kind: str, timeout: float, chat_id: int | None = None
) -> dict[str, Any]:
    """The next event of a kind (about a chat): Redis pub/sub channels are shared by every
    database number, so another test run on the same Redis may reach a user with our id."""
    async with asyncio.timeout(timeout):
        while True:
            event = await events.get()
            if event["event"] == kind and (chat_id is None or event["data"]["chat_id"] == chat_id):
                return dict(event)


async def signup(http: httpx.AsyncClient, name: str, offer: list[str], learn: list[str]):
    email = f"live-{name.lower()}-{uuid.uuid4().hex[:12]}@example.org"
    created = await http.post(
        "/api/v1/auth/signup", json={"name": name, "email": email, "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    patched = await http.patch(
        "/api/v1/me", headers=headers, json={"skills_to_offer": offer, "skills_to_learn": learn}
    )
    assert patched.status_code == 200, patched.text
    return body["user"]["id"], headers


async def test_full_exchange_flow_on_a_real_server(live_server, settings):
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as http:
        created: list[dict[str, str]] = []
        listener: asyncio.Task[None] | None = None
        try:
            alice_id, alice = await signup(http, "Alice", ["Python"], ["Guitar"])
            created.append(alice)
            bob_id, bob = await signup(http, "Bob", ["guitar"], ["python"])
            created.append(bob)
            carol_id, carol = await signup(http, "Carol", ["Python"], [])
            created.append(carol)

            found = (await http.get("/api/v1/matches", headers=alice)).json()["items"]
            mine = {m["id"]: m for m in found}
            assert mine[bob_id]["teaches_you"] == ["guitar"]
            assert mine[bob_id]["learns_from_you"] == ["python"]
            assert carol_id not in mine

            opened = await http.post("/api/v1/chats", headers=alice, json={"user_id": bob_id})
            assert opened.status_code == 201
            chat_id = opened.json()["id"]

            bob_events: asyncio.Queue = asyncio.Queue()
            listener = asyncio.create_task(collect_events(http, bob, bob_events))
            # "ready" is sent once subscribe() returned, which waits for Redis to confirm.
            await next_event(bob_events, "ready", timeout=5)

            sent = await http.post(
                f"/api/v1/chats/{chat_id}/messages",
                headers=alice,
                json={"content": "Guitar for Python on Tuesdays?"},
            )
            assert sent.status_code == 201
            seen = await next_event(bob_events, "message.created", 10, chat_id)
            assert seen["data"] == sent.json()

            assert (await http.get("/api/v1/me/unread", headers=bob)).json() == {"unread": 1}
            reply = await http.post(
                f"/api/v1/chats/{chat_id}/messages", headers=bob, json={"content": "Deal!"}
            )
            assert reply.status_code == 201
            marked = await http.post(f"/api/v1/chats/{chat_id}/read", headers=bob)
            assert marked.json() == {"marked": 1}
            read_event = await next_event(bob_events, "message.read", 1.0, chat_id)
            assert read_event["data"]["chat_id"] == chat_id
            assert (await http.get("/api/v1/me/unread", headers=bob)).json() == {"unread": 0}

            rating = {"chat_id": chat_id, "rating": 5, "comment": "Patient and clear."}
            rated = await http.post("/api/v1/ratings", headers=bob, json=rating)
            assert rated.status_code == 201
            profile = (await http.get(f"/api/v1/users/{alice_id}")).json()
            assert (profile["average_rating"], profile["rating_count"]) == (5.0, 1)
            again = await http.post("/api/v1/ratings", headers=bob, json=rating)
            assert again.status_code == 409
            six = await http.post("/api/v1/ratings", headers=bob, json={**rating, "rating": 6})
            assert six.status_code == 422

            for url in (f"/api/v1/chats/{chat_id}/messages", f"/api/v1/chats/{chat_id}/read"):
                method = "GET" if url.endswith("messages") else "POST"
                assert (await http.request(method, url, headers=carol)).status_code == 404
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                    await listener
            for headers in created:
                gone = await http.request(
                    "DELETE", "/api/v1/me", headers=headers, json={"password": PASSWORD}
                )
                assert gone.status_code == 204
        # The cascades removed the chat with the accounts.
        assert (await http.get(f"/api/v1/users/{alice_id}/ratings")).status_code == 404
