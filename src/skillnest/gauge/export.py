"""The gauge data of one user, for the data export."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.export import ids, rows_of
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


async def export_user(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """The user's gauge account, contracts (with their settings), analyses and AI chats."""
    contracts = await rows_of(session, Contract, Contract.user_id == user_id)
    contract_ids = ids(contracts)
    chats = await rows_of(session, ChatSession, ChatSession.user_id == user_id)
    return {
        "account": await rows_of(
            session, GaugeAccount, GaugeAccount.user_id == user_id, exclude=("api_key_hash",)
        ),
        "contracts": contracts,
        "contract_competitors": await rows_of(
            session, ContractCompetitor, ContractCompetitor.contract_id.in_(contract_ids)
        ),
        "contract_rpc_config": await rows_of(
            session, ContractRpcConfig, ContractRpcConfig.contract_id.in_(contract_ids)
        ),
        "contract_analysis_params": await rows_of(
            session, ContractAnalysisParams, ContractAnalysisParams.contract_id.in_(contract_ids)
        ),
        "analyses": await rows_of(session, Analysis, Analysis.user_id == user_id),
        "chat_sessions": chats,
        "chat_messages": await rows_of(
            session, ChatMessage, ChatMessage.session_id.in_(ids(chats))
        ),
    }
