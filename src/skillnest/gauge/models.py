"""MetaGauge tables (seed 002) on skillnest's shared ``users``.

The seed's ``users``, ``user_onboarding`` and ``user_preferences`` are the shared accounts
tables; MetaGauge's own per-user fields live in ``gauge_accounts`` (one row per user that
uses MetaGauge), the rest are the seed's table names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from skillnest.core.db import FALSE, NOW, TRUE, Base, CreatedAt, StringArray, UpdatedAt, UTCDateTime

TIERS = ("free", "starter", "pro", "enterprise")
CHAINS = ("ethereum", "lisk", "starknet")
ANALYSIS_STATUSES = ("pending", "running", "completed", "failed")
CHAT_ROLES = ("user", "assistant", "system")
MAX_COMPETITORS = 5

Document: TypeEngine[Any] = JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
"""core.db's document type, except that Python ``None`` is SQL NULL rather than JSON null."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class GaugeAccount(Base):
    """MetaGauge's per-user fields: tier, hashed API key, usage counters, legacy id."""

    __tablename__ = "gauge_accounts"
    __table_args__ = (CheckConstraint(_in("tier", TIERS), name="tier"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The legacy UUID of users.json: the mapping that makes a re-import idempotent.
    legacy_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    tier: Mapped[str] = mapped_column(String(20), server_default="free", nullable=False)
    # SHA-256 of the API key: the key itself is shown once and never stored.
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    email_verified: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    analysis_count: Mapped[int] = mapped_column(Integer, server_default="0", nullable=False)
    ai_query_count: Mapped[int] = mapped_column(Integer, server_default="0", nullable=False)
    monthly_analysis_count: Mapped[int] = mapped_column(Integer, server_default="0", nullable=False)
    monthly_ai_query_count: Mapped[int] = mapped_column(Integer, server_default="0", nullable=False)
    last_analysis_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_month: Mapped[str | None] = mapped_column(String(7))
    monthly_reset_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    billing: Mapped[dict[str, Any] | None] = mapped_column(Document)
    # Legacy fields without a column of their own, kept verbatim (nothing is dropped).
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Contract(Base):
    """A contract configuration: the target contract and its settings."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("user_id", "legacy_id"),
        Index("ix_contracts_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    legacy_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(100), nullable=False)
    chain: Mapped[str] = mapped_column(String(50), nullable=False)
    target_name: Mapped[str | None] = mapped_column(String(255))
    abi: Mapped[str | None] = mapped_column(Text)
    function_signatures: Mapped[list[Any] | None] = mapped_column(Document)
    tags: Mapped[list[str] | None] = mapped_column(StringArray(100))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    last_analyzed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    analysis_count: Mapped[int] = mapped_column(Integer, server_default="0", nullable=False)
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, server_default=NOW, onupdate=func.now()
    )


class ContractCompetitor(Base):
    """A competitor contract; ``position`` 0-4 caps them at five per contract in the schema."""

    __tablename__ = "contract_competitors"
    __table_args__ = (
        UniqueConstraint("contract_id", "position"),
        CheckConstraint(f"position >= 0 AND position < {MAX_COMPETITORS}", name="position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    address: Mapped[str] = mapped_column(String(100), nullable=False)
    chain: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    abi: Mapped[str | None] = mapped_column(Text)


class ContractRpcConfig(Base):
    """One chain's RPC endpoints; one row per chain caps them at three per contract."""

    __tablename__ = "contract_rpc_config"
    __table_args__ = (
        UniqueConstraint("contract_id", "chain"),
        CheckConstraint(_in("chain", CHAINS), name="chain"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False
    )
    chain: Mapped[str] = mapped_column(String(50), nullable=False)
    urls: Mapped[list[str]] = mapped_column(StringArray(), nullable=False)


class ContractAnalysisParams(Base):
    """How analyses of a contract run; exactly one row per contract."""

    __tablename__ = "contract_analysis_params"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    search_strategy: Mapped[str | None] = mapped_column(String(50))
    smart_search: Mapped[bool | None] = mapped_column(Boolean)
    whale_threshold: Mapped[float | None] = mapped_column(Float)
    max_concurrent_requests: Mapped[int | None] = mapped_column(Integer)
    failover_timeout: Mapped[int | None] = mapped_column(Integer)
    max_retries: Mapped[int | None] = mapped_column(Integer)
    output_formats: Mapped[list[str] | None] = mapped_column(StringArray(20))
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)


class Analysis(Base):
    """One analysis run: status, progress, and its results and metadata as documents."""

    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint("user_id", "legacy_id"),
        CheckConstraint(_in("status", ANALYSIS_STATUSES), name="status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        Index("ix_analyses_user_id_created_at", "user_id", "created_at"),
        Index("ix_analyses_user_id_status_created_at", "user_id", "status", "created_at"),
        Index("ix_analyses_contract_id", "contract_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    legacy_id: Mapped[str | None] = mapped_column(String(100))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    contract_address: Mapped[str | None] = mapped_column(String(100))
    chain: Mapped[str | None] = mapped_column(String(50))
    analysis_type: Mapped[str] = mapped_column(String(50), server_default="single", nullable=False)
    status: Mapped[str] = mapped_column(String(20), server_default="pending", nullable=False)
    progress: Mapped[int] = mapped_column(SmallInteger, server_default="0", nullable=False)
    results: Mapped[dict[str, Any] | None] = mapped_column(Document)
    # "metadata" is reserved on declarative classes: the attribute has a trailing underscore.
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    error_message: Mapped[str | None] = mapped_column(Text)
    has_errors: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    logs: Mapped[list[Any] | None] = mapped_column(Document)
    current_step: Mapped[str | None] = mapped_column(String(255))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, server_default=NOW, onupdate=func.now()
    )


class ChatSession(Base):
    """An AI chat about one contract."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        UniqueConstraint("user_id", "legacy_id"),
        Index("ix_chat_sessions_user_id_last_message_at", "user_id", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    legacy_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(255))
    contract_address: Mapped[str | None] = mapped_column(String(100))
    contract_chain: Mapped[str | None] = mapped_column(String(50))
    contract_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    message_count: Mapped[int] = mapped_column(Integer, server_default="0", nullable=False)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, server_default=NOW, onupdate=func.now()
    )


class ChatMessage(Base):
    """One message of a chat session."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "legacy_id"),
        CheckConstraint(_in("role", CHAT_ROLES), name="role"),
        Index("ix_chat_messages_session_id_created_at", "session_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
    )
    legacy_id: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    components: Mapped[list[Any] | None] = mapped_column(Document)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    is_streaming: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
