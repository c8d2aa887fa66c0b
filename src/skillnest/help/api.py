"""HTTP routes of anonymous help: requests, feed, offers, messages, status, trust, vouches."""

from __future__ import annotations

import uuid
from functools import lru_cache, partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.exceptions import RequestValidationError
from sse_starlette.sse import EventSourceResponse
from starlette.datastructures import QueryParams
from starlette.responses import Response

from skillnest.accounts.deps import (
    CurrentUser,
    ReadSessionDep,
    bearer,
    get_bearer_token,
    get_token,
    user_from_token,
)
from skillnest.core.deps import (
    CacheDep,
    HubDep,
    LimiterDep,
    SessionDep,
    SettingsDep,
    request_fetch_one,
    request_read_connection,
    request_session,
)
from skillnest.core.hot import HotEndpoint
from skillnest.core.pages import Cursor, CursorPage, Limit, Offset, Page, PathId
from skillnest.core.platform import Platform
from skillnest.core.responses import JSONBytes
from skillnest.help import conversation, feed, schemas, service
from skillnest.help.feed import Filters

router = APIRouter(tags=["help"])

# The feed's query parameters: (default, lowest, highest) of each number.
MIN_URGENCY = (1, 1, 5)
PAGE_LIMIT = (20, 1, 50)
PAGE_OFFSET = (0, 0, 1_000)


def _invalid(name: str, exc: ValueError) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("query", name), "msg": str(exc), "type": "value_error"}]
    )


async def feed_filters(
    skills: Annotated[
        list[str] | None,
        Query(description="Any of these skills; repeat the parameter or separate by commas."),
    ] = None,
    min_urgency: Annotated[int, Query(ge=MIN_URGENCY[1], le=MIN_URGENCY[2])] = MIN_URGENCY[0],
    college_domain: Annotated[
        str | None, Query(min_length=3, max_length=100, pattern=schemas.DOMAIN_PATTERN)
    ] = None,
) -> Filters:
    """The feed filters of the query string."""
    try:
        tags = schemas.normalise_tags(
            [part for value in skills or () for part in value.split(",") if part.strip()]
        )
    except ValueError as exc:
        raise _invalid("skills", exc) from exc
    try:
        domain = schemas.normalise_domain(college_domain) if college_domain is not None else None
    except ValueError as exc:
        raise _invalid("college_domain", exc) from exc
    return Filters(skills=frozenset(tags), min_urgency=min_urgency, college_domain=domain)


FiltersDep = Annotated[Filters, Depends(feed_filters)]


@router.post(
    "/help/requests",
    response_model=schemas.HelpRequestCreated,
    status_code=status.HTTP_201_CREATED,
)
async def create_help_request(
    data: schemas.HelpRequestCreate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
    hub: HubDep,
    limiter: LimiterDep,
) -> schemas.HelpRequestCreated:
    """Ask for help: details arrive encrypted by the client; returns only id and avatar."""
    return await service.create_request(
        session=session,
        cache=cache,
        hub=hub,
        limiter=limiter,
        settings=settings,
        user=user,
        data=data,
    )


@router.get("/help/feed", response_model=Page[schemas.FeedCard], response_class=JSONBytes)
async def read_help_feed(
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=PAGE_LIMIT[1], le=PAGE_LIMIT[2])] = PAGE_LIMIT[0],
    offset: Annotated[int, Query(ge=PAGE_OFFSET[1], le=PAGE_OFFSET[2])] = PAGE_OFFSET[0],
) -> JSONBytes:
    """Active requests, most urgent then newest first; never an expired or closed one.

    ``college_domain`` (or ``mine``) keeps the caller's verified college only.
    """
    filters = await service.college_filters(
        session=session, settings=settings, user=user, filters=filters, cache=cache
    )
    return JSONBytes(
        await service.read_feed(
            session=session,
            cache=cache,
            limiter=limiter,
            user=user,
            filters=filters,
            offset=offset,
            limit=limit,
        )
    )


