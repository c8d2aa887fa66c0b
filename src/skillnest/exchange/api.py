"""HTTP routes of the skill exchange: matches, chats, messages, ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from skillnest.accounts.deps import CurrentUser, ReadSessionDep
from skillnest.core.deps import CacheDep, HubDep, LimiterDep, SessionDep
from skillnest.exchange import schemas, service

router = APIRouter(tags=["exchange"])

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Items to skip.")]
Cursor = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="The `next_cursor` of the previous page.")
]
ChatId = Annotated[int, Path(ge=1, le=2**31 - 1)]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/matches", response_model=schemas.MatchPage)
async def read_matches(
    user: CurrentUser, session: SessionDep, cache: CacheDep, limit: Limit = 20, offset: Offset = 0
) -> schemas.MatchPage:
    """People who offer what you want to learn and want to learn what you offer, best first."""
    return await service.find_matches(
        session=session, cache=cache, user_id=user.id, limit=limit, offset=offset
    )


@router.post(
    "/chats",
    response_model=schemas.ChatOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The chat already existed.", "model": schemas.ChatOut}},
)
async def open_chat(
    data: schemas.ChatOpen, user: CurrentUser, session: SessionDep, response: Response
) -> schemas.ChatOut:
    """Open the chat with another user (201), or return the existing one (200)."""
    chat, created = await service.open_chat(session=session, user_id=user.id, other_id=data.user_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return chat


@router.get("/chats", response_model=schemas.ChatPage)
async def list_chats(
    user: CurrentUser, session: ReadSessionDep, limit: Limit = 50, offset: Offset = 0
) -> schemas.ChatPage:
    """Your chats with the other participant, last message and unread count, newest first."""
    return await service.list_chats(session=session, user_id=user.id, limit=limit, offset=offset)


@router.delete("/chats/{chat_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_chat(
    chat_id: ChatId, user: CurrentUser, session: SessionDep, hub: HubDep
) -> Response:
    """Delete a chat and its messages (participants only)."""
    await service.delete_chat(session=session, hub=hub, chat_id=chat_id, user_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/chats/{chat_id}/messages",
    response_model=schemas.MessageOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_message(
    chat_id: ChatId,
    data: schemas.MessageCreate,
    user: CurrentUser,
    session: SessionDep,
    hub: HubDep,
    limiter: LimiterDep,
) -> schemas.MessageOut:
    """Send a message; the other participant gets ``message.created`` on their event stream."""
    return await service.send_message(
        session=session,
        hub=hub,
        limiter=limiter,
        chat_id=chat_id,
        sender_id=user.id,
        content=data.content,
    )


@router.get("/chats/{chat_id}/messages", response_model=schemas.MessagePage)
async def list_messages(
    chat_id: ChatId,
    user: CurrentUser,
    session: ReadSessionDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> schemas.MessagePage:
    """Messages in time order, a page at a time."""
    return await service.list_messages(
        session=session, chat_id=chat_id, user_id=user.id, cursor=cursor, limit=limit
    )


@router.post("/chats/{chat_id}/read", response_model=schemas.ReadOut)
async def mark_chat_read(
    chat_id: ChatId, user: CurrentUser, session: SessionDep, hub: HubDep
) -> schemas.ReadOut:
    """Mark every message from the other participant as read; returns how many changed."""
    return await service.mark_read(session=session, hub=hub, chat_id=chat_id, user_id=user.id)


@router.get("/me/unread", response_model=schemas.UnreadOut)
async def read_unread_count(user: CurrentUser, session: SessionDep) -> schemas.UnreadOut:
    """How many messages from others you have not read yet, across all chats."""
    return await service.unread_total(session=session, user_id=user.id)


@router.post("/ratings", response_model=schemas.RatingOut, status_code=status.HTTP_201_CREATED)
async def create_rating(
    data: schemas.RatingCreate, user: CurrentUser, session: SessionDep
) -> schemas.RatingOut:
    """Rate the other participant of one of your chats (once per chat)."""
    return await service.rate(session=session, rater_id=user.id, data=data)


@router.get("/users/{user_id}/ratings", response_model=schemas.RatingPage)
async def list_user_ratings(
    user_id: UserId, session: ReadSessionDep, cursor: Cursor = None, limit: Limit = 20
) -> schemas.RatingPage:
    """Ratings a user received, newest first."""
    return await service.ratings_received(
        session=session, user_id=user_id, cursor=cursor, limit=limit
    )
