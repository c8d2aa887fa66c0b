"""Document templates and generated documents: JSON Schema validation and rendering.

Seed 003 keeps these in MongoDB with ``$jsonSchema`` validators; skillnest keeps them as JSON
documents in the same database and validates them with the same kind of schema (the
``jsonschema`` library) before every write. Templates are Jinja2 rendered in a sandbox (a
template cannot reach Python internals), producing Markdown; the HTML is rendered from that
Markdown with raw HTML disabled, so nothing a user typed becomes markup.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from markdown_it import MarkdownIt

from skillnest.core.errors import BadRequest

SECTION_TYPES = [
    "header",
    "summary",
    "experience",
    "education",
    "skills",
    "opening",
    "body",
    "closing",
    "custom",
]

TEMPLATE_SPEC_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["sections"],
    "properties": {
        "sections": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["type", "title", "order", "required"],
                "properties": {
                    "type": {"enum": SECTION_TYPES},
                    "title": {"type": "string", "minLength": 1, "maxLength": 100},
                    "order": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "required": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        },
        "styling": {
            "type": "object",
            "properties": {
                "fontFamily": {"type": "string", "pattern": "^[A-Za-z0-9 ._-]{1,60}$"},
                "fontSize": {"type": "number", "minimum": 6, "maximum": 24},
                "colors": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                },
                "layout": {"enum": ["single-column", "two-column", "sidebar"]},
            },
        },
        "tone": {"enum": ["professional", "casual", "enthusiastic"]},
    },
    "additionalProperties": False,
}

MAX_MARKDOWN = 100_000

DOCUMENT_CONTENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["markdown", "html"],
    "properties": {
        "markdown": {"type": "string", "maxLength": MAX_MARKDOWN},
        "html": {"type": "string"},
    },
    "additionalProperties": False,
}

DOCUMENT_METADATA_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["word_count", "keywords_used"],
    "properties": {
        "word_count": {"type": "integer", "minimum": 0},
        "keywords_used": {"type": "array", "items": {"type": "string"}},
        "template_name": {"type": "string"},
    },
    "additionalProperties": False,
}

JOB_ALERT_CRITERIA_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "keywords": {"type": "string", "maxLength": 200},
        "location": {"type": "string", "maxLength": 255},
        "remote_type": {"enum": ["remote", "hybrid", "onsite"]},
        "employment_type": {"type": "string", "maxLength": 50},
        "salary_min": {"type": "integer", "minimum": 0},
        "skills": {
            "type": "array",
            "maxItems": 20,
            "items": {"type": "string", "minLength": 1, "maxLength": 100},
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
}

_VALIDATORS = {
    "template spec": Draft202012Validator(TEMPLATE_SPEC_SCHEMA),
    "document content": Draft202012Validator(DOCUMENT_CONTENT_SCHEMA),
    "document metadata": Draft202012Validator(DOCUMENT_METADATA_SCHEMA),
    "job alert criteria": Draft202012Validator(JOB_ALERT_CRITERIA_SCHEMA),
}


def validate(kind: str, document: Any) -> None:
    """Check a document against its JSON Schema; raise BadRequest naming the first problem."""
    try:
        _VALIDATORS[kind].validate(document)
    except ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise BadRequest(f"Invalid {kind} at {where}: {exc.message}") from exc


MAX_TEMPLATE_BODY = 20_000
RENDER_SECONDS = 2.0
MAX_WIDTH = 1000
# A printf or str.format field asking for a width or precision of thousands of characters.
_WIDE_FIELD = re.compile(r"%[-#0 +]*\d{4,}|%[-#0 +]*\d*\.\d{4,}|\{[^{}]*:[^{}]*\d{4,}[^{}]*\}")
_SIZED = (str, list, tuple)


class _TooCostly(SecurityError):
    """A template asked for more output, memory or time than a document needs."""


def _check_format(text: Any) -> None:
    if isinstance(text, str) and _WIDE_FIELD.search(text):
        raise _TooCostly("format widths above 999 are not allowed")


def _capped_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter refusing huge widths, counts or format fields (center(10**9), format...)."""

    @wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**6:
                raise _TooCostly("numbers above a million are not allowed in filters")
            if (
                isinstance(value, int)
                and abs(value) > MAX_WIDTH
                and function.__name__
                in (
                    "do_center",
                    "do_indent",
                    "do_wordwrap",
                )
            ):
                raise _TooCostly(f"widths above {MAX_WIDTH} are not allowed")
        if function.__name__ == "do_format" and args:
            _check_format(args[0])
        return function(*args, **kwargs)

    return guarded


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, also refusing operations whose result would dwarf any document.

    Jinja's sandbox keeps templates away from Python internals but not from exhausting memory
    or time; templates written by users render here, under a time limit as well.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse a repetition, power or format whose result would be huge."""
        if operator == "*":
            sized, count = (left, right) if isinstance(left, _SIZED) else (right, left)
            if isinstance(sized, _SIZED) and isinstance(count, int):
                if len(sized) * count > MAX_MARKDOWN:
                    raise _TooCostly("a repetition that long is not allowed")
        elif operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise _TooCostly("exponents above 64 are not allowed")
        elif operator == "%":
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Refuse str.format fields asking for huge widths."""
        if getattr(__obj, "__name__", "") in ("format", "format_map"):
            # The sandbox hands out str.format wrapped; the string is the wrapped method's self.
            method = getattr(__obj, "__wrapped__", __obj)
            _check_format(getattr(method, "__self__", None))
        return super().call(__context, __obj, *args, **kwargs)


