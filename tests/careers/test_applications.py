"""Application tracking: status flow with timeline, follow-up reminders, notes, stats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from skillnest.careers import service
from skillnest.careers.applications.service import send_follow_up_reminders
from skillnest.careers.models import Application, Notification
from tests.careers.conftest import create_job

API = "/api/v1"


async def _apply(client, who, job_id, status="SAVED"):
    response = await client.post(
        f"{API}/applications", headers=who.headers, json={"job_id": job_id, "status": status}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _move(client, who, application_id, status, **extra):
    return await client.post(
        f"{API}/applications/{application_id}/status",
        headers=who.headers,
        json={"status": status, **extra},
    )


async def test_status_flow_writes_a_timeline_event_per_step(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "app-1")
    app = await _apply(client, me, job["id"])
    assert app["status"] == "SAVED" and app["progress"] == 10
    assert app["allowed_transitions"] == ["APPLIED", "REJECTED", "WITHDRAWN"]
    assert [e["event_type"] for e in app["timeline"]] == ["created"]

    applied = await _move(client, me, app["id"], "APPLIED", note="sent via website")
    assert applied.status_code == 200, applied.text
    body = applied.json()
    assert body["progress"] == 25 and body["applied_date"] is not None
    assert body["follow_up_date"] == (datetime.now(UTC).date() + timedelta(days=14)).isoformat()

    skipped = await _move(client, me, app["id"], "ACCEPTED")
    assert skipped.status_code == 409
    assert skipped.headers["content-type"] == "application/problem+json"
    assert skipped.json()["allowed_transitions"] == ["SCREENING", "REJECTED", "WITHDRAWN"]

    assert (await _move(client, me, app["id"], "SCREENING")).json()["progress"] == 40
    rejected = await _move(client, me, app["id"], "REJECTED", rejection_reason="Position filled")
    assert rejected.status_code == 200
    detail = rejected.json()
    assert detail["status"] == "REJECTED" and detail["rejection_reason"] == "Position filled"
    steps = [(e["metadata"] or {}).get("to") for e in detail["timeline"]]
    assert steps == [None, "APPLIED", "SCREENING", "REJECTED"]
    assert detail["timeline"][1]["metadata"]["note"] == "sent via website"
    assert (await _move(client, me, app["id"], "WITHDRAWN")).status_code == 409  # final state

    timeline = await client.get(f"{API}/applications/{app['id']}/timeline", headers=me.headers)
    assert len(timeline.json()["items"]) == 4


async def test_failed_move_leaves_no_timeline_event(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "app-2")
    app = await _apply(client, me, job["id"], status="APPLIED")
    assert (await _move(client, me, app["id"], "OFFER_RECEIVED")).status_code == 409
    detail = (await client.get(f"{API}/applications/{app['id']}", headers=me.headers)).json()
    assert detail["status"] == "APPLIED" and len(detail["timeline"]) == 1


async def test_one_application_per_job(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "app-3")
    await _apply(client, me, job["id"])
    again = await client.post(f"{API}/applications", headers=me.headers, json={"job_id": job["id"]})
    assert again.status_code == 409
    missing = await client.post(f"{API}/applications", headers=me.headers, json={"job_id": 999999})
    assert missing.status_code == 404


async def test_follow_up_reminder_once_then_none_within_seven_days(
    client, session, platform, person, admin
):
    me = await person()
    job = await create_job(client, admin, "app-4", title="Data Engineer", company="Bluefin")
    app = await _apply(client, me, job["id"], status="APPLIED")
    app_id = app["id"]

    async def reminders() -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == me.id, Notification.type == "follow_up_reminder")
            )
        )

    now = datetime.now(UTC)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=now) == 0
    # The follow-up date passes.
    await session.execute(
        update(Application)
        .where(Application.id == app_id)
        .values(follow_up_date=date.today() - timedelta(days=1))
    )
    report = await service.run_maintenance(session=session, platform=platform)
    assert "1 follow-up reminders" in report
    assert await reminders() == 1
    report = await service.run_maintenance(session=session, platform=platform)
    assert "0 follow-up reminders" in report
    later = now + timedelta(days=6)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=later) == 0
    assert await reminders() == 1
    week_later = now + timedelta(days=7, minutes=1)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=week_later) == 1
    assert await reminders() == 2

    notes = (await client.get(f"{API}/me/notifications", headers=me.headers)).json()["items"]
    assert notes[0]["type"] == "follow_up_reminder"
    assert "Data Engineer at Bluefin" in notes[0]["message"]
    assert notes[0]["metadata"] == {"application_id": app_id}

    # An answered application gets no reminder.
    await _move(client, me, app_id, "SCREENING")
    far = now + timedelta(days=60)
    assert await send_follow_up_reminders(session=session, hub=platform.hub, now=far) == 0


async def test_list_filters_and_stats(client, session, person, admin):
    me = await person()
    jobs = [await create_job(client, admin, f"st-{n}") for n in range(4)]
    saved = await _apply(client, me, jobs[0]["id"])
    applied = await _apply(client, me, jobs[1]["id"], status="APPLIED")
    screening = await _apply(client, me, jobs[2]["id"], status="APPLIED")
    await _move(client, me, screening["id"], "SCREENING")
    rejected = await _apply(client, me, jobs[3]["id"], status="APPLIED")
    await _move(client, me, rejected["id"], "REJECTED")
    await session.execute(
        update(Application)
        .where(Application.id == applied["id"])
        .values(applied_date=datetime(2026, 1, 15, 12, tzinfo=UTC))
    )

    async def ids(**params):
        response = await client.get(f"{API}/applications", headers=me.headers, params=params)
        assert response.status_code == 200, response.text
        return {a["id"] for a in response.json()["items"]}

    assert await ids() == {saved["id"], applied["id"], screening["id"], rejected["id"]}
    assert await ids(status="SAVED") == {saved["id"]}
    assert await ids(status=["SCREENING", "REJECTED"]) == {screening["id"], rejected["id"]}
    assert await ids(applied_from="2026-01-01", applied_to="2026-01-31") == {applied["id"]}
    assert await ids(applied_to="2026-01-14") == set()
    bad = await client.get(f"{API}/applications", headers=me.headers, params={"status": "LOST"})
    assert bad.status_code == 422

    stats = (await client.get(f"{API}/applications/stats", headers=me.headers)).json()
    assert stats["total"] == 4 and stats["applied"] == 3 and stats["responded"] == 2
    assert stats["response_rate"] == round(2 / 3, 3)
    assert stats["by_status"]["SAVED"] == 1 and stats["by_status"]["ACCEPTED"] == 0


async def test_notes_add_edit_delete(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "notes-1")
    app = await _apply(client, me, job["id"])
    url = f"{API}/applications/{app['id']}/notes"
    note = await client.post(
        url, headers=me.headers, json={"content": "Recruiter: Ana", "note_type": "contact"}
    )
    assert note.status_code == 201
    note_id = note.json()["id"]
    edited = await client.patch(
        f"{url}/{note_id}", headers=me.headers, json={"content": "Recruiter: Ana P."}
    )
    assert edited.status_code == 200 and edited.json()["content"] == "Recruiter: Ana P."
    assert edited.json()["note_type"] == "contact"
    assert [n["content"] for n in (await client.get(url, headers=me.headers)).json()["items"]] == [
        "Recruiter: Ana P."
    ]
    assert (await client.delete(f"{url}/{note_id}", headers=me.headers)).status_code == 204
    assert (await client.get(url, headers=me.headers)).json()["items"] == []
    assert (await client.post(url, headers=me.headers, json={"content": "  "})).status_code == 422


async def test_another_users_application_and_notes_answer_404(client, person, admin):
    owner, other = await person(), await person()
    job = await create_job(client, admin, "priv-1")
    app = await _apply(client, owner, job["id"])
    base = f"{API}/applications/{app['id']}"
    note = await client.post(f"{base}/notes", headers=owner.headers, json={"content": "mine"})
    note_url = f"{base}/notes/{note.json()['id']}"
    for method, url, body in [
        ("GET", base, None),
        ("DELETE", base, None),
        ("POST", f"{base}/status", {"status": "APPLIED"}),
        ("GET", f"{base}/timeline", None),
        ("GET", f"{base}/notes", None),
        ("POST", f"{base}/notes", {"content": "sneaky"}),
        ("PATCH", note_url, {"content": "changed"}),
        ("DELETE", note_url, None),
        ("POST", f"{base}/interview-prep", {}),
        ("GET", f"{base}/interview-prep", None),
    ]:
        response = await client.request(method, url, headers=other.headers, json=body)
        assert response.status_code == 404, (method, url, response.text)
    assert (await client.get(f"{API}/applications", headers=other.headers)).json()["items"] == []
    unknown = await client.get(f"{API}/applications/999999", headers=other.headers)
    assert (
        unknown.json()["title"] == (await client.get(base, headers=other.headers)).json()["title"]
    )
    detail = (await client.get(base, headers=owner.headers)).json()
    assert detail["status"] == "SAVED" and len(detail["timeline"]) == 1


async def test_interview_prep_and_practice_sessions(client, person, admin):
    me = await person()
    job = await create_job(
        client, admin, "prep-1", company="Harbor", required_skills=["Kubernetes", "Go"]
    )
    app = await _apply(client, me, job["id"], status="APPLIED")
    url = f"{API}/applications/{app['id']}/interview-prep"
    prep = await client.post(
        url, headers=me.headers, json={"interview_date": "2026-12-01T10:00:00Z"}
    )
    assert prep.status_code == 201, prep.text
    questions = prep.json()["questions"]
    skills = {q["skill"] for q in questions if q["category"] == "technical"}
    assert skills == {"Kubernetes", "Go"}
    assert any("Harbor" in q["question"] for q in questions)
    assert (await client.post(url, headers=me.headers)).status_code == 409

    question_id = "skill-go-1"
    answered = await client.put(
        f"{url}/questions/{question_id}/answer", headers=me.headers, json={"answer": "A CLI in Go."}
    )
    assert answered.status_code == 200
    assert {q["id"]: q["answer"] for q in answered.json()["questions"]}[
        question_id
    ] == "A CLI in Go."
    assert (
        await client.put(f"{url}/questions/nope/answer", headers=me.headers, json={"answer": "x"})
    ).status_code == 404

    practice_url = f"{API}/applications/{app['id']}/practice-sessions"
    practice = await client.post(
        practice_url,
        headers=me.headers,
        json={"question_id": question_id, "duration": 95, "self_rating": 4, "notes": "Too fast"},
    )
    assert practice.status_code == 201, practice.text
    assert (
        await client.post(practice_url, headers=me.headers, json={"duration": 5, "self_rating": 6})
    ).status_code == 422
    sessions = (await client.get(practice_url, headers=me.headers)).json()["items"]
    assert [(s["duration"], s["self_rating"]) for s in sessions] == [(95, 4)]
