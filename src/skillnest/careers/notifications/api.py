"""HTTP routes of notifications."""

from __future__ import annotations

from fastapi import APIRouter

from skillnest.accounts.deps import CurrentUser, ReadSessionDep
from skillnest.careers.notifications import schemas, service
from skillnest.core.deps import SessionDep
from skillnest.core.pages import Limit, Offset, Page, PathId

router = APIRouter(tags=["careers"])


@router.get("/me/notifications", response_model=Page[schemas.NotificationRead])
async def list_notifications(
    user: CurrentUser,
    session: ReadSessionDep,
    unread_only: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.NotificationRead]:
    """Notifications, unread first, then newest first."""
    return await service.list_notifications(
        session=session, user_id=user.id, unread_only=unread_only, limit=limit, offset=offset
    )


@router.get("/me/notifications/unread-count", response_model=schemas.UnreadCount)
async def read_unread_count(user: CurrentUser, session: SessionDep) -> schemas.UnreadCount:
    """How many notifications are unread."""
    return await service.unread_count(session=session, user_id=user.id)


@router.post("/me/notifications/read-all", response_model=schemas.Updated)
async def mark_all_notifications_read(user: CurrentUser, session: SessionDep) -> schemas.Updated:
    """Mark every notification read."""
    return await service.mark_all_read(session=session, user_id=user.id)


@router.post("/me/notifications/{notification_id}/read", response_model=schemas.NotificationRead)
async def mark_notification_read(
    notification_id: PathId, user: CurrentUser, session: SessionDep
) -> schemas.NotificationRead:
    """Mark one notification read."""
    return await service.mark_read(
        session=session, user_id=user.id, notification_id=notification_id
    )
