"""Publish/subscribe for live events: Redis pub/sub across workers, or in-process.

Each process keeps one subscription per channel no matter how many clients listen; messages
fan out to local queues. With Redis, a publish reaches every worker; when Redis is down the
event is still delivered to listeners of this worker and the reader reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from typing import Any

import orjson
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from skillnest.core.aftercommit import CommitQueue
from skillnest.core.cache import REDIS_DOWN_ERRORS, raise_if_cancelled

log = logging.getLogger("skillnest.realtime")


def user_channel(user_id: int) -> str:
    """The channel carrying one user's live events (messages, notifications...)."""
    return f"events:user:{user_id}"


class Hub:
    """In-process fan-out of events to subscribers; the base of both backends."""

    backend = "memory"

    def __init__(self, queue_size: int = 256) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._queue_size = queue_size

    def _deliver(self, channel: str, event: dict[str, Any]) -> int:
        queues = list(self._queues.get(channel, ()))
        for queue in queues:
            if queue.full():  # a slow listener loses its oldest event, never blocks others
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)
        return len(queues)

    async def publish(self, channel: str, event: dict[str, Any]) -> int:
        """Send an event to every subscriber of the channel; return how many received it."""
        return self._deliver(channel, event)

    async def _on_first_subscriber(self, channel: str) -> None:
        """Hook for backends that subscribe upstream."""

    async def _on_last_unsubscribe(self, channel: str) -> None:
        """Hook for backends that unsubscribe upstream."""

    @contextlib.asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """One queue receiving the events of every channel for as long as the block runs."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        try:
            for channel in channels:
                listeners = self._queues.setdefault(channel, set())
                listeners.add(queue)
                if len(listeners) == 1:
                    await self._on_first_subscriber(channel)
            yield queue
        finally:
            for channel in channels:
                listeners = self._queues.get(channel, set())
                listeners.discard(queue)
                if not listeners and self._queues.pop(channel, None) is not None:
                    await self._on_last_unsubscribe(channel)

    async def close(self) -> None:
        """Stop background work."""


class RedisHub(Hub):
    """Redis pub/sub shared by all workers, fanned out locally.

    One reader task owns the Redis subscription and reconciles it with the channels that
    have local listeners, so no two tasks ever use the pub/sub connection at once.
    """

    backend = "redis"
    POLL_SECONDS = 0.05

    def __init__(self, url: str, queue_size: int = 256) -> None:
        super().__init__(queue_size)
        # A stalled Redis fails a publish within seconds (delivered locally instead) rather
        # than holding the request or commit that sent it.
        self.client = aioredis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        # Pub/sub ignores Redis database numbers: name channels after the database so that
        # deployments sharing one Redis server on different databases never cross-talk.
        self._prefix = f"db{self.client.connection_pool.connection_kwargs.get('db', 0)}:"
        self._reader: asyncio.Task[None] | None = None
        self._ready: dict[str, asyncio.Event] = {}
        self._publish_failing = False

    async def publish(self, channel: str, event: dict[str, Any]) -> int:
        """Publish through Redis; fall back to local delivery while Redis is down.

        Returns the number of processes Redis delivered to (0 on the local fallback: no
        other process heard it).
        """
        try:
            receivers = int(await self.client.publish(self._prefix + channel, orjson.dumps(event)))
        except REDIS_DOWN_ERRORS as exc:
            raise_if_cancelled(exc)
            if not self._publish_failing:  # once per outage: every event would log it again
                log.warning("redis publish failed, delivering locally: %s", exc)
                self._publish_failing = True
            self._deliver(channel, event)
            return 0
        raise_if_cancelled()
        if self._publish_failing:
            log.warning("redis publish works again")
            self._publish_failing = False
        return receivers

    async def _on_first_subscriber(self, channel: str) -> None:
        ready = self._ready.setdefault(channel, asyncio.Event())
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_forever())
        # Wait (briefly) until Redis confirms, so an event published right after
        # subscribe() returns is not missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), timeout=2.0)

    async def _read_forever(self) -> None:
        backoff = 0.2
        while self._queues:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            subscribed: set[str] = set()
            try:
                while self._queues:
                    wanted = set(self._queues)
                    if wanted - subscribed:
                        await pubsub.subscribe(*(self._prefix + c for c in wanted - subscribed))
                        subscribed |= wanted
                        for channel in wanted:
                            self._ready.pop(channel, asyncio.Event()).set()
                    if subscribed - wanted:
                        await pubsub.unsubscribe(*(self._prefix + c for c in subscribed - wanted))
                        subscribed &= wanted
                    backoff = 0.2
                    message = await pubsub.get_message(timeout=self.POLL_SECONDS)
                    if message and message.get("type") == "message":
                        channel = message["channel"].decode().removeprefix(self._prefix)
                        self._deliver(channel, orjson.loads(message["data"]))
            except REDIS_DOWN_ERRORS as exc:
                raise_if_cancelled(exc)  # close() cancels the reader: it must end
                log.warning("redis pub/sub lost, retrying in %.1fs: %s", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        """Stop the reader and release connections."""
        await drain_pending_publishes()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        await self.client.aclose()


def make_hub(redis_url: str | None) -> Hub:
    """Redis pub/sub when a URL is configured, otherwise in-process."""
    return RedisHub(redis_url) if redis_url else Hub()


async def publish_to_user(hub: Hub, user_id: int, event_type: str, data: Any) -> None:
    """Send one typed event to a user's live stream (``GET /api/v1/me/events``)."""
    await hub.publish(user_channel(user_id), {"type": event_type, "data": data})


