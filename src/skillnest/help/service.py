"""Anonymous help rules: requests and their life, offers, trust, verifications, expiry.

Anonymity: people never appear in help tables as user ids, emails or addresses, only as
HMAC-SHA256 pseudonyms keyed by ``PSEUDONYM_KEY`` (which lives outside the database) and
separated by purpose: "help-owner" marks who owns a request, "trust" who helped whom, and
"verification" who vouched for whose skill. A separate purpose for verifications matters:
verifications are listed publicly by user id, so sharing the "trust" pseudonym would let a
database dump tie a user id to their trust interactions.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, distinct, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from skillnest.accounts import service as accounts
from skillnest.accounts.service import AuthUser, verified_college_domain
from skillnest.core.cache import TTL, Cache, get_json, set_json
from skillnest.core.errors import Conflict, Forbidden, NotFound, conflict_on_integrity
from skillnest.core.pages import Page, page_of
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub, publish_to_channel_after_commit
from skillnest.core.security import keyed_pseudonym
from skillnest.help import feed, schemas
from skillnest.help.models import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    EXPIRED,
    IN_PROGRESS,
    MATCHED,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    OFFER_PENDING,
    OPEN_STATUSES,
    HelpKeyEnvelope,
    HelpMessage,
    HelpOffer,
    HelpSession,
    TrustInteraction,
)
from skillnest.help.trust import TrustStats, months_before
from skillnest.help.verifications import normalise_skill_name as normalise_skill_name
from skillnest.help.verifications import verification_pseudonym as verification_pseudonym
from skillnest.help.verifications import verification_summary as verification_summary
from skillnest.help.verifications import verified_skills as verified_skills
from skillnest.help.verifications import verify_skill as verify_skill
from skillnest.settings import Settings

REQUEST_LIMIT = "3/hour"
FEED_LIMIT = "100/15 minutes"
TRUST_TTL = int(TTL.MEDIUM)  # seed: setex 3600
RETENTION = timedelta(days=30)
AVATAR_COLORS = ("blue", "green", "purple", "orange", "pink")
AVATAR_SHAPES = ("circle", "triangle", "square", "diamond", "star")
TERMINAL_STATUSES = (COMPLETED, CANCELLED, EXPIRED)
NOT_FOUND = "No such help request."
MY_COLLEGE = "mine"
NO_COLLEGE = (
    "A college comes only from a verified academic email address (.edu, .ac.<cc>, .edu.<cc>): "
    "verify yours first."
)
NO_ASKER_KEY = (
    "This request was made without a key for messages: helpers can offer, but not write to it."
)
OTHER_COLLEGE = "Your verified college is {mine}; requests and filters can only name that one."

# Who may move a request from which states to which (the caller's role, then the state).
TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    IN_PROGRESS: (("owner", "helper"), (MATCHED,)),
    COMPLETED: (("owner",), (IN_PROGRESS,)),
    CANCELLED: (("owner",), (ACTIVE, MATCHED, IN_PROGRESS)),
}


# --- pseudonyms and small pure rules ----------------------------------------------------


def _pseudonym(settings: Settings, purpose: str, user_id: int) -> str:
    return keyed_pseudonym(settings.pseudonym_key.get_secret_value(), purpose, user_id)


def owner_pseudonym(settings: Settings, user_id: int) -> str:
    """Who owns a request ("help-owner")."""
    return _pseudonym(settings, "help-owner", user_id)


def trust_pseudonym(settings: Settings, user_id: int) -> str:
    """A helper or seeker in the trust network ("trust"); replaces seed 000's hashUserId."""
    return _pseudonym(settings, "trust", user_id)


def event_channel(settings: Settings, party_hash: str) -> str:
    """The live channel of one side of help (an owner or a trust pseudonym).

    Named by a further keyed hash, so that a Redis channel name never repeats a stored
    pseudonym: watching Redis does not tie a user's ``events:user:<id>`` subscription to it.
    """
    key = settings.pseudonym_key.get_secret_value()
    return f"events:help:{keyed_pseudonym(key, 'help-events', party_hash)}"


def event_channels(*, settings: Settings, user_id: int) -> list[str]:
    """The help channels a user's event stream (``GET /me/events``) also listens to."""
    return [
        event_channel(settings, owner_pseudonym(settings, user_id)),
        event_channel(settings, trust_pseudonym(settings, user_id)),
    ]


