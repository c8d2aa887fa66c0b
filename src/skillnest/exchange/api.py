"""HTTP routes of the skill exchange: matches, chats, messages, ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from skillnest.accounts.deps import CurrentUser, ReadSessionDep
from skillnest.accounts.schemas import PublicUser
from skillnest.core.deps import CacheDep, HubDep, LimiterDep, SessionDep
from skillnest.core.pages import Cursor, CursorPage, Limit, Offset, Page, PathId
from skillnest.exchange import schemas, service

router = APIRouter(tags=["exchange"])


@router.get("/matches", response_model=Page[schemas.Match])
async def read_matches(
    user: CurrentUser, session: SessionDep, cache: CacheDep, limit: Limit = 20, offset: Offset = 0
) -> Page[schemas.Match]:
    """People who offer what you want to learn and want to learn what you offer, best first.

    Related skills count too (vocabulary aliases such as `js` for `JavaScript`, or similar
    names such as `Acoustic Guitar` for `Guitar`): each match lists the pairs that related
    it in `related`, and matches needing one rank after every exact match (`exact`).
    """
    return await service.find_matches(
        session=session, cache=cache, user_id=user.id, limit=limit, offset=offset
    )


@router.get("/users", response_model=Page[PublicUser])
async def search_people(
    user: CurrentUser,
    session: ReadSessionDep,
    skill: Annotated[
        str,
        Query(
            min_length=1,
            max_length=50,
            description="A skill, matched whole and case-insensitively (`guitar` finds `Guitar`).",
        ),
    ],
    role: Annotated[
        schemas.SkillRole,
        Query(description="Look in what people offer (default), want to learn, or either."),
    ] = "offers",
    location: Annotated[
        str | None,
        Query(max_length=100, description="Part of the location, case-insensitive."),
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[PublicUser]:
    """People with a skill, most recently active first: public profile fields only, never you."""
    return await service.find_people(
        session=session,
        viewer_id=user.id,
        skill=skill.strip() or skill,
        role=role,
        location=location,
        limit=limit,
        offset=offset,
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


@router.get("/chats", response_model=Page[schemas.ChatOut])
async def list_chats(
    user: CurrentUser, session: ReadSessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.ChatOut]:
    """Your chats, newest activity first.

    Each with the other participant, the last message, your unread count and whether you
    already rated the other participant there (`is_rated_by_me`).
    """
    return await service.list_chats(session=session, user_id=user.id, limit=limit, offset=offset)


@router.get("/chats/{chat_id}", response_model=schemas.ChatOut)
async def read_chat(chat_id: PathId, user: CurrentUser, session: ReadSessionDep) -> schemas.ChatOut:
    """One of your chats: the other participant, last message, unread count, `is_rated_by_me`."""
    return await service.get_chat(session=session, chat_id=chat_id, user_id=user.id)


@router.delete("/chats/{chat_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_chat(
    chat_id: PathId, user: CurrentUser, session: SessionDep, hub: HubDep
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
    chat_id: PathId,
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


@router.get("/chats/{chat_id}/messages", response_model=CursorPage[schemas.MessageOut])
async def list_messages(
    chat_id: PathId,
    user: CurrentUser,
    session: ReadSessionDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CursorPage[schemas.MessageOut]:
    """Messages in time order, a page at a time."""
    return await service.list_messages(
        session=session, chat_id=chat_id, user_id=user.id, cursor=cursor, limit=limit
    )


@router.post("/chats/{chat_id}/read", response_model=schemas.ReadOut)
async def mark_chat_read(
    chat_id: PathId, user: CurrentUser, session: SessionDep, hub: HubDep
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


@router.get("/users/{user_id}/ratings", response_model=CursorPage[schemas.ReceivedRating])
async def list_user_ratings(
    user_id: PathId, session: ReadSessionDep, cursor: Cursor = None, limit: Limit = 20
) -> CursorPage[schemas.ReceivedRating]:
    """Ratings a user received, newest first."""
    return await service.ratings_received(
        session=session, user_id=user_id, cursor=cursor, limit=limit
    )
