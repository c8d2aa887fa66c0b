"""The demo data: idempotent, and the demo user sees two-way matches."""

from __future__ import annotations

from sqlalchemy import func, select

from skillnest.accounts import service as accounts
from skillnest.accounts.models import User
from skillnest.exchange import demo, service
from skillnest.exchange.models import Chat, Rating


async def test_demo_load_is_idempotent_and_gives_the_demo_user_matches(client, session):
    await accounts.load_demo(session=session)
    first = await service.load_demo(session=session)
    assert f"{len(demo.PEOPLE)} people" in first
    users = await session.scalar(select(func.count()).select_from(User))
    chats = await session.scalar(select(func.count()).select_from(Chat))
    ratings = await session.scalar(select(func.count()).select_from(Rating))
    assert len(demo.PEOPLE) >= 30 and chats >= 5 and ratings >= 8

    second = await service.load_demo(session=session)
    assert "0 people, 0 chats and 0 ratings added" in second
    assert await session.scalar(select(func.count()).select_from(User)) == users
    assert await session.scalar(select(func.count()).select_from(Chat)) == chats

    login = await client.post(
        "/api/v1/auth/login", json={"email": demo.DEMO_EMAIL, "password": demo.PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    found = (await client.get("/api/v1/matches", headers=headers)).json()["items"]
    names = [m["name"] for m in found]
    assert len(found) >= 10
    assert names[0] == "Diego Ramírez"  # teaches Guitar and Spanish, learns Python and SQL
    assert found[0]["teaches_you"] == ["guitar", "Spanish"]
    assert found[0]["learns_from_you"] == ["Python", "SQL"]
    assert found[0]["rating_count"] == 1
    assert not {"Carol Jensen", "Ravi Kumar", "Hannah Schmidt", "Omar Haddad"} & set(names)
    for match in found:
        assert match["teaches_you"] and match["learns_from_you"]

    chats = (await client.get("/api/v1/chats", headers=headers)).json()["items"]
    assert [c["other_user"]["name"] for c in chats] == ["Lucía Fernández"]
    assert chats[0]["unread_count"] == 2
    # Demo people can log in with the demo password too.
    diego = await client.post(
        "/api/v1/auth/login",
        json={"email": f"diego.ramirez@{demo.DOMAIN}", "password": demo.PASSWORD},
    )
    assert diego.status_code == 200
