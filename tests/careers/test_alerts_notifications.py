"""Job alerts through the maintenance run, notifications and their live delivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from skillnest.careers import service
from skillnest.careers.jobs.alerts import deliver_job_alerts
from skillnest.careers.notifications.service import notify
from skillnest.core.realtime import publish_to_user, user_channel
from tests.careers.conftest import create_job

API = "/api/v1"


async def _subscribed(hub, user_id):
    """Wait until the hub's subscription really receives (Redis subscribes asynchronously)."""
    context = hub.subscribe(user_channel(user_id))
    queue = await context.__aenter__()
    for _ in range(100):
        await publish_to_user(hub, user_id, "probe", {})
        try:
            event = await asyncio.wait_for(queue.get(), timeout=0.05)
        except TimeoutError:
            continue
        if event["type"] == "probe":
            while not queue.empty():
                queue.get_nowait()
            return context, queue
    pytest.fail("the subscription never received anything")


async def test_a_new_matching_job_produces_exactly_one_notification_on_the_stream(
    client, session, platform, hub, person, admin
):
    me = await person()
    alert = await client.post(
        f"{API}/me/job-alerts",
        headers=me.headers,
        json={
            "name": "Python in Lisbon",
            "criteria": {"keywords": "python", "location": "Lisbon", "skills": ["PostgreSQL"]},
            "frequency": "instant",
        },
    )
    assert alert.status_code == 201, alert.text
    context, queue = await _subscribed(platform.hub, me.id)
    try:
        fits = await create_job(
            client,
            admin,
            "alert-1",
            title="Python Developer",
            location="Lisbon, Portugal",
            required_skills=["Python", "PostgreSQL"],
        )
        await create_job(client, admin, "alert-2", title="Python Developer", location="Oslo")
        await create_job(
            client,
            admin,
            "alert-3",
            title="Java Developer",
            description="Java only.",
            location="Lisbon",
            required_skills=["Java", "PostgreSQL"],
        )
        report = await service.run_maintenance(session=session, platform=platform)
        assert report.startswith("1 job alert notifications")
        assert queue.empty()  # nothing is announced before the commit
        await session.commit()  # as the maintenance unit of work does

        event = await asyncio.wait_for(queue.get(), timeout=5)
        assert event["type"] == "notification.created"
        assert event["data"]["type"] == "job_alert"
        assert event["data"]["metadata"] == {"alert_id": alert.json()["id"], "job_id": fits["id"]}
        assert "Python Developer at Acme in Lisbon, Portugal" == event["data"]["message"]

        again = await service.run_maintenance(session=session, platform=platform)
        assert again.startswith("0 job alert notifications")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(queue.get(), timeout=0.3)
    finally:
        await context.__aexit__(None, None, None)

    listed = (await client.get(f"{API}/me/notifications", headers=me.headers)).json()["items"]
    assert [n["metadata"]["job_id"] for n in listed] == [fits["id"]]
    assert (await client.get(f"{API}/me/job-alerts", headers=me.headers)).json()["items"][0][
        "last_triggered"
    ]


async def test_daily_alerts_wait_a_day_and_announce_each_job_once(
    client, session, platform, person, admin
):
    me = await person()
    await client.post(
        f"{API}/me/job-alerts",
        headers=me.headers,
        json={"name": "Remote", "criteria": {"remote_type": "remote"}, "frequency": "daily"},
    )
    await create_job(client, admin, "daily-1", remote_type="remote")
    now = datetime.now(UTC)
    assert await deliver_job_alerts(session=session, hub=platform.hub, now=now) == 1
    await create_job(client, admin, "daily-2", remote_type="remote")
    soon = now + timedelta(hours=2)
    assert await deliver_job_alerts(session=session, hub=platform.hub, now=soon) == 0
    tomorrow = now + timedelta(days=1, minutes=1)
    assert await deliver_job_alerts(session=session, hub=platform.hub, now=tomorrow) == 1
    later = now + timedelta(days=3)
    assert await deliver_job_alerts(session=session, hub=platform.hub, now=later) == 0


async def test_alert_criteria_are_validated_and_private(client, person):
    me, other = await person(), await person()
    url = f"{API}/me/job-alerts"
    empty = await client.post(url, headers=me.headers, json={"name": "x", "criteria": {}})
    assert empty.status_code == 400  # the JSON Schema wants at least one criterion
    unknown = await client.post(
        url, headers=me.headers, json={"name": "x", "criteria": {"colour": "red"}}
    )
    assert unknown.status_code == 422
    made = await client.post(
        url, headers=me.headers, json={"name": "x", "criteria": {"keywords": "go"}}
    )
    alert_url = f"{url}/{made.json()['id']}"
    assert (await client.get(alert_url, headers=other.headers)).status_code == 404
    assert (
        await client.patch(alert_url, headers=other.headers, json={"active": False})
    ).status_code == 404
    assert (await client.delete(alert_url, headers=other.headers)).status_code == 404
    paused = await client.patch(
        alert_url, headers=me.headers, json={"active": False, "frequency": "weekly"}
    )
    assert paused.json()["active"] is False and paused.json()["frequency"] == "weekly"
    assert (await client.delete(alert_url, headers=me.headers)).status_code == 204


async def test_notifications_unread_first_mark_read_and_count(client, session, platform, person):
    me, other = await person(), await person()
    created = []
    for n in range(3):
        note = await notify(
            session=session,
            hub=platform.hub,
            user_id=me.id,
            type="info",
            title=f"T{n}",
            message="m",
        )
        created.append(note.id)
    count = await client.get(f"{API}/me/notifications/unread-count", headers=me.headers)
    assert count.json() == {"unread": 3}
    first = created[0]
    assert (
        await client.post(f"{API}/me/notifications/{first}/read", headers=other.headers)
    ).status_code == 404
    read = await client.post(f"{API}/me/notifications/{first}/read", headers=me.headers)
    assert read.status_code == 200 and read.json()["read"] is True and read.json()["read_at"]
    listed = (await client.get(f"{API}/me/notifications", headers=me.headers)).json()["items"]
    assert [n["id"] for n in listed] == [
        created[2],
        created[1],
        first,
    ]  # unread first, newest first
    unread = (
        await client.get(
            f"{API}/me/notifications", headers=me.headers, params={"unread_only": True}
        )
    ).json()["items"]
    assert {n["id"] for n in unread} == {created[1], created[2]}
    marked = await client.post(f"{API}/me/notifications/read-all", headers=me.headers)
    assert marked.json() == {"updated": 2}
    assert (
        await client.get(f"{API}/me/notifications/unread-count", headers=me.headers)
    ).json() == {"unread": 0}
    assert (await client.get(f"{API}/me/notifications", headers=other.headers)).json() == {
        "items": [],
        "limit": 50,
        "offset": 0,
        "next_offset": None,
        "total": None,
    }
