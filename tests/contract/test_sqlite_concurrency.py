"""SQLite, the default, under 50 concurrent identical writes on one real uvicorn worker.

Write transactions take the write lock up front (BEGIN IMMEDIATE), so each writer waits its
turn through busy_timeout: exactly one wins, the others see the winner's row and answer 409
(or, for an idempotent PUT, 200), and none answers 500 "database is locked".
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command

from skillnest.help import crypto
from skillnest.ops.service import alembic_config
from tests.contract.conftest import serving, settings_for

N = 50
PASSWORD = "concurrency password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    directory = tmp_path_factory.mktemp("concurrency")
    path = directory / "skillnest.db"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(alembic_config(settings_for(url)), "head")
    with serving(url, directory / "server.log") as base:
        yield base, path


async def burst(http: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Counter[int]:
    """Send the same request N times at once; count the statuses."""
    responses = await asyncio.gather(*(http.request(method, path, **kwargs) for _ in range(N)))
    return Counter(r.status_code for r in responses)


async def signup(http: httpx.AsyncClient, email: str) -> tuple[int, dict[str, str]]:
    response = await http.post(
        "/api/v1/auth/signup", json={"name": email[:8], "email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["user"]["id"], {"Authorization": f"Bearer {body['token']}"}


def client(base: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=N, max_keepalive_connections=N)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=120)


async def test_concurrent_signups(server):
    async with client(server[0]) as http:
        body = {"name": "Same", "email": "same@example.org", "password": PASSWORD}
        assert await burst(http, "POST", "/api/v1/auth/signup", json=body) == {201: 1, 409: N - 1}


async def test_concurrent_ratings(server):
    async with client(server[0]) as http:
        _, a = await signup(http, "rater@example.org")
        b_id, _ = await signup(http, "rated@example.org")
        chat = await http.post("/api/v1/chats", json={"user_id": b_id}, headers=a)
        assert chat.status_code in (200, 201), chat.text
        body = {"chat_id": chat.json()["id"], "rating": 5}
        statuses = await burst(http, "POST", "/api/v1/ratings", json=body, headers=a)
        assert statuses == {201: 1, 409: N - 1}


async def test_concurrent_offers_and_accepts(server):
    async with client(server[0]) as http:
        _, owner = await signup(http, "owner@example.org")
        _, helper = await signup(http, "helper@example.org")
        key = crypto.new_request_key()
        ask = {
            "skill_tags": ["python"],
            "encrypted_request": crypto.encrypt_request(key, "How do base cases work?"),
        }
        request = await http.post("/api/v1/help/requests", json=ask, headers=owner)
        assert request.status_code == 201, request.text
        url = f"/api/v1/help/requests/{request.json()['id']}"
        _, public = crypto.new_keypair()
        statuses = await burst(
            http, "POST", f"{url}/offers", json={"public_key": public}, headers=helper
        )
        assert statuses == {201: 1, 409: N - 1}

        offers = (await http.get(url, headers=owner)).json()["offers"]
        assert len(offers) == 1
        accept = {"offer_id": offers[0]["id"], "sealed_key": crypto.seal_key(key, public)}
        statuses = await burst(http, "POST", f"{url}/accept", json=accept, headers=owner)
        assert statuses == {200: 1, 409: N - 1}


async def test_concurrent_saves_and_applications(server):
    base, path = server
    async with client(base) as http:
        admin_id, admin = await signup(http, "admin@example.org")
        with sqlite3.connect(path) as db:
            db.execute("UPDATE users SET is_admin = 1 WHERE id = ?", (admin_id,))
        job = {
            "source": "test",
            "external_id": "concurrency-1",
            "title": "Backend Engineer",
            "company": "Acme",
            "description": "Build APIs.",
            "required_skills": ["Python"],
        }
        created = await http.post("/api/v1/jobs", json=job, headers=admin)
        assert created.status_code == 201, created.text
        job_id = created.json()["id"]
        _, seeker = await signup(http, "seeker@example.org")
        # PUT is idempotent: every save answers 200 with the one saved row.
        statuses = await burst(http, "PUT", f"/api/v1/jobs/{job_id}/save", headers=seeker)
        assert statuses == {200: N}
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM saved_jobs").fetchone() == (1,)
        statuses = await burst(
            http, "POST", "/api/v1/applications", json={"job_id": job_id}, headers=seeker
        )
        assert statuses == {201: 1, 409: N - 1}
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM applications").fetchone() == (1,)
