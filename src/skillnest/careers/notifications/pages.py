"""Web pages of notifications and the personal dashboard after sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillnest.careers.applications import service as applications
from skillnest.careers.jobs import alerts
from skillnest.careers.notifications import service
from skillnest.core.deps import SessionDep
from skillnest.exchange import service as exchange
from skillnest.web.security import SignedIn, Viewer
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 30
RECENT = 5
FOLLOW_UP_HORIZON = timedelta(days=7)


async def badges(*, session: Any, viewer: Viewer) -> dict[str, int]:
    """The unread-notifications counter beside "Notifications"."""
    return {
        "notifications": (await service.unread_count(session=session, user_id=viewer.id)).unread
    }


def page_link(link: str | None) -> str | None:
    """The page for a notification's API link (a job alert names /api/v1/jobs/ID)."""
    if link and link.startswith("/api/v1/jobs/"):
        return "/careers/jobs/" + link.removeprefix("/api/v1/jobs/")
    if link and link.startswith("/api/v1/applications/"):
        return "/careers/applications/" + link.removeprefix("/api/v1/applications/")
    return link if link and not link.startswith("/api/") else None


@router.get("/notifications", response_class=HTMLResponse)
async def read_notifications(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The notification centre: unread first, live; mark read one by one or all, delete."""
    page = await service.list_notifications(
        session=session, user_id=viewer.id, limit=PAGE_SIZE, offset=offset
    )
    return render(request, "careers/notifications.html", {"page": page, "link": page_link})


@router.post("/notifications/{notification_id}/read", response_class=HTMLResponse)
async def mark_read(notification_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Mark one notification read."""
    await service.mark_read(session=session, user_id=viewer.id, notification_id=notification_id)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/delete", response_class=HTMLResponse)
async def delete(notification_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Delete one notification."""
    await service.delete_notification(
        session=session, user_id=viewer.id, notification_id=notification_id
    )
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/read-all", response_class=HTMLResponse)
async def mark_all_read(viewer: SignedIn, session: SessionDep) -> Response:
    """Mark every notification read."""
    await service.mark_all_read(session=session, user_id=viewer.id)
    return RedirectResponse("/notifications", status_code=303)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """What is new across the modules: messages, notifications, follow-ups, alerts."""
    recent = await service.list_notifications(
        session=session, user_id=viewer.id, unread_only=True, limit=RECENT, offset=0
    )
    unread = await service.unread_count(session=session, user_id=viewer.id)
    messages = await exchange.unread_total(session=session, user_id=viewer.id)
    stats = await applications.application_stats(session=session, user_id=viewer.id)
    tracked = await applications.list_applications(
        session=session, user_id=viewer.id, limit=200, offset=0
    )
    soon = datetime.now(UTC).date() + FOLLOW_UP_HORIZON
    follow_ups = [a for a in tracked.items if a.follow_up_date and a.follow_up_date <= soon]
    my_alerts = await alerts.list_alerts(session=session, user_id=viewer.id, limit=50, offset=0)
    context = {
        "recent": recent,
        "unread": unread.unread,
        "messages": messages.unread,
        "stats": stats,
        "follow_ups": follow_ups,
        "alerts": my_alerts,
        "link": page_link,
    }
    return render(request, "careers/dashboard.html", context)
