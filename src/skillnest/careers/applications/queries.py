"""Row lookups the applications services of this package build on (never handed to routes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.applications.models import Application
from skillnest.core.errors import NotFound

NO_SUCH_APPLICATION = "No such application."


async def owned_application(
    session: AsyncSession, user_id: int, application_id: int, *, lock: bool = False
) -> Application:
    """The user's application row (locked for update when asked), else NotFound."""
    query = select(Application).where(
        Application.id == application_id, Application.user_id == user_id
    )
    application = await session.scalar(query.with_for_update() if lock else query)
    if application is None:
        raise NotFound(NO_SUCH_APPLICATION)
    return application
