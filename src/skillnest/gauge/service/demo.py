"""The demo data of MetaGauge."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.core.realtime import Hub
from skillnest.gauge import schemas
from skillnest.gauge.models import Analysis, Contract, GaugeAccount
from skillnest.gauge.service.accounts import Caller, ensure_account
from skillnest.gauge.service.analyses import create_analysis
from skillnest.gauge.service.chat import add_chat_message, create_chat_session
from skillnest.gauge.service.contracts import create_contract

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
