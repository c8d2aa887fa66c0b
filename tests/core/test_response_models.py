"""Routes that answer ready bytes must answer exactly their declared ``response_model``.

FastAPI checks a route's ``response_model`` only when the endpoint returns data; a route that
returns a ``Response`` (cached JSON bytes, ``json_response``, ``JSONBytes``) skips the check,
so its OpenAPI contract could drift from what it serves. This test walks ``app.routes``,
finds every such route in every module, calls it on real data (every module's demo data,
on both backends) and validates the body against the declared model: the same fields, no
more and no fewer, each of the declared type.

A route found here that the test does not know how to call fails the test: give it a
``Call`` in ``CALLS`` (or a resolver for its path parameter in ``PATH_VALUES``).
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient, Response
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse
from starlette.responses import Response as StarletteResponse

from skillnest.help import crypto
from skillnest.modules import MODULES, submodule
from tests.factories import Person, PersonFactory

DEMO_EMAIL = "demo@skillnest.dev"
# A body that the endpoint builds itself, outside FastAPI's serialisation.
READY_BYTES_SOURCE = re.compile(
    r"\b(json_response|JSONBytes|ORJSONResponse)\(|Response\(\s*content"
)


@dataclass(frozen=True)
class BytesRoute:
    """A route that serves a body FastAPI does not check against its model."""

    method: str
    path: str
    response_model: Any

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _returns_a_response(endpoint: Callable[..., Any]) -> bool:
    try:
        returned = typing.get_type_hints(endpoint).get("return")
    except (NameError, TypeError):
        returned = None
    return isinstance(returned, type) and issubclass(returned, StarletteResponse)


def ready_bytes_routes(app: FastAPI) -> Iterator[BytesRoute]:
    """Every route with a response model whose endpoint returns a Response of its own."""
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or route.response_model is None:
            continue
        response_class = getattr(route.response_class, "value", route.response_class)
        own_class = isinstance(response_class, type) and response_class is not JSONResponse
        source = inspect.getsource(route.endpoint)
        if own_class or _returns_a_response(route.endpoint) or READY_BYTES_SOURCE.search(source):
            for method in sorted(route.methods or ()):
                yield BytesRoute(method, route.path, route.response_model)


@dataclass
class World:
    """The data the calls use: signed-in people and ids read from the demo data."""

    client: AsyncClient
    session: AsyncSession
    demo: dict[str, str]
    admin: Person
    values: dict[str, Any] = field(default_factory=dict)

    async def scalar(self, sql: str, **params: Any) -> Any:
        value = await self.session.scalar(text(sql), params)
        assert value is not None, f"no demo data for: {sql}"
        return value


Call = Callable[[World], Awaitable[Response]]

# Path parameters of GET routes, by name, read from the demo data.
PATH_VALUES: dict[str, Callable[[World], Awaitable[Any]]] = {
    "skill_id": lambda w: w.scalar(
        "SELECT skill_id FROM skills WHERE is_active ORDER BY installs DESC, skill_id LIMIT 1"
    ),
    "package_name": lambda w: w.scalar(
        "SELECT p.name FROM packages AS p JOIN package_skill_mappings AS m ON m.package_id = p.id "
        "ORDER BY p.name LIMIT 1"
    ),
    "job_id": lambda w: w.scalar("SELECT min(id) FROM jobs"),
    "user_id": lambda w: w.scalar("SELECT id FROM users WHERE email = :e", e=DEMO_EMAIL),
    "chat_id": lambda w: w.scalar(
        "SELECT min(c.id) FROM chats AS c JOIN users AS u ON u.id IN (c.user1_id, c.user2_id) "
        "WHERE u.email = :e",
        e=DEMO_EMAIL,
    ),
}


async def _get(world: World, path: str, **params: Any) -> Response:
    return await world.client.get(path, params=params, headers=world.demo)


async def _suggest_twice(world: World, method: str) -> Response:
    """Anonymous twice (the second answer comes from the cache-first route), then signed in."""
    body = {"packages": ["react", "next", "pypi:numpy"], "installed_skills": [], "limit": 5}
    answers = []
    for headers in ({}, {}, world.demo):
        if method == "GET":
            params = {"packages": body["packages"], "limit": body["limit"]}
            answer = await world.client.get(
                "/api/v1/skills/suggest", params=params, headers=headers
            )
        else:
            answer = await world.client.post("/api/v1/skills/suggest", json=body, headers=headers)
        answers.append(answer)
    assert answers[0].content == answers[1].content  # the cached bytes are the same answer
    for answer in answers[:-1]:
        check_body(answer, CHECKED[f"{method} /api/v1/skills/suggest"])
    return answers[-1]


async def _apply(world: World) -> Response:
    job_id = await PATH_VALUES["job_id"](world)
    created = await world.client.post(
        "/api/v1/applications", json={"job_id": job_id, "status": "APPLIED"}, headers=world.demo
    )
    assert created.status_code == 201, created.text
    return await _get(world, "/api/v1/applications")


async def _some_skill(world: World) -> str:
    return str(await PATH_VALUES["skill_id"](world))


async def _patch_skill(world: World) -> Response:
    skill = await _some_skill(world)
    return await world.client.patch(
        f"/api/v1/skills/{skill}", json={"description": "Checked."}, headers=world.admin.headers
    )


async def _put_mapping(world: World) -> Response:
    skill = await _some_skill(world)
    return await world.client.put(
        f"/api/v1/skills/{skill}/packages/left-pad",
        json={"ecosystem": "npm", "confidence_score": 0.5},
        headers=world.admin.headers,
    )


async def _track(world: World) -> Response:
    skill = await _some_skill(world)
    return await world.client.post(
        "/api/v1/analytics/track",
        json={"event_type": "viewed", "skill_id": skill, "package_id": "react"},
        headers=world.demo,
    )


async def _preference(world: World, method: str) -> Response:
    skill = await _some_skill(world)
    path = f"/api/v1/me/skill-preferences/{skill}"
    if method == "PUT":
        return await world.client.put(path, json={"is_enabled": False}, headers=world.demo)
    await world.client.put(path, json={"is_enabled": False}, headers=world.demo)
    return await _get(world, path)


async def _preferences(world: World) -> Response:
    await _preference(world, "PUT")
    return await _get(world, "/api/v1/me/skill-preferences")


async def _feed(world: World) -> Response:
    for urgency in (2, 5):
        body = {
            "skill_tags": ["Python"],
            "urgency_level": urgency,
            "encrypted_request": crypto.encrypt_request(crypto.new_request_key(), "Base cases?"),
            "title": f"Checked {urgency}",
        }
        made = await world.client.post(
            "/api/v1/help/requests", json=body, headers=world.admin.headers
        )
        assert made.status_code == 201, made.text
    first = await _get(world, "/api/v1/help/feed", limit=1)
    check_body(first, CHECKED["GET /api/v1/help/feed"])
    assert first.json()["next_offset"] == 1
    return await _get(world, "/api/v1/help/feed", limit=1, offset=1)


# Routes whose call needs a body, data made first, or more than one call.
CALLS: dict[str, Call] = {
    "GET /api/v1/skills/suggest": lambda w: _suggest_twice(w, "GET"),
    "POST /api/v1/skills/suggest": lambda w: _suggest_twice(w, "POST"),
    "POST /api/v1/skills/bulk-suggest": lambda w: w.client.post(
        "/api/v1/skills/bulk-suggest", json={"packages": ["react", "pypi:numpy"]}
    ),
    "GET /api/v1/skills": lambda w: _get(w, "/api/v1/skills", tag="react", limit=3),
    "PATCH /api/v1/skills/{skill_id}": _patch_skill,
    "PUT /api/v1/skills/{skill_id}/packages/{package_name:path}": _put_mapping,
    "POST /api/v1/analytics/track": _track,
    "GET /api/v1/me/skill-preferences": _preferences,
    "GET /api/v1/me/skill-preferences/{skill_id}": lambda w: _preference(w, "GET"),
    "PUT /api/v1/me/skill-preferences/{skill_id}": lambda w: _preference(w, "PUT"),
    "GET /api/v1/applications": _apply,
    "GET /api/v1/help/feed": _feed,
}
CHECKED: dict[str, Any] = {}

PATH_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


async def call_route(world: World, route: BytesRoute) -> Response:
    """Call a route the way its recipe says, or a GET with path values from the demo data."""
    if route.key in CALLS:
        return await CALLS[route.key](world)
    names = PATH_PARAMETER.findall(route.path)
    missing = [name for name in names if name not in PATH_VALUES]
    if route.method != "GET" or missing:
        pytest.fail(f"{route.key} returns ready bytes; add a way to call it to CALLS")
    path = route.path
    for name in names:
        value = await PATH_VALUES[name](world)
        path = PATH_PARAMETER.sub(lambda m, n=name, v=value: str(v) if m[1] == n else m[0], path)
    return await _get(world, path)


def _shape(value: Any) -> Any:
    """The keys of every object in a JSON document (values left out)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return None


