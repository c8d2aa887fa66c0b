"""Helpers for the exchange tests: people with skills, logged in, and chats between them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import login, make_user


@dataclass
class Person:
    """A user made for a test: id, email and Authorization header (kept as plain values)."""

    id: int
    email: str
    headers: dict[str, str]


@pytest.fixture
def person(client: AsyncClient, session: AsyncSession):  # type: ignore[no-untyped-def]
    """Make a logged-in user: ``await person(skills_to_offer=[...], ...)``."""

    async def make(**profile: Any) -> Person:
        user = await make_user(session, **profile)
        user_id, email = user.id, user.email
        return Person(user_id, email, await login(client, user))

    return make


async def open_chat(client: AsyncClient, a: Person, b: Person) -> int:
    response = await client.post("/api/v1/chats", headers=a.headers, json={"user_id": b.id})
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


async def send(client: AsyncClient, who: Person, chat_id: int, content: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/chats/{chat_id}/messages", headers=who.headers, json={"content": content}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
