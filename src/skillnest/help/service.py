"""Anonymous help rules: requests and their life, offers, trust, verifications, expiry.

Anonymity: people never appear in help tables as user ids, emails or addresses, only as
HMAC-SHA256 pseudonyms keyed by ``PSEUDONYM_KEY`` (which lives outside the database) and
separated by purpose: "help-owner" marks who owns a request, "trust" who helped whom, and
"verification" who vouched for whose skill. A separate purpose for verifications matters:
verifications are listed publicly by user id, so sharing the "trust" pseudonym would let a
database dump tie a user id to their trust interactions.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, distinct, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.accounts.service import AuthUser
from skillnest.core.cache import TTL, Cache, get_json, set_json
from skillnest.core.errors import Conflict, Forbidden, NotFound
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
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
    HelpOffer,
    HelpSession,
    SkillVerification,
    TrustInteraction,
)
from skillnest.help.trust import TrustStats, months_before
from skillnest.settings import Settings

REQUEST_LIMIT = "3/hour"
FEED_LIMIT = "100/15 minutes"
TRUST_TTL = int(TTL.MEDIUM)  # seed: setex 3600
RETENTION = timedelta(days=30)
AVATAR_COLORS = ("blue", "green", "purple", "orange", "pink")
AVATAR_SHAPES = ("circle", "triangle", "square", "diamond", "star")
TERMINAL_STATUSES = (COMPLETED, CANCELLED, EXPIRED)
NOT_FOUND = "No such help request."
_SPACES = re.compile(r"\s+")

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


def verification_pseudonym(settings: Settings, user_id: int) -> str:
    """A verified user or a verifier ("verification")."""
    return _pseudonym(settings, "verification", user_id)


def new_avatar() -> str:
    """Seed 000's anonymous avatar: one of 5 colours and one of 5 shapes, e.g. ``blue-star``."""
    return f"{secrets.choice(AVATAR_COLORS)}-{secrets.choice(AVATAR_SHAPES)}"


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """The status as of now: an open request past ``expires_at`` is Expired, job or not."""
    return EXPIRED if status in OPEN_STATUSES and expires_at <= now else status


def trust_cache_key(helper_hash: str) -> str:
    """Seed 000's cache key of a helper's trust score."""
    return f"trust_score:{helper_hash}"


def normalise_skill_name(name: str) -> str:
    """Verified skills group case-insensitively."""
    return _SPACES.sub(" ", name).strip().lower()


# --- requests ---------------------------------------------------------------------------

REQUEST_COLUMNS = (
    *feed.CARD_COLUMNS,
    HelpSession.status,
    HelpSession.owner_hash,
    HelpSession.encrypted_request,
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
) -> dict[str, Any]:
    """Store a request (ciphertext only), put it in the live feed; return its id and avatar."""
    await limiter.hit(REQUEST_LIMIT, "help-request", str(user.id))
    now = datetime.now(UTC)
    values = {
        "skill_tags": data.skill_tags,
        "urgency_level": data.urgency_level,
        "college_domain": data.college_domain,
        "anonymous_avatar": new_avatar(),
        "encrypted_request": data.encrypted_request,
        "title": data.title,
        "created_at": now,
        "expires_at": now + timedelta(hours=data.expires_in_hours),
        "status": ACTIVE,
        "owner_hash": owner_pseudonym(settings, user.id),
    }
    row = (
        (await session.execute(insert(HelpSession).values(values).returning(*feed.CARD_COLUMNS)))
        .mappings()
        .one()
    )
    await feed.add(cache=cache, hub=hub, row=row)
    return {"id": row["id"], "avatar": row["anonymous_avatar"]}


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
    return {
        "id": row.id,
        "status": row.status,
        "helper_public_key": row.helper_public_key,
        "created_at": feed.to_minute(row.created_at),
        "trust": trust.public() if trust is not None else None,
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
    doc = _card_doc(row) | {"status": status}
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
    *, session: AsyncSession, settings: Settings, user: AuthUser, limit: int = 100
) -> list[dict[str, Any]]:
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
            .order_by(HelpSession.created_at.desc())
            .limit(limit)
        )
    ).all()
    now = datetime.now(UTC)
    return [
        _card_doc(r) | {"status": effective_status(r.status, r.expires_at, now), "offers": r.offers}
        for r in rows
    ]