@router.get("/help/feed/stream", response_class=EventSourceResponse)
async def stream_help_feed(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    hub: HubDep,
    limiter: LimiterDep,
    filters: FiltersDep,
    request: Request,
) -> EventSourceResponse:
    """Live events: request.created (matching the filters), request.updated, request.expired."""
    filters = await service.college_filters(
        session=session, settings=settings, user=user, filters=filters
    )
    events = await service.stream_feed(
        limiter=limiter,
        hub=hub,
        user=user,
        filters=filters,
        is_disconnected=request.is_disconnected,
    )
    return EventSourceResponse(events, ping=15)


@router.get("/help/mine", response_model=Page[schemas.MyRequest])
async def list_my_help_requests(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[schemas.MyRequest]:
    """The caller's own requests, newest first."""
    return await service.list_mine(
        session=session, settings=settings, user=user, limit=limit, offset=offset
    )


@router.get("/help/requests/{request_id}", response_model=schemas.HelpRequestRead)
async def read_help_request(
    request_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.HelpRequestRead:
    """A request as the caller may see it (404 if it is not theirs to see)."""
    return await service.get_request(
        session=session, cache=cache, settings=settings, user=user, request_id=request_id
    )


@router.post(
    "/help/requests/{request_id}/offers",
    response_model=schemas.OfferRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_help_offer(
    request_id: uuid.UUID,
    data: schemas.OfferCreate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
    hub: HubDep,
) -> schemas.OfferRead:
    """Offer to help on someone else's active request, with an optional encrypted note."""
    return await service.create_offer(
        session=session,
        cache=cache,
        hub=hub,
        settings=settings,
        user=user,
        request_id=request_id,
        data=data,
    )


@router.post("/help/requests/{request_id}/accept", response_model=schemas.HelpRequestRead)
async def accept_help_offer(
    request_id: uuid.UUID,
    data: schemas.AcceptIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
    hub: HubDep,
) -> schemas.HelpRequestRead:
    """Accept an offer, handing over the request key sealed to that helper."""
    return await service.accept_offer(
        session=session,
        cache=cache,
        hub=hub,
        settings=settings,
        user=user,
        request_id=request_id,
        data=data,
    )


@router.post(
    "/help/requests/{request_id}/messages",
    response_model=schemas.HelpMessageRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_help_message(
    request_id: uuid.UUID,
    data: schemas.HelpMessageCreate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    hub: HubDep,
    limiter: LimiterDep,
) -> schemas.HelpMessageRead:
    """Write to the other side of an accepted request (ciphertext made by the client)."""
    return await conversation.post_message(
        session=session,
        hub=hub,
        limiter=limiter,
        settings=settings,
        user=user,
        request_id=request_id,
        data=data,
    )


@router.get(
    "/help/requests/{request_id}/messages", response_model=CursorPage[schemas.HelpMessageRead]
)
async def list_help_messages(
    request_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CursorPage[schemas.HelpMessageRead]:
    """The conversation of an accepted request, oldest first (its two sides only)."""
    return await conversation.list_messages(
        session=session,
        settings=settings,
        user=user,
        request_id=request_id,
        cursor=cursor,
        limit=limit,
    )


@router.patch("/help/requests/{request_id}/status", response_model=schemas.HelpRequestRead)
async def update_help_request_status(
    request_id: uuid.UUID,
    data: schemas.StatusUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
    hub: HubDep,
) -> schemas.HelpRequestRead:
    """Mark in progress, complete (rating the helper) or cancel."""
    return await service.update_status(
        session=session,
        cache=cache,
        hub=hub,
        settings=settings,
        user=user,
        request_id=request_id,
        data=data,
    )


@router.get("/help/trust/me", response_model=schemas.TrustRead)
async def read_my_trust(
    user: CurrentUser, session: SessionDep, cache: CacheDep, settings: SettingsDep
) -> schemas.TrustRead:
    """The caller's trust score as a helper."""
    return await service.my_trust(session=session, cache=cache, settings=settings, user=user)


@router.post(
    "/help/verifications",
    response_model=schemas.VerificationRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_skill_verification(
    data: schemas.VerificationCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> schemas.VerificationRead:
    """Vouch for another user's skill (peer, quiz or project, score 0-100)."""
    return await service.verify_skill(session=session, settings=settings, user=user, data=data)


@router.get("/users/{user_id}/verifications", response_model=schemas.UserVerifications)
async def list_user_verifications(
    user_id: PathId, session: ReadSessionDep, settings: SettingsDep
) -> schemas.UserVerifications:
    """A user's verified skills with counts and average scores."""
    return await service.verified_skills(session=session, settings=settings, user_id=user_id)


# --- hot route (core.hot): the feed without FastAPI's dependency solving --------------------

_FEED_PARAMS = frozenset({"skills", "min_urgency", "college_domain", "limit", "offset"})
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


def _plain_number(text: str | None, bounds: tuple[int, int, int]) -> int | None:
    """A number written as plain digits within bounds (absent: the default), else None."""
    default, low, high = bounds
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 5 or (text[0] == "0" and text != "0"):
        return None
    value = int(text)
    return value if low <= value <= high else None


def plain_feed_query(params: QueryParams) -> tuple[Filters, int, int] | None:
    """The feed's filters, limit and offset when the query is plainly valid, else None.

    Only a strict subset of what the documented route accepts is read here (known names,
    scalars given once, plain digits, domains of ASCII letters, digits, dots and hyphens); the
    rest is left to the route, which validates it and answers the same page or the 422.
    """
    skills: list[str] = []
    scalars: dict[str, str] = {}
    for name, value in params.multi_items():
        if name not in _FEED_PARAMS or name in scalars:
            return None
        if name == "skills":
            skills.append(value)
        else:
            scalars[name] = value
    min_urgency = _plain_number(scalars.get("min_urgency"), MIN_URGENCY)
    limit = _plain_number(scalars.get("limit"), PAGE_LIMIT)
    offset = _plain_number(scalars.get("offset"), PAGE_OFFSET)
    domain = scalars.get("college_domain")
    if min_urgency is None or limit is None or offset is None:
        return None
    if domain is not None and not _DOMAIN_CHARS.issuperset(domain):
        return None
    try:
        tags = schemas.normalise_tags(
            [part for value in skills for part in value.split(",") if part.strip()]
        )
        domain = schemas.normalise_domain(domain) if domain is not None else None
    except ValueError:
        return None
    return (
        Filters(skills=frozenset(tags), min_urgency=min_urgency, college_domain=domain),
        (limit),
        offset,
    )


@lru_cache(maxsize=4_096)
def parsed_feed_query(query_string: bytes) -> tuple[Filters, int, int] | None:
    """``plain_feed_query`` of a raw query string, remembered: a few queries repeat a lot."""
    return plain_feed_query(QueryParams(query_string.decode("latin-1")))


async def hot_read_help_feed(request: Request) -> Response | None:
    """``GET /help/feed``: auth and college from the near cache, one Redis round trip."""
    query = parsed_feed_query(request.scope["query_string"])
    if query is None:
        return None  # the documented route validates odd input
    filters, limit, offset = query
    platform: Platform = request.app.state.platform
    token = await get_token(await get_bearer_token(request, await bearer(request)))
    # Each step holds at most one pooled connection, and only on a cache miss: the token and
    # the college come from the cache, and a kept page needs one driver-level statement.
    async with request_session(request) as session:
        user = await user_from_token(session=session, cache=platform.cache, token=token)
        filters = await service.college_filters(
            session=session,
            settings=platform.settings,
            user=user,
            filters=filters,
            cache=platform.cache,
        )
    async with request_session(request) as session:
        body = await service.read_feed(
            session=session,
            cache=platform.cache,
            limiter=platform.limiter,
            user=user,
            filters=filters,
            offset=offset,
            limit=limit,
            connect=partial(request_read_connection, request),
            confirm=partial(
                feed.all_active,
                cache=platform.cache,
                fetch=partial(request_fetch_one, request),
                dialect=platform.db.dialect,
            ),
        )
    return JSONBytes(body)


HOT_ROUTES: dict[tuple[str, str], HotEndpoint] = {("GET", "/help/feed"): hot_read_help_feed}
