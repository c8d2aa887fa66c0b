from __future__ import annotations

import asyncio

from skillnest.core.realtime import publish_to_user, user_channel


async def test_publish_reaches_subscriber_of_the_channel_only(hub):
    async with hub.subscribe(user_channel(1)) as mine, hub.subscribe(user_channel(2)) as other:
        # subscribe() returns once the subscription is live: no waiting needed.
        await publish_to_user(hub, 1, "message.created", {"id": 7})
        event = await asyncio.wait_for(mine.get(), timeout=2)
        assert event == {"type": "message.created", "data": {"id": 7}}
        # Channel 2's first event is the one sent to it afterwards: user 1's never reached it.
        await publish_to_user(hub, 2, "marker", {})
        assert await asyncio.wait_for(other.get(), timeout=2) == {"type": "marker", "data": {}}


async def test_every_subscriber_of_a_channel_receives(hub):
    async with hub.subscribe("events:test") as a, hub.subscribe("events:test") as b:
        await hub.publish("events:test", {"type": "x", "data": 1})
        assert (await asyncio.wait_for(a.get(), 2))["data"] == 1
        assert (await asyncio.wait_for(b.get(), 2))["data"] == 1
