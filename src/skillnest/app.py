"""The FastAPI application: routers, error handlers, security headers and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import orjson
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillnest import __version__
from skillnest.careers.jobs.search_cache import drain_announcements
from skillnest.core import hot, metrics
from skillnest.core.access import AccessMiddleware
from skillnest.core.cache import make_cache
from skillnest.core.cors import ListedOriginsCORS
from skillnest.core.db import Database
from skillnest.core.deps import PlatformDep
from skillnest.core.edge import LeanAPI
from skillnest.core.errors import Unauthorized, install_error_handlers
from skillnest.core.guard import RequestGuard
from skillnest.core.mail import drain_mail
from skillnest.core.openapi import install_docs
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import make_hub
from skillnest.core.responses import JSONBytes
from skillnest.core.storage import MEDIA_URL, MediaFiles
from skillnest.modules import MODULES, submodule
from skillnest.settings import Settings, get_settings
from skillnest.web import shell as web_shell

log = logging.getLogger("skillnest")

API_PREFIX = "/api/v1"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# The interactive docs load Swagger UI and ReDoc from the package itself (offline); their
# pages start them with an inline script, and ReDoc runs its search in a blob: worker.
DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    b"connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc", "/graphql")
# Pages: everything from this origin, nothing inline, no eval, never framed (Pico's form
# controls draw their arrows and ticks with data: SVG images).
PAGE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    b"frame-ancestors 'none'"
)
# Help pages seal and open requests with libsodium compiled to WebAssembly: they also allow
# compiling WebAssembly ('wasm-unsafe-eval'), which still forbids eval() of JavaScript.
HELP_PAGE_CSP = PAGE_CSP.replace(b"script-src 'self'", b"script-src 'self' 'wasm-unsafe-eval'")
API_PATHS = ("/api/", "/health", "/openapi.json")


def csp_for(path: str) -> bytes:
    """The Content-Security-Policy of a path: API, interactive docs, or pages."""
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP
    if path.startswith(API_PATHS):
        return API_CSP
    if path == "/help" or path.startswith("/help/"):
        return HELP_PAGE_CSP
    return PAGE_CSP


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task overhead) adding security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to every HTTP response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = csp_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                headers.append((b"content-security-policy", csp))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_platform(settings: Settings) -> Platform:
    """Connect the database, cache, pub/sub and rate limits described by the settings."""
    hub = make_hub(settings.redis_url)
    platform = Platform(
        settings=settings,
        db=Database(settings),
        cache=make_cache(settings.redis_url, hub),
        hub=hub,
        limiter=RateLimiter(settings.redis_url),
    )
    platform.db.positions = platform.cache  # write positions for read-your-writes
    return platform


async def close_platform(platform: Platform) -> None:
    """Release every connection the platform holds (mails still being sent go out first)."""
    await drain_mail()
    await drain_announcements()  # job changes retire cached searches before the cache closes
    await platform.cache.close()  # first: its eviction listener is a hub subscriber
    await platform.hub.close()
    await platform.limiter.close()
    await platform.db.dispose()


class HealthCheck:
    """Checks the database and cache at most once a second per process."""

    def __init__(self) -> None:
        self._checked_at = 0.0
        self._result: tuple[int, bytes] = (200, b"")
        self._lock = asyncio.Lock()

    async def __call__(self, platform: Platform) -> tuple[int, bytes]:
        """The status code and body of /health."""
        if time.monotonic() - self._checked_at < 1.0:
            return self._result
        async with self._lock:
            if time.monotonic() - self._checked_at >= 1.0:
                self._result = await self._check(platform)
                self._checked_at = time.monotonic()
        return self._result

    async def _check(self, platform: Platform) -> tuple[int, bytes]:
        revision = await platform.db.revision()
        database_ok = revision is not None
        cache_ok = await platform.cache.ping()
        cache_state = platform.cache.backend if cache_ok else "degraded"
        status = "ok" if database_ok and cache_ok else ("degraded" if database_ok else "down")
        body = Health(
            status=status,
            database=platform.db.dialect if database_ok else "down",
            cache=cache_state,
            version=__version__,
            revision=revision or None,
            replicas=await platform.db.replica_status() if platform.db.replicas else None,
        )
        return (200 if database_ok else 503), orjson.dumps(body.model_dump())


class Health(BaseModel):
    """What /health answers."""

    status: Literal["ok", "degraded", "down"] = Field(
        description="ok; degraded while the cache is unreachable; down without the database."
    )
    database: str = Field(description="The database dialect, or `down`.", examples=["sqlite"])
    cache: str = Field(description="`memory`, `redis`, or `degraded`.", examples=["memory"])
    version: str = Field(examples=[__version__])
    revision: str | None = Field(
        description="The database's migration revision (null when unmigrated or down).",
        examples=["0006_gauge"],
    )
    replicas: Any = Field(default=None, description="Read replicas and their lag, when any.")


def create_app(
    settings: Settings | None = None,
    platform: Platform | None = None,
    *,
    freeze_at_start: bool = False,
) -> FastAPI:
    """Build the API; tests pass their own settings or platform.

    ``freeze_at_start`` (``skillnest serve``'s workers, through ``skillnest.serving``): once
    started, the objects loaded so far leave the cyclic garbage collector's sight and the
    collector, off since the worker's first import, is turned back on (see the lifespan).
    """
    settings = settings or (platform.settings if platform else get_settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = platform is None
        app.state.platform = platform or build_platform(settings)
        if freeze_at_start:
            # Everything loaded so far (modules, routes, schemas, templates, the platform)
            # lives as long as the worker. A full collection walked all of it: 302,023
            # objects, 189 ms during which the worker answered nothing. Frozen, a collection
            # under load walks only what requests allocate. ``skillnest.serving`` turned the
            # collector off before the imports; it comes back on here. Not collected first:
            # a start-up with the collector off leaves about 2,700 unreachable objects, and
            # one collection over everything cost more than they weigh. Only a serving
            # process does this: in a test process it would keep every test's objects alive.
            gc.freeze()
            gc.enable()
        background: list[asyncio.Task[Any]] = []
        ops_service = submodule("ops", "service")
        if own and ops_service is not None and hasattr(ops_service, "maintenance_loop"):
            background.append(asyncio.create_task(ops_service.maintenance_loop(app.state.platform)))
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            if own:
                await close_platform(app.state.platform)
                metrics.worker_exited(os.getpid())

    app = LeanAPI(
        title="skillnest",
        version=__version__,
        summary="One open backend for skill platforms.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    if platform is not None:
        app.state.platform = platform
    install_error_handlers(app)
    if settings.cors_origins:
        # Added innermost first: access log (outermost) -> CORS -> security headers ->
        # request guard -> routes.
        app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
        app.add_middleware(SecurityHeaders)
        app.add_middleware(ListedOriginsCORS, allow_origins=settings.cors_origins)
        # Outermost: its duration covers CORS, the security headers and every handler.
        app.add_middleware(AccessMiddleware, access_log_enabled=settings.access_log)
    else:
        # The same three as one layer (core.edge), without FastAPI's outer layers.
        app.edge_options = {
            "max_body_bytes": settings.max_body_bytes,
            "access_log_enabled": settings.access_log,
            "security_headers": SECURITY_HEADERS,
            "csp_for": csp_for,
        }
    install_docs(app)

    health = HealthCheck()

    @app.get(
        "/health",
        tags=["ops"],
        response_model=Health,
        response_class=JSONBytes,
        responses={503: {"model": Health, "description": "The database does not answer."}},
    )
    async def read_health(platform: PlatformDep) -> JSONBytes:
        """Liveness and dependencies: 200 while the database answers (cache may be degraded).

        With replicas configured, each one is listed with its state and lag.
        """
        status_code, body = await health(platform)
        return JSONBytes(body, status_code=status_code)

    async def hot_health(request: Request) -> Response:
        """``/health`` without the dependency machinery (core.hot); the route above documents it."""
        status_code, body = await health(request.app.state.platform)
        return JSONBytes(body, status_code=status_code)

    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def read_metrics(request: Request) -> Response:
        """Prometheus text format; needs a bearer token if SKILLNEST_METRICS_TOKEN is set."""
        if not metrics.token_allows(metrics_token, request.headers.get("authorization")):
            raise Unauthorized("A valid metrics token is required.")
        db = request.app.state.platform.db
        if db.replicas:
            metrics.observe_replicas(await db.replica_status())
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    app.mount(MEDIA_URL, MediaFiles(directory=settings.media_dir, check_dir=False), name="media")
    hot_routes: dict[tuple[str, str], hot.HotEndpoint] = {("GET", "/health"): hot_health}
    for module in MODULES:
        api = submodule(module, "api")
        if api is not None and hasattr(api, "router"):
            app.include_router(api.router, prefix=API_PREFIX)
            for (method, path), endpoint in getattr(api, "HOT_ROUTES", {}).items():
                hot_routes[method, API_PREFIX + path] = endpoint
        extra = getattr(api, "mount", None) if api is not None else None
        if extra is not None:
            extra(app)  # e.g. GraphQL at /graphql
    hot.install(app, hot_routes)
    web_shell.install(app)  # the pages, after the API so /api/v1 stays the API's
    return app
