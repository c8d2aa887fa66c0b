"""Request guards every route shares, as one pure ASGI middleware (no per-request task).

- Bodies are capped (``Content-Length`` up front, then while reading): 413 problem+json.
- NUL characters and lone UTF-16 surrogates are refused in the path, the query string and
  JSON or form bodies: 422 problem+json naming the field. PostgreSQL cannot store NUL in text
  and no encoder can write a lone surrogate, so such input could only fail later as a 500.
  The body check is a byte scan; a body is parsed only when the scan finds a candidate.
- Any error nothing else handled answers 500 problem+json and the connection stays open
  (Starlette's outermost handler would answer, then re-raise, and the server would close it).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillnest.core.errors import problem_response

log = logging.getLogger("skillnest.errors")

# A NUL or a surrogate code point: never valid text to store or encode.
BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# Raw bytes that may encode one: a NUL byte, a JSON \u0000 escape, a \uD800-\uDFFF escape,
# a percent-encoded NUL (form bodies). Valid surrogate pairs also match: they are then parsed
# and found clean, which costs one parse of an unusual body.
SUSPECT_BYTES = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]|%00")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bad_strings(value: Any, loc: list[str | int]) -> Iterator[list[str | int]]:
    """Locations of strings (keys included) holding a NUL or a lone surrogate."""
    if isinstance(value, str):
        if BAD_CHARACTER.search(value):
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if BAD_CHARACTER.search(key):
                yield [*loc, key.encode("utf-8", "backslashreplace").decode()]
            yield from _bad_strings(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_strings(item, [*loc, index])


def _safe_loc(loc: list[str | int]) -> list[str | int]:
    """The location with any bad character escaped, so the answer itself can be encoded."""
    return [
        BAD_CHARACTER.sub(lambda m: f"\\u{ord(m.group()):04x}", part)
        if isinstance(part, str)
        else part
        for part in loc
    ]


def _invalid_text(locations: list[list[str | int]]) -> Any:
    errors = [
        {
            "loc": _safe_loc(loc),
            "msg": "Text may not contain NUL characters or lone surrogates.",
            "type": "string_invalid_character",
        }
        for loc in locations[:20]
    ]
    return problem_response(
        422,
        "Validation failed",
        "The request did not match the expected shape.",
        code="validation",
        errors=errors,
    )


def _query_problems(query_string: bytes) -> list[list[str | int]]:
    if b"%00" not in query_string and b"%ed" not in query_string.lower():
        return []
    pairs = parse_qsl(
        query_string.decode("latin-1"), keep_blank_values=True, errors="surrogateescape"
    )
    return [
        ["query", BAD_CHARACTER.sub("?", name)]
        for name, value in pairs
        if BAD_CHARACTER.search(name) or BAD_CHARACTER.search(value)
    ]


def _body_problems(body: bytes, content_type: str) -> list[list[str | int]]:
    if not SUSPECT_BYTES.search(body):
        return []
    if "json" in content_type:
        try:
            document = json.loads(body)
        except ValueError:
            return []  # not JSON: the route's own validation answers
        return list(_bad_strings(document, ["body"]))
    if "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, errors="surrogateescape")
        return [["body", n] for n, v in pairs if BAD_CHARACTER.search(n + v)]
    return []


class RequestGuard:
    """Body size cap, NUL/surrogate refusal and a keep-alive-safe 500, for every HTTP request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then run the app with the body replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        early, receive = await self.screen(scope, receive)
        if early is not None:
            await early(scope, receive, send)
            return
        await self._run(scope, receive, send)

    async def screen(self, scope: Scope, receive: Receive) -> tuple[ASGIApp | None, Receive]:
        """The answer refusing the request (None if it passes) and the receive to serve it with.

        A body is read whole here; the receive handed back replays it.
        """
        path = scope["path"]
        query = scope.get("query_string", b"")
        # An ASCII path without NUL needs no regex; an empty query string no parsing.
        suspect = "\x00" in path or not path.isascii()
        problems: list[list[str | int]] = (
            [["path"]] if suspect and BAD_CHARACTER.search(path) else []
        )
        if query:
            problems += _query_problems(query)
        if problems:
            return _invalid_text(problems), receive
        if scope["method"] in BODY_METHODS:
            body = await self._read_body(scope, receive)
            if body is None:
                return self._too_large, receive
            headers = dict(scope["headers"])
            content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
            problems = _body_problems(body, content_type)
            if problems:
                return _invalid_text(problems), receive
            receive = _replay(body, receive)
        return None, receive

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None when it is (or says it is) over the cap."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    if int(value) > self.max_body_bytes:
                        return None
                except ValueError:
                    pass
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "Payload too large",
            f"The request body is larger than {self.max_body_bytes} bytes.",
            code="payload-too-large",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise  # half a response was sent: only closing the connection is honest
            await answer_500(scope, exc)(scope, receive, send)


def answer_500(scope: Scope, exc: Exception) -> Any:
    """The app's own answer to an unhandled error (its ``Exception`` handler), else a problem."""
    app = scope.get("app")
    handler = getattr(app, "exception_handlers", {}).get(Exception)
    if handler is None:
        # Log the details; never hand a stack trace or SQL to the client.
        log.error("unhandled error", exc_info=exc)
        return problem_response(500, "Internal server error", "Something went wrong on our side.")
    return _Deferred(handler, exc)


class _Deferred:
    """An ASGI response computed by an async exception handler when called."""

    def __init__(self, handler: Any, exc: Exception) -> None:
        self.handler, self.exc = handler, exc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive), self.exc)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body once, then waits on the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