async def read_feed(
    *,
    session: AsyncSession,
    cache: Cache,
    limiter: RateLimiter,
    user: AuthUser,
    filters: feed.Filters,
    offset: int,
    limit: int,
) -> bytes:
    """One page of active requests (rate limited per account) as ready JSON bytes."""
    await limiter.hit(FEED_LIMIT, "help-feed", str(user.id))
    return await feed.read_page(
        session=session, cache=cache, filters=filters, offset=offset, limit=limit
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
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    data: schemas.OfferCreate,
) -> dict[str, Any]:
    """Offer to help on an active request that is not the caller's own."""
    row = await _request_row(session, request_id)
    if row.owner_hash is not None and row.owner_hash == owner_pseudonym(settings, user.id):
        raise Forbidden("You cannot offer help on your own request.")
    if effective_status(row.status, row.expires_at, datetime.now(UTC)) != ACTIVE:
        raise Conflict("This request is no longer open for offers.")
    helper_hash = trust_pseudonym(settings, user.id)
    try:
        async with session.begin_nested():
            offer = (
                await session.execute(
                    insert(HelpOffer)
                    .values(
                        request_id=row.id,
                        helper_hash=helper_hash,
                        helper_public_key=data.public_key,
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
    except IntegrityError as exc:
        raise Conflict("You already offered to help on this request.") from exc
    trust = await helper_trust(session=session, cache=cache, helper_hash=helper_hash)
    return _offer_doc(offer, trust)


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
    """A finished request keeps no ciphertext and no key envelope (data minimisation)."""
    await session.execute(
        update(HelpSession)
        .where(HelpSession.id == request_id)
        .values(encrypted_request=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(HelpKeyEnvelope).where(HelpKeyEnvelope.request_id == request_id))


async def accept_offer(
    *,
    session: AsyncSession,
    cache: Cache,
    hub: Hub,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    data: schemas.AcceptIn,
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
    """The caller's own trust score as helper (withheld, like for anyone, below 5 seekers)."""
    stats = await helper_trust(
        session=session, cache=cache, helper_hash=trust_pseudonym(settings, user.id)
    )
    return stats.public()


# --- skill verification -----------------------------------------------------------------


async def _require_user(session: AsyncSession, user_id: int) -> None:
    if await session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise NotFound("No such user.")


async def verify_skill(
    *,
    session: AsyncSession,
    settings: Settings,
    user: AuthUser,
    data: schemas.VerificationCreate,
) -> dict[str, Any]:
    """Vouch for another user's skill; both sides are stored as pseudonyms."""
    if data.user_id == user.id:
        raise Forbidden("Nobody verifies their own skills.")
    await _require_user(session, data.user_id)
    try:
        async with session.begin_nested():
            row = (
                await session.execute(
                    insert(SkillVerification)
                    .values(
                        user_hash=verification_pseudonym(settings, data.user_id),
                        skill_name=normalise_skill_name(data.skill_name),
                        verification_type=data.verification_type,
                        score=data.score,
                        verified_by_hash=verification_pseudonym(settings, user.id),
                        created_at=datetime.now(UTC),
                    )
                    .returning(
                        SkillVerification.id,
                        SkillVerification.skill_name,
                        SkillVerification.verification_type,
                        SkillVerification.score,
                        SkillVerification.created_at,
                    )
                )
            ).one()
    except IntegrityError as exc:
        raise Conflict("You already verified this skill of this user this way.") from exc
    return dict(row._mapping)


async def list_verifications(
    *, session: AsyncSession, settings: Settings, user_id: int
) -> dict[str, Any]:
    """A user's verified skills with counts, average scores and counts per kind."""
    await _require_user(session, user_id)
    rows = (
        await session.execute(
            select(
                SkillVerification.skill_name,
                SkillVerification.verification_type,
                func.count(),
                func.sum(SkillVerification.score),
            )
            .where(SkillVerification.user_hash == verification_pseudonym(settings, user_id))
            .group_by(SkillVerification.skill_name, SkillVerification.verification_type)
        )
    ).all()
    skills: dict[str, dict[str, Any]] = {}
    for name, kind, count, total in rows:
        entry = skills.setdefault(name, {"skill_name": name, "count": 0, "total": 0, "by_type": {}})
        entry["count"] += int(count)
        entry["total"] += int(total or 0)
        entry["by_type"][kind] = int(count)
    ordered = sorted(skills.values(), key=lambda s: (-s["count"], s["skill_name"]))
    return {
        "user_id": user_id,
        "skills": [
            {
                "skill_name": s["skill_name"],
                "count": s["count"],
                "average_score": round(s["total"] / s["count"], 2),
                "by_type": s["by_type"],
            }
            for s in ordered
        ],
    }


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


# --- read by other modules --------------------------------------------------------------


async def verification_summary(
    *, session: AsyncSession, settings: Settings, user_id: int
) -> schemas.VerificationSummary:
    """How many skill verifications a user received (stored under the user's pseudonym)."""
    subject = verification_pseudonym(settings, user_id)
    count = await session.scalar(
        select(func.count())
        .select_from(SkillVerification)
        .where(SkillVerification.user_hash == subject)
    )
    return schemas.VerificationSummary(count=int(count or 0))
