"""Fast JSON responses: orjson, and bytes served straight from the cache."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

# UTC times end in Z; mappings keyed by numbers or dates (stored JSON documents, counts per
# day) are written with text keys, as JSON requires, instead of failing.
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class JSONBytes(JSONResponse):
    """A JSON response whose body is already serialised (for example, a cache hit).

    A ``JSONResponse`` subclass, so the OpenAPI document shows the route's ``response_model``
    as the body rather than a string.
    """

    media_type = "application/json"

    def init_headers(self, headers: Any = None) -> None:
        """Starlette's headers (length, then type); without extra headers, built directly."""
        if headers is not None or self.status_code < 200 or self.status_code in (204, 304):
            super().init_headers(headers)
            return
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode("latin-1")),
            (b"content-type", b"application/json"),
        ]

    def render(self, content: Any) -> bytes:
        """Pass bytes through; serialise anything else with orjson."""
        return content if isinstance(content, bytes) else orjson.dumps(content, option=JSON_OPTIONS)


def json_response(content: Any, status_code: int = 200) -> JSONBytes:
    """Serialise with orjson (datetimes, UUIDs and dataclasses included)."""
    return JSONBytes(orjson.dumps(content, option=JSON_OPTIONS), status_code=status_code)