def new_avatar() -> str:
    """Seed 000's anonymous avatar: one of 5 colours and one of 5 shapes, e.g. ``blue-star``."""
    return f"{secrets.choice(AVATAR_COLORS)}-{secrets.choice(AVATAR_SHAPES)}"


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """The status as of now: an open request past ``expires_at`` is Expired, job or not."""
    return EXPIRED if status in OPEN_STATUSES and expires_at <= now else status


def trust_cache_key(helper_hash: str) -> str:
    """Seed 000's cache key of a helper's trust score."""
    return f"trust_score:{helper_hash}"


# --- requests ---------------------------------------------------------------------------

REQUEST_COLUMNS = (
    *feed.CARD_COLUMNS,
    HelpSession.status,
    HelpSession.owner_hash,
    HelpSession.encrypted_request,
    HelpSession.asker_public_key,
)


async def _request_row(session: AsyncSession, request_id: uuid.UUID) -> Row[Any]:
    row = (
        await session.execute(select(*REQUEST_COLUMNS).where(HelpSession.id == request_id))
    ).one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


async def create_request(
    *,
    session: AsyncSession,
    cache: Cache,
    hub: Hub,
    limiter: RateLimiter,
    settings: Settings,
    user: AuthUser,
    data: schemas.HelpRequestCreate,
) -> schemas.HelpRequestCreated:
    """Store a request (ciphertext only), put it in the live feed; return its id and avatar.

    A request carries a college only when the asker names the college of their verified
    academic address (or ``mine``); anything else is refused.
    """
    college = None
    if data.college_domain is not None:
        college = await own_college(
            session=session, settings=settings, user=user, asked=data.college_domain
        )
    await limiter.hit(REQUEST_LIMIT, "help-request", str(user.id))
    now = datetime.now(UTC)
    values = {
        "skill_tags": data.skill_tags,
        "urgency_level": data.urgency_level,
        "college_domain": college,
        "anonymous_avatar": new_avatar(),
        "encrypted_request": data.encrypted_request,
        "title": data.title,
        "created_at": now,
        "expires_at": now + timedelta(hours=data.expires_in_hours),
        "status": ACTIVE,
        "owner_hash": owner_pseudonym(settings, user.id),
        "asker_public_key": data.public_key,
    }
    row = (
        (await session.execute(insert(HelpSession).values(values).returning(*feed.CARD_COLUMNS)))
        .mappings()
        .one()
    )
    await feed.add(cache=cache, hub=hub, row=row)
    return schemas.HelpRequestCreated(id=row["id"], avatar=row["anonymous_avatar"])


async def _offers_of(
    session: AsyncSession, cache: Cache, request_id: uuid.UUID
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(
                HelpOffer.id,
                HelpOffer.status,
                HelpOffer.helper_public_key,
                HelpOffer.created_at,
                HelpOffer.helper_hash,
                HelpOffer.encrypted_message,
            )
            .where(HelpOffer.request_id == request_id)
            .order_by(HelpOffer.created_at, HelpOffer.id)
        )
    ).all()
    return [
        _offer_doc(r, (await helper_trust(session=session, cache=cache, helper_hash=r.helper_hash)))
        for r in rows
    ]


def _offer_doc(row: Any, trust: TrustStats | None) -> dict[str, Any]:
    """An offer's fields; its message only where the row carries it (the owner's view)."""
    return {
        "id": row.id,
        "status": row.status,
        "helper_public_key": row.helper_public_key,
        "created_at": feed.to_minute(row.created_at),
        "trust": trust.public() if trust is not None else None,
        "encrypted_message": row._mapping.get("encrypted_message"),
    }


def _card_doc(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "skill_tags": list(row.skill_tags or []),
        "urgency_level": row.urgency_level,
        "college_domain": row.college_domain,
        "avatar": row.anonymous_avatar,
        "created_at": feed.to_minute(row.created_at),
        "expires_at": feed.to_minute(row.expires_at),
    }


async def get_request(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
) -> schemas.HelpRequestRead:
    """A request as the caller may see it (see ``_request_doc``)."""
    doc = await _request_doc(session, cache, settings, user, request_id)
    return schemas.HelpRequestRead.model_validate(doc)


