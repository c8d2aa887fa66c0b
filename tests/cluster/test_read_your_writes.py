"""Read-your-writes through nginx while the replica is deliberately behind."""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx
import orjson
import pytest
from sqlalchemy.engine import Engine

from tests.cluster.conftest import (
    Cluster,
    caught_up,
    health,
    replica_has,
    set_apply_delay,
    signup,
    wait_for,
)

pytestmark = pytest.mark.cluster

DELAY_SECONDS = 8


async def first_event(url: str, headers: dict[str, str], kind: str, ready: asyncio.Event) -> dict:
    """Listen to a user's event stream on one server until an event of ``kind`` arrives."""
    async with httpx.AsyncClient(base_url=url, timeout=None) as client:
        async with client.stream("GET", "/api/v1/me/events", headers=headers) as stream:
            assert stream.status_code == 200
            event: dict = {}
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event["event"] = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    event["data"] = orjson.loads(line.removeprefix("data:").strip())
                elif not line and event:
                    if event["event"] == "ready":
                        ready.set()
                    elif event["event"] == kind:
                        return event
                    event = {}
    raise AssertionError("the stream ended")


async def test_a_writer_reads_back_while_the_delayed_replica_serves_others(
    cluster: Cluster, http: httpx.AsyncClient, primary: Engine, replica: Engine
) -> None:
    alice = await signup(http, "Alice")
    bob = await signup(http, "Bob")
    first = await http.patch("/api/v1/me", headers=alice.headers, json={"bio": "before"})
    assert first.status_code == 200
    chat = await http.post("/api/v1/chats", headers=alice.headers, json={"user_id": bob.id})
    assert chat.status_code == 201, chat.text
    chat_id = chat.json()["id"]
    await caught_up(primary, replica)

    set_apply_delay(cluster, replica, f"{DELAY_SECONDS}s")
    try:
        await wait_for(
            lambda: replica_has(replica, "SHOW recovery_min_apply_delay") == f"{DELAY_SECONDS}s",
            "the replica to apply the delay",
        )
        changed = await http.patch("/api/v1/me", headers=alice.headers, json={"bio": "after"})
        assert changed.status_code == 200

        # Alice sees her write on every request, whichever server nginx picks.
        for _ in range(6):
            mine = await http.get(f"/api/v1/users/{alice.id}", headers=alice.headers)
            assert mine.status_code == 200 and mine.json()["bio"] == "after"
        # The replica lacks it, and still serves everybody else: their reads are stale.
        assert replica_has(replica, "SELECT bio FROM users WHERE id = :id", id=alice.id) == "before"
        for headers in (bob.headers, {}):
            theirs = await http.get(f"/api/v1/users/{alice.id}", headers=headers)
            assert theirs.status_code == 200 and theirs.json()["bio"] == "before"
        # /health reports the replica's lag.
        for server in cluster.servers:
            (state,) = (await health(server))["replicas"]
            assert state["status"] == "ok" and state["lag_bytes"] > 0
        # ...and so does /metrics, for alerting.
        scraped = (await http.get("/metrics")).text
        lag = re.search(r'^skillnest_replica_lag_bytes\{replica="[^"]+"\} (\S+)$', scraped, re.M)
        assert lag and float(lag.group(1)) > 0, scraped[-2000:]
        assert re.search(r'^skillnest_replica_up\{replica="[^"]+"\} 1\.0$', scraped, re.M)

        # A live event announces a write to Bob on the other server; his follow-up read
        # sees it although the replica does not have it yet.
        ready = asyncio.Event()
        listener = asyncio.create_task(
            first_event(cluster.servers[1], bob.headers, "message.created", ready)
        )
        try:
            await asyncio.wait_for(ready.wait(), 10)
            await asyncio.sleep(0.3)  # the subscription reaches Redis
            async with httpx.AsyncClient(base_url=cluster.servers[0], timeout=10) as first_server:
                sent = await first_server.post(
                    f"/api/v1/chats/{chat_id}/messages",
                    headers=alice.headers,
                    json={"content": "Guitar on Tuesday?"},
                )
            assert sent.status_code == 201
            event = await asyncio.wait_for(listener, 10)
            assert event["data"]["id"] == sent.json()["id"]
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await listener
        messages = await http.get(f"/api/v1/chats/{chat_id}/messages", headers=bob.headers)
        assert [m["id"] for m in messages.json()["items"]] == [sent.json()["id"]]
        assert (
            replica_has(replica, "SELECT count(*) FROM messages WHERE chat_id = :id", id=chat_id)
            == 0
        )
    finally:
        set_apply_delay(cluster, replica, "0")
    await caught_up(primary, replica)
    theirs = await http.get(f"/api/v1/users/{alice.id}", headers=bob.headers)
    assert theirs.json()["bio"] == "after"
