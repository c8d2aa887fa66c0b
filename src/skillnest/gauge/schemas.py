"""Pydantic shapes of the gauge API (MetaGauge contracts, analyses and AI chats)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
)

from skillnest.core.inputs import (
    TRIM,
    TRIM_VISIBLE,
    JsonList,
    JsonObject,
    RefusesNull,
    StrictInput,
    visible_text,
)
from skillnest.core.pages import Id, Page
from skillnest.gauge.models import ANALYSIS_STATUSES, CHAINS, MAX_COMPETITORS, TIERS

Tier = Literal[TIERS]  # type: ignore[valid-type]
ChainName = Literal[CHAINS]  # type: ignore[valid-type]
Status = Literal[ANALYSIS_STATUSES]  # type: ignore[valid-type]
Address = Annotated[str, visible_text(100), TRIM_VISIBLE]
Chain = Annotated[str, visible_text(50), TRIM_VISIBLE]
Name = Annotated[str, visible_text(255), TRIM_VISIBLE]
Url = Annotated[str, visible_text(500), TRIM_VISIBLE]

#: The largest value of an INTEGER column (PostgreSQL's is 32-bit).
MAX_INTEGER = 2**31 - 1


class Strict(StrictInput):
    """Request bodies reject unknown fields (a typo is an error, not a silent no-op).

    Numbers and booleans are taken only as JSON numbers and booleans, as the schema says.
    """


# --- account ---------------------------------------------------------------------------


class TierLimits(BaseModel):
    """What a tier allows; ``None`` means unlimited."""

    history_days: int | None
    monthly_analyses: int | None


class AccountRead(BaseModel):
    """The caller's MetaGauge account: tier, limits and usage this month."""

    user_id: int
    tier: Tier
    limits: TierLimits
    is_active: bool
    has_api_key: bool
    analysis_count: int
    ai_query_count: int
    monthly_analysis_count: int
    monthly_ai_query_count: int
    current_month: str | None
    last_analysis_at: datetime | None
    monthly_reset_date: datetime | None
    email_verified: bool
    billing: dict[str, Any] | None
    extra: dict[str, Any] | None = Field(
        description="Keys of the imported MetaGauge account without a column of their own "
        "(walletAddress, subscription...)"
    )


class ApiKeyOut(BaseModel):
    """A new API key: shown once, only its SHA-256 is stored."""

    api_key: str
    header: str = "X-API-Key"


class TierUpdate(Strict):
    """An administrator changes a user's tier."""

    tier: Tier


class GaugeUserRead(BaseModel):
    """An account found by email (administrators only)."""

    id: int
    name: str
    email: str
    tier: Tier | None
    is_active: bool | None
    legacy_id: str | None
    created_at: datetime


# --- contracts -------------------------------------------------------------------------


class TargetContract(Strict):
    """The contract being analysed."""

    address: Address
    chain: Chain
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    abi: str | None = None
    function_signatures: JsonList | None = None


class Competitor(Strict):
    """A competitor contract."""

    address: Address
    chain: Chain
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    abi: str | None = None


class AnalysisParams(Strict):
    """How analyses of the contract run (the legacy app's defaults)."""

    search_strategy: Annotated[str, StringConstraints(max_length=50)] | None = "standard"
    smart_search: bool | None = True
    # A token amount: finite and not negative (JSON's 1e400 would otherwise be stored as
    # Infinity, which a float column accepts).
    whale_threshold: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = 10
    max_concurrent_requests: Annotated[int, Field(ge=1, le=100)] | None = 5
    failover_timeout: Annotated[int, Field(ge=0, le=MAX_INTEGER)] | None = 30000
    max_retries: Annotated[int, Field(ge=0, le=20)] | None = 2
    output_formats: list[Annotated[str, StringConstraints(max_length=20)]] | None = Field(
        default_factory=lambda: ["json", "csv", "markdown"]
    )
    extra: JsonObject | None = None


RpcConfig = Annotated[dict[ChainName, list[Url]], Field(min_length=1, max_length=len(CHAINS))]
Competitors = Annotated[list[Competitor], Field(max_length=MAX_COMPETITORS)]


class ContractCreate(Strict):
    """A new contract with its competitors, RPC endpoints and analysis parameters."""

    name: Name
    description: str | None = None
    target_contract: TargetContract
    competitors: Competitors = []
    rpc_config: RpcConfig
    analysis_params: AnalysisParams = Field(default_factory=AnalysisParams)
    tags: list[Annotated[str, StringConstraints(max_length=100)]] = []
    is_active: bool = True
    is_default: bool = False


