"""Domain errors and their RFC 9457 ``application/problem+json`` rendering."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from psycopg_pool import PoolTimeout
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path

log = logging.getLogger("skillnest.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://skillnest.dev/problems/"


class DomainError(Exception):
    """A rule of the platform was broken; services raise these, never HTTP errors."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class BadRequest(DomainError):
    """The request makes no sense as a whole (beyond field validation)."""


class Unauthorized(DomainError):
    """No valid credentials."""

    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    """Authenticated, but not allowed."""

    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    """Missing, or not yours: both answer the same so existence is never revealed."""

    status, code, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    """The change clashes with the current state."""

    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(DomainError):
    """The body is bigger than the route accepts."""

    status, code, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(DomainError):
    """The uploaded content is not of a type the route accepts."""

    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class ServiceUnavailable(DomainError):
    """Something the request needs (a library, a server) is not available right now."""

    status, code, title = 503, "service-unavailable", "Service unavailable"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` says how many seconds to wait."""

    status, code, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60):
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


@asynccontextmanager
async def conflict_on_integrity(session: AsyncSession, detail: str) -> AsyncIterator[None]:
    """Run the block in a savepoint; a unique or foreign-key violation becomes ``Conflict``.

    The savepoint keeps the rest of the unit of work usable after the violation, so the
    caller's transaction is not lost when a concurrent request won the race.
    """
    try:
        async with session.begin_nested():
            yield
    except IntegrityError as exc:
        raise Conflict(detail) from exc


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build an RFC 9457 problem document response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (code or str(status)),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


HTTP_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    503: "Service unavailable",
    422: "Validation failed",
    429: "Too many requests",
}


async def _domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    return problem_response(
        exc.status, exc.title, exc.detail, code=exc.code, headers=headers, **exc.extra
    )


def resource_methods(request: Request) -> tuple[str | None, set[str]]:
    """The route template this path names, and every method it answers.

    When several templates match, the most specific one (fewest parameters) names the
    resource: ``/applications/stats`` is not also ``/applications/{application_id}``.
    """
    path = request.scope["path"]
    templates: dict[str, set[str]] = {}
    for context in iter_route_contexts(request.app.router.routes):
        template = getattr(context, "path_format", None)
        route_methods = getattr(context, "methods", None)
        if template and route_methods and _path_regex(template).match(path):
            templates.setdefault(template, set()).update(route_methods)
    if not templates:
        return None, set()
    owner = min(templates, key=lambda t: t.count("{"))
    return owner, templates[owner]


def allowed_methods(request: Request) -> str:
    """The ``Allow`` header of a 405: every method of the resource, not one route's."""
    return ", ".join(sorted(resource_methods(request)[1]))


def _method_not_allowed(request: Request) -> Response | None:
    """405 when a path parameter failed only because the path names another resource.

    ``DELETE /applications/stats`` reaches ``DELETE /applications/{application_id}`` and
    fails on the id, but the path names the ``stats`` resource, which has no DELETE.
    """
    owner, methods = resource_methods(request)
    if owner is None or request.method in methods or "{" in owner:
        return None
    return problem_response(
        405, "Method not allowed", headers={"Allow": ", ".join(sorted(methods))}
    )


@lru_cache(maxsize=1024)
def _path_regex(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = HTTP_TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    return problem_response(exc.status_code, title, detail, headers=headers or None)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if exc.errors() and all(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
        wrong_resource = _method_not_allowed(request)
        if wrong_resource is not None:
            return wrong_resource
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return problem_response(
        422,
        "Validation failed",
        "The request did not match the expected shape.",
        code="validation",
        errors=errors,
    )


# Seconds a client should wait after a 503 before retrying.
RETRY_AFTER_OUTAGE = 1
# Errors that say the database cannot be reached right now, not that the request is wrong.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # no pooled connection became free in time
    psycopg.OperationalError,
    psycopg.InterfaceError,
    PoolTimeout,
)


def database_unavailable() -> Response:
    """503 problem+json telling the client to retry shortly."""
    return problem_response(
        503,
        "Service unavailable",
        "The database is unavailable; retry shortly.",
        code="unavailable",
        headers={"Retry-After": str(RETRY_AFTER_OUTAGE)},
    )


async def _unavailable(_: Request, exc: Exception) -> Response:
    # One line per failed request: an outage would otherwise flood the log with tracebacks.
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    log.warning("database unavailable (503): %s: %s", type(exc).__name__, reason)
    return database_unavailable()


async def _database_error(request: Request, exc: Exception) -> Response:
    """Database errors no service turned into a domain error."""
    assert isinstance(exc, sa_exc.DBAPIError)
    unavailable = isinstance(exc, UNAVAILABLE_ERRORS) or isinstance(exc.orig, UNAVAILABLE_ERRORS)
    if unavailable or exc.connection_invalidated:
        return await _unavailable(request, exc)
    if isinstance(exc, sa_exc.IntegrityError):
        # A concurrent request made the same change first (a race past the service's check).
        return problem_response(
            409, "Conflict", "The change clashes with the current state.", code="conflict"
        )
    if isinstance(exc, sa_exc.DataError):
        return _value_out_of_range()
    # Anything else is a defect: the outermost guard logs it and answers 500.
    raise exc


def _value_out_of_range() -> Response:
    return problem_response(
        422,
        "Validation failed",
        "A value is out of the range or the character set the database can store.",
        code="validation",
        errors=[],
    )


async def _overflow(_: Request, exc: Exception) -> Response:
    # SQLite's driver refuses integers beyond 64 bits before the query runs.
    log.warning("value out of range: %s", exc)
    return _value_out_of_range()


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json response.

    Errors nothing here handles are answered by ``core.guard.RequestGuard`` through the
    ``Exception`` handler (500).
    """
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)
    for error in UNAVAILABLE_ERRORS:
        if not issubclass(error, sa_exc.DBAPIError):
            app.add_exception_handler(error, _unavailable)
    app.add_exception_handler(OverflowError, _overflow)
    # Called by core.guard.RequestGuard (not Starlette's outermost handler, which would close
    # the connection); kept in the handler table so other layers (pages) can wrap it.
    app.add_exception_handler(Exception, unexpected_error)


async def unexpected_error(_: Request, exc: Exception) -> Response:
    """500 problem+json for an error nothing else handled; the details go to the log only."""
    log.error("unhandled error", exc_info=exc)
    return problem_response(500, "Internal server error", "Something went wrong on our side.")
