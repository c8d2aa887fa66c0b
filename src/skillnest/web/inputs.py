"""Form inputs derived from a Pydantic schema, and form posts turned back into its values.

A page that edits a record lists the schema's fields once; the kind of each input (text,
long text, number, date, checkbox, choice, list) and its limits come from the field's type,
so the form and the API validate alike.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from skillnest.web.forms import split_list

LONG_TEXT = 1000  # a string allowed to be longer than this gets a textarea
COMMA_ITEMS = 100  # a list of items no longer than this is typed on one line, comma-separated


@dataclass(frozen=True)
class Input:
    """One form input: what it edits, how it is typed, the limits the schema puts on it."""

    name: str
    label: str
    kind: str  # text | textarea | number | date | checkbox | select | list | lines
    required: bool = False
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: str | None = None
    max_length: int | None = None
    default: Any = None  # what a new record gets when the input is left empty

    def shown(self, value: Any) -> str:
        """A stored value as the input shows it."""
        if value is None or isinstance(value, bool):
            return ""
        if isinstance(value, list | tuple):
            return ("\n" if self.kind == "lines" else ", ").join(str(v) for v in value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


def _unwrap(annotation: Any, metadata: list[Any]) -> Any:
    """The bare type of an annotation; the constraints met on the way go to ``metadata``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def _limits(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        inner = item.metadata if isinstance(item, FieldInfo) else [item]
        for constraint in inner:
            for attr in ("max_length", "ge", "le"):
                value = getattr(constraint, attr, None)
                if value is not None:
                    found[attr] = value
    return found


def _input(name: str, field: FieldInfo, label: str) -> Input:
    metadata = list(field.metadata)
    bare = _unwrap(field.annotation, metadata)
    limits = _limits(metadata)
    default = None if field.is_required() or field.default_factory else field.default
    common: dict[str, Any] = {
        "name": name,
        "label": label,
        "required": field.is_required(),
        "default": default,
    }
    if get_origin(bare) is Literal:
        return Input(kind="select", options=tuple(map(str, get_args(bare))), **common)
    if get_origin(bare) is list:
        item_metadata: list[Any] = []
        _unwrap(get_args(bare)[0], item_metadata)
        item_length = _limits(item_metadata).get("max_length", COMMA_ITEMS)
        return Input(kind="list" if item_length <= COMMA_ITEMS else "lines", **common)
    if bare is bool:
        return Input(kind="checkbox", **{**common, "required": False})
    if bare is date:
        return Input(kind="date", **common)
    if bare in (int, float):
        step = "1" if bare is int else "any"
        return Input(
            kind="number",
            minimum=limits.get("ge"),
            maximum=limits.get("le"),
            step=step,
            **common,
        )
    length = limits.get("max_length")
    kind = "textarea" if length is not None and length > LONG_TEXT else "text"
    return Input(kind=kind, max_length=length, **common)


def inputs_of(
    schema: type[BaseModel], labels: Mapping[str, str], skip: Iterable[str] = ()
) -> tuple[Input, ...]:
    """The inputs of a schema's fields, in its order; labels default to the field's name."""
    hidden = set(skip)
    return tuple(
        _input(name, field, labels.get(name, name.replace("_", " ").capitalize()))
        for name, field in schema.model_fields.items()
        if name not in hidden
    )


def values_of(inputs: Iterable[Input], form: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The posted values of ``inputs`` ready for the schema.

    An empty input is left out of a new record (so the schema's default applies) and is
    ``None`` in a partial update (so the field is cleared), except a checkbox, which is false.
    """
    values: dict[str, Any] = {}
    for field in inputs:
        raw = form.get(field.name)
        text = raw.strip() if isinstance(raw, str) else ""
        if field.kind == "checkbox":
            values[field.name] = bool(text)
        elif field.kind == "list":
            values[field.name] = split_list(text) if text or partial else None
        elif field.kind == "lines":
            values[field.name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif text:
            values[field.name] = text
        elif partial:
            values[field.name] = None
        if not partial and values.get(field.name) in (None, []) and field.kind != "checkbox":
            values.pop(field.name, None)
    return values
