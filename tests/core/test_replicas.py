"""Replica choice without a cluster: positions, back-off, and the replay-position gate.

The test PostgreSQL server stands in for a replica here: it is a primary, so its replay
position is null and it never qualifies for a reader who has written. The full behaviour,
with a real streaming replica behind nginx, is in tests/cluster (``make test-cluster``).
"""

from __future__ import annotations

import socket

from skillnest.core.cache import MemoryCache, RedisCache
from skillnest.core.db import make_engine
from skillnest.core.replicas import (
    ReplicaSet,
    needed_position,
    parse_lsn,
    remember_position,
)
from tests.conftest import make_settings, postgres_url


def test_lsn_text_reads_as_a_number():
    assert parse_lsn("0/0") == 0
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert parse_lsn(None) == 0


async def test_positions_only_move_forward():
    cache = MemoryCache()
    assert await needed_position(cache, None) == 0
    assert await needed_position(cache, 7) == 0
    await remember_position(cache, [7, 8], 500)
    await remember_position(cache, [7], 300)  # a slower commit finishing later
    assert await needed_position(cache, 7) == 500
    assert await needed_position(cache, 8) == 500


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_replica_is_skipped_then_backed_off():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/none"
    replicas = ReplicaSet([(url, make_engine(url, make_settings(postgres_url(), None)))])
    try:
        assert await replicas.connect() is None
        (replica,) = replicas.replicas
        assert replica.failures == 1 and not replica.usable(0.0)
        until = replica.down_until
        assert await replicas.connect() is None  # inside the back-off: not even tried
        assert replica.failures == 1 and replica.down_until == until
        (state,) = await replicas.status(None)
        assert state == {"name": f"127.0.0.1:{url.rsplit(':', 1)[1]}", "status": "down"}
    finally:
        await replicas.dispose()


async def test_a_reader_with_a_position_needs_a_replica_that_replayed_it():
    url = postgres_url()
    replicas = ReplicaSet([(url, make_engine(url, make_settings(url, None)))])
    try:
        picked = await replicas.connect(0)
        assert picked is not None
        await picked[1].close()
        assert await replicas.connect(1) is None  # a primary replays nothing
        assert replicas.replicas[0].failures == 0  # behind is not unhealthy
    finally:
        await replicas.dispose()


async def test_an_unknown_position_sends_readers_to_the_primary():
    cache = RedisCache(f"redis://127.0.0.1:{closed_port()}/0")  # Redis is down
    try:
        assert await needed_position(cache, 7) is None
        assert await needed_position(cache, 7) is None  # while the outage is waited out
        assert await needed_position(cache, None) == 0  # anonymous readers need no position
    finally:
        await cache.close()
