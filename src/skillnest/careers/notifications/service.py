"""Notifications: stored per user and pushed to the user's live event stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.notifications import schemas
from skillnest.careers.notifications.models import Notification
from skillnest.core.db import get_owned_or_404
from skillnest.core.pages import Page, page_of
from skillnest.core.realtime import Hub, publish_after_commit


async def notify(
    *,
    session: AsyncSession,
    hub: Hub,
    user_id: int,
    type: str,
    title: str,
    message: str,
    link: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> schemas.NotificationRead:
    """Store a notification and push it to the user's live event stream."""
    notification = Notification(
        user_id=user_id, type=type, title=title, message=message, link=link, metadata_=metadata
    )
    session.add(notification)
    await session.flush()
    read = schemas.NotificationRead.model_validate(notification)
    # Announced once the transaction commits: never a notification that is rolled back.
    publish_after_commit(
        session, hub, user_id, "notification.created", read.model_dump(mode="json")
    )
    return read


async def list_notifications(
    *,
    session: AsyncSession,
    user_id: int,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.NotificationRead]:
    """One page of the user's notifications: unread first, then newest first."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read.is_(False))
    rows = await session.scalars(
        query.order_by(Notification.read, Notification.created_at.desc(), Notification.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.NotificationRead.model_validate(n) for n in rows]
    return page_of(items, limit=limit, offset=offset)


async def unread_count(*, session: AsyncSession, user_id: int) -> schemas.UnreadCount:
    """How many of the user's notifications are unread."""
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read.is_(False))
    )
    return schemas.UnreadCount(unread=int(count or 0))


async def mark_read(
    *, session: AsyncSession, user_id: int, notification_id: int
) -> schemas.NotificationRead:
    """Mark one notification read."""
    notification = await get_owned_or_404(
        session,
        Notification,
        notification_id,
        owner=Notification.user_id,
        owner_id=user_id,
        detail="No such notification.",
    )
    if not notification.read:
        notification.read = True
        notification.read_at = datetime.now(UTC)
        await session.flush()
    return schemas.NotificationRead.model_validate(notification)


async def mark_all_read(*, session: AsyncSession, user_id: int) -> schemas.Updated:
    """Mark every unread notification read; say how many changed."""
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read.is_(False))
        .values(read=True, read_at=datetime.now(UTC))
    )
    return schemas.Updated(updated=int(getattr(result, "rowcount", 0) or 0))
