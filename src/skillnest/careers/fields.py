"""Schema building blocks shared by the careers subdomains: bounded strings and numbers, bases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from skillnest.core.inputs import TRIM, TRIM_VISIBLE, RefusesNull, StrictInput, visible_text
from skillnest.core.pages import MAX_ID

Text255 = Annotated[str, visible_text(255), TRIM_VISIBLE]
Text100 = Annotated[str, visible_text(100), TRIM_VISIBLE]
Text50 = Annotated[str, visible_text(50), TRIM_VISIBLE]
LongText = Annotated[str, Field(max_length=20_000)]
Url = Annotated[str, Field(max_length=2000), TRIM]
Names = Annotated[list[Text100], Field(max_length=50)]
Years = Annotated[float, Field(ge=0, le=70)]
Salary = Annotated[int, Field(ge=0, le=100_000_000)]
"""An amount of money a year; far inside the 32-bit INTEGER columns that store it."""
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
StrList = Annotated[list[str], BeforeValidator(lambda v: v or [])]
"""A list read from a nullable array column: NULL reads as empty."""
JSONObject = Annotated[dict[str, Any], BeforeValidator(lambda v: v or {})]
RemoteType = Literal["remote", "hybrid", "onsite"]
RemotePreference = Literal["remote", "hybrid", "onsite", "any"]
DocumentType = Literal["resume", "cover_letter"]


class Strict(StrictInput):
    """Input models refuse unknown fields, and take numbers and booleans only as such."""


class Patch(RefusesNull, Strict):
    """A partial update: only the fields sent change; ``null`` is refused for NOT NULL columns."""


class ReadModel(BaseModel):
    """Output models read attributes of ORM rows and mappings."""

    model_config = ConfigDict(from_attributes=True)


def check_period(start: date | None, end: date | None, is_current: bool | None) -> None:
    """A period ends after it starts, and a current one has no end."""
    if is_current and end is not None:
        raise ValueError("a current entry has no end date")
    if start is not None and end is not None and end < start:
        raise ValueError("end_date is before start_date")
