"""Helpers for the exchange tests: people with skills, logged in, and chats between them."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import Person


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
