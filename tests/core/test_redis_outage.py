"""Redis stops while the API runs: the API keeps answering, then uses Redis again by itself."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest
import redis as sync_redis
from httpx import ASGITransport, AsyncClient

from skillnest.accounts.service import me_cache_key
from skillnest.app import create_app
from skillnest.core.cache import RedisCache
from skillnest.core.db import Database
from skillnest.core.deps import get_session
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import RedisHub
from tests.factories import signup


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisProcess:
    """A private redis-server that the test can stop and start."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run the suite with `make test`")
        self.binary = binary
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = sync_redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except sync_redis.ConnectionError:
                subprocess.run(["sleep", "0.05"], check=True)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(10)

    def keys(self) -> list[bytes]:
        return list(sync_redis.Redis.from_url(self.url).keys("*"))


@pytest.fixture
def private_redis() -> Iterator[RedisProcess]:
    server = RedisProcess()
    server.start()
    yield server
    if server.proc and server.proc.poll() is None:
        server.stop()


async def test_api_survives_redis_outage_and_recovers(private_redis, settings, engine, session):
    platform = Platform(
        settings=settings,
        db=Database(settings, engine),
        cache=RedisCache(private_redis.url),
        hub=RedisHub(private_redis.url),
        limiter=RateLimiter(private_redis.url),
    )
    app = create_app(platform=platform)

    async def test_session():
        yield session
        await session.commit()

    app.dependency_overrides[get_session] = test_session
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        user, headers = await signup(client)
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        assert me_cache_key(user["id"]).encode() in private_redis.keys()
        assert (await client.get("/health")).json()["cache"] == "redis"

        private_redis.stop()
        await asyncio.sleep(1.1)  # /health re-checks at most once a second
        health = await client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        assert health.json()["cache"] == "degraded"
        me = await client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200 and me.json()["id"] == user["id"]
        patched = await client.patch("/api/v1/me", headers=headers, json={"bio": "while down"})
        assert patched.status_code == 200

        private_redis.start()  # empty: no persistence
        await asyncio.sleep(1.1)
        assert (await client.get("/health")).json()["cache"] == "redis"
        me = await client.get("/api/v1/me", headers=headers)
        assert me.json()["bio"] == "while down"
        assert me_cache_key(user["id"]).encode() in private_redis.keys()

    await platform.hub.close()
    await platform.cache.close()
    await platform.limiter.close()


async def test_deletions_missed_during_an_outage_are_replayed(private_redis):
    cache = RedisCache(private_redis.url)
    await cache.set("accounts:user:1:me", b"stale", 300)
    # Pause Redis (the process keeps its data) so the delete cannot reach it.
    assert private_redis.proc is not None
    private_redis.proc.send_signal(19)  # SIGSTOP
    try:
        await cache.client.connection_pool.disconnect()
        await cache.delete("accounts:user:1:me")
    finally:
        private_redis.proc.send_signal(18)  # SIGCONT
    cache.RETRY_AFTER_SECONDS = 0
    await asyncio.sleep(0.05)
    # The delete is replayed before Redis answers anything again: even the very first read
    # after the outage, of the key itself, does not see the stale copy.
    assert await cache.get("accounts:user:1:me") is None
    assert cache.available
    await cache.close()


async def test_publishing_through_an_outage_delivers_locally_and_logs_it_once(
    private_redis, caplog
):
    hub = RedisHub(private_redis.url)
    private_redis.stop()
    with caplog.at_level("WARNING", logger="skillnest.realtime"):
        for number in range(3):
            assert await hub.publish("events:test", {"n": number}) == 0
        failures = [r for r in caplog.records if "publish failed" in r.getMessage()]
        assert len(failures) == 1  # not one line per event while Redis is away
        private_redis.start()
        await hub.client.connection_pool.disconnect()
        await hub.publish("events:test", {"n": 3})
        assert any("works again" in r.getMessage() for r in caplog.records)
    await hub.close()


async def test_a_deletion_waiting_for_redis_is_reported_until_replayed(private_redis):
    cache = RedisCache(private_redis.url)
    cache.RETRY_AFTER_SECONDS = 0
    private_redis.stop()
    await cache.delete("accounts:user:1:me")
    await cache.delete_prefix("catalog:", "skill:")
    assert cache.deletions_pending  # what `db restore` reports as answers not dropped
    private_redis.start()
    await cache.client.connection_pool.disconnect()
    seeded = sync_redis.Redis.from_url(private_redis.url)
    seeded.set("catalog:suggest:x", b"an answer from before")
    seeded.set("skill:react", b"same")
    seeded.set("ratelimit:kept", b"1")
    assert await cache.get("accounts:user:1:me") is None  # the first call replays them all
    assert not cache.deletions_pending
    assert sorted(private_redis.keys()) == [b"ratelimit:kept"]
    await cache.close()
