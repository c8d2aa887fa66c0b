"""The exchange data of one user, for the data export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.export import rows_of
from skillnest.exchange.models import Chat, Message, Rating


async def export_user(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Chats the user is in, messages they sent, ratings they gave and received.

    Messages written by the other person of a chat are theirs and stay out; a rating received
    is shown without who gave it.
    """
    return {
        "chats": await rows_of(
            session, Chat, or_(Chat.user1_id == user_id, Chat.user2_id == user_id)
        ),
        "messages_sent": await rows_of(session, Message, Message.sender_id == user_id),
        "ratings_given": await rows_of(session, Rating, Rating.rater_id == user_id),
        "ratings_received": await rows_of(
            session, Rating, Rating.rated_id == user_id, exclude=("rater_id",)
        ),
    }
