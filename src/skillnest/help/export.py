"""What the help module can export of one user: nothing tied to them, by design."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

UNLINKABLE = (
    "Help requests, offers and trust ratings are stored under keyed pseudonyms and encrypted "
    "by the client, never under a user id: the database cannot tell which are yours, so they "
    "cannot be exported. Skill verifications you received are public at "
    "GET /api/v1/users/{id}/verifications."
)


async def export_user(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """A note saying why no help rows are exported."""
    return {"excluded": UNLINKABLE}
