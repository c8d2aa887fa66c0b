"""Hot routes: plain Starlette endpoints answering in front of their documented FastAPI routes.

A few routes (``/health``, ``GET /api/v1/me``, ``GET /api/v1/users/{user_id}``) are asked far
more often than the rest, and FastAPI's dependency solving costs more than their own work.
Each is answered by a lean endpoint placed before the FastAPI route of the same path and
method. The FastAPI route stays where it was: it documents the route in OpenAPI, and it
answers every request the lean endpoint hands back by returning None (input it does not
parse itself, deployments with read replicas), so both give the same answers.

The app's ``core.edge.HotDispatch`` finds these routes by a dictionary lookup before the
router; the router keeps them too, for the requests the lookup leaves to it.

A lean endpoint goes through the same service functions and the same unit of work as its
route (``Database.lazy_unit_of_work``, or ``Database.read_connection`` for one-statement
reads); exceptions reach the app's error handlers as any route's do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

HotEndpoint = Callable[[Request], Awaitable[Response | None]]


# Set on a request a lean endpoint handed back: the router then matches it past the hot routes.
DECLINED = "skillnest.hot_declined"


class HotRoute(Route):
    """A lean endpoint for one documented route; None from it means: let the route answer."""

    def __init__(self, method: str, path: str, endpoint: HotEndpoint) -> None:
        super().__init__(path, endpoint, methods=[method], include_in_schema=False)
        # Starlette adds HEAD to a GET route; the documented route answers HEAD with 405.
        self.methods: set[str] = {method}
        self.hot = endpoint

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match like a Starlette route and name itself as the route (for access logs)."""
        if scope.get(DECLINED):
            return Match.NONE, {}
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer with the lean endpoint, or hand the request on to the documented route."""
        if scope["method"] not in (self.methods or ()):
            await super().handle(scope, receive, send)
            return
        request = Request(scope, receive, send)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await self.hot(request)
            if response is None:
                scope[DECLINED] = True
                await scope["router"](scope, receive, send)
            else:
                await response(scope, receive, send)

        await wrap_app_handling_exceptions(app, request)(scope, receive, send)


def install(app: FastAPI, routes: dict[tuple[str, str], HotEndpoint]) -> None:
    """Put a lean endpoint in front of the documented route of each ``(method, full path)``.

    The documented route must exist (``tests/core/test_openapi.py`` lists every route): it
    is the OpenAPI entry and answers what the lean endpoint hands back.
    """
    for (method, path), endpoint in routes.items():
        app.router.routes.insert(0, HotRoute(method, path, endpoint))


def plain_id(text: Any, maximum: int) -> int | None:
    """An id written as plain ASCII digits within 1..maximum, else None (the route decides)."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 20:
        return None
    value = int(text)
    return value if 1 <= value <= maximum else None
