"""Editing applications, follow-ups (listed, set by hand, reminded), notifications, analytics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from skillnest.careers.applications.service import send_follow_up_reminders
from tests.careers.conftest import create_job
from tests.careers.test_applications import _apply, _move

API = "/api/v1"


async def _patch(client, who, application_id, **fields):
    return await client.patch(
        f"{API}/applications/{application_id}", headers=who.headers, json=fields
    )


async def _follow_up(client, who, application_id, day):
    return await client.put(
        f"{API}/applications/{application_id}/follow-up",
        headers=who.headers,
        json={"follow_up_date": day.isoformat() if day else None},
    )


async def test_patch_edits_the_editable_fields_with_a_timeline_event(client, person, admin):
    me, other = await person(), await person()
    job = await create_job(client, admin, "edit-1")
    app = await _apply(client, me, job["id"], status="APPLIED")
    links = [
        {"label": "Posting", "url": "https://jobs.example.org/123"},
        {"label": "Recruiter", "url": "https://www.linkedin.com/in/someone"},
    ]
    edited = await _patch(
        client,
        me,
        app["id"],
        application_method="Referral",
        applied_date="2026-10-05T09:30:00",
        interview_date="2026-10-20T14:00:00+01:00",
        links=links,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["application_method"] == "Referral" and body["links"] == links
    assert body["applied_date"].startswith("2026-10-05T09:30:00")  # no zone: taken as UTC
    assert body["interview_date"].startswith("2026-10-20T13:00:00")
    assert body["status"] == "APPLIED"
    event = body["timeline"][-1]
    assert event["event_type"] == "updated"
    assert event["description"] == "Edited application_method, applied_date, interview_date, links"

    cleared = await _patch(client, me, app["id"], links=None, application_method=None)
    assert cleared.json()["links"] is None and cleared.json()["application_method"] is None

    refused = {
        "status": ("status", "SCREENING"),
        "bad url": ("links", [{"label": "x", "url": "javascript:alert(1)"}]),
        "too many links": ("links", [links[0]] * 11),
        "id too big": ("resume_id", 2**31),
    }
    for field, value in refused.values():
        assert (await _patch(client, me, app["id"], **{field: value})).status_code == 422
    early = await _patch(client, me, app["id"], response_date="2026-10-01T00:00:00Z")
    assert early.status_code == 400 and "before applied_date" in early.json()["detail"]
    unsent = await _patch(client, me, app["id"], applied_date=None)
    assert unsent.status_code == 400
    assert (await _patch(client, other, app["id"], application_method="x")).status_code == 404
    their_doc = await _patch(client, me, app["id"], resume_id=999_999)
    assert their_doc.status_code == 404

    saved = await _apply(client, me, (await create_job(client, admin, "edit-2"))["id"])
    not_sent = await _patch(client, me, saved["id"], applied_date="2026-10-05T09:30:00Z")
    assert not_sent.status_code == 409
    # Never sent, then withdrawn: no applied_date, and still editable.
    assert (await _move(client, me, saved["id"], "WITHDRAWN")).status_code == 200
    assert (await _patch(client, me, saved["id"], application_method="Website")).status_code == 200


async def test_the_first_answer_sets_response_date_and_clears_the_follow_up(client, person, admin):
    me = await person()
    app = await _apply(client, me, (await create_job(client, admin, "edit-3"))["id"], "APPLIED")
    assert app["response_date"] is None and app["follow_up_date"] is not None
    screened = (await _move(client, me, app["id"], "SCREENING")).json()
    assert screened["response_date"] is not None and screened["follow_up_date"] is None
    first = screened["response_date"]
    later = (await _move(client, me, app["id"], "INTERVIEW_SCHEDULED")).json()
    assert later["response_date"] == first  # the first answer only


async def test_follow_ups_due_and_upcoming_set_by_hand_and_reminded(
    client, session, platform, person, admin
):
    me, other = await person(), await person()
    today = datetime.now(UTC).date()
    apps = []
    for n in range(6):
        job = await create_job(client, admin, f"fu-{n}", title=f"Role {n}")
        apps.append(await _apply(client, me, job["id"], status="APPLIED"))
    # Dates by hand: overdue, today, in 3 days, in 7 days, in 8 days; none for the last.
    offsets = [-2, 0, 3, 7, 8]
    for app, offset in zip(apps, offsets, strict=False):
        answer = await _follow_up(client, me, app["id"], today + timedelta(days=offset))
        assert answer.status_code == 200, answer.text
        assert answer.json()["follow_up_date"] == (today + timedelta(days=offset)).isoformat()
    assert (await _follow_up(client, me, apps[5]["id"], None)).json()["follow_up_date"] is None
    # A screening application keeps a date set by hand after the answer.
    await _move(client, me, apps[2]["id"], "SCREENING")
    await _follow_up(client, me, apps[2]["id"], today + timedelta(days=3))
    # An ended application has nothing to follow up.
    await _move(client, me, apps[3]["id"], "WITHDRAWN")
    ended = await _follow_up(client, me, apps[3]["id"], today)
    assert ended.status_code == 409
    patched = await _patch(client, me, apps[3]["id"], follow_up_date=today.isoformat())
    assert patched.status_code == 409

    listed = await client.get(f"{API}/applications/follow-ups", headers=me.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(i["id"], i["due"], i["days_until"]) for i in items] == [
        (apps[0]["id"], True, -2),
        (apps[1]["id"], True, 0),
        (apps[2]["id"], False, 3),
    ]
    assert items[2]["status"] == "SCREENING" and items[0]["job_title"] == "Role 0"
    wider = await client.get(
        f"{API}/applications/follow-ups",
        params={"within_days": 8, "limit": 2},
        headers=me.headers,
    )
    assert [i["id"] for i in wider.json()["items"]] == [apps[0]["id"], apps[1]["id"]]
    assert wider.json()["next_offset"] == 2
    rest = await client.get(
        f"{API}/applications/follow-ups",
        params={"within_days": 8, "limit": 2, "offset": 2},
        headers=me.headers,
    )
    assert [i["id"] for i in rest.json()["items"]] == [apps[2]["id"], apps[4]["id"]]
    assert rest.json()["next_offset"] is None
    due = await client.get(
        f"{API}/applications/follow-ups", params={"due_only": True}, headers=me.headers
    )
    assert [i["id"] for i in due.json()["items"]] == [apps[0]["id"], apps[1]["id"]]
    assert (await client.get(f"{API}/applications/follow-ups", headers=other.headers)).json()[
        "items"
    ] == []
    assert (await _follow_up(client, other, apps[0]["id"], today)).status_code == 404

    # Reminders follow the dates set by hand, whatever the open status.
    now = datetime.now(UTC)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=now) == 2
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=now) == 0
    later = now + timedelta(days=3)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=later) == 1
    # A new date by hand gets its own reminder, even within the quiet week.
    await _follow_up(client, me, apps[0]["id"], today)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=later) == 1


async def test_delete_a_notification(client, session, platform, person, admin):
    me, other = await person(), await person()
    app = await _apply(client, me, (await create_job(client, admin, "nd-1"))["id"], "APPLIED")
    await _follow_up(client, me, app["id"], date.today() - timedelta(days=1))
    await send_follow_up_reminders(session=session, hub=platform.hub, now=datetime.now(UTC))
    notes = (await client.get(f"{API}/me/notifications", headers=me.headers)).json()["items"]
    assert len(notes) == 1
    url = f"{API}/me/notifications/{notes[0]['id']}"
    assert (await client.delete(url, headers=other.headers)).status_code == 404
    assert (await client.delete(url, headers=me.headers)).status_code == 204
    assert (await client.delete(url, headers=me.headers)).status_code == 404
    assert (await client.get(f"{API}/me/notifications", headers=me.headers)).json()["items"] == []
    count = await client.get(f"{API}/me/notifications/unread-count", headers=me.headers)
    assert count.json()["unread"] == 0


def _at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


async def test_career_analytics_numbers_checked_by_hand(client, person, admin):
    me = await person()
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    jobs = {
        name: await create_job(client, admin, f"an-{name}", source=source)
        for name, source in (
            ("a1", "linkedin"),
            ("a2", "linkedin"),
            ("a3", "indeed"),
            ("a4", "indeed"),
            ("a5", "company-site"),
        )
    }
    # a1: sent Tuesday two weeks ago, screening 3 days later (LinkedIn Easy Apply).
    # a2: sent Monday last week, interview scheduled, first answer 5 days later.
    # a3: sent this Monday, rejected a day later (company website).
    # a4: sent Wednesday last week, no answer, method not given.  a5: saved only.
    plan = {
        "a1": (monday - timedelta(days=13), ["SCREENING"], 3, "LinkedIn Easy Apply"),
        "a2": (
            monday - timedelta(days=7),
            ["SCREENING", "INTERVIEW_SCHEDULED"],
            5,
            "LinkedIn Easy Apply",
        ),
        "a3": (monday, ["REJECTED"], 1, "Company website"),
        "a4": (monday - timedelta(days=5), [], None, None),
    }
    for name, (sent, moves, answer_days, method) in plan.items():
        app = await _apply(client, me, jobs[name]["id"], status="APPLIED")
        for status in moves:
            assert (await _move(client, me, app["id"], status)).status_code == 200
        fields = {"applied_date": _at(sent, 10), "application_method": method}
        if answer_days is not None:
            fields["response_date"] = _at(sent + timedelta(days=answer_days), 10)
        assert (await _patch(client, me, app["id"], **fields)).status_code == 200
    await _apply(client, me, jobs["a5"]["id"])

    answer = await client.get(f"{API}/me/career/analytics", params={"weeks": 4}, headers=me.headers)
    assert answer.status_code == 200, answer.text
    stats = answer.json()
    assert stats["weeks"] == 4
    assert (stats["total"], stats["applied"], stats["responded"]) == (5, 4, 3)
    assert stats["response_rate"] == 0.75  # 3 answers / 4 sent
    assert stats["median_days_to_first_response"] == 3.0  # median of 3, 5 and 1 days
    assert stats["per_week"] == [
        {"week_start": (monday - timedelta(weeks=3)).isoformat(), "applications": 0},
        {"week_start": (monday - timedelta(weeks=2)).isoformat(), "applications": 1},
        {"week_start": (monday - timedelta(weeks=1)).isoformat(), "applications": 2},
        {"week_start": monday.isoformat(), "applications": 1},
    ]
    assert stats["by_status"] == {
        "SAVED": 1,
        "APPLIED": 1,
        "SCREENING": 1,
        "INTERVIEW_SCHEDULED": 1,
        "INTERVIEW_COMPLETED": 0,
        "OFFER_RECEIVED": 0,
        "ACCEPTED": 0,
        "REJECTED": 1,
        "WITHDRAWN": 0,
    }
    assert stats["by_source"] == [
        {"name": "indeed", "applications": 2, "responded": 1, "response_rate": 0.5},
        {"name": "linkedin", "applications": 2, "responded": 2, "response_rate": 1.0},
    ]
    assert stats["by_method"] == [
        {"name": "LinkedIn Easy Apply", "applications": 2, "responded": 2, "response_rate": 1.0},
        {"name": "Company website", "applications": 1, "responded": 1, "response_rate": 1.0},
        {"name": "unspecified", "applications": 1, "responded": 0, "response_rate": 0.0},
    ]
    empty = (await client.get(f"{API}/me/career/analytics", headers=admin.headers)).json()
    assert empty["applied"] == 0 and empty["median_days_to_first_response"] is None
    assert len(empty["per_week"]) == 12 and empty["response_rate"] == 0.0
    too_long = await client.get(
        f"{API}/me/career/analytics", params={"weeks": 105}, headers=me.headers
    )
    assert too_long.status_code == 422