def _new_environment(kind: type[ImmutableSandboxedEnvironment]) -> ImmutableSandboxedEnvironment:
    # Markdown output: no autoescaping here; the HTML step below escapes everything instead.
    return kind(
        autoescape=False, undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True
    )


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    return _new_environment(ImmutableSandboxedEnvironment)


@lru_cache(maxsize=1)
def _limited_environment() -> ImmutableSandboxedEnvironment:
    env = _new_environment(LimitedSandbox)
    env.filters = {name: _capped_filter(f) for name, f in env.filters.items()}
    env.globals["range"] = _small_range
    return env


def _small_range(*args: int) -> range:
    if any(abs(a) > 10_000 for a in args):
        raise _TooCostly("ranges above 10,000 are not allowed")
    return range(*args)


def _within(seconds: float, render: Callable[[], str]) -> str:
    """Run ``render`` in this thread, stopping it once it runs longer than ``seconds``."""
    deadline = time.monotonic() + seconds

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _TooCostly(f"rendering took longer than {seconds:g} s")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return render()
    finally:
        sys.settrace(previous)


def check_template(body: str) -> None:
    """Refuse a user's template body that is too long or does not compile in the sandbox."""
    if len(body) > MAX_TEMPLATE_BODY:
        raise BadRequest(f"A template body is limited to {MAX_TEMPLATE_BODY} characters.")
    try:
        _limited_environment().parse(body)
    except TemplateError as exc:
        raise BadRequest(f"The template does not compile: {exc}") from exc


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


# A template's own mistakes (a loop over a number, a missing key...) are the request's fault.
RENDER_ERRORS = (
    TemplateError,
    RecursionError,
    MemoryError,
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
)


def _render_limited(body: str, context: dict[str, Any]) -> str:
    pieces: list[str] = []
    size = 0
    for piece in _limited_environment().from_string(body).generate(**context):
        size += len(piece)
        if size > MAX_MARKDOWN:
            raise _TooCostly(f"the output is longer than {MAX_MARKDOWN} characters")
        pieces.append(piece)
    return "".join(pieces)


def render_markdown(body: str, context: dict[str, Any], *, untrusted: bool = False) -> str:
    """Fill a template body with the context, in the sandbox (with limits for users' own)."""
    try:
        if untrusted:
            text = _within(RENDER_SECONDS, lambda: _render_limited(body, context))
        else:
            text = _environment().from_string(body).render(**context)
    except RENDER_ERRORS as exc:
        raise BadRequest(f"The template could not be rendered: {exc}") from exc
    # Collapse runs of blank lines left by template blocks.
    lines: list[str] = []
    for line in text.strip().splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def markdown_to_html(markdown: str) -> str:
    """HTML of a Markdown text; raw HTML in it is escaped, unsafe links are dropped."""
    return str(_markdown().render(markdown))


def content_of(markdown: str) -> dict[str, Any]:
    """The stored content of a document: its Markdown and the HTML rendered from it."""
    if len(markdown) > MAX_MARKDOWN:
        raise BadRequest(f"A document is limited to {MAX_MARKDOWN} characters.")
    content = {"markdown": markdown, "html": markdown_to_html(markdown)}
    validate("document content", content)
    return content


def word_count(markdown: str) -> int:
    """Words of a Markdown text (punctuation-only tokens do not count)."""
    return sum(1 for token in markdown.split() if any(ch.isalnum() for ch in token))


def keywords_used(markdown: str, keywords: list[str]) -> list[str]:
    """The keywords (e.g. a job's required skills) that appear in the text."""
    folded = markdown.casefold()
    return [k for k in keywords if k.casefold() in folded]
