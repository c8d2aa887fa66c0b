"""Fixtures and helpers of the help tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.cache import Cache
from skillnest.core.realtime import Hub
from skillnest.help import crypto, feed
from skillnest.help.models import HelpSession
from tests.factories import Person

_numbers = itertools.count(1)
SECRET_TEXT = "I keep failing the recursion exercise in week 3, can someone explain base cases?"


@pytest.fixture
def person(person):  # type: ignore[no-untyped-def]
    """Signed-in students of uni.example.edu whose address is verified: their college is real.

    Help requests carry a college only from a verified academic address, so every help test
    user is such a student unless a test says otherwise.
    """

    async def make(**overrides: Any) -> Person:
        n = next(_numbers)
        overrides.setdefault("email", f"student{n}@uni.example.edu")
        overrides.setdefault("email_verified_at", datetime.now(UTC))
        return await person(**overrides)

    return make


@pytest.fixture
def people(person):  # type: ignore[no-untyped-def]
    """The same factory under the name some help tests use."""
    return person


def encrypted(text: str = SECRET_TEXT) -> tuple[bytes, str]:
    """A request key and the request text encrypted with it, as a client makes them."""
    key = crypto.new_request_key()
    return key, crypto.encrypt_request(key, text)


def request_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /help/requests body."""
    body: dict[str, Any] = {
        "skill_tags": ["Python", "recursion"],
        "urgency_level": 3,
        "college_domain": "example.edu",
        "encrypted_request": encrypted()[1],
        "title": "Recursion base cases",
    }
    body.update(overrides)
    return body


async def ask(client: AsyncClient, person: Person, **overrides: Any) -> dict[str, Any]:
    """Create a request through the API and return the response body."""
    response = await client.post(
        "/api/v1/help/requests", json=request_body(**overrides), headers=person.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def insert_request(
    session: AsyncSession,
    cache: Cache,
    hub: Hub,
    *,
    created_at: datetime | None = None,
    hours: float = 24,
    in_feed: bool = True,
    **values: Any,
) -> dict[str, Any]:
    """Insert an active request directly (any creation time) and list it in the feed."""
    created_at = created_at or datetime.now(UTC)
    row_values = {
        "skill_tags": ["python"],
        "urgency_level": 1,
        "college_domain": None,
        "anonymous_avatar": "blue-circle",
        "encrypted_request": encrypted()[1],
        "created_at": created_at,
        "expires_at": created_at + timedelta(hours=hours),
        "status": "Active",
    } | values
    row = (
        (
            await session.execute(
                insert(HelpSession).values(row_values).returning(*feed.CARD_COLUMNS)
            )
        )
        .mappings()
        .one()
    )
    if in_feed:
        await feed.add(cache=cache, hub=hub, row=row)
    return dict(row)


async def feed_ids(client: AsyncClient, person: Person, **params: Any) -> list[str]:
    """Ids of one feed page."""
    response = await client.get("/api/v1/help/feed", params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]
