"""MetaGauge rules: accounts and tier limits, contracts, analyses, AI chats, API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.accounts.service import AuthUser, normalise_email, user_tag
from skillnest.core.cache import TTL, Cache, cache_key, get_json, set_json
from skillnest.core.errors import Conflict, Forbidden, NotFound
from skillnest.core.realtime import Hub, publish_to_user
from skillnest.core.security import token_digest
from skillnest.gauge import schemas
from skillnest.gauge.models import (
    Analysis,
    ChatMessage,
    ChatSession,
    Contract,
    ContractAnalysisParams,
    ContractCompetitor,
    ContractRpcConfig,
    GaugeAccount,
)

# --- tiers (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What a tier allows; ``None`` is unlimited."""

    history_days: int | None
    monthly_analyses: int | None


# History windows are the issue's; monthly analyses follow the legacy User model (free 10,
# pro 100, enterprise unlimited) with starter between free and pro.
TIER_LIMITS: dict[str, Limits] = {
    "free": Limits(history_days=7, monthly_analyses=10),
    "starter": Limits(history_days=30, monthly_analyses=50),
    "pro": Limits(history_days=90, monthly_analyses=100),
    "enterprise": Limits(history_days=None, monthly_analyses=None),
}
UPGRADES = {"free": "starter", "starter": "pro", "pro": "enterprise"}


class TierLimitExceeded(Forbidden):
    """The caller's tier does not allow this (history window or monthly quota)."""

    code, title = "tier-limit", "Tier limit reached"


def month_key(now: datetime) -> str:
    """``2026-04``: the month the usage counters belong to."""
    return f"{now.year:04d}-{now.month:02d}"


def month_start(now: datetime) -> datetime:
    """Midnight UTC on the first day of ``now``'s month."""
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def next_month_start(now: datetime) -> datetime:
    """When this month's quota resets."""
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def history_cutoff(tier: str, now: datetime) -> datetime | None:
    """The oldest moment the tier may see, or None for unlimited history."""
    days = TIER_LIMITS[tier].history_days
    return None if days is None else now - timedelta(days=days)


def monthly_usage(current_month: str | None, count: int, now: datetime) -> int:
    """The count that applies this month: a counter of an older month is zero now."""
    return count if current_month == month_key(now) else 0


def history_error(tier: str, now: datetime) -> TierLimitExceeded:
    """The 403 for a request beyond the tier's history window."""
    days = TIER_LIMITS[tier].history_days
    return TierLimitExceeded(
        f"The {tier} tier keeps {days} days of history; upgrade to see older analyses.",
        tier=tier,
        limit="history_days",
        history_days=days,
        oldest_allowed=(now - timedelta(days=days or 0)).isoformat(),
        upgrade_to=UPGRADES.get(tier),
    )


# --- accounts and API keys ------------------------------------------------------------


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
        monthly_analysis_count=monthly_usage(row.current_month, row.monthly_analysis_count, now),
        monthly_ai_query_count=monthly_usage(row.current_month, row.monthly_ai_query_count, now),
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


async def find_user_by_email(*, session: AsyncSession, email: str) -> dict[str, Any] | None:
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
    return dict(row._mapping) if row is not None else None


async def read_user_by_email(*, session: AsyncSession, email: str) -> schemas.GaugeUserRead:
    """``find_user_by_email`` for the API: 404 when nobody has this email."""
    found = await find_user_by_email(session=session, email=email)
    if found is None:
        raise NotFound("No account with this email.")
    return schemas.GaugeUserRead.model_validate(found)


# --- contracts ------------------------------------------------------------------------

_SUMMARY_COLUMNS = (
    Contract.id,
    Contract.name,
    Contract.description,
    Contract.address,
    Contract.chain,
    Contract.target_name,
    Contract.tags,
    Contract.is_active,
    Contract.is_default,
    Contract.last_analyzed_at,
    Contract.analysis_count,
    Contract.created_at,
    Contract.updated_at,
)


def _summary(row: Any) -> dict[str, Any]:
    doc = dict(row)
    doc["tags"] = doc["tags"] or []
    return doc


