"""Turning form posts into the modules' Pydantic schemas, and errors into sentences."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from skillnest.core.errors import DomainError

M = TypeVar("M", bound=BaseModel)


class FormInvalid(DomainError):
    """A form did not validate; ``messages`` are ready to show beside it."""

    status, code, title = 422, "validation", "Check the form"

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def messages_of(exc: ValidationError, labels: dict[str, str] | None = None) -> list[str]:
    """One readable sentence per validation error."""
    labels = labels or {}
    out = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        label = labels.get(field, field.replace("_", " ").capitalize())
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append(f"{label}: {message}" if label else message)
    return out


def parse(model: type[M], data: dict[str, Any], labels: dict[str, str] | None = None) -> M:
    """Validate form values with a schema, or raise FormInvalid."""
    try:
        # A form posts text: "3" is a number here, unlike in the strict JSON API.
        return model.model_validate(data, strict=False)
    except ValidationError as exc:
        raise FormInvalid(messages_of(exc, labels)) from exc


def split_list(value: str | None) -> list[str]:
    """A comma- or line-separated text field as a list of trimmed, non-empty items."""
    if not value:
        return []
    parts = value.replace("\n", ",").split(",")
    return [part.strip() for part in parts if part.strip()]


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target
