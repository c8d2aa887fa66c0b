"""Structured logs: every stdlib record (ours, uvicorn's, SQLAlchemy's) rendered by structlog.

Code logs with ``logging.getLogger(...)`` and ``extra={...}`` as usual; structlog adds the
request id and user id bound for the current request, the time and the level, drops
sensitive fields and renders one line: readable in a terminal (``SKILLNEST_LOG_FORMAT=console``,
the default) or one JSON object (``SKILLNEST_LOG_FORMAT=json``) for a log collector.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor

# Field names whose values never reach a log line, whoever passes them.
SENSITIVE_PARTS = (
    "password",
    "token",
    "secret",
    "authorization",
    "cookie",
    "email",
    "api_key",
    "encrypted",
    "plaintext",
    "content",
)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
BEARER_RE = re.compile(r"(?i)(bearer\s+)\S+")
REDACTED = "[redacted]"

# The user resolved for the current request, written by the auth dependency and read back by
# the access log once the response is sent (a dict, so a write in a copied context shows).
_request_user: ContextVar[dict[str, int | None] | None] = ContextVar(
    "skillnest_request_user", default=None
)


def start_request() -> dict[str, int | None]:
    """Open the per-request slot the auth dependency fills in."""
    slot: dict[str, int | None] = {"user_id": None}
    _request_user.set(slot)
    return slot


def note_user(user_id: int) -> None:
    """Record the signed-in user of the current request for its log lines."""
    slot = _request_user.get()
    if slot is not None:
        slot["user_id"] = user_id
    structlog.contextvars.bind_contextvars(user_id=user_id)


def redact(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """Drop sensitive fields and mask emails and bearer tokens inside messages."""
    event_dict.pop("color_message", None)  # uvicorn's copy of the message with ANSI colours
    for key in list(event_dict):
        lowered = key.lower()
        if lowered != "event" and any(part in lowered for part in SENSITIVE_PARTS):
            event_dict[key] = REDACTED
    message = event_dict.get("event")
    if isinstance(message, str) and ("@" in message or "earer" in message):
        message = EMAIL_RE.sub("[email]", message)
        event_dict["event"] = BEARER_RE.sub(r"\1[redacted]", message)
    return event_dict


def _json_dumps(value: MutableMapping[str, Any], **_: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def shared_processors() -> list[Processor]:
    """Steps applied to every record before it is rendered."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
        structlog.processors.format_exc_info,
    ]


def configure_logging(level: str = "INFO", fmt: str = "console", stream: Any = None) -> None:
    """Route every logger through one structlog formatter on stderr (or ``stream``)."""
    output = stream or sys.stderr
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_json_dumps)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=output.isatty())
    )
    pre_chain = shared_processors()
    structlog.configure(
        processors=[*pre_chain, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(output)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn's own loggers go through the root handler; its access log is replaced by ours
    # (which logs the route template, not the raw path and query string).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
