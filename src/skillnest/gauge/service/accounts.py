"""MetaGauge accounts: tiers, API keys, usage counters, lookups by email."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.accounts.service import AuthUser, normalise_email, user_tag
from skillnest.core.cache import TTL, Cache, cache_key, get_json, set_json
from skillnest.core.errors import Forbidden, NotFound
from skillnest.core.security import token_digest
from skillnest.gauge import rules, schemas
from skillnest.gauge.models import GaugeAccount
from skillnest.gauge.rules import TIER_LIMITS, month_key, month_start


@dataclass(frozen=True, slots=True)
class Caller:
    """The user of a gauge request and the tier that governs it."""

    user_id: int
    is_admin: bool
    tier: str


def api_key_cache_key(digest: str) -> str:
    """Cache key of a resolved API key."""
    return cache_key("gauge", "api-key", digest)


async def ensure_account(*, session: AsyncSession, user_id: int) -> None:
    """Create the user's MetaGauge account (free tier) the first time it is needed."""
    exists = await session.scalar(
        select(GaugeAccount.user_id).where(GaugeAccount.user_id == user_id)
    )
    if exists is None:
        try:
            async with session.begin_nested():
                session.add(GaugeAccount(user_id=user_id))
                await session.flush()
        except IntegrityError:  # a concurrent request created it first
            pass


async def caller_account(*, session: AsyncSession, user: AuthUser) -> Caller:
    """The caller's tier (creating the account if needed); 403 if it is deactivated."""
    row = (
        await session.execute(
            select(GaugeAccount.tier, GaugeAccount.is_active).where(GaugeAccount.user_id == user.id)
        )
    ).one_or_none()
    if row is None:
        await ensure_account(session=session, user_id=user.id)
        return Caller(user.id, user.is_admin, "free")
    if not row.is_active:
        raise Forbidden("This MetaGauge account is deactivated.")
    return Caller(user.id, user.is_admin, row.tier)


async def resolve_api_key(*, session: AsyncSession, cache: Cache, api_key: str) -> AuthUser | None:
    """The user behind an ``X-API-Key`` (cached briefly), or None."""
    digest = token_digest(api_key)
    key = api_key_cache_key(digest)
    hit = await get_json(cache, key)
    if hit is not None:
        return AuthUser(hit["user_id"], hit["is_admin"], 0)
    row = (
        await session.execute(
            select(GaugeAccount.user_id, User.is_admin)
            .join(User, User.id == GaugeAccount.user_id)
            .where(GaugeAccount.api_key_hash == digest, GaugeAccount.is_active.is_(True))
        )
    ).one_or_none()
    if row is None:
        return None
    doc = {"user_id": row.user_id, "is_admin": row.is_admin}
    await set_json(cache, key, doc, TTL.SHORT, tags=[user_tag(row.user_id)])
    return AuthUser(row.user_id, row.is_admin, 0)


async def rotate_api_key(*, session: AsyncSession, cache: Cache, caller: Caller) -> str:
    """Issue a new API key (64 hex characters, like the legacy keys); the old one stops."""
    old = await session.scalar(
        select(GaugeAccount.api_key_hash).where(GaugeAccount.user_id == caller.user_id)
    )
    api_key = secrets.token_hex(32)
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == caller.user_id)
        .values(api_key_hash=token_digest(api_key), updated_at=func.now())
    )
    if old:
        await cache.delete(api_key_cache_key(old))
    return api_key


async def read_account(
    *, session: AsyncSession, caller: Caller, now: datetime | None = None
) -> schemas.AccountRead:
    """Tier, limits and this month's usage of the caller."""
    now = now or datetime.now(UTC)
    row = (
        (await session.execute(select(GaugeAccount).where(GaugeAccount.user_id == caller.user_id)))
        .scalars()
        .one()
    )
    limits = TIER_LIMITS[row.tier]
    return schemas.AccountRead(
        user_id=row.user_id,
        tier=row.tier,
        limits=schemas.TierLimits(
            history_days=limits.history_days, monthly_analyses=limits.monthly_analyses
        ),
        is_active=row.is_active,
        has_api_key=row.api_key_hash is not None,
        analysis_count=row.analysis_count,
        ai_query_count=row.ai_query_count,
        monthly_analysis_count=rules.monthly_usage(
            row.current_month, row.monthly_analysis_count, now
        ),
        monthly_ai_query_count=rules.monthly_usage(
            row.current_month, row.monthly_ai_query_count, now
        ),
        current_month=month_key(now),
        last_analysis_at=row.last_analysis_at,
        monthly_reset_date=row.monthly_reset_date,
    )


async def set_tier(*, session: AsyncSession, user_id: int, tier: str) -> None:
    """Change a user's tier (administrators)."""
    if await session.get(User, user_id) is None:
        raise NotFound("No such user.")
    await ensure_account(session=session, user_id=user_id)
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == user_id)
        .values(tier=tier, updated_at=func.now())
    )


async def find_user_by_email(*, session: AsyncSession, email: str) -> schemas.GaugeUserRead | None:
    """The seed's ``UserStorage.findByEmail``: one case-insensitive, indexed lookup."""
    row = (
        await session.execute(
            select(
                User.id,
                User.name,
                User.email,
                User.created_at,
                GaugeAccount.tier,
                GaugeAccount.is_active,
                GaugeAccount.legacy_id,
            )
            .outerjoin(GaugeAccount, GaugeAccount.user_id == User.id)
            .where(func.lower(User.email) == normalise_email(email))
        )
    ).one_or_none()
    return schemas.GaugeUserRead.model_validate(row._mapping) if row is not None else None


async def read_user_by_email(*, session: AsyncSession, email: str) -> schemas.GaugeUserRead:
    """``find_user_by_email`` for the API: 404 when nobody has this email."""
    found = await find_user_by_email(session=session, email=email)
    if found is None:
        raise NotFound("No account with this email.")
    return found


async def reset_monthly_usage(*, session: AsyncSession, now: datetime | None = None) -> int:
    """Zero the monthly counters of accounts still counting an older month."""
    now = now or datetime.now(UTC)
    month = month_key(now)
    result = await session.execute(
        update(GaugeAccount)
        .where((GaugeAccount.current_month.is_(None)) | (GaugeAccount.current_month != month))
        .values(
            monthly_analysis_count=0,
            monthly_ai_query_count=0,
            current_month=month,
            monthly_reset_date=month_start(now),
        )
        .returning(GaugeAccount.user_id)
    )
    return len(result.all())
