"""Onboarding, preferences, statistics, chat filters and edits, imported documents (API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from skillnest.gauge import importer
from skillnest.gauge.models import Analysis
from tests.gauge.conftest import gauge_user, read_json, write_json
from tests.gauge.test_api import API, contract_body


async def test_onboarding_defaults_then_patch(client, session):
    _, headers = await gauge_user(client, session)
    first = await client.get(f"{API}/me/onboarding", headers=headers)
    assert first.status_code == 200
    assert (first.json()["completed"], first.json()["social_links"]) == (False, None)
    changed = await client.patch(
        f"{API}/me/onboarding",
        headers=headers,
        json={"current_step": "contract", "social_links": {"website": " https://a.example "}},
    )
    assert changed.status_code == 200, changed.text
    more = await client.patch(
        f"{API}/me/onboarding",
        headers=headers,
        json={"completed": True, "social_links": {"twitter": "@acme"}},
    )
    body = more.json()
    assert body["completed"] is True and body["current_step"] == "contract"
    assert body["social_links"] == {"website": "https://a.example", "twitter": "@acme"}
    assert (await client.get(f"{API}/me/onboarding", headers=headers)).json() == body
    for bad in ({"completed": None}, {"social_links": {"myspace": "x"}}, {"nope": 1},
                {"current_step": "x" * 101}):  # fmt: skip
        response = await client.patch(f"{API}/me/onboarding", headers=headers, json=bad)
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_preferences_defaults_then_patch(client, session):
    _, headers = await gauge_user(client, session)
    first = (await client.get(f"{API}/me/preferences", headers=headers)).json()
    assert (first["email_notifications"], first["default_chain"]) == (True, "ethereum")
    changed = await client.patch(
        f"{API}/me/preferences",
        headers=headers,
        json={"analysis_notifications": False, "default_chain": "lisk"},
    )
    assert changed.status_code == 200, changed.text
    body = (await client.get(f"{API}/me/preferences", headers=headers)).json()
    assert (body["email_notifications"], body["analysis_notifications"]) == (True, False)
    assert body["default_chain"] == "lisk"
    for bad in ({"default_chain": "solana"}, {"email_notifications": None}):
        response = await client.patch(f"{API}/me/preferences", headers=headers, json=bad)
        assert response.status_code == 422, bad
    assert (await client.get(f"{API}/me/preferences")).status_code == 401


async def test_contract_lists_carry_the_total(client, session):
    _, headers = await gauge_user(client, session, tier="pro")
    for n in range(3):
        body = contract_body(name=f"C{n}", target_contract={"address": f"0x{n}", "chain": "lisk"})
        assert (
            await client.post(f"{API}/contracts", headers=headers, json=body)
        ).status_code == 201
    page = (await client.get(f"{API}/contracts?limit=2", headers=headers)).json()
    assert (len(page["items"]), page["total"], page["next_offset"]) == (2, 3, 2)
    inactive = (await client.get(f"{API}/contracts?is_active=false", headers=headers)).json()
    assert (inactive["items"], inactive["total"]) == ([], 0)


async def test_analysis_stats(client, session):
    user_id, headers = await gauge_user(client, session, tier="pro")
    empty = (await client.get(f"{API}/analyses/stats", headers=headers)).json()
    assert empty["total"] == 0 and empty["success_rate"] is None
    assert empty["by_status"] == {"pending": 0, "running": 0, "completed": 0, "failed": 0}
    cid = (await client.post(f"{API}/contracts", headers=headers, json=contract_body())).json()[
        "id"
    ]
    ids = []
    for kind in ("single", "single", "competitive", "single"):
        created = await client.post(
            f"{API}/analyses", headers=headers, json={"contract_id": cid, "analysis_type": kind}
        )
        ids.append(created.json()["id"])
    for aid, status in zip(ids, ("completed", "completed", "failed"), strict=False):
        await client.patch(f"{API}/analyses/{aid}", headers=headers, json={"status": status})
    # Two completed, 60 and 120 seconds after creation.
    now = datetime.now(UTC)
    for aid, seconds in ((ids[0], 60), (ids[1], 120)):
        await session.execute(
            update(Analysis)
            .where(Analysis.id == aid)
            .values(created_at=now - timedelta(seconds=seconds), completed_at=now)
        )
    await session.execute(
        update(Analysis).where(Analysis.id == ids[3]).values(created_at=now - timedelta(days=40))
    )
    stats = (await client.get(f"{API}/analyses/stats", headers=headers)).json()
    assert stats["total"] == 4
    assert stats["by_status"] == {"pending": 1, "running": 0, "completed": 2, "failed": 1}
    assert stats["by_type"] == {"single": 3, "competitive": 1}
    assert stats["last_30_days"] == 3
    assert stats["success_rate"] == round(2 / 3, 4)
    assert abs(stats["average_seconds"] - 90.0) < 1.5
    scoped = await client.get(f"{API}/analyses/stats?contract_id={cid}", headers=headers)
    assert scoped.json()["total"] == 4
    _, other = await gauge_user(client, session)
    assert (
        await client.get(f"{API}/analyses/stats?contract_id={cid}", headers=other)
    ).status_code == 404
    assert (await client.get(f"{API}/analyses/stats", headers=other)).json()["total"] == 0
    assert user_id


async def test_chat_sessions_by_contract_and_message_edits(client, session):
    _, headers = await gauge_user(client, session, tier="pro")
    contract = (await client.post(f"{API}/contracts", headers=headers, json=contract_body())).json()
    about = await client.post(
        f"{API}/chat/sessions",
        headers=headers,
        json={"contract_address": "0xABC", "contract_chain": "ethereum"},
    )
    await client.post(f"{API}/chat/sessions", headers=headers, json={"contract_address": "0xdef"})
    listed = await client.get(f"{API}/chat/sessions?contract_id={contract['id']}", headers=headers)
    assert [s["id"] for s in listed.json()["items"]] == [about.json()["id"]]
    assert len((await client.get(f"{API}/chat/sessions", headers=headers)).json()["items"]) == 2
    chat_id = about.json()["id"]
    url = f"{API}/chat/sessions/{chat_id}/messages"
    first = (await client.post(url, headers=headers, json={"content": "hi"})).json()
    second = (
        await client.post(
            url, headers=headers, json={"content": "…", "role": "assistant", "is_streaming": True}
        )
    ).json()
    edited = await client.patch(
        f"{url}/{second['id']}",
        headers=headers,
        json={"content": "Daily users rose 4%.", "is_streaming": False, "metadata": {"t": 1}},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["content"], edited.json()["is_streaming"]) == (
        "Daily users rose 4%.", False,
    )  # fmt: skip
    assert (await client.patch(f"{url}/{second['id']}", headers=headers,
                               json={"content": None})).status_code == 422  # fmt: skip
    assert (await client.delete(f"{url}/{first['id']}", headers=headers)).status_code == 204
    messages = (await client.get(url, headers=headers)).json()["items"]
    assert [m["content"] for m in messages] == ["Daily users rose 4%."]
    chat = (await client.get(f"{API}/chat/sessions/{chat_id}", headers=headers)).json()
    assert chat["message_count"] == 1
    _, other = await gauge_user(client, session)
    assert (await client.delete(f"{url}/{second['id']}", headers=other)).status_code == 404
    assert (await client.delete(f"{url}/{first['id']}", headers=headers)).status_code == 404
    missing = await client.get(f"{API}/chat/sessions?contract_id=999999", headers=headers)
    assert missing.status_code == 404


async def test_imported_metrics_and_history_are_readable(client, session, legacy_dir):
    users = read_json(legacy_dir / "users.json")
    # A key the importer has no column for, as real MetaGauge accounts carry.
    for user in users:
        user["walletAddress"] = "0x" + user["id"].replace("-", "")[:40]
    write_json(legacy_dir / "users.json", users)
    await importer.import_metagauge(session=session, data_dir=legacy_dir, make_backup=False)
    # An active user of the per-user layout, through the legacy API key.
    active = next(u for u in users if u["isActive"] and (legacy_dir / "users" / u["id"]).is_dir())
    folder = legacy_dir / "users" / active["id"]
    headers = {"X-API-Key": active["apiKey"]}
    account = (await client.get(f"{API}/me", headers=headers)).json()
    assert account["extra"]["walletAddress"] == "0x" + active["id"].replace("-", "")[:40]
    assert account["email_verified"] is active["emailVerified"]
    metrics = await client.get(f"{API}/me/metrics", headers=headers)
    assert metrics.status_code == 200, metrics.text
    assert metrics.json()["data"] == read_json(folder / "metrics.json")
    history = (await client.get(f"{API}/me/metrics/history?limit=100", headers=headers)).json()
    expected = sorted(read_json(folder / "metrics_history.json"), key=lambda h: h["date"])
    assert [h["data"] for h in history["items"]] == expected[::-1]
    everything = (await client.get(f"{API}/me/documents?limit=100", headers=headers)).json()
    kinds = {d["kind"] for d in everything["items"]}
    assert {"metrics", "metrics_history", "competitor_metrics", "live_poll"} <= kinds
    polls = await client.get(f"{API}/me/documents?kind=live_poll", headers=headers)
    assert polls.json()["items"][0]["data"] == read_json(folder / "live_poll.json")
    assert (await client.get(f"{API}/me/documents?kind=nope", headers=headers)).status_code == 422
    _, stranger = await gauge_user(client, session)
    assert (await client.get(f"{API}/me/metrics", headers=stranger)).status_code == 404
