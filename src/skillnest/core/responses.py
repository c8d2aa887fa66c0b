"""Fast JSON responses: orjson, and bytes served straight from the cache."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSONBytes(JSONResponse):
    """A JSON response whose body is already serialised (for example, a cache hit).

    A ``JSONResponse`` subclass, so the OpenAPI document shows the route's ``response_model``
    as the body rather than a string.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Pass bytes through; serialise anything else with orjson."""
        return (
            content
            if isinstance(content, bytes)
            else orjson.dumps(content, option=orjson.OPT_UTC_Z)
        )


def json_response(content: Any, status_code: int = 200) -> JSONBytes:
    """Serialise with orjson (datetimes, UUIDs and dataclasses included)."""
    return JSONBytes(orjson.dumps(content, option=orjson.OPT_UTC_Z), status_code=status_code)
