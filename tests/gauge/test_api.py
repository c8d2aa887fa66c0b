"""The gauge HTTP API: contracts, analyses, tiers, chats, API keys (both backends)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select, text, update

from skillnest.accounts.models import User
from skillnest.core.realtime import user_channel
from skillnest.gauge import rules, service
from skillnest.gauge.models import Analysis, Contract, ContractCompetitor, GaugeAccount
from skillnest.gauge.service import contracts
from tests.factories import make_user
from tests.gauge.conftest import gauge_user

API = "/api/v1/gauge"


def contract_body(**overrides):
    body = {
        "name": "Router",
        "description": "DEX router",
        "target_contract": {"address": "0xabc", "chain": "ethereum", "name": "SwapRouter"},
        "competitors": [
            {"address": "0xc1", "chain": "ethereum", "name": "One"},
            {"address": "0xc2", "chain": "lisk"},
        ],
        "rpc_config": {"ethereum": ["https://eth.example.net"], "lisk": []},
        "analysis_params": {"whale_threshold": 25, "extra": {"depth": 3}},
        "tags": ["defi"],
    }
    body.update(overrides)
    return body


async def test_contract_crud(client, session):
    _, headers = await gauge_user(client, session)
    created = await client.post(f"{API}/contracts", headers=headers, json=contract_body())
    assert created.status_code == 201, created.text
    contract = created.json()
    assert [c["address"] for c in contract["competitors"]] == ["0xc1", "0xc2"]
    assert contract["rpc_config"] == {"ethereum": ["https://eth.example.net"], "lisk": []}
    assert contract["analysis_params"]["whale_threshold"] == 25
    assert contract["analysis_params"]["extra"] == {"depth": 3}
    cid = contract["id"]

    changed = await client.patch(
        f"{API}/contracts/{cid}",
        headers=headers,
        json={"competitors": [{"address": "0xc3", "chain": "starknet"}], "name": "Router v2"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Router v2"
    assert [c["address"] for c in changed.json()["competitors"]] == ["0xc3"]
    assert changed.json()["rpc_config"] == contract["rpc_config"]  # not sent, not touched
    positions = (
        await session.scalars(
            select(ContractCompetitor.position).where(ContractCompetitor.contract_id == cid)
        )
    ).all()
    assert positions == [0]

    listing = await client.get(f"{API}/contracts", headers=headers)
    assert [c["id"] for c in listing.json()["items"]] == [cid]
    assert (await client.delete(f"{API}/contracts/{cid}", headers=headers)).status_code == 204
    assert (await client.get(f"{API}/contracts/{cid}", headers=headers)).status_code == 404


async def test_contract_limits_are_validated(client, session):
    _, headers = await gauge_user(client, session)
    six = [{"address": f"0x{i}", "chain": "lisk"} for i in range(6)]
    too_many = await client.post(
        f"{API}/contracts", headers=headers, json=contract_body(competitors=six)
    )
    assert too_many.status_code == 422
    no_rpc = await client.post(
        f"{API}/contracts", headers=headers, json=contract_body(rpc_config={})
    )
    assert no_rpc.status_code == 422
    unknown_chain = await client.post(
        f"{API}/contracts", headers=headers, json=contract_body(rpc_config={"solana": []})
    )
    assert unknown_chain.status_code == 422
    for threshold in ("1e400", "-1"):  # JSON's 1e400 would be stored as Infinity
        raw = orjson.dumps(contract_body(analysis_params={"whale_threshold": 0})).replace(
            b'"whale_threshold":0', b'"whale_threshold":' + threshold.encode()
        )
        bad = await client.post(
            f"{API}/contracts",
            headers={**headers, "content-type": "application/json"},
            content=raw,
        )
        assert bad.status_code == 422, threshold
        assert bad.json()["errors"][0]["loc"][-1] == "whale_threshold"


async def test_competitor_cap_is_also_in_the_schema(session, sync_engine, backend):
    user = await make_user(session)
    contract = Contract(user_id=user.id, name="c", address="0x", chain="lisk")
    session.add(contract)
    await session.flush()
    session.add(ContractCompetitor(contract_id=contract.id, position=5, address="0x", chain="x"))
    with pytest.raises(Exception, match="(?i)check"):
        await session.flush()


async def test_a_failed_contract_write_leaves_nothing(client, session, monkeypatch):
    _, headers = await gauge_user(client, session)

    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(contracts, "_replace_params", broken)
    response = await client.post(f"{API}/contracts", headers=headers, json=contract_body())
    assert response.status_code == 500  # answered as a problem, the connection kept
    assert await session.scalar(select(func.count()).select_from(Contract)) == 0
    assert await session.scalar(select(func.count()).select_from(ContractCompetitor)) == 0


async def test_other_users_resources_are_404(client, session):
    _, owner = await gauge_user(client, session)
    _, stranger = await gauge_user(client, session)
    cid = (await client.post(f"{API}/contracts", headers=owner, json=contract_body())).json()["id"]
    aid = (await client.post(f"{API}/analyses", headers=owner, json={})).json()["id"]
    chat = (await client.post(f"{API}/chat/sessions", headers=owner, json={})).json()["id"]
    for method, path in (
        ("GET", f"/contracts/{cid}"),
        ("PATCH", f"/contracts/{cid}"),
        ("DELETE", f"/contracts/{cid}"),
        ("GET", f"/analyses/{aid}"),
        ("PATCH", f"/analyses/{aid}"),
        ("GET", f"/chat/sessions/{chat}"),
        ("GET", f"/chat/sessions/{chat}/messages"),
    ):
        response = await client.request(method, API + path, headers=stranger, json={})
        assert response.status_code == 404, (method, path)
    missing = await client.get(f"{API}/contracts/999999", headers=stranger)
    assert response.json()["title"] == missing.json()["title"]
    post = await client.post(
        f"{API}/chat/sessions/{chat}/messages", headers=stranger, json={"content": "hi"}
    )
    assert post.status_code == 404


async def test_analysis_events_wait_for_the_commit(client, session, hub):
    from skillnest.gauge.schemas import AnalysisUpdate
    from skillnest.gauge.service.accounts import Caller

    user_id, headers = await gauge_user(client, session)
    body = contract_body()
    cid = (await client.post(f"{API}/contracts", headers=headers, json=body)).json()["id"]
    new = {"contract_id": cid, "analysis_type": "competitive"}
    aid = (await client.post(f"{API}/analyses", headers=headers, json=new)).json()["id"]
    caller = Caller(user_id=user_id, is_admin=False, tier="free")

    async def report(progress: int) -> None:
        await service.update_analysis(
            session=session,
            hub=hub,
            caller=caller,
            analysis_id=aid,
            data=AnalysisUpdate(status="running", progress=progress),
        )

    async with hub.subscribe(user_channel(user_id)) as events:
        await report(10)
        await asyncio.sleep(0.2)
        assert events.empty()  # not announced while the update may still roll back
        await session.rollback()
        await report(20)
        await session.commit()
        event = await asyncio.wait_for(events.get(), 2)
    # Had the rolled-back report gone out, it would have come first.
    assert event["data"] == {"id": aid, "status": "running", "progress": 20}


async def test_analysis_lifecycle(client, session, hub):
    user_id, headers = await gauge_user(client, session)
    cid = (await client.post(f"{API}/contracts", headers=headers, json=contract_body())).json()[
        "id"
    ]
    created = await client.post(
        f"{API}/analyses",
        headers=headers,
        json={"contract_id": cid, "analysis_type": "competitive"},
    )
    assert created.status_code == 201, created.text
    analysis = created.json()
    assert (analysis["status"], analysis["progress"]) == ("pending", 0)
    assert (analysis["contract_address"], analysis["chain"]) == ("0xabc", "ethereum")
    aid = analysis["id"]
    async with hub.subscribe(user_channel(user_id)) as events:
        running = await client.patch(
            f"{API}/analyses/{aid}", headers=headers, json={"status": "running", "progress": 40}
        )
        assert running.json()["progress"] == 40
        event = await asyncio.wait_for(events.get(), 2)
    assert event == {
        "type": "gauge.analysis",
        "data": {"id": aid, "status": "running", "progress": 40},
    }
    done = await client.patch(
        f"{API}/analyses/{aid}",
        headers=headers,
        json={"status": "completed", "results": {"summary": {"users": 7}}},
    )
    body = done.json()
    assert (body["status"], body["progress"], body["results"]) == (
        "completed", 100, {"summary": {"users": 7}},
    )  # fmt: skip
    assert body["completed_at"] is not None
    again = await client.patch(f"{API}/analyses/{aid}", headers=headers, json={"status": "running"})
    assert again.status_code == 409
    contract = (await client.get(f"{API}/contracts/{cid}", headers=headers)).json()
    assert contract["analysis_count"] == 1 and contract["last_analyzed_at"] is not None


async def test_analyses_listing_filters_and_pages(client, session):
    _, headers = await gauge_user(client, session, tier="pro")
    ids = [
        (await client.post(f"{API}/analyses", headers=headers, json={})).json()["id"]
        for _ in range(5)
    ]
    await client.patch(f"{API}/analyses/{ids[1]}", headers=headers, json={"status": "failed"})
    failed = await client.get(f"{API}/analyses", headers=headers, params={"status": "failed"})
    assert [a["id"] for a in failed.json()["items"]] == [ids[1]]
    assert failed.json()["items"][0]["has_errors"] is True
    page = await client.get(f"{API}/analyses", headers=headers, params={"limit": 2, "offset": 1})
    assert [a["id"] for a in page.json()["items"]] == [ids[3], ids[2]]
    assert "results" not in page.json()["items"][0]
    assert page.json()["history_days"] == 90


async def test_history_window_of_the_tier(client, session):
    user_id, headers = await gauge_user(client, session, tier="free")
    old = Analysis(user_id=user_id, status="completed", progress=100,
                   created_at=datetime.now(UTC) - timedelta(days=10))  # fmt: skip
    recent = Analysis(user_id=user_id, status="completed", progress=100,
                      created_at=datetime.now(UTC) - timedelta(days=2))  # fmt: skip
    session.add_all([old, recent])
    await session.flush()
    old_id, recent_id = old.id, recent.id
    listing = await client.get(f"{API}/analyses", headers=headers)
    assert [a["id"] for a in listing.json()["items"]] == [recent_id]
    refused = await client.get(f"{API}/analyses/{old_id}", headers=headers)
    assert refused.status_code == 403
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("/tier-limit")
    assert (problem["tier"], problem["history_days"], problem["upgrade_to"]) == (
        "free",
        7,
        "starter",
    )
    since = (datetime.now(UTC) - timedelta(days=29)).isoformat()
    assert (
        await client.get(f"{API}/analyses", headers=headers, params={"since": since})
    ).status_code == 403
    await session.execute(
        update(GaugeAccount).where(GaugeAccount.user_id == user_id).values(tier="starter")
    )
    assert (await client.get(f"{API}/analyses/{old_id}", headers=headers)).status_code == 200
    wider = await client.get(f"{API}/analyses", headers=headers, params={"since": since})
    assert [a["id"] for a in wider.json()["items"]] == [recent_id, old_id]


async def test_monthly_analysis_quota(client, session):
    user_id, headers = await gauge_user(client, session, tier="free")
    month = rules.month_key(datetime.now(UTC))
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == user_id)
        .values(current_month=month, monthly_analysis_count=9)
    )
    assert (await client.post(f"{API}/analyses", headers=headers, json={})).status_code == 201
    refused = await client.post(f"{API}/analyses", headers=headers, json={})
    assert refused.status_code == 403
    problem = refused.json()
    assert (problem["limit"], problem["monthly_analyses"], problem["used"]) == (
        "monthly_analyses", 10, 10,
    )  # fmt: skip
    assert problem["resets_at"].startswith(
        rules.month_key(rules.next_month_start(datetime.now(UTC)))
    )
    assert await session.scalar(select(func.count()).select_from(Analysis)) == 1
    # A counter of an older month does not count any more.
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == user_id)
        .values(current_month="2000-01", monthly_analysis_count=10, monthly_ai_query_count=3)
    )
    assert (await client.post(f"{API}/analyses", headers=headers, json={})).status_code == 201
    account = (await client.get(f"{API}/me", headers=headers)).json()
    assert (account["monthly_analysis_count"], account["monthly_ai_query_count"]) == (1, 0)
    assert account["current_month"] == month
    assert account["limits"] == {"history_days": 7, "monthly_analyses": 10}


async def test_enterprise_has_no_quota(client, session):
    user_id, headers = await gauge_user(client, session, tier="enterprise")
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == user_id)
        .values(current_month=rules.month_key(datetime.now(UTC)), monthly_analysis_count=5000)
    )
    assert (await client.post(f"{API}/analyses", headers=headers, json={})).status_code == 201


async def test_chat_counts_follow_the_messages(client, session):
    _, headers = await gauge_user(client, session)
    chat = await client.post(
        f"{API}/chat/sessions", headers=headers, json={"contract_name": "Router"}
    )
    assert chat.status_code == 201
    assert chat.json()["title"] == "Chat: Router"
    chat_id = chat.json()["id"]
    sent = []
    for role, content in (("user", "q1"), ("assistant", "a1"), ("user", "q2")):
        response = await client.post(
            f"{API}/chat/sessions/{chat_id}/messages",
            headers=headers,
            json={"role": role, "content": content},
        )
        assert response.status_code == 201
        sent.append(response.json())
    state = (await client.get(f"{API}/chat/sessions/{chat_id}", headers=headers)).json()
    assert state["message_count"] == 3
    assert state["last_message_at"] == sent[-1]["created_at"]
    messages = (await client.get(f"{API}/chat/sessions/{chat_id}/messages", headers=headers)).json()
    assert [m["content"] for m in messages["items"]] == ["q1", "a1", "q2"]
    account = (await client.get(f"{API}/me", headers=headers)).json()
    assert account["monthly_ai_query_count"] == 2
    other = (await client.post(f"{API}/chat/sessions", headers=headers, json={})).json()
    listing = (await client.get(f"{API}/chat/sessions", headers=headers)).json()
    assert [s["id"] for s in listing["items"]] == [other["id"], chat_id]
    assert (
        await client.delete(f"{API}/chat/sessions/{chat_id}", headers=headers)
    ).status_code == 204


async def test_api_key_authentication(client, session):
    user_id, headers = await gauge_user(client, session)
    assert (await client.get(f"{API}/me")).status_code == 401
    assert (await client.get(f"{API}/me", headers={"X-API-Key": "nope"})).status_code == 401
    issued = await client.post(f"{API}/me/api-key", headers=headers)
    assert issued.status_code == 201
    key = issued.json()["api_key"]
    assert len(key) == 64
    stored = await session.scalar(
        select(GaugeAccount.api_key_hash).where(GaugeAccount.user_id == user_id)
    )
    assert stored != key
    me = await client.get(f"{API}/me", headers={"X-API-Key": key})
    assert me.status_code == 200 and me.json()["user_id"] == user_id
    assert me.json()["has_api_key"] is True
    created = await client.post(
        f"{API}/contracts", headers={"X-API-Key": key}, json=contract_body()
    )
    assert created.status_code == 201
    await client.post(f"{API}/me/api-key", headers=headers)
    assert (await client.get(f"{API}/me", headers={"X-API-Key": key})).status_code == 401


async def test_deactivated_account_is_refused(client, session):
    user_id, headers = await gauge_user(client, session)
    key = (await client.post(f"{API}/me/api-key", headers=headers)).json()["api_key"]
    await session.execute(
        update(GaugeAccount).where(GaugeAccount.user_id == user_id).values(is_active=False)
    )
    await session.commit()  # only the test's outer transaction sees it; a failed call keeps it
    assert (await client.get(f"{API}/me", headers=headers)).status_code == 403
    assert (await client.get(f"{API}/me", headers={"X-API-Key": key})).status_code == 401


async def test_account_is_created_on_first_use(client, session):
    from tests.factories import signup

    _, headers = await signup(client)
    account = await client.get(f"{API}/me", headers=headers)
    assert account.status_code == 200
    assert account.json()["tier"] == "free"


async def test_admin_finds_users_by_email_and_sets_tiers(client, session):
    user_id, headers = await gauge_user(client, session, email="mixed.case@example.org")
    _, admin = await gauge_user(client, session, is_admin=True)
    found = await client.get(
        f"{API}/users/by-email", headers=admin, params={"email": " Mixed.Case@EXAMPLE.org"}
    )
    assert found.status_code == 200 and found.json()["id"] == user_id
    assert (
        await client.get(f"{API}/users/by-email", headers=headers, params={"email": "x@y.org"})
    ).status_code == 403
    missing = await client.get(f"{API}/users/by-email", headers=admin, params={"email": "no@x.org"})
    assert missing.status_code == 404
    changed = await client.put(f"{API}/users/{user_id}/tier", headers=admin, json={"tier": "pro"})
    assert changed.status_code == 204
    assert (await client.get(f"{API}/me", headers=headers)).json()["tier"] == "pro"
    bad = await client.put(f"{API}/users/{user_id}/tier", headers=admin, json={"tier": "gold"})
    assert bad.status_code == 422


def test_find_by_email_uses_the_case_insensitive_index(sync_engine, backend):
    query = select(User.id).where(func.lower(User.email) == "a@b.org")
    sql = str(query.compile(sync_engine, compile_kwargs={"literal_binds": True}))
    with sync_engine.connect() as conn:
        if backend == "postgresql":
            # Tiny test tables make a sequential scan cheaper; forbid it to see the plan.
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
            # Seed 002's findByEmail statement runs unchanged on the same table.
            conn.execute(text("SELECT * FROM users WHERE email = :email"), {"email": "a@b.org"})
        else:
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        conn.rollback()
    assert "uq_users_email_lower" in plan


async def test_monthly_reset_job(session):
    user = await make_user(session)
    session.add(GaugeAccount(user_id=user.id, current_month="2000-01", monthly_analysis_count=7))
    await session.flush()
    now = datetime(2026, 5, 20, tzinfo=UTC)
    assert await service.reset_monthly_usage(session=session, now=now) >= 1
    account = await session.get(GaugeAccount, user.id)
    await session.refresh(account)
    assert (account.current_month, account.monthly_analysis_count) == ("2026-05", 0)
    assert account.monthly_reset_date == datetime(2026, 5, 1, tzinfo=UTC)
    assert await service.reset_monthly_usage(session=session, now=now) == 0


async def test_demo_data_is_idempotent(session):
    from skillnest.accounts.service import load_demo as accounts_demo

    await accounts_demo(session=session)
    first = await service.load_demo(session=session)
    second = await service.load_demo(session=session)
    assert "created" in first and "already" in second
    assert await session.scalar(select(func.count()).select_from(Contract)) == 1
