"""The access middleware: request id, one access log line and the request metrics.

Pure ASGI (no per-request task or body buffering): it wraps ``send`` to read the status and
add ``X-Request-ID``, and once the response is over logs and counts it under the route
template (``/api/v1/chats/{chat_id}``), never the raw path or query string.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillnest.core import logs, metrics

access_log = logging.getLogger("skillnest.access")
REQUEST_ID_HEADER = b"x-request-id"
# An id from a proxy is kept only if it is short and plain (it ends up in logs and headers).
REQUEST_ID_RE = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "<unmatched>"

# Random bytes for new request ids, read from the OS 256 ids at a time: ``uuid.uuid4()`` makes
# one ``urandom`` system call per request, which costs more than the rest of the id.
_ID_BYTES = 16
_ID_BATCH = 256
_random_lock = threading.Lock()
_buffer = b""
_at = 0


def _forget_random() -> None:
    global _buffer, _at
    _buffer, _at = b"", 0


# A forked child must not hand out the ids its parent still holds.
os.register_at_fork(after_in_child=_forget_random)


def new_request_id() -> str:
    """A random UUID (version 4) as 32 hex digits, what ``uuid.uuid4().hex`` gives."""
    global _buffer, _at
    with _random_lock:
        if _at >= len(_buffer):
            _buffer, _at = os.urandom(_ID_BYTES * _ID_BATCH), 0
        raw = bytearray(_buffer[_at : _at + _ID_BYTES])
        _at += _ID_BYTES
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` if well-formed, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            if REQUEST_ID_RE.match(value):
                return value.decode()
            break
    return new_request_id()


def route_template(scope: Scope) -> str:
    """The path template of the route that answered, prefix included.

    FastAPI keeps an included router's routes under their own path (``/chats/{chat_id}``) and
    records the full one (``/api/v1/chats/{chat_id}``) in its per-request context; app-level
    routes carry it on ``scope["route"]``.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(context, "path_format", None)
    if not path:
        route = scope.get("route")
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class AccessMiddleware:
    """Request id in and out, then one access line and the request metrics per request."""

    def __init__(self, app: ASGIApp, *, access_log_enabled: bool = True) -> None:
        self.app = app
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then log and count it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = RequestTrace(scope)
        status = 500
        streaming = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append(trace.header)
                message["headers"] = headers
                streaming = is_event_stream(headers)
                if streaming:
                    metrics.SSE_STREAMS.inc()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if streaming:
                metrics.SSE_STREAMS.dec()
            trace.finish(scope, status, self.access_log_enabled)


class RequestTrace:
    """One request's id (and its response header), log slot and log binding, and its clock."""

    __slots__ = ("header", "request_id", "slot", "started", "tokens")

    def __init__(self, scope: Scope) -> None:
        self.started = time.perf_counter()
        self.request_id = request_id_of(scope)
        self.header = (REQUEST_ID_HEADER, self.request_id.encode())
        self.slot = logs.start_request()
        self.tokens = structlog.contextvars.bind_contextvars(request_id=self.request_id)

    def finish(self, scope: Scope, status: int, access_log_enabled: bool) -> None:
        """Count the finished request, write its access line, and unbind its log fields."""
        seconds = time.perf_counter() - self.started
        record_request(scope, status, seconds, self.request_id, self.slot, access_log_enabled)
        structlog.contextvars.reset_contextvars(**self.tokens)


def is_event_stream(headers: Any) -> bool:
    """Whether response headers announce server-sent events (counted as open streams)."""
    return any(
        name == b"content-type" and value.startswith(b"text/event-stream")
        for name, value in headers
    )


def record_request(
    scope: Scope,
    status: int,
    seconds: float,
    request_id: str,
    slot: dict[str, Any],
    access_log_enabled: bool,
) -> None:
    """Count a finished request under its route template and write its access line."""
    route = route_template(scope)
    metrics.observe_request(scope["method"], route, status, seconds)
    if access_log_enabled and access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "%s %s %s %.1f ms",
            scope["method"],
            route,
            status,
            seconds * 1000,
            extra={
                "request_id": request_id,
                "method": scope["method"],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "user_id": slot["user_id"],
            },
        )
