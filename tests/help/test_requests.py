"""Creating and reading anonymous help requests."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from skillnest.help import crypto
from skillnest.help.models import HelpSession
from skillnest.help.service import AVATAR_COLORS, AVATAR_SHAPES
from tests.help.conftest import SECRET_TEXT, ask, encrypted, request_body


async def test_create_returns_only_id_and_avatar_and_stores_ciphertext(client, session, person):
    owner = await person()
    key, ciphertext = encrypted()
    body = await ask(client, owner, encrypted_request=ciphertext, expires_in_hours=5)
    assert set(body) == {"id", "avatar"}
    color, shape = body["avatar"].split("-")
    assert color in AVATAR_COLORS and shape in AVATAR_SHAPES

    row = (
        await session.execute(select(HelpSession).where(HelpSession.id == uuid.UUID(body["id"])))
    ).scalar_one()
    assert row.encrypted_request == ciphertext
    assert crypto.decrypt_request(key, row.encrypted_request) == SECRET_TEXT
    assert row.skill_tags == ["python", "recursion"]
    assert row.status == "Active"
    assert row.college_domain == "example.edu"
    lifetime = row.expires_at - row.created_at
    assert lifetime == timedelta(hours=5)


async def test_default_lifetime_is_24_hours_and_urgency_1(client, session, person):
    owner = await person()
    payload = request_body()
    del payload["urgency_level"]
    response = await client.post("/api/v1/help/requests", json=payload, headers=owner.headers)
    assert response.status_code == 201
    row = (
        await session.execute(
            select(HelpSession).where(HelpSession.id == uuid.UUID(response.json()["id"]))
        )
    ).scalar_one()
    assert row.expires_at - row.created_at == timedelta(hours=24)
    assert row.urgency_level == 1


async def test_owner_is_a_keyed_pseudonym_not_a_user_id(client, session, person, settings):
    owner = await person()
    body = await ask(client, owner)
    stored = await session.scalar(
        select(HelpSession.owner_hash).where(HelpSession.id == uuid.UUID(body["id"]))
    )
    assert len(stored) == 64
    # Not the seed's sha256(userId + salt) that anyone could recompute from a dump.
    for guess in (str(owner.id), f"{owner.id}{settings.pseudonym_key.get_secret_value()}"):
        assert stored != hashlib.sha256(guess.encode()).hexdigest()
    assert str(owner.id) != stored and owner.email not in stored


async def test_validation(client, person):
    owner = await person()
    bad = [
        {"skill_tags": []},
        {"skill_tags": [f"s{i}" for i in range(11)]},
        {"skill_tags": ["a,b"]},
        {"urgency_level": 0},
        {"urgency_level": 6},
        {"expires_in_hours": 0},
        {"expires_in_hours": 73},
        {"title": "x" * 101},
        {"college_domain": "not a domain"},
        {"encrypted_request": "plain text, not base64!"},
        {"encrypted_request": crypto.b64encode(b"too short")},
        {"encrypted_request": "A" * (16 * 1024 + 4)},
        {"content": "plaintext must never be accepted"},
    ]
    for overrides in bad:
        response = await client.post(
            "/api/v1/help/requests", json=request_body(**overrides), headers=owner.headers
        )
        assert response.status_code == 422, overrides
    # The largest ciphertext allowed: 16 KiB of base64.
    biggest = crypto.b64encode(b"\x00" * (16 * 1024 // 4 * 3))
    assert len(biggest) == 16 * 1024
    ok = await client.post(
        "/api/v1/help/requests", json=request_body(encrypted_request=biggest), headers=owner.headers
    )
    assert ok.status_code == 201


async def test_login_required(client):
    response = await client.post("/api/v1/help/requests", json=request_body())
    assert response.status_code == 401
    assert (await client.get("/api/v1/help/feed")).status_code == 401


async def test_fourth_request_within_an_hour_is_429(client, person):
    owner = await person()
    for _ in range(3):
        await ask(client, owner)
    fourth = await client.post("/api/v1/help/requests", json=request_body(), headers=owner.headers)
    assert fourth.status_code == 429
    assert int(fourth.headers["Retry-After"]) > 0
    # Another user is not affected.
    other = await person()
    await ask(client, other)


async def test_read_request_views(client, person):
    owner, stranger = await person(), await person()
    body = await ask(client, owner)
    mine = (await client.get(f"/api/v1/help/requests/{body['id']}", headers=owner.headers)).json()
    assert mine["role"] == "owner"
    assert mine["encrypted_request"]
    assert mine["offers"] == []
    seen = await client.get(f"/api/v1/help/requests/{body['id']}", headers=stranger.headers)
    assert seen.status_code == 200
    card = seen.json()
    assert card["role"] == "viewer"
    assert card.get("encrypted_request") is None and card.get("offers") is None
    # Times shown are rounded down to the minute.
    created = datetime.fromisoformat(card["created_at"])
    assert created.second == 0 and created.microsecond == 0
    assert datetime.fromisoformat(card["expires_at"]).second == 0
    missing = await client.get(
        "/api/v1/help/requests/00000000-0000-4000-8000-000000000000", headers=stranger.headers
    )
    assert missing.status_code == 404


async def test_cancelled_request_is_404_for_others(client, person):
    owner, stranger = await person(), await person()
    body = await ask(client, owner)
    cancel = await client.patch(
        f"/api/v1/help/requests/{body['id']}/status",
        json={"status": "Cancelled"},
        headers=owner.headers,
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "Cancelled"
    assert cancel.json()["encrypted_request"] is None  # dropped when the request ends
    gone = await client.get(f"/api/v1/help/requests/{body['id']}", headers=stranger.headers)
    missing = await client.get(
        "/api/v1/help/requests/00000000-0000-4000-8000-000000000000", headers=stranger.headers
    )
    assert gone.status_code == missing.status_code == 404
    assert gone.json() == missing.json()


async def test_mine_lists_only_my_requests(client, person):
    owner, other = await person(), await person()
    first = await ask(client, owner, title="first")
    second = await ask(client, owner, title="second")
    await ask(client, other, title="not mine")
    response = await client.get("/api/v1/help/mine", headers=owner.headers)
    assert response.status_code == 200
    page = response.json()
    items = page["items"]
    assert [i["id"] for i in items] == [second["id"], first["id"]]
    assert items[0]["status"] == "Active" and items[0]["offers"] == 0
    assert (page["limit"], page["offset"], page["next_offset"]) == (20, 0, None)


async def test_mine_is_paged(client, person):
    owner = await person()
    made = [await ask(client, owner, title=f"request {n}") for n in range(3)]
    newest_first = [r["id"] for r in reversed(made)]
    first = (await client.get("/api/v1/help/mine?limit=2", headers=owner.headers)).json()
    assert [i["id"] for i in first["items"]] == newest_first[:2]
    assert first["next_offset"] == 2
    second = await client.get(
        "/api/v1/help/mine", params={"limit": 2, "offset": 2}, headers=owner.headers
    )
    assert [i["id"] for i in second.json()["items"]] == newest_first[2:]
    assert second.json()["next_offset"] is None


async def test_responses_and_logs_hold_no_identity(client, person, caplog):
    owner, helper = await person(), await person()
    caplog.set_level(logging.DEBUG, logger="skillnest")
    body = await ask(client, owner)
    for headers in (owner.headers, helper.headers):
        text = (await client.get(f"/api/v1/help/requests/{body['id']}", headers=headers)).text
        text += (await client.get("/api/v1/help/feed", headers=headers)).text
        text += (await client.get("/api/v1/help/mine", headers=headers)).text
        for secret in (owner.email, helper.email, "203.0.113.7", '"user_id"', "owner_hash"):
            assert secret not in text
    for record in caplog.records:
        message = record.getMessage()
        assert owner.email not in message and "203.0.113.7" not in message