def check_body(response: Response, route: BytesRoute) -> None:
    """The body validates against the model and holds exactly the fields the model writes."""
    assert 200 <= response.status_code < 300, f"{route.key}: {response.text}"
    assert response.headers["content-type"].startswith("application/json"), route.key
    adapter: TypeAdapter[Any] = TypeAdapter(route.response_model)
    parsed = adapter.validate_json(response.content)
    expected = adapter.dump_python(parsed, mode="json")
    assert _shape(orjson.loads(response.content)) == _shape(expected), route.key


async def load_demo_data(session: AsyncSession) -> None:
    """Every module's demo data, as ``skillnest demo load`` makes it, in the test transaction."""
    for module in MODULES:
        service = submodule(module, "service")
        loader = getattr(service, "load_demo", None) if service else None
        if loader is not None and module not in ("ops", "catalog"):
            await loader(session=session)
    # The catalog without its 35k-package lists (which no route here needs): much faster.
    from skillnest.catalog import importer
    from skillnest.catalog import service as catalog

    await catalog.import_catalog(
        session=session, data=importer.read_catalog(include_package_lists=False)
    )


def test_the_walk_finds_the_ready_bytes_routes(app):
    """The discovery itself: known ready-bytes routes of several modules are found."""
    found = {route.key for route in ready_bytes_routes(app)}
    assert {"GET /api/v1/me", "GET /api/v1/help/feed", "GET /api/v1/catalog/snapshot"} <= found
    assert "GET /api/v1/matches" not in found  # returns a model: FastAPI checks it


async def test_every_ready_bytes_route_answers_its_response_model(
    client: AsyncClient, session: AsyncSession, app, person: PersonFactory
):
    await load_demo_data(session)
    await session.flush()
    login = await client.post(
        "/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": "skillnest-demo"}
    )
    assert login.status_code == 200, login.text
    demo = {"Authorization": f"Bearer {login.json()['token']}"}
    world = World(client=client, session=session, demo=demo, admin=await person(is_admin=True))
    routes = list(ready_bytes_routes(app))
    CHECKED.update({route.key: route for route in routes})
    assert len(routes) >= 3
    for route in routes:
        check_body(await call_route(world, route), route)
        # A second call is served from the cache wherever the route caches.
        if route.method == "GET" and route.key not in CALLS:
            check_body(await call_route(world, route), route)
