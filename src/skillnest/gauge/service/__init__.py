"""MetaGauge's services, one module per subdomain (pure rules are in ``gauge.rules``).

Everything callers use is importable from here: ``from skillnest.gauge import service``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.gauge.service.accounts import (
    Caller,
    api_key_cache_key,
    caller_account,
    ensure_account,
    find_user_by_email,
    read_account,
    read_user_by_email,
    reset_monthly_usage,
    resolve_api_key,
    rotate_api_key,
    set_tier,
)
from skillnest.gauge.service.analyses import (
    create_analysis,
    get_analysis,
    list_analyses,
    update_analysis,
)
from skillnest.gauge.service.chat import (
    add_chat_message,
    create_chat_session,
    delete_chat_session,
    get_chat_session,
    list_chat_messages,
    list_chat_sessions,
)
from skillnest.gauge.service.contracts import (
    create_contract,
    delete_contract,
    get_contract,
    list_contracts,
    update_contract,
)
from skillnest.gauge.service.demo import DEMO_CONTRACT, load_demo


async def run_maintenance(*, session: AsyncSession, platform: Any) -> str:
    """Periodic job: the monthly usage reset."""
    count = await reset_monthly_usage(session=session)
    return f"monthly usage reset for {count} accounts"


__all__ = [
    "DEMO_CONTRACT",
    "Caller",
    "add_chat_message",
    "api_key_cache_key",
    "caller_account",
    "create_analysis",
    "create_chat_session",
    "create_contract",
    "delete_chat_session",
    "delete_contract",
    "ensure_account",
    "find_user_by_email",
    "get_analysis",
    "get_chat_session",
    "get_contract",
    "list_analyses",
    "list_chat_messages",
    "list_chat_sessions",
    "list_contracts",
    "load_demo",
    "read_account",
    "read_user_by_email",
    "reset_monthly_usage",
    "resolve_api_key",
    "rotate_api_key",
    "run_maintenance",
    "set_tier",
    "update_analysis",
    "update_contract",
]
