"""Legacy record -> rows (pure), the imported fields of each table and their checksums.

The import mapping:

- ``users.json`` -> ``users`` (name, email lower-cased, the bcrypt hash as is, admin only for
  an explicit ``role: "admin"``, createdAt/updatedAt/lastLogin) + ``gauge_accounts`` (legacy
  id, tier, SHA-256 of the API key, usage counters, billing, unknown keys) +
  ``user_onboarding`` + ``user_preferences`` (one each per user).
- ``contracts.json`` -> ``contracts`` + ``contract_competitors`` (position 0-4) +
  ``contract_rpc_config`` (one row per chain) + ``contract_analysis_params`` (one row).
- ``analyses.json`` -> ``analyses`` (``configId`` -> ``contract_id`` of the same owner).
- ``chat_sessions.json`` / ``chat_messages.json`` -> ``chat_sessions`` / ``chat_messages``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from typing import cast as type_cast

import orjson
from sqlalchemy import Table

from skillnest.accounts.models import User, UserOnboarding, UserPreferences
from skillnest.core.security import token_digest
from skillnest.gauge import legacy
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

# The tables as Core objects (bulk statements work on tables, not on ORM classes).
USERS: Table = type_cast(Table, User.__table__)
ACCOUNTS: Table = type_cast(Table, GaugeAccount.__table__)
ONBOARDING: Table = type_cast(Table, UserOnboarding.__table__)
PREFERENCES: Table = type_cast(Table, UserPreferences.__table__)
CONTRACTS: Table = type_cast(Table, Contract.__table__)
COMPETITORS: Table = type_cast(Table, ContractCompetitor.__table__)
RPC_CONFIG: Table = type_cast(Table, ContractRpcConfig.__table__)
PARAMS: Table = type_cast(Table, ContractAnalysisParams.__table__)
ANALYSES: Table = type_cast(Table, Analysis.__table__)
CHAT_SESSIONS: Table = type_cast(Table, ChatSession.__table__)
CHAT_MESSAGES: Table = type_cast(Table, ChatMessage.__table__)

_HASH_MOD = 1 << 128


_DIGEST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def row_digest(table: str, values: Iterable[Any]) -> int:
    """A 128-bit digest of one row's imported fields.

    Times must be in UTC on both sides (the legacy dates are parsed to UTC; the read-back
    sets the session to UTC on PostgreSQL, and SQLite's are marked UTC): orjson then writes
    them natively. Documents are written with sorted keys (JSONB reorders them). A number
    that JSONB rewrites (``1e21`` comes back as an integer) would show as a mismatch: a
    false alarm that stops the import, never a silent difference.
    """
    payload = orjson.dumps([table, *values], option=_DIGEST_OPTIONS)
    return int.from_bytes(hashlib.sha256(payload).digest()[:16], "big")


class Checksum:
    """An order-independent checksum of a set of rows (sum of row digests mod 2**128)."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, digest: int) -> None:
        """Count one row in."""
        self.total = (self.total + digest) % _HASH_MOD

    def hexdigest(self) -> str:
        """The checksum as 32 hex digits."""
        return f"{self.total:032x}"


# The imported fields of each table, in checksum order (after the legacy key columns).
FIELDS: dict[str, tuple[str, ...]] = {
    "users": ("name", "email", "password_hash", "is_admin", "created_at", "updated_at",
              "last_active_at"),
    "gauge_accounts": ("tier", "api_key_hash", "is_active", "email_verified", "analysis_count",
                       "ai_query_count", "monthly_analysis_count", "monthly_ai_query_count",
                       "last_analysis_at", "current_month", "monthly_reset_date", "billing",
                       "extra"),
    "user_onboarding": ("completed", "current_step", "social_links", "logo",
                        "default_contract", "extra"),
    "user_preferences": ("email_notifications", "analysis_notifications", "default_chain",
                         "extra"),
    "contracts": ("name", "description", "address", "chain", "target_name", "abi",
                  "function_signatures", "tags", "is_active", "is_default", "last_analyzed_at",
                  "analysis_count", "extra", "created_at", "updated_at"),
    "contract_competitors": ("address", "chain", "name", "abi"),
    "contract_rpc_config": ("urls",),
    "contract_analysis_params": ("search_strategy", "smart_search", "whale_threshold",
                                 "max_concurrent_requests", "failover_timeout", "max_retries",
                                 "output_formats", "extra"),
    "analyses": ("contract_address", "chain", "analysis_type", "status", "progress", "results",
                 "metadata", "error_message", "has_errors", "logs", "current_step",
                 "completed_at", "extra", "created_at", "updated_at"),
    "chat_sessions": ("title", "contract_address", "contract_chain", "contract_name",
                      "is_active", "message_count", "last_message_at", "metadata", "extra",
                      "created_at", "updated_at"),
    "chat_messages": ("role", "content", "components", "metadata", "is_streaming", "extra",
                      "created_at"),
}  # fmt: skip


DOCUMENT_COLUMNS = frozenset(
    {"billing", "extra", "social_links", "default_contract", "function_signatures", "results",
     "metadata", "logs", "components"}
)  # fmt: skip


def values_of(table: str, row: dict[str, Any]) -> list[Any]:
    """The checksummed fields of a row, in checksum order."""
    return [row[name] for name in FIELDS[table]]


def merge_extra(base: dict[str, Any] | None, **nested: dict[str, Any] | None) -> Any:
    """Unknown keys of a record and of its nested objects, in one document (None if none)."""
    merged = dict(base or {})
    for key, value in nested.items():
        if value:
            merged[key] = value
    return merged or None


def user_rows(rec: legacy.LegacyUser) -> dict[str, dict[str, Any]]:
    """The ``users``, ``gauge_accounts``, onboarding and preferences rows of a legacy user."""
    usage = rec.usage or legacy.LegacyUsage()
    onboarding = rec.onboarding or legacy.LegacyOnboarding()
    prefs = rec.preferences or legacy.LegacyPreferences()
    notifications = prefs.notifications or legacy.LegacyNotifications()
    return {
        "users": {
            "name": rec.name,
            "email": rec.email,
            "password_hash": rec.password,
            "is_admin": rec.role == "admin",
            "created_at": rec.created_at,
            "updated_at": rec.updated_at,
            "last_active_at": rec.last_login,
        },
        "gauge_accounts": {
            "legacy_id": rec.id,
            "tier": rec.tier,
            "api_key_hash": token_digest(rec.api_key) if rec.api_key else None,
            "is_active": rec.is_active,
            "email_verified": rec.email_verified,
            "analysis_count": usage.analysis_count,
            "ai_query_count": usage.ai_query_count,
            "monthly_analysis_count": usage.monthly_analysis_count,
            "monthly_ai_query_count": usage.monthly_ai_query_count,
            "last_analysis_at": usage.last_analysis,
            "current_month": usage.current_month,
            "monthly_reset_date": usage.monthly_reset_date,
            "billing": rec.billing,
            "extra": merge_extra(rec.leftovers(), usage=usage.leftovers()),
        },
        "user_onboarding": {
            "completed": onboarding.completed,
            "current_step": onboarding.current_step,
            "social_links": onboarding.social_links,
            "logo": onboarding.logo,
            "default_contract": onboarding.default_contract,
            "extra": onboarding.leftovers(),
        },
        "user_preferences": {
            "email_notifications": notifications.email,
            "analysis_notifications": notifications.analysis,
            "default_chain": prefs.default_chain,
            "extra": merge_extra(prefs.leftovers(), notifications=notifications.leftovers()),
        },
    }


def contract_rows(rec: legacy.LegacyContract) -> dict[str, Any]:
    """The contract row and its children (competitors, RPC config, analysis params)."""
    target = rec.target_contract
    params = rec.analysis_params or legacy.LegacyAnalysisParams()
    return {
        "contracts": {
            "legacy_id": rec.id,
            "name": rec.name,
            "description": rec.description,
            "address": target.address,
            "chain": target.chain,
            "target_name": target.name,
            "abi": target.abi,
            "function_signatures": target.function_signatures,
            "tags": rec.tags,
            "is_active": rec.is_active,
            "is_default": rec.is_default,
            "last_analyzed_at": rec.last_analyzed,
            "analysis_count": rec.analysis_count,
            "extra": merge_extra(rec.leftovers(), targetContract=target.leftovers()),
            "created_at": rec.created_at,
            "updated_at": rec.updated_at,
        },
        "contract_competitors": [
            {"position": i, "address": c.address, "chain": c.chain, "name": c.name, "abi": c.abi}
            for i, c in enumerate(rec.competitors)
        ],
        "contract_rpc_config": [
            {"chain": chain, "urls": urls} for chain, urls in rec.rpc_config.items()
        ],
        "contract_analysis_params": {
            "search_strategy": params.search_strategy,
            "smart_search": params.smart_search,
            "whale_threshold": params.whale_threshold,
            "max_concurrent_requests": params.max_concurrent_requests,
            "failover_timeout": params.failover_timeout,
            "max_retries": params.max_retries,
            "output_formats": params.output_formats,
            "extra": params.leftovers(),
        },
    }


def analysis_row(rec: legacy.LegacyAnalysis) -> dict[str, Any]:
    """The ``analyses`` row of a legacy analysis (``contract_id`` is filled in later)."""
    return {
        "legacy_id": rec.id,
        "contract_address": rec.contract_address,
        "chain": rec.chain,
        "analysis_type": rec.analysis_type,
        "status": rec.status,
        "progress": rec.progress,
        "results": rec.results,
        "metadata": rec.metadata,
        "error_message": rec.error_message,
        "has_errors": rec.has_errors,
        "logs": rec.logs,
        "current_step": rec.current_step,
        "completed_at": rec.completed_at,
        "extra": rec.leftovers(),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }


def chat_session_row(rec: legacy.LegacyChatSession) -> dict[str, Any]:
    """The ``chat_sessions`` row of a legacy session."""
    return {
        "legacy_id": rec.id,
        "title": rec.title,
        "contract_address": rec.contract_address,
        "contract_chain": rec.contract_chain,
        "contract_name": rec.contract_name,
        "is_active": rec.is_active,
        "message_count": rec.message_count,
        "last_message_at": rec.last_message_at,
        "metadata": rec.metadata,
        "extra": rec.leftovers(),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }


def chat_message_row(rec: legacy.LegacyChatMessage) -> dict[str, Any]:
    """The ``chat_messages`` row of a legacy message."""
    return {
        "legacy_id": rec.id,
        "role": rec.role,
        "content": rec.content,
        "components": rec.components,
        "metadata": rec.metadata,
        "is_streaming": rec.is_streaming,
        "extra": rec.leftovers(),
        "created_at": rec.created_at,
    }


CHILD_TABLES: dict[str, Table] = {
    "contract_competitors": COMPETITORS,
    "contract_rpc_config": RPC_CONFIG,
    "contract_analysis_params": PARAMS,
}
