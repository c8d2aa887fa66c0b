"""Factories for test data."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.core.security import hash_password

PASSWORD = "correct horse battery staple"
# Hash once: Argon2id is deliberately slow and factories make many users.
PASSWORD_HASH = hash_password(PASSWORD)
_sequence = itertools.count(1)


async def make_user(session: AsyncSession, **overrides: Any) -> User:
    """A persisted user whose password is ``PASSWORD``."""
    n = next(_sequence)
    values: dict[str, Any] = {
        "name": f"User {n}",
        "email": f"user{n}@example.org",
        "password_hash": PASSWORD_HASH,
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    await session.flush()
    # Load every column, as a user read from the database would have.
    await session.refresh(user)
    return user


async def login(client: AsyncClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API and return the Authorization header."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def signup(
    client: AsyncClient, name: str = "Sam", email: str | None = None, password: str = PASSWORD
) -> tuple[dict[str, Any], dict[str, str]]:
    """Sign up through the API; return the user document and the Authorization header."""
    email = email or f"signup{next(_sequence)}@example.org"
    response = await client.post(
        "/api/v1/auth/signup", json={"name": name, "email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["user"], {"Authorization": f"Bearer {body['token']}"}


@dataclass(frozen=True)
class Person:
    """A signed-in user made for a test, kept as plain values (no ORM row to expire)."""

    id: int
    email: str
    name: str
    headers: dict[str, str]


PersonFactory = Callable[..., Awaitable[Person]]


@pytest.fixture
def person(client: AsyncClient, session: AsyncSession) -> PersonFactory:
    """Make a signed-in user: ``await person(is_admin=True, skills_to_offer=[...])``."""

    async def make(**overrides: Any) -> Person:
        user = await make_user(session, **overrides)
        # Read the values before the login request commits the session.
        user_id, email, name = user.id, user.email, user.name
        return Person(user_id, email, name, await login(client, user))

    return make
