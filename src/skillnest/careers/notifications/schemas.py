"""Shapes of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from skillnest.careers.fields import (
    ReadModel,
)


class NotificationRead(ReadModel):
    """A notification."""

    id: int
    type: str
    title: str
    message: str
    link: str | None = None
    read: bool
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_")
    created_at: datetime
    read_at: datetime | None = None


class UnreadCount(BaseModel):
    """How many notifications are unread."""

    unread: int


class Updated(BaseModel):
    """How many rows a bulk change touched."""

    updated: int
