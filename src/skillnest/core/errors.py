"""Domain errors and their RFC 9457 ``application/problem+json`` rendering."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

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


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = HTTP_TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = None
    return problem_response(exc.status_code, title, detail, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
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


def _is_outage(exc: Exception) -> bool:
    """A lost or refused server connection (SQLite's own errors are not outages)."""
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or (
        type(exc.orig).__module__.startswith("psycopg") and isinstance(exc, OperationalError)
    )


async def _database_error(request: Request, exc: Exception) -> Response:
    # A lost or refused database connection is an outage, not a bug: 503, so that a proxy
    # retries an idempotent request on another server and clients know to come back.
    if not _is_outage(exc):
        return await _unexpected_error(request, exc)
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return problem_response(
        503,
        "Service unavailable",
        "The database is unavailable; retry shortly.",
        code="unavailable",
        headers={"Retry-After": "1"},
    )


async def _unexpected_error(_: Request, exc: Exception) -> Response:
    # Log the details; never hand a stack trace or SQL to the client.
    log.error("unhandled error", exc_info=exc)
    return problem_response(500, "Internal server error", "Something went wrong on our side.")


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json response."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(InterfaceError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
