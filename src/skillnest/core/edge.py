"""The request edge: access log, security headers and request guard as one pure ASGI layer.

Every request used to cross three middlewares of ours (``core.access``, the security headers,
``core.guard``), each wrapping ``send`` again, plus FastAPI's own outer layers. ``Edge`` does
the same work in one pass with one ``send`` wrapper: the guard's checks first, then the
response start gets the security headers, the Content-Security-Policy of its path and the
request id (in that order, as the three layers added them), and once the response is over
one access line and the request metrics. Everything that can be built once is built once.

``HotDispatch`` sends the requests of the hot routes (``core.hot``) straight to their lean
endpoint by a dictionary lookup, instead of trying the router's routes one regex at a time.

``LeanAPI`` is FastAPI with that stack: ``Edge`` -> FastAPI's exception middleware ->
``HotDispatch`` -> FastAPI's exit-stack middleware -> the router. It leaves out FastAPI's
outer layers, whose work ``Edge`` already does (the 500 answer) or skillnest does not use
(FastAPI's native OpenTelemetry hooks; its own body limit, off unless ``max_body_size`` is
given). With CORS configured, or anything else added, it builds FastAPI's usual stack.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillnest.core import metrics
from skillnest.core.access import RequestTrace, is_event_stream
from skillnest.core.guard import RequestGuard, answer_500
from skillnest.core.hot import DECLINED, HotRoute


class Edge:
    """Request guard, security headers, request id, access line and metrics in one layer."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        access_log_enabled: bool = True,
        security_headers: list[tuple[bytes, bytes]],
        csp_for: Any,
    ) -> None:
        self.app = app
        self.guard = RequestGuard(app, max_body_bytes=max_body_bytes)
        self.access_log_enabled = access_log_enabled
        self.csp_for = csp_for
        # The headers each policy adds, built once per policy (there are a handful).
        self._extra: dict[bytes, tuple[tuple[bytes, bytes], ...]] = {}
        self._security_headers = tuple(security_headers)

    def _headers_for(self, path: str) -> tuple[tuple[bytes, bytes], ...]:
        csp = self.csp_for(path)
        extra = self._extra.get(csp)
        if extra is None:
            extra = self._extra[csp] = (*self._security_headers, (b"content-security-policy", csp))
        return extra

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, serve it with the headers added, then log and count it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = RequestTrace(scope)
        added = self._headers_for(scope["path"])  # the path as it came in, before routing
        status = 500
        streaming = False
        response_started = False

        async def edge_send(message: Message) -> None:
            nonlocal status, streaming, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = message.get("headers", ())
                streaming = is_event_stream(headers)
                message["headers"] = [*headers, *added, trace.header]
                if streaming:
                    metrics.SSE_STREAMS.inc()
            await send(message)

        try:
            try:
                early, receive = await self.guard.screen(scope, receive)
                await (early or self.app)(scope, receive, edge_send)
            except Exception as exc:
                if response_started:
                    raise  # half a response was sent: only closing the connection is honest
                await answer_500(scope, exc)(scope, receive, edge_send)
        finally:
            if streaming:
                metrics.SSE_STREAMS.dec()
            trace.finish(scope, status, self.access_log_enabled)


class HotDispatch:
    """Hand a hot route's request to its lean endpoint without walking the router."""

    def __init__(self, app: ASGIApp, routes: list[HotRoute]) -> None:
        self.app = app
        self.exact: dict[tuple[str, str], HotRoute] = {}
        self.prefixed: list[tuple[str, str, HotRoute]] = []
        for route in routes:
            method = next(iter(route.methods))
            if "{" in route.path:
                self.prefixed.append((method, route.path.split("{", 1)[0], route))
            else:
                self.exact[method, route.path] = route

    def _find(self, scope: Scope) -> HotRoute | None:
        path, method = scope["path"], scope["method"]
        route = self.exact.get((method, path))
        if route is not None:
            return route
        for route_method, prefix, candidate in self.prefixed:
            if method == route_method and path.startswith(prefix):
                return candidate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer with the lean endpoint, or pass the request on to the router."""
        plain = scope["type"] == "http" and not scope.get("root_path")
        route = self._find(scope) if plain else None
        if route is None:
            await self.app(scope, receive, send)
            return
        if route.param_convertors:
            match, child_scope = route.matches(scope)
            if match is not Match.FULL:
                await self.app(scope, receive, send)
                return
            scope.update(child_scope)
        else:  # what Route.matches gives for a path without parameters, without its regex
            scope.update(
                endpoint=route.endpoint,
                path_params=dict(scope.get("path_params", {})),
                route=route,
            )
        response = await route.hot(Request(scope, receive, send))
        if response is None:
            scope[DECLINED] = True  # the router now matches past the hot routes
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)


class LeanAPI(FastAPI):
    """FastAPI whose middleware stack is ``Edge`` and the layers a route needs (module doc)."""

    edge_options: dict[str, Any] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        """``Edge`` -> exceptions -> hot dispatch -> exit stack -> router, when it applies."""
        if self.edge_options is None or self.user_middleware or self.max_body_size is not None:
            return super().build_middleware_stack()
        handlers = {k: v for k, v in self.exception_handlers.items() if k not in (500, Exception)}
        hot = [route for route in self.router.routes if isinstance(route, HotRoute)]
        app: ASGIApp = AsyncExitStackMiddleware(self.router)
        app = HotDispatch(app, hot)
        app = ExceptionMiddleware(app, handlers=handlers, debug=self.debug)
        return Edge(app, **self.edge_options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HTTP straight into the lean stack; everything else as FastAPI does it."""
        if scope["type"] != "http" or self.edge_options is None or self.root_path:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        await self.middleware_stack(scope, receive, send)