async def _request_doc(
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
) -> dict[str, Any]:
    """A request as the caller may see it.

    The owner sees everything, offers with each helper's trust score included; the accepted
    helper sees the ciphertext and the key sealed to them while the request is open; a
    helper who offered sees the card and their offer; anyone else sees an active request's
    card only, and a 404 for any other.
    """
    row = await _request_row(session, request_id)
    now = datetime.now(UTC)
    status = effective_status(row.status, row.expires_at, now)
    doc = _card_doc(row) | {"status": status, "asker_public_key": row.asker_public_key}
    if row.owner_hash is not None and row.owner_hash == owner_pseudonym(settings, user.id):
        doc |= {
            "role": "owner",
            "encrypted_request": row.encrypted_request,
            "offers": await _offers_of(session, cache, row.id),
        }
        return doc
    helper_hash = trust_pseudonym(settings, user.id)
    offer = (
        await session.execute(
            select(
                HelpOffer.id,
                HelpOffer.status,
                HelpOffer.helper_public_key,
                HelpOffer.created_at,
            ).where(HelpOffer.request_id == row.id, HelpOffer.helper_hash == helper_hash)
        )
    ).one_or_none()
    if offer is None:
        if status != ACTIVE:
            raise NotFound(NOT_FOUND)
        return doc | {"role": "viewer"}
    doc["my_offer"] = _offer_doc(offer, None)
    if offer.status != OFFER_ACCEPTED:
        return doc | {"role": "viewer"}
    doc["role"] = "helper"
    if status in OPEN_STATUSES:
        sealed = await session.scalar(
            select(HelpKeyEnvelope.sealed_key).where(HelpKeyEnvelope.offer_id == offer.id)
        )
        doc |= {"encrypted_request": row.encrypted_request, "sealed_key": sealed}
    return doc


async def list_mine(
    *, session: AsyncSession, settings: Settings, user: AuthUser, limit: int = 20, offset: int = 0
) -> Page[schemas.MyRequest]:
    """The caller's own requests, newest first, with how many offers each has."""
    offers = (
        select(func.count())
        .select_from(HelpOffer)
        .where(HelpOffer.request_id == HelpSession.id)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(*feed.CARD_COLUMNS, HelpSession.status, offers.label("offers"))
            .where(HelpSession.owner_hash == owner_pseudonym(settings, user.id))
            .order_by(HelpSession.created_at.desc(), HelpSession.id)
            .limit(limit + 1)
            .offset(offset)
        )
    ).all()
    now = datetime.now(UTC)
    items = [
        schemas.MyRequest.model_validate(
            _card_doc(r)
            | {"status": effective_status(r.status, r.expires_at, now), "offers": r.offers}
        )
        for r in rows
    ]
    return page_of(items, limit=limit, offset=offset)


async def own_college(
    *,
    session: AsyncSession | AsyncConnection,
    settings: Settings,
    user: AuthUser,
    asked: str,
    cache: Cache | None = None,
) -> str:
    """The caller's verified college when ``asked`` names it (or is ``mine``); else 403."""
    key = accounts.college_cache_key(user.id)  # with a cache (reads): dropped by invalidate_user
    raw = await cache.get(key) if cache is not None else None
    mine = raw.decode() or None if raw is not None else None
    if raw is None:
        mine = await verified_college_domain(session=session, settings=settings, user_id=user.id)
    if raw is None and cache is not None:  # an empty value: no college
        await cache.set(key, (mine or "").encode(), TTL.SHORT, tags=[accounts.user_tag(user.id)])
    if mine is None:
        raise Forbidden(NO_COLLEGE)
    if asked not in (MY_COLLEGE, mine):
        raise Forbidden(OTHER_COLLEGE.format(mine=mine))
    return mine


async def college_filters(
    *,
    session: AsyncSession | AsyncConnection,
    settings: Settings,
    user: AuthUser,
    filters: feed.Filters,
    cache: Cache | None = None,
) -> feed.Filters:
    """Feed filters whose college is the caller's verified one (the public feed has none)."""
    if filters.college_domain is None:
        return filters
    college = await own_college(
        session=session, settings=settings, user=user, asked=filters.college_domain, cache=cache
    )
    return dataclasses.replace(filters, college_domain=college)


async def read_feed(
    *,
    session: AsyncSession,
    cache: Cache,
    limiter: RateLimiter,
    user: AuthUser,
    filters: feed.Filters,
    offset: int,
    limit: int,
    reader: AsyncConnection | None = None,
    connect: feed.Connect | None = None,
    confirm: feed.ConfirmKept | None = None,
) -> bytes:
    """One page of active requests (rate limited per account) as ready JSON bytes.

    The hit and the read of the feed's version share one Redis round trip; ``reader`` is a
    connection outside transactions to confirm the page on (the session otherwise), or
    ``connect`` opens one when the page is not kept ready; ``confirm`` checks a kept one.
    """
    read, version = await limiter.hit_and_get(
        FEED_LIMIT, "help-feed", str(user.id), key=feed.VERSION_KEY
    )
    return await feed.read_page(
        session=session,
        cache=cache,
        filters=filters,
        offset=offset,
        limit=limit,
        version=version if read else None,
        reader=reader,
        connect=connect,
        confirm=confirm,
    )


