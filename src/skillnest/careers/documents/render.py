"""Document templates and generated documents: JSON Schema validation and rendering.

Seed 003 keeps these in MongoDB with ``$jsonSchema`` validators; skillnest keeps them as JSON
documents in the same database and validates them with the same kind of schema (the
``jsonschema`` library) before every write. Templates are Jinja2 rendered in a sandbox (a
template cannot reach Python internals), producing Markdown; the HTML is rendered from that
Markdown with raw HTML disabled, so nothing a user typed becomes markup.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
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
                    "order": {"type": "integer", "minimum": 1},
                    "required": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        },
        "styling": {
            "type": "object",
            "properties": {
                "fontFamily": {"type": "string"},
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


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    # Markdown output: no autoescaping here; the HTML step below escapes everything instead.
    return ImmutableSandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True
    )


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(body: str, context: dict[str, Any]) -> str:
    """Fill a template body with the context, in the sandbox."""
    try:
        text = _environment().from_string(body).render(**context)
    except TemplateError as exc:
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
