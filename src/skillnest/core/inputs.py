"""Rules of request bodies that every module shares, written so the OpenAPI schema states them.

- A partial update may omit a field whose column is NOT NULL, but not send it as ``null``:
  the model lists such fields in ``not_null`` and :func:`not_null_schema` drops ``null`` from
  their schema (the model's own validator refuses it).
- Trimmed text (``Annotated[str, visible_text(n), TRIM_VISIBLE]``) is measured as sent and
  must hold a visible character, so the schema's ``maxLength`` and ``pattern`` say exactly
  what is accepted.
- Bodies (:class:`StrictInput`) take numbers and booleans only as JSON types, dates
  (:data:`Day`, :data:`Moment`) only as ISO text: what the schema's types and formats allow.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

#: A string holding at least one character that is not white space.
VISIBLE = r"\S"


def not_null_schema(schema: dict[str, Any], model: type) -> None:
    """Drop ``null`` from the schema of the fields the model lists in ``not_null``."""
    properties = schema.get("properties", {})
    for name in getattr(model, "not_null", ()):
        prop = properties.get(name)
        if prop is None:
            continue
        if prop.get("default", ...) is None:
            del prop["default"]  # omitted means unchanged, never null
        options = prop.get("anyOf")
        if options is None:
            continue
        kept = [option for option in options if option != {"type": "null"}]
        del prop["anyOf"]
        if len(kept) == 1:
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept


# Unicode White_Space: what `\s` means to the regex engines that check the schema's patterns
# (pydantic's and schemathesis's, both Rust), unlike str.strip() which also drops \x1c-\x1f.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITE_SPACE += "\u2028\u2029\u202f\u205f\u3000"


def _trimmed_visible(value: str) -> str:
    stripped = value.strip(WHITE_SPACE)
    if not stripped:
        raise ValueError("must hold a character other than white space")
    return stripped


def _trimmed(value: str) -> str:
    return value.strip(WHITE_SPACE)


#: Trim text that must hold a visible character; pair with ``Field(pattern=VISIBLE)``.
TRIM_VISIBLE = AfterValidator(_trimmed_visible)
#: Trim text that may be empty.
TRIM = AfterValidator(_trimmed)


def visible_text(max_length: int) -> Any:
    """The ``Field`` of trimmed text with a visible character, at most ``max_length`` as sent."""
    return Field(min_length=1, max_length=max_length, pattern=VISIBLE)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day(value: Any) -> Any:
    """A date as the schema's ``format: date`` writes it (``YYYY-MM-DD``), nothing looser."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        return date.fromisoformat(value)
    raise ValueError("expected a date as YYYY-MM-DD")


#: A calendar date; a timestamp number or another spelling is refused (pydantic would take both).
Day = Annotated[date, BeforeValidator(_iso_day)]
#: Models whose numbers and booleans must be JSON numbers and booleans (``strict``), not "1",
#: ``true`` for 1 or ``0`` for false, as the schema says; dates and UUIDs are still read from text.
STRICT_INPUT = ConfigDict(extra="forbid", strict=True)


def _bare(annotation: Any) -> Any:
    """The type under any ``Annotated`` wrapping."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _options(annotation: Any) -> tuple[Any, ...]:
    """The types a field takes: each member of a union, or the one type."""
    annotation = _bare(annotation)
    if get_origin(annotation) in (Union, UnionType):
        return tuple(_bare(option) for option in get_args(annotation))
    return (annotation,)


def _takes_int(annotation: Any) -> bool:
    return int in _options(annotation)


def _takes_int_list(annotation: Any) -> bool:
    return any(get_origin(t) is list and _bare(get_args(t)[0]) is int for t in _options(annotation))


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


@functools.cache
def _number_keys(model: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys of a model's integer fields and of its integer-list fields.

    Worked out once per model: reading the annotations cost more than the rest of a
    validation, once per record of a bulk import.
    """
    fields = [(field.alias or name, field.annotation) for name, field in model.model_fields.items()]
    ints = tuple(key for key, annotation in fields if _takes_int(annotation))
    int_lists = tuple(
        key
        for key, annotation in fields
        if not _takes_int(annotation) and _takes_int_list(annotation)
    )
    return ints, int_lists


class RefusesNull(BaseModel):
    """A partial update: the fields listed in ``not_null`` may be left out, never sent as null.

    The schema says so too (:func:`not_null_schema`), and the error names the field.
    """

    model_config = ConfigDict(json_schema_extra=not_null_schema)
    not_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("cannot be null")
        return value


class StrictInput(BaseModel):
    """A request body: unknown fields refused, numbers and booleans only as JSON has them.

    JSON Schema counts ``4.0`` as an integer; strict pydantic does not, so a whole float sent
    for an integer field is read as that integer first.
    """

    model_config = STRICT_INPUT

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fixed = dict(data)
        ints, int_lists = _number_keys(cls)
        for key in ints:
            if key in fixed:
                fixed[key] = _whole(fixed[key])
        for key in int_lists:
            if isinstance(value := fixed.get(key), list):
                fixed[key] = [_whole(item) for item in value]
        return fixed


#: A UUID read from its text form (in a ``STRICT_INPUT`` model too).
TextUUID = Annotated[uuid.UUID, Field(strict=False)]

_ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$"
)


def _iso_moment(value: Any) -> Any:
    """A date-time written as ISO 8601 text; a number is not read as a timestamp."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.match(value)):
        return value
    raise ValueError("expected a date-time such as 2026-01-31T09:30:00Z")


#: A date-time read from ISO 8601 text (in a ``STRICT_INPUT`` model too).
Moment = Annotated[datetime, BeforeValidator(_iso_moment), Field(strict=False)]


#: The largest JSON document (metadata, results, preferences...) a request may store.
MAX_DOCUMENT_BYTES = 64 * 1024


def _capped_document(value: Any) -> Any:
    """Refuse a document over 64 KiB as JSON, or one JSON cannot store (a 65-bit integer)."""
    try:
        size = len(orjson.dumps(value))
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"cannot be stored as JSON: {exc}") from None
    if size > MAX_DOCUMENT_BYTES:
        raise ValueError(f"is {size} bytes as JSON; at most {MAX_DOCUMENT_BYTES} are stored")
    return value


#: A JSON object stored as a document, at most 64 KiB.
JsonObject = Annotated[dict[str, Any], AfterValidator(_capped_document)]
#: A JSON array stored as a document, at most 64 KiB.
JsonList = Annotated[list[Any], AfterValidator(_capped_document)]
