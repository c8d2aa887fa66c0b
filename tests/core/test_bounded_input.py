"""Out-of-range input is a 422 problem document, never a 500 or a database error.

Integer ids are 32-bit columns: 2**31 cannot exist, and sending it to PostgreSQL would be an
"integer out of range" error. Every route with an integer path parameter is found by
walking ``app.routes`` and called with 2**31 there; ids in bodies and ``null`` for NOT NULL
columns are checked route by route.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient, Response

from tests.factories import Person, PersonFactory

TOO_BIG = 2**31
PROBLEM = "application/problem+json"
# The modules whose routes this walk holds to the bound (the others join as they adopt
# core.pages.PathId).
BOUNDED_MODULES = ("skillnest.exchange.", "skillnest.help.", "skillnest.accounts.")
PATH_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


def int_path_routes(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(method, path, parameter) for every integer path parameter of the bounded modules' API."""
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.path.startswith("/api/"):
            continue
        if not route.endpoint.__module__.startswith(BOUNDED_MODULES):
            continue
        for param in route.dependant.path_params:
            if param.field_info.annotation is int:
                for method in sorted(route.methods or ()):
                    yield method, route.path, param.name


def fill(path: str, too_big: str) -> str:
    """The path with 2**31 for one parameter and harmless values for the others."""

    def value(match: re.Match[str]) -> str:
        if match[1] == too_big:
            return str(TOO_BIG)
        return str(uuid.uuid4()) if "request" in match[1] else "1"

    return PATH_PARAMETER.sub(value, path)


def assert_refused(response: Response, loc: list[Any]) -> None:
    """A 422 problem document that names the offending field."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert loc in [error["loc"] for error in response.json()["errors"]], response.text


async def test_every_integer_path_id_is_bounded(app, client: AsyncClient, person: PersonFactory):
    admin: Person = await person(is_admin=True)
    checked = 0
    for method, path, name in int_path_routes(app):
        response = await client.request(method, fill(path, name), headers=admin.headers, json={})
        assert_refused(response, ["path", name])
        checked += 1
    assert checked >= 6  # chats, messages, read, ratings, profiles, verifications


async def test_ids_in_bodies_and_queries_are_bounded(client: AsyncClient, person: PersonFactory):
    me: Person = await person()
    cases: list[tuple[str, str, dict[str, Any], list[Any]]] = [
        ("POST", "/api/v1/chats", {"user_id": TOO_BIG}, ["body", "user_id"]),
        ("POST", "/api/v1/ratings", {"chat_id": TOO_BIG, "rating": 5}, ["body", "chat_id"]),
        (
            "POST",
            "/api/v1/help/verifications",
            {"user_id": TOO_BIG, "skill_name": "Python", "verification_type": "peer", "score": 80},
            ["body", "user_id"],
        ),
    ]
    for method, path, body, loc in cases:
        assert_refused(await client.request(method, path, json=body, headers=me.headers), loc)
    for path in ("/api/v1/users/1/ratings", "/api/v1/chats/1/messages"):
        response = await client.get(path, params={"cursor": TOO_BIG}, headers=me.headers)
        assert_refused(response, ["query", "cursor"])
    for query in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        response = await client.get("/api/v1/help/mine", params=query, headers=me.headers)
        assert_refused(response, ["query", next(iter(query))])


async def test_null_for_a_not_null_column_is_refused(client: AsyncClient, person: PersonFactory):
    me: Person = await person()
    response = await client.patch("/api/v1/me", json={"name": None}, headers=me.headers)
    assert_refused(response, ["body", "name"])
    before = (await client.get("/api/v1/me", headers=me.headers)).json()
    assert before["name"] and before["name"] == me.name
    status = await client.patch(
        f"/api/v1/help/requests/{uuid.uuid4()}/status", json={"status": None}, headers=me.headers
    )
    assert_refused(status, ["body", "status"])


async def test_bodies_take_what_their_schema_says_and_nothing_looser(
    client: AsyncClient, person: PersonFactory
):
    me: Person = await person()
    document = (await client.get("/openapi.json")).json()
    name = document["components"]["schemas"]["ProfileUpdate"]["properties"]["name"]
    assert "anyOf" not in name and name["type"] == "string" and name["pattern"] == r"\S"
    skills = "/api/v1/me/career/skills"
    # JSON Schema counts 3.0 as an integer: accepted, stored as 3.
    whole = await client.post(
        skills, json={"name": "Go", "proficiency_level": 3.0}, headers=me.headers
    )
    assert whole.status_code == 201 and whole.json()["proficiency_level"] == 3, whole.text
    for field, value in [
        ("proficiency_level", True),
        ("proficiency_level", "3"),
        ("years_of_experience", "2"),
        ("last_used", 0),
        ("name", "   "),
    ]:
        body = {"name": "Rust", "proficiency_level": 2, field: value}
        assert_refused(await client.post(skills, json=body, headers=me.headers), ["body", field])
    # A static sibling of /applications/{id} answers 405 to the methods it lacks.
    stats = await client.patch("/api/v1/applications/stats", json={}, headers=me.headers)
    assert stats.status_code == 405 and "GET" in stats.headers["allow"]