async def stream_user_events(
    hub: Hub, user_id: int, is_disconnected: Any, extra_channels: Sequence[str] = ()
) -> AsyncIterator[dict[str, str]]:
    """Server-sent events for one user (and channels named for them) until they go away."""
    async with hub.subscribe(user_channel(user_id), *extra_channels) as queue:
        yield {"event": "ready", "data": "{}"}
        while not await is_disconnected():
            try:
                event = await asyncio.wait_for(queue.get(), timeout=5.0)
            except TimeoutError:
                continue
            yield {"event": event["type"], "data": orjson.dumps(event["data"]).decode()}


# --- events that wait for the commit ----------------------------------------------------

_GATE = "realtime.events_gate"
GATE_TIMEOUT_SECONDS = 2.0


def publish_after_commit(
    session: AsyncSession, hub: Hub, user_id: int, event_type: str, data: Any
) -> None:
    """Send a live event to a user once the session's transaction has committed.

    Publishing before the commit could announce a message the recipient cannot read yet,
    or one that is then rolled back; rolling the whole transaction back drops the queued
    events (a savepoint rolled back inside it does not, so queue events after those).
    """
    _queue_after_commit(session, (hub, user_channel(user_id), user_id, event_type, data))


def publish_to_channel_after_commit(
    session: AsyncSession, hub: Hub, channel: str, event_type: str, data: Any
) -> None:
    """Like ``publish_after_commit``, to a channel that names no user (a pseudonymous one).

    Its listeners get no read-your-writes mark: they read what it announces from the primary.
    """
    _queue_after_commit(session, (hub, channel, None, event_type, data))


def _queue_after_commit(session: AsyncSession, pending: tuple[Any, ...]) -> None:
    _AFTER_COMMIT.add(session, pending)


def pending_recipients(session: AsyncSession) -> set[int]:
    """The users that the session's queued events will reach once it commits."""
    return {
        user_id
        for _hub, _channel, user_id, _type, _data in _AFTER_COMMIT.pending(session)
        if user_id is not None
    }


def hold_pending_events(session: AsyncSession) -> None:
    """Keep the events of the coming commit until ``release_pending_events``.

    Read-your-writes records the commit's position for the recipients first, so that the
    reads an event prompts never reach a replica that lacks what the event announces.
    """
    session.info[_GATE] = asyncio.get_running_loop().create_future()


def release_pending_events(session: AsyncSession) -> None:
    """Let the held events go."""
    gate: asyncio.Future[None] | None = session.info.pop(_GATE, None)
    if gate is not None and not gate.done():
        gate.set_result(None)


async def _publish_when_released(
    gate: asyncio.Future[None] | None, hub: Hub, channel: str, event_type: str, data: Any
) -> None:
    if gate is not None:
        with contextlib.suppress(TimeoutError):  # late is better than never
            await asyncio.wait_for(asyncio.shield(gate), GATE_TIMEOUT_SECONDS)
    await hub.publish(channel, {"type": event_type, "data": data})


def _publishes(sync_session: Session, pending: list[Any]) -> Iterator[Coroutine[Any, Any, None]]:
    gate = sync_session.info.get(_GATE)
    for hub, channel, _user_id, event_type, data in pending:
        yield _publish_when_released(gate, hub, channel, event_type, data)


_AFTER_COMMIT = CommitQueue("realtime", _publishes, "live event not delivered", log)


async def drain_pending_publishes(timeout: float = 2.0) -> None:
    """Wait for events queued by ``publish_after_commit`` that are still being sent.

    Closing a hub under an in-flight publish would leave its connection dangling.
    """
    await _AFTER_COMMIT.drain(timeout)
