"""MetaGauge analyses: started against the monthly quota, seen within the history window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.errors import Conflict, NotFound
from skillnest.core.pages import page_of
from skillnest.core.realtime import Hub, publish_after_commit
from skillnest.gauge import dialect, rules, schemas
from skillnest.gauge.models import ANALYSIS_STATUSES, Analysis, Contract, GaugeAccount
from skillnest.gauge.rules import TIER_LIMITS, month_key, month_start
from skillnest.gauge.service.accounts import Caller
from skillnest.gauge.service.profile import owned_contract

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
        raise rules.quota_error(caller.tier, now)


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
    cutoff = rules.history_cutoff(caller.tier, now)
    if cutoff is not None and row["created_at"] < cutoff:
        raise rules.history_error(caller.tier, now)
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
    if not rules.can_move(current.status, status):
        raise Conflict(f"The analysis is {current.status}; it cannot become {status}.")
    values: dict[str, Any] = {**sent, "updated_at": now}
    if status in rules.FINISHED and current.status != status:
        values["completed_at"] = now
    if status == "completed":
        values["progress"] = 100
    if status == "failed" or sent.get("error_message"):
        values["has_errors"] = True
    await session.execute(update(Analysis).where(Analysis.id == analysis_id).values(**values))
    read = await get_analysis(session=session, caller=caller, analysis_id=analysis_id, now=now)
    publish_after_commit(
        session,
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
    cutoff = rules.history_cutoff(caller.tier, now)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if cutoff is not None and since is not None and since < cutoff:
        raise rules.history_error(caller.tier, now)
    since = since or cutoff
    query = select(*_ANALYSIS_SUMMARY).where(Analysis.user_id == caller.user_id)
    if status is not None:
        query = query.where(Analysis.status == status)
    if contract_id is not None:
        query = query.where(Analysis.contract_id == contract_id)
    if since is not None:
        query = query.where(Analysis.created_at >= since)
    query = query.order_by(Analysis.created_at.desc(), Analysis.id.desc())
    rows = (await session.execute(query.limit(limit + 1).offset(offset))).mappings()
    page = page_of(
        [schemas.AnalysisSummary.model_validate(dict(r)) for r in rows], limit=limit, offset=offset
    )
    return schemas.AnalysisList(
        **dict(page),
        history_days=TIER_LIMITS[caller.tier].history_days,
        since=since,
    )


async def analysis_stats(
    *,
    session: AsyncSession,
    caller: Caller,
    contract_id: int | None = None,
    now: datetime | None = None,
) -> schemas.AnalysisStats:
    """Counts of the caller's analyses by status and type, recent ones, success and time."""
    now = now or datetime.now(UTC)
    mine = [Analysis.user_id == caller.user_id]
    if contract_id is not None:
        await owned_contract(session, caller, contract_id)
        mine.append(Analysis.contract_id == contract_id)
    by_status = dict(
        (await session.execute(
            select(Analysis.status, func.count()).where(*mine).group_by(Analysis.status)
        )).tuples().all()
    )  # fmt: skip
    by_type = dict(
        (await session.execute(
            select(Analysis.analysis_type, func.count()).where(*mine)
            .group_by(Analysis.analysis_type)
        )).tuples().all()
    )  # fmt: skip
    seconds = dialect.seconds_between(session, Analysis.created_at, Analysis.completed_at)
    this_month, last_30, average, last = (
        await session.execute(
            select(
                func.count().filter(Analysis.created_at >= month_start(now)),
                func.count().filter(Analysis.created_at >= now - timedelta(days=30)),
                func.avg(seconds).filter(
                    Analysis.status == "completed", Analysis.completed_at.is_not(None)
                ),
                func.max(Analysis.created_at),
            ).where(*mine)
        )
    ).one()
    finished = by_status.get("completed", 0) + by_status.get("failed", 0)
    return schemas.AnalysisStats(
        total=sum(by_status.values()),
        by_status={s: by_status.get(s, 0) for s in ANALYSIS_STATUSES},
        by_type=by_type,
        this_month=this_month,
        last_30_days=last_30,
        success_rate=round(by_status.get("completed", 0) / finished, 4) if finished else None,
        average_seconds=round(float(average), 1) if average is not None else None,
        last_analysis_at=last,
    )
