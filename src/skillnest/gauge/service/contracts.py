"""MetaGauge contracts with their competitors, RPC endpoints and analysis parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.db import get_owned_or_404
from skillnest.core.errors import NotFound
from skillnest.core.pages import Page, page_of
from skillnest.gauge import schemas
from skillnest.gauge.models import (
    Contract,
    ContractAnalysisParams,
    ContractCompetitor,
    ContractRpcConfig,
)
from skillnest.gauge.service.accounts import Caller

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
) -> Page[schemas.ContractSummary]:
    """The caller's contracts, newest first (index ``user_id, created_at``)."""
    query = select(*_SUMMARY_COLUMNS).where(Contract.user_id == caller.user_id)
    if is_active is not None:
        query = query.where(Contract.is_active.is_(is_active))
    query = query.order_by(Contract.created_at.desc(), Contract.id.desc()).limit(limit + 1)
    rows = (await session.execute(query.offset(offset))).mappings()
    items = [schemas.ContractSummary.model_validate(_summary(r)) for r in rows]
    return page_of(items, limit=limit, offset=offset)


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
    await get_owned_or_404(
        session,
        Contract,
        contract_id,
        owner=Contract.user_id,
        owner_id=caller.user_id,
        detail="No such contract.",
    )
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