class ContractUpdate(RefusesNull, Strict):
    """PATCH: only the fields sent change; lists sent replace the old ones whole."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "target_contract",
            "rpc_config",
            "analysis_params",
            "tags",
            "is_active",
            "is_default",
        }
    )

    name: Name | None = None
    description: str | None = None
    target_contract: TargetContract | None = None
    competitors: Competitors | None = None
    rpc_config: RpcConfig | None = None
    analysis_params: AnalysisParams | None = None
    tags: list[Annotated[str, StringConstraints(max_length=100)]] | None = None
    is_active: bool | None = None
    is_default: bool | None = None


class ContractSummary(BaseModel):
    """A contract in a listing."""

    id: int
    name: str
    description: str | None
    address: str
    chain: str
    target_name: str | None
    tags: list[str]
    is_active: bool
    is_default: bool
    last_analyzed_at: datetime | None
    analysis_count: int
    created_at: datetime
    updated_at: datetime | None


class ContractRead(ContractSummary):
    """A contract with everything configured on it."""

    abi: str | None
    function_signatures: list[Any] | None
    competitors: list[Competitor]
    rpc_config: dict[str, list[str]]
    analysis_params: AnalysisParams | None


# --- analyses --------------------------------------------------------------------------


class AnalysisCreate(Strict):
    """Start an analysis (it is created ``pending``)."""

    contract_id: Id | None = None
    contract_address: Address | None = None
    chain: Chain | None = None
    analysis_type: Annotated[str, StringConstraints(min_length=1, max_length=50)] = "single"
    metadata: JsonObject | None = None


class AnalysisUpdate(RefusesNull, Strict):
    """Progress of a running analysis, and its outcome."""

    not_null: ClassVar[frozenset[str]] = frozenset({"status", "progress"})

    status: Status | None = None
    progress: Annotated[int, Field(ge=0, le=100)] | None = None
    current_step: Annotated[str, StringConstraints(max_length=255)] | None = None
    results: JsonObject | None = None
    error_message: str | None = None
    logs: JsonList | None = None


class AnalysisSummary(BaseModel):
    """An analysis in a listing (its results are fetched one by one)."""

    id: int
    contract_id: int | None
    contract_address: str | None
    chain: str | None
    analysis_type: str
    status: Status
    progress: int
    has_errors: bool
    current_step: str | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime | None


class AnalysisRead(AnalysisSummary):
    """An analysis with its results and metadata."""

    results: Any | None
    metadata: dict[str, Any] | None
    error_message: str | None
    logs: list[Any] | None


class AnalysisList(Page[AnalysisSummary]):
    """A page of analyses, with the tier's history window it was cut to."""

    history_days: int | None
    since: datetime | None


# --- chat ------------------------------------------------------------------------------


class ChatSessionCreate(Strict):
    """A new AI chat about a contract."""

    title: Annotated[str, StringConstraints(max_length=255)] | None = None
    contract_address: Address | None = None
    contract_chain: Chain | None = None
    contract_name: Annotated[str, StringConstraints(max_length=255)] | None = None
    metadata: JsonObject | None = None


class ChatSessionRead(BaseModel):
    """A chat session; ``message_count`` and ``last_message_at`` follow its messages."""

    id: int
    title: str | None
    contract_address: str | None
    contract_chain: str | None
    contract_name: str | None
    is_active: bool
    message_count: int
    last_message_at: datetime | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime | None


class ChatMessageCreate(Strict):
    """A message in a chat session."""

    role: Literal["user", "assistant", "system"] = "user"
    content: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
    components: JsonList | None = None
    metadata: JsonObject | None = None
    is_streaming: bool = False


class ChatMessageRead(BaseModel):
    """A stored chat message."""

    id: int
    session_id: int
    role: str
    content: str
    components: list[Any] | None
    metadata: dict[str, Any] | None
    is_streaming: bool
    created_at: datetime


class ChatMessageUpdate(RefusesNull, Strict):
    """PATCH a message: only the fields sent change (a streamed answer is finished here)."""

    not_null: ClassVar[frozenset[str]] = frozenset({"content", "is_streaming"})

    content: Annotated[str, StringConstraints(min_length=1, max_length=100_000)] | None = None
    components: JsonList | None = None
    metadata: JsonObject | None = None
    is_streaming: bool | None = None


# --- onboarding, preferences, statistics, documents ------------------------------------

SocialName = Literal["website", "twitter", "discord", "telegram"]
SocialLink = Annotated[str, Field(max_length=500), TRIM]
Step = Annotated[str, Field(max_length=100), TRIM]


class OnboardingRead(BaseModel):
    """The caller's onboarding (defaults when none was ever stored)."""

    completed: bool
    current_step: str | None
    social_links: dict[str, Any] | None
    logo: str | None
    default_contract: dict[str, Any] | None
    extra: dict[str, Any] | None
    updated_at: datetime | None


class OnboardingUpdate(RefusesNull, Strict):
    """PATCH onboarding: only the fields sent change; ``social_links`` sent are merged."""

    not_null: ClassVar[frozenset[str]] = frozenset({"completed", "social_links"})

    completed: bool | None = None
    current_step: Step | None = None
    social_links: dict[SocialName, SocialLink | None] | None = None
    logo: Annotated[str, StringConstraints(max_length=2000)] | None = None
    default_contract: JsonObject | None = None


class PreferencesRead(BaseModel):
    """The caller's notification and chain preferences (defaults when none were stored)."""

    email_notifications: bool
    analysis_notifications: bool
    default_chain: str
    extra: dict[str, Any] | None
    updated_at: datetime | None


class PreferencesUpdate(RefusesNull, Strict):
    """PATCH preferences: only the fields sent change."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {"email_notifications", "analysis_notifications", "default_chain"}
    )

    email_notifications: bool | None = None
    analysis_notifications: bool | None = None
    default_chain: ChainName | None = None


class AnalysisStats(BaseModel):
    """Counts of the caller's analyses (optionally of one contract)."""

    total: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    this_month: int
    last_30_days: int
    success_rate: float | None = Field(
        description="completed / (completed + failed), None before any finished"
    )
    average_seconds: float | None = Field(
        description="mean time from creation to completion of completed analyses"
    )
    last_analysis_at: datetime | None


DocumentKind = Literal[
    "metrics", "metrics_history", "competitor_metrics", "live_poll", "competitor", "traction",
    "agent_memory",
]  # fmt: skip


class DocumentRead(BaseModel):
    """A per-user MetaGauge document (imported metrics, history snapshot, competitor...)."""

    id: int
    kind: str
    key: str
    contract_id: int | None
    data: Any
    created_at: datetime