async def stream_feed(
    *,
    limiter: RateLimiter,
    hub: Hub,
    user: AuthUser,
    filters: feed.Filters,
    is_disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[dict[str, str]]:
    """Open the live feed stream (counts as one feed read)."""
    await limiter.hit(FEED_LIMIT, "help-feed", str(user.id))
    return feed.stream(hub=hub, filters=filters, is_disconnected=is_disconnected)


# --- offers, acceptance and the status flow ---------------------------------------------


async def create_offer(
    *,
    session: AsyncSession,
    cache: Cache,
    hub: Hub,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    data: schemas.OfferCreate,
) -> schemas.OfferRead:
    """Offer to help on an active request that is not the caller's own.

    A message with the offer needs the request's ``asker_public_key`` (409 without); the
    owner's event stream gets ``help.offer`` once the offer is committed.
    """
    row = await _request_row(session, request_id)
    if row.owner_hash is not None and row.owner_hash == owner_pseudonym(settings, user.id):
        raise Forbidden("You cannot offer help on your own request.")
    if effective_status(row.status, row.expires_at, datetime.now(UTC)) != ACTIVE:
        raise Conflict("This request is no longer open for offers.")
    if data.encrypted_message is not None and row.asker_public_key is None:
        raise Conflict(NO_ASKER_KEY)
    helper_hash = trust_pseudonym(settings, user.id)
    async with conflict_on_integrity(session, "You already offered to help on this request."):
        offer = (
            await session.execute(
                insert(HelpOffer)
                .values(
                    request_id=row.id,
                    helper_hash=helper_hash,
                    helper_public_key=data.public_key,
                    encrypted_message=data.encrypted_message,
                    created_at=datetime.now(UTC),
                )
                .returning(
                    HelpOffer.id,
                    HelpOffer.status,
                    HelpOffer.helper_public_key,
                    HelpOffer.created_at,
                )
            )
        ).one()
    trust = await helper_trust(session=session, cache=cache, helper_hash=helper_hash)
    if row.owner_hash is not None:
        publish_to_channel_after_commit(
            session,
            hub,
            event_channel(settings, row.owner_hash),
            "help.offer",
            {"request_id": str(row.id), "offer_id": str(offer.id)},
        )
    return schemas.OfferRead.model_validate(_offer_doc(offer, trust))


async def _owned_row(
    session: AsyncSession, settings: Settings, user: AuthUser, request_id: uuid.UUID
) -> Row[Any]:
    row = await _request_row(session, request_id)
    if row.owner_hash is None or row.owner_hash != owner_pseudonym(settings, user.id):
        raise NotFound(NOT_FOUND)
    return row


async def _move(
    session: AsyncSession, request_id: uuid.UUID, src: str, dst: str, now: datetime, **values: Any
) -> None:
    """Compare-and-set the status, so two concurrent changes cannot both win."""
    result = await session.execute(
        update(HelpSession)
        .where(
            HelpSession.id == request_id,
            HelpSession.status == src,
            HelpSession.expires_at > now,
        )
        .values(status=dst, **values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise Conflict("The request changed meanwhile; reload it and try again.")


async def _drop_secrets(session: AsyncSession, request_id: uuid.UUID) -> None:
    """A finished request keeps no ciphertext, key envelope, offer message or conversation."""
    await session.execute(
        update(HelpSession)
        .where(HelpSession.id == request_id)
        .values(encrypted_request=None)
        .execution_options(synchronize_session=False)
    )
    await _drop_messages(session, HelpSession.id == request_id)
    await session.execute(delete(HelpKeyEnvelope).where(HelpKeyEnvelope.request_id == request_id))


async def _drop_messages(session: AsyncSession, requests: Any) -> None:
    """Delete the conversations and offer messages of the requests ``requests`` selects."""
    ids = select(HelpSession.id).where(requests)
    await session.execute(
        delete(HelpMessage)
        .where(HelpMessage.request_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(HelpOffer)
        .where(HelpOffer.request_id.in_(ids), HelpOffer.encrypted_message.is_not(None))
        .values(encrypted_message=None)
        .execution_options(synchronize_session=False)
    )


async def accept_offer(
    *,
    session: AsyncSession,
    cache: Cache,
    hub: Hub,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    data: schemas.AcceptIn,
) -> schemas.HelpRequestRead:
    """The owner picks a helper: the request becomes Matched and leaves the feed."""
    row = await _owned_row(session, settings, user, request_id)
    now = datetime.now(UTC)
    status = effective_status(row.status, row.expires_at, now)
    if status != ACTIVE:
        raise Conflict(f"Only an Active request can accept an offer (this one is {status}).")
    offer_status = await session.scalar(
        select(HelpOffer.status).where(
            HelpOffer.id == data.offer_id, HelpOffer.request_id == row.id
        )
    )
    if offer_status is None:
        raise NotFound("No such offer on this request.")
    if offer_status != OFFER_PENDING:
        raise Conflict("This offer is no longer pending.")
    await _move(session, row.id, ACTIVE, MATCHED, now)
    await session.execute(
        update(HelpOffer)
        .where(HelpOffer.request_id == row.id)
        .values(status=OFFER_DECLINED)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(HelpOffer)
        .where(HelpOffer.id == data.offer_id)
        .values(status=OFFER_ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        insert(HelpKeyEnvelope).values(
            request_id=row.id, offer_id=data.offer_id, sealed_key=data.sealed_key, created_at=now
        )
    )
    await feed.remove(
        cache=cache,
        hub=hub,
        request_id=row.id,
        created_at=row.created_at,
        event={"type": "request.updated", "data": {"id": str(row.id), "status": MATCHED}},
    )
    return await get_request(
        session=session, cache=cache, settings=settings, user=user, request_id=row.id
    )


async def update_status(
    *,
    session: AsyncSession,
    cache: Cache,
    hub: Hub,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    data: schemas.StatusUpdate,
) -> schemas.HelpRequestRead:
    """Move a request along Active -> Matched -> InProgress -> Completed, or cancel it.

    Only the owner completes (rating the accepted helper) or cancels; the accepted helper may
    mark a matched request in progress. Anything else is a 409.
    """
    row = await _request_row(session, request_id)
    now = datetime.now(UTC)
    is_owner = row.owner_hash is not None and row.owner_hash == owner_pseudonym(settings, user.id)
    helper_hash = trust_pseudonym(settings, user.id)
    accepted = (
        await session.execute(
            select(HelpOffer.id, HelpOffer.helper_hash).where(
                HelpOffer.request_id == row.id, HelpOffer.status == OFFER_ACCEPTED
            )
        )
    ).one_or_none()
    is_helper = accepted is not None and accepted.helper_hash == helper_hash
    role = "owner" if is_owner else "helper" if is_helper else None
    if role is None:
        raise NotFound(NOT_FOUND)
    roles, sources = TRANSITIONS[data.status]
    if role not in roles:
        raise Forbidden(f"Only the request's owner can mark it {data.status}.")
    status = effective_status(row.status, row.expires_at, now)
    if status not in sources:
        raise Conflict(f"A {status} request cannot become {data.status}.")
    await _move(session, row.id, status, data.status, now)
    if data.status == COMPLETED:
        assert accepted is not None and data.session_quality and data.help_duration
        await record_interaction(
            session=session,
            cache=cache,
            helper_hash=accepted.helper_hash,
            seeker_hash=trust_pseudonym(settings, user.id),
            quality=data.session_quality,
            duration=data.help_duration,
            skill_category=(row.skill_tags or [None])[0],
        )
    if data.status in TERMINAL_STATUSES:
        await _drop_secrets(session, row.id)
    if status == ACTIVE:
        await feed.remove(
            cache=cache,
            hub=hub,
            request_id=row.id,
            created_at=row.created_at,
            event={"type": "request.updated", "data": {"id": str(row.id), "status": data.status}},
        )
    return await get_request(
        session=session, cache=cache, settings=settings, user=user, request_id=row.id
    )


# --- trust ------------------------------------------------------------------------------


async def compute_trust(
    *, session: AsyncSession, helper_hash: str, now: datetime | None = None
) -> TrustStats:
    """Seed 000's calculateTrustScore query (last three months), plus distinct seekers."""
    cutoff = months_before(now or datetime.now(UTC))
    row = (
        await session.execute(
            select(
                func.avg(TrustInteraction.session_quality),
                func.count(),
                func.avg(TrustInteraction.help_duration),
                func.count(distinct(TrustInteraction.seeker_hash)),
            ).where(
                TrustInteraction.helper_hash == helper_hash,
                TrustInteraction.created_at > cutoff,
            )
        )
    ).one()
    avg_quality, total, avg_duration, seekers = row
    return TrustStats(
        avg_quality=None if avg_quality is None else float(avg_quality),
        total_sessions=int(total),
        avg_duration=None if avg_duration is None else float(avg_duration),
        distinct_seekers=int(seekers),
    )


def _stats_doc(stats: TrustStats) -> dict[str, Any]:
    return {
        "score": stats.score,
        "avg_quality": stats.avg_quality,
        "total_sessions": stats.total_sessions,
        "avg_duration": stats.avg_duration,
        "distinct_seekers": stats.distinct_seekers,
    }


async def helper_trust(*, session: AsyncSession, cache: Cache, helper_hash: str) -> TrustStats:
    """A helper's trust figures, cached for an hour under ``trust_score:{hash}`` (seed)."""
    key = trust_cache_key(helper_hash)
    hit = await get_json(cache, key)
    if hit is not None:
        hit.pop("score", None)
        return TrustStats(**hit)
    stats = await compute_trust(session=session, helper_hash=helper_hash)
    await set_json(cache, key, _stats_doc(stats), TRUST_TTL)
    return stats


async def record_interaction(
    *,
    session: AsyncSession,
    cache: Cache,
    helper_hash: str,
    seeker_hash: str,
    quality: int,
    duration: int,
    skill_category: str | None,
) -> TrustStats:
    """Store one rated session and refresh the helper's cached score (seed: setex)."""
    if helper_hash == seeker_hash:
        raise Forbidden("Nobody rates themselves.")
    await session.execute(
        insert(TrustInteraction).values(
            helper_hash=helper_hash,
            seeker_hash=seeker_hash,
            session_quality=quality,
            help_duration=duration,
            skill_category=(skill_category or "")[:50] or None,
            created_at=datetime.now(UTC),
        )
    )
    await cache.delete(trust_cache_key(helper_hash))
    stats = await compute_trust(session=session, helper_hash=helper_hash)
    await set_json(cache, trust_cache_key(helper_hash), _stats_doc(stats), TRUST_TTL)
    return stats


async def my_trust(
    *, session: AsyncSession, cache: Cache, settings: Settings, user: AuthUser
) -> schemas.TrustRead:
    """The caller's own trust score as helper (withheld, like for anyone, below 5 seekers)."""
    stats = await helper_trust(
        session=session, cache=cache, helper_hash=trust_pseudonym(settings, user.id)
    )
    return schemas.TrustRead.model_validate(stats.public())


# --- maintenance ------------------------------------------------------------------------


async def expire_requests(*, session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Mark open requests past ``expires_at`` Expired and drop their secrets; return ids."""
    expired = list(
        (
            await session.execute(
                update(HelpSession)
                .where(HelpSession.status.in_(OPEN_STATUSES), HelpSession.expires_at <= now)
                .values(status=EXPIRED, encrypted_request=None)
                .returning(HelpSession.id)
                .execution_options(synchronize_session=False)
            )
        ).scalars()
    )
    finished = select(HelpSession.id).where(HelpSession.status.in_(TERMINAL_STATUSES))
    await _drop_messages(session, HelpSession.status.in_(TERMINAL_STATUSES))
    await session.execute(
        delete(HelpKeyEnvelope)
        .where(HelpKeyEnvelope.request_id.in_(finished))
        .execution_options(synchronize_session=False)
    )
    return expired


async def run_maintenance(*, session: AsyncSession, platform: Platform) -> str:
    """Expire requests, announce it, reconcile the live feed and delete old finished ones."""
    now = datetime.now(UTC)
    expired = await expire_requests(session=session, now=now)
    purged = await session.execute(
        delete(HelpSession)
        .where(
            HelpSession.status.in_(TERMINAL_STATUSES),
            HelpSession.expires_at < now - RETENTION,
        )
        .execution_options(synchronize_session=False)
    )
    added, removed = await feed.reconcile(
        session=session, cache=platform.cache, gone=[str(i) for i in expired]
    )
    for request_id in expired:
        await platform.hub.publish(
            feed.FEED_CHANNEL, {"type": "request.expired", "data": {"id": str(request_id)}}
        )
    deleted = getattr(purged, "rowcount", 0)
    return (
        f"{len(expired)} requests expired, {deleted} finished requests deleted, "
        f"live feed +{added}/-{removed}"
    )