async def list_contracts(
    *,
    session: AsyncSession,
    caller: Caller,
    is_active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.ContractList:
    """The caller's contracts, newest first (index ``user_id, created_at``)."""
    query = select(*_SUMMARY_COLUMNS).where(Contract.user_id == caller.user_id)
    if is_active is not None:
        query = query.where(Contract.is_active.is_(is_active))
    query = query.order_by(Contract.created_at.desc(), Contract.id.desc()).limit(limit)
    rows = (await session.execute(query.offset(offset))).mappings()
    items = [schemas.ContractSummary.model_validate(_summary(r)) for r in rows]
    return schemas.ContractList(items=items, limit=limit, offset=offset)


async def get_contract(
    *, session: AsyncSession, caller: Caller, contract_id: int
) -> schemas.ContractRead:
    """One of the caller's contracts with its competitors, RPC config and parameters."""
    row = (
        (
            await session.execute(
                select(*_SUMMARY_COLUMNS, Contract.abi, Contract.function_signatures).where(
                    Contract.id == contract_id, Contract.user_id == caller.user_id
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("No such contract.")
    competitors = (
        await session.execute(
            select(
                ContractCompetitor.address,
                ContractCompetitor.chain,
                ContractCompetitor.name,
                ContractCompetitor.abi,
            )
            .where(ContractCompetitor.contract_id == contract_id)
            .order_by(ContractCompetitor.position)
        )
    ).mappings()
    rpc = await session.execute(
        select(ContractRpcConfig.chain, ContractRpcConfig.urls)
        .where(ContractRpcConfig.contract_id == contract_id)
        .order_by(ContractRpcConfig.id)
    )
    params = (
        (
            await session.execute(
                select(ContractAnalysisParams).where(
                    ContractAnalysisParams.contract_id == contract_id
                )
            )
        )
        .scalars()
        .one_or_none()
    )
    return schemas.ContractRead(
        **_summary(row),
        competitors=[schemas.Competitor.model_validate(dict(c)) for c in competitors],
        rpc_config={chain: list(urls) for chain, urls in rpc},
        analysis_params=(
            schemas.AnalysisParams(
                search_strategy=params.search_strategy,
                smart_search=params.smart_search,
                whale_threshold=params.whale_threshold,
                max_concurrent_requests=params.max_concurrent_requests,
                failover_timeout=params.failover_timeout,
                max_retries=params.max_retries,
                output_formats=params.output_formats,
                extra=params.extra,
            )
            if params is not None
            else None
        ),
    )


def _target_values(target: schemas.TargetContract) -> dict[str, Any]:
    return {
        "address": target.address,
        "chain": target.chain,
        "target_name": target.name,
        "abi": target.abi,
        "function_signatures": target.function_signatures,
    }


async def _clear_default(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(Contract)
        .where(Contract.user_id == user_id, Contract.is_default.is_(True))
        .values(is_default=False)
    )


async def _replace_competitors(
    session: AsyncSession, contract_id: int, competitors: list[schemas.Competitor]
) -> None:
    await session.execute(
        delete(ContractCompetitor).where(ContractCompetitor.contract_id == contract_id)
    )
    if competitors:
        await session.execute(
            insert(ContractCompetitor),
            [
                {"contract_id": contract_id, "position": i, **c.model_dump()}
                for i, c in enumerate(competitors)
            ],
        )


async def _replace_rpc_config(
    session: AsyncSession, contract_id: int, rpc_config: dict[str, list[str]]
) -> None:
    await session.execute(
        delete(ContractRpcConfig).where(ContractRpcConfig.contract_id == contract_id)
    )
    await session.execute(
        insert(ContractRpcConfig),
        [
            {"contract_id": contract_id, "chain": chain, "urls": urls}
            for chain, urls in rpc_config.items()
        ],
    )


async def _replace_params(
    session: AsyncSession, contract_id: int, params: schemas.AnalysisParams
) -> None:
    await session.execute(
        delete(ContractAnalysisParams).where(ContractAnalysisParams.contract_id == contract_id)
    )
    await session.execute(
        insert(ContractAnalysisParams), [{"contract_id": contract_id, **params.model_dump()}]
    )


async def create_contract(
    *, session: AsyncSession, caller: Caller, data: schemas.ContractCreate
) -> schemas.ContractRead:
    """Create a contract and all its parts in the request's one transaction."""
    if data.is_default:
        await _clear_default(session, caller.user_id)
    now = datetime.now(UTC)
    contract = Contract(
        created_at=now,
        updated_at=now,
        user_id=caller.user_id,
        name=data.name,
        description=data.description,
        tags=data.tags,
        is_active=data.is_active,
        is_default=data.is_default,
        **_target_values(data.target_contract),
    )
    session.add(contract)
    await session.flush()
    await _replace_competitors(session, contract.id, data.competitors)
    await _replace_rpc_config(session, contract.id, dict(data.rpc_config))
    await _replace_params(session, contract.id, data.analysis_params)
    return await get_contract(session=session, caller=caller, contract_id=contract.id)


async def update_contract(
    *, session: AsyncSession, caller: Caller, contract_id: int, data: schemas.ContractUpdate
) -> schemas.ContractRead:
    """Change a contract and, for the lists sent, replace its parts; all or nothing."""
    owned = await session.scalar(
        select(Contract.id).where(Contract.id == contract_id, Contract.user_id == caller.user_id)
    )
    if owned is None:
        raise NotFound("No such contract.")
    sent = data.model_fields_set
    values: dict[str, Any] = {
        name: getattr(data, name)
        for name in ("name", "description", "tags", "is_active", "is_default")
        if name in sent
    }
    if data.target_contract is not None:
        values.update(_target_values(data.target_contract))
    if data.is_default:
        await _clear_default(session, caller.user_id)
    values["updated_at"] = datetime.now(UTC)
    await session.execute(update(Contract).where(Contract.id == contract_id).values(**values))
    if data.competitors is not None:
        await _replace_competitors(session, contract_id, data.competitors)
    if data.rpc_config is not None:
        await _replace_rpc_config(session, contract_id, dict(data.rpc_config))
    if data.analysis_params is not None:
        await _replace_params(session, contract_id, data.analysis_params)
    return await get_contract(session=session, caller=caller, contract_id=contract_id)


async def delete_contract(*, session: AsyncSession, caller: Caller, contract_id: int) -> None:
    """Delete a contract and its parts; its analyses stay, without the contract link."""
    result = await session.execute(
        delete(Contract)
        .where(Contract.id == contract_id, Contract.user_id == caller.user_id)
        .returning(Contract.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound("No such contract.")


# --- analyses -------------------------------------------------------------------------

_ANALYSIS_SUMMARY = (
    Analysis.id,
    Analysis.contract_id,
    Analysis.contract_address,
    Analysis.chain,
    Analysis.analysis_type,
    Analysis.status,
    Analysis.progress,
    Analysis.has_errors,
    Analysis.current_step,
    Analysis.completed_at,
    Analysis.created_at,
    Analysis.updated_at,
)
_ANALYSIS_FULL = (
    *_ANALYSIS_SUMMARY,
    Analysis.results,
    Analysis.metadata_.label("metadata"),
    Analysis.error_message,
    Analysis.logs,
)
# A finished analysis keeps its outcome; an unfinished one may move forward or fail.
NEXT_STATUSES = {
    "pending": {"pending", "running", "completed", "failed"},
    "running": {"running", "completed", "failed"},
    "completed": set(),
    "failed": set(),
}


async def _charge_analysis(session: AsyncSession, caller: Caller, now: datetime) -> None:
    """Count one analysis against this month's quota, atomically; 403 when it is used up."""
    limit = TIER_LIMITS[caller.tier].monthly_analyses
    month = month_key(now)
    same_month = GaugeAccount.current_month == month
    used = case((same_month, GaugeAccount.monthly_analysis_count), else_=0)
    stmt = update(GaugeAccount).where(GaugeAccount.user_id == caller.user_id)
    if limit is not None:
        stmt = stmt.where(used < limit)
    stmt = stmt.values(
        analysis_count=GaugeAccount.analysis_count + 1,
        monthly_analysis_count=used + 1,
        monthly_ai_query_count=case((same_month, GaugeAccount.monthly_ai_query_count), else_=0),
        monthly_reset_date=case(
            (same_month, GaugeAccount.monthly_reset_date), else_=month_start(now)
        ),
        current_month=month,
        last_analysis_at=now,
        updated_at=now,
    ).returning(GaugeAccount.monthly_analysis_count)
    if (await session.execute(stmt)).scalar_one_or_none() is None:
        raise TierLimitExceeded(
            f"The {caller.tier} tier allows {limit} analyses a month and they are used up.",
            tier=caller.tier,
            limit="monthly_analyses",
            monthly_analyses=limit,
            used=limit,
            resets_at=next_month_start(now).isoformat(),
            upgrade_to=UPGRADES.get(caller.tier),
        )


async def create_analysis(
    *, session: AsyncSession, caller: Caller, data: schemas.AnalysisCreate
) -> schemas.AnalysisRead:
    """Start an analysis (``pending``), counted against the tier's monthly quota."""
    now = datetime.now(UTC)
    address, chain = data.contract_address, data.chain
    if data.contract_id is not None:
        contract = (
            await session.execute(
                select(Contract.address, Contract.chain).where(
                    Contract.id == data.contract_id, Contract.user_id == caller.user_id
                )
            )
        ).one_or_none()
        if contract is None:
            raise NotFound("No such contract.")
        address, chain = address or contract.address, chain or contract.chain
    await _charge_analysis(session, caller, now)
    analysis = Analysis(
        user_id=caller.user_id,
        contract_id=data.contract_id,
        contract_address=address,
        chain=chain,
        analysis_type=data.analysis_type,
        status="pending",
        progress=0,
        metadata_=data.metadata,
        created_at=now,
        updated_at=now,
    )
    session.add(analysis)
    await session.flush()
    if data.contract_id is not None:
        await session.execute(
            update(Contract)
            .where(Contract.id == data.contract_id)
            .values(analysis_count=Contract.analysis_count + 1, last_analyzed_at=now)
        )
    return await get_analysis(session=session, caller=caller, analysis_id=analysis.id, now=now)


async def get_analysis(
    *, session: AsyncSession, caller: Caller, analysis_id: int, now: datetime | None = None
) -> schemas.AnalysisRead:
    """One of the caller's analyses; 403 if it is older than the tier's history window."""
    now = now or datetime.now(UTC)
    row = (
        (
            await session.execute(
                select(*_ANALYSIS_FULL).where(
                    Analysis.id == analysis_id, Analysis.user_id == caller.user_id
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("No such analysis.")
    cutoff = history_cutoff(caller.tier, now)
    if cutoff is not None and row["created_at"] < cutoff:
        raise history_error(caller.tier, now)
    return schemas.AnalysisRead.model_validate(dict(row))


async def update_analysis(
    *,
    session: AsyncSession,
    hub: Hub,
    caller: Caller,
    analysis_id: int,
    data: schemas.AnalysisUpdate,
) -> schemas.AnalysisRead:
    """Record progress or the outcome; a finished analysis cannot change (409)."""
    now = datetime.now(UTC)
    current = (
        await session.execute(
            select(Analysis.status, Analysis.error_message).where(
                Analysis.id == analysis_id, Analysis.user_id == caller.user_id
            )
        )
    ).one_or_none()
    if current is None:
        raise NotFound("No such analysis.")
    sent = data.model_dump(exclude_unset=True)
    status = sent.get("status", current.status)
    if status not in NEXT_STATUSES[current.status]:
        raise Conflict(f"The analysis is {current.status}; it cannot become {status}.")
    values: dict[str, Any] = {**sent, "updated_at": now}
    if status in ("completed", "failed") and current.status != status:
        values["completed_at"] = now
    if status == "completed":
        values["progress"] = 100
    if status == "failed" or sent.get("error_message"):
        values["has_errors"] = True
    await session.execute(update(Analysis).where(Analysis.id == analysis_id).values(**values))
    read = await get_analysis(session=session, caller=caller, analysis_id=analysis_id, now=now)
    await publish_to_user(
        hub,
        caller.user_id,
        "gauge.analysis",
        {"id": read.id, "status": read.status, "progress": read.progress},
    )
    return read


async def list_analyses(
    *,
    session: AsyncSession,
    caller: Caller,
    status: str | None = None,
    contract_id: int | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> schemas.AnalysisList:
    """The caller's analyses, newest first, within the tier's history window.

    Without ``since`` the window is applied silently; asking for older ones is a 403.
    """
    now = now or datetime.now(UTC)
    cutoff = history_cutoff(caller.tier, now)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if cutoff is not None and since is not None and since < cutoff:
        raise history_error(caller.tier, now)
    since = since or cutoff
    query = select(*_ANALYSIS_SUMMARY).where(Analysis.user_id == caller.user_id)
    if status is not None:
        query = query.where(Analysis.status == status)
    if contract_id is not None:
        query = query.where(Analysis.contract_id == contract_id)
    if since is not None:
        query = query.where(Analysis.created_at >= since)
    query = query.order_by(Analysis.created_at.desc(), Analysis.id.desc())
    rows = (await session.execute(query.limit(limit).offset(offset))).mappings()
    return schemas.AnalysisList(
        items=[schemas.AnalysisSummary.model_validate(dict(r)) for r in rows],
        limit=limit,
        offset=offset,
        history_days=TIER_LIMITS[caller.tier].history_days,
        since=since,
    )


# --- chat -----------------------------------------------------------------------------

_SESSION_COLUMNS = (
    ChatSession.id,
    ChatSession.title,
    ChatSession.contract_address,
    ChatSession.contract_chain,
    ChatSession.contract_name,
    ChatSession.is_active,
    ChatSession.message_count,
    ChatSession.last_message_at,
    ChatSession.metadata_.label("metadata"),
    ChatSession.created_at,
    ChatSession.updated_at,
)
_MESSAGE_COLUMNS = (
    ChatMessage.id,
    ChatMessage.session_id,
    ChatMessage.role,
    ChatMessage.content,
    ChatMessage.components,
    ChatMessage.metadata_.label("metadata"),
    ChatMessage.is_streaming,
    ChatMessage.created_at,
)


async def create_chat_session(
    *, session: AsyncSession, caller: Caller, data: schemas.ChatSessionCreate
) -> schemas.ChatSessionRead:
    """Open an AI chat about a contract."""
    title = data.title or f"Chat: {data.contract_name or 'Unknown Contract'}"
    now = datetime.now(UTC)
    chat = ChatSession(
        created_at=now,
        updated_at=now,
        user_id=caller.user_id,
        title=title,
        contract_address=data.contract_address,
        contract_chain=data.contract_chain,
        contract_name=data.contract_name,
        metadata_=data.metadata,
    )
    session.add(chat)
    await session.flush()
    return await get_chat_session(session=session, caller=caller, chat_id=chat.id)


async def get_chat_session(
    *, session: AsyncSession, caller: Caller, chat_id: int
) -> schemas.ChatSessionRead:
    """One of the caller's chat sessions."""
    row = (
        (
            await session.execute(
                select(*_SESSION_COLUMNS).where(
                    ChatSession.id == chat_id, ChatSession.user_id == caller.user_id
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("No such chat session.")
    return schemas.ChatSessionRead.model_validate(dict(row))


async def list_chat_sessions(
    *, session: AsyncSession, caller: Caller, limit: int = 50, offset: int = 0
) -> schemas.ChatSessionList:
    """The caller's chat sessions, most recent conversation first."""
    recent = func.coalesce(ChatSession.last_message_at, ChatSession.created_at)
    rows = (
        await session.execute(
            select(*_SESSION_COLUMNS)
            .where(ChatSession.user_id == caller.user_id)
            .order_by(recent.desc(), ChatSession.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return schemas.ChatSessionList(
        items=[schemas.ChatSessionRead.model_validate(dict(r)) for r in rows],
        limit=limit,
        offset=offset,
    )


async def delete_chat_session(*, session: AsyncSession, caller: Caller, chat_id: int) -> None:
    """Delete a chat session and its messages."""
    result = await session.execute(
        delete(ChatSession)
        .where(ChatSession.id == chat_id, ChatSession.user_id == caller.user_id)
        .returning(ChatSession.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound("No such chat session.")


async def _count_ai_query(session: AsyncSession, caller: Caller, now: datetime) -> None:
    month = month_key(now)
    same_month = GaugeAccount.current_month == month
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == caller.user_id)
        .values(
            ai_query_count=GaugeAccount.ai_query_count + 1,
            monthly_ai_query_count=case(
                (same_month, GaugeAccount.monthly_ai_query_count + 1), else_=1
            ),
            monthly_analysis_count=case((same_month, GaugeAccount.monthly_analysis_count), else_=0),
            monthly_reset_date=case(
                (same_month, GaugeAccount.monthly_reset_date), else_=month_start(now)
            ),
            current_month=month,
        )
    )


async def add_chat_message(
    *,
    session: AsyncSession,
    hub: Hub,
    caller: Caller,
    chat_id: int,
    data: schemas.ChatMessageCreate,
) -> schemas.ChatMessageRead:
    """Append a message; the session's count and last time move in the same statement.

    The UPDATE comes first: on PostgreSQL it locks the session row, so concurrent
    messages queue up and ``message_count`` never misses one.
    """
    now = datetime.now(UTC)
    bumped = await session.execute(
        update(ChatSession)
        .where(ChatSession.id == chat_id, ChatSession.user_id == caller.user_id)
        .values(message_count=ChatSession.message_count + 1, last_message_at=now, updated_at=now)
        .returning(ChatSession.id)
    )
    if bumped.scalar_one_or_none() is None:
        raise NotFound("No such chat session.")
    message = ChatMessage(
        session_id=chat_id,
        role=data.role,
        content=data.content,
        components=data.components,
        metadata_=data.metadata,
        is_streaming=data.is_streaming,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    if data.role == "user":
        await _count_ai_query(session, caller, now)
    read = schemas.ChatMessageRead(
        id=message.id,
        session_id=chat_id,
        role=data.role,
        content=data.content,
        components=data.components,
        metadata=data.metadata,
        is_streaming=data.is_streaming,
        created_at=now,
    )
    await publish_to_user(
        hub, caller.user_id, "gauge.chat.message", {"session_id": chat_id, "id": message.id}
    )
    return read


async def list_chat_messages(
    *, session: AsyncSession, caller: Caller, chat_id: int, limit: int = 50, offset: int = 0
) -> schemas.ChatMessageList:
    """A session's messages in order (index ``session_id, created_at, id``)."""
    owned = await session.scalar(
        select(ChatSession.id).where(
            ChatSession.id == chat_id, ChatSession.user_id == caller.user_id
        )
    )
    if owned is None:
        raise NotFound("No such chat session.")
    rows = (
        await session.execute(
            select(*_MESSAGE_COLUMNS)
            .where(ChatMessage.session_id == chat_id)
            .order_by(ChatMessage.created_at, ChatMessage.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return schemas.ChatMessageList(
        items=[schemas.ChatMessageRead.model_validate(dict(r)) for r in rows],
        limit=limit,
        offset=offset,
    )


# --- hooks ----------------------------------------------------------------------------


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


async def run_maintenance(*, session: AsyncSession, platform: Any) -> str:
    """Periodic job: the monthly usage reset."""
    count = await reset_monthly_usage(session=session)
    return f"monthly usage reset for {count} accounts"


DEMO_CONTRACT = "Uniswap V3 Router (demo)"


async def load_demo(*, session: AsyncSession) -> str:
    """A contract, an analysis and a chat for the demo user (idempotent)."""
    user_id = await session.scalar(select(User.id).where(User.email == "demo@skillnest.dev"))
    if user_id is None:
        return "gauge: no demo user (load the accounts demo first)"
    exists = await session.scalar(
        select(Contract.id).where(Contract.user_id == user_id, Contract.name == DEMO_CONTRACT)
    )
    if exists is not None:
        return "gauge: demo contract already there"
    await ensure_account(session=session, user_id=user_id)
    await session.execute(
        update(GaugeAccount).where(GaugeAccount.user_id == user_id).values(tier="pro")
    )
    caller = Caller(user_id, False, "pro")
    contract = await create_contract(
        session=session,
        caller=caller,
        data=schemas.ContractCreate(
            name=DEMO_CONTRACT,
            description="Swap activity and retention of the router contract.",
            target_contract=schemas.TargetContract(
                address="0xE592427A0AEce92De3Edee1F18E0157C05861564",
                chain="ethereum",
                name="SwapRouter",
            ),
            competitors=[
                schemas.Competitor(
                    address="0x1111111254EEB25477B68fb85Ed929f73A960582",
                    chain="ethereum",
                    name="1inch Router",
                )
            ],
            rpc_config={"ethereum": ["https://ethereum-rpc.publicnode.com"]},
            tags=["defi", "dex"],
            is_default=True,
        ),
    )
    analysis = await create_analysis(
        session=session,
        caller=caller,
        data=schemas.AnalysisCreate(contract_id=contract.id, analysis_type="competitive"),
    )
    await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis.id)
        .values(
            status="completed",
            progress=100,
            completed_at=datetime.now(UTC),
            results={"summary": {"transactions": 18250, "uniqueUsers": 4120}},
        )
    )
    chat = await create_chat_session(
        session=session,
        caller=caller,
        data=schemas.ChatSessionCreate(
            contract_address=contract.address, contract_chain="ethereum", contract_name="Router"
        ),
    )
    hub = Hub()
    for role, content in (
        ("user", "How many unique users swapped last week?"),
        ("assistant", "4,120 unique addresses swapped through the router last week."),
    ):
        await add_chat_message(
            session=session,
            hub=hub,
            caller=caller,
            chat_id=chat.id,
            data=schemas.ChatMessageCreate(role=role, content=content),
        )
    return "gauge: demo contract, analysis and chat created for demo@skillnest.dev"
