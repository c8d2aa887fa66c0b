"""Notifications of users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.careers.columns import user_id_column
from skillnest.core.db import (
    FALSE,
    Base,
    CreatedAt,
    Document,
    UTCDateTime,
)


class Notification(Base):
    """A message for a user; also pushed live on ``GET /api/v1/me/events``."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_created_at", "user_id", "read", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column(index=False)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str | None] = mapped_column(Text)
    read: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    created_at: Mapped[CreatedAt]
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
