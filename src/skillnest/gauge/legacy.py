"""Pydantic models of MetaGauge's legacy JSON records (``FORMAT.md``), and their date rules.

Validation is strict: a string is never read as a number or a boolean, a missing date is
never replaced by "now", and a missing role never means admin. Fields the models do not
name are kept (``model_extra``) and stored in the ``extra`` document of the row, so nothing
is dropped silently.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    field_validator,
)
from pydantic.alias_generators import to_camel

from skillnest.gauge.models import ANALYSIS_STATUSES, CHAINS, CHAT_ROLES, MAX_COMPETITORS, TIERS

# Unix timestamps above this are milliseconds: 1e11 seconds is the year 5138.
MILLISECONDS_FROM = 100_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BCRYPT_RE = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
_NUMERIC = re.compile(r"-?\d+(\.\d+)?")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Legacy fields that are secrets of the old system: never copied (counted in the report).
DROPPED_USER_FIELDS = frozenset(
    {"emailVerificationToken", "resetPasswordToken", "resetPasswordExpires"}
)


def parse_legacy_date(value: object) -> datetime | None:
    """ISO 8601, unix seconds or unix milliseconds (number or digit string) to aware UTC.

    ``None`` and ``""`` are a missing date and stay ``None``; an ISO string without an
    offset is read as UTC (the legacy app wrote ``toISOString()``, always UTC).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a date cannot be a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        # A dash after four characters is an ISO date, never a number: the regular
        # expression is skipped for the dates nearly every record holds.
        if text[4:5] != "-" and _NUMERIC.fullmatch(text):
            return _from_unix(float(text))
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or unix timestamp: {value!r}") from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
    if isinstance(value, int | float):
        return _from_unix(float(value))
    raise ValueError(f"a date must be a string or a number, not {type(value).__name__}")


def _from_unix(number: float) -> datetime:
    seconds = number / 1000 if abs(number) >= MILLISECONDS_FROM else number
    try:
        # Exact arithmetic on whole milliseconds avoids float rounding in fromtimestamp.
        millis = round(seconds * 1000)
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        raise ValueError(f"timestamp out of range: {number}") from None


def _required_date(value: object) -> datetime:
    parsed = parse_legacy_date(value)
    if parsed is None:
        raise ValueError("date is missing (a missing date is never replaced by now)")
    return parsed


OptionalDate = Annotated[datetime | None, PlainValidator(parse_legacy_date)]
RequiredDate = Annotated[datetime, PlainValidator(_required_date)]


def _normalise_email(value: str) -> str:
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.normalized.lower()


def _check_bcrypt(value: str) -> str:
    if not BCRYPT_RE.match(value):
        raise ValueError("not a bcrypt hash ($2a$/$2b$/$2y$)")
    return value


Email = Annotated[str, AfterValidator(_normalise_email)]
Bcrypt = Annotated[str, AfterValidator(_check_bcrypt)]
LegacyId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Chain = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Count = Annotated[int, Field(ge=0)]


class LegacyModel(BaseModel):
    """Base of the legacy shapes: camelCase keys, strict types, unknown keys kept."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", strict=True
    )

    def leftovers(self) -> dict[str, Any] | None:
        """The keys of the record that no field names (stored verbatim in ``extra``)."""
        return dict(self.model_extra) if self.model_extra else None


class LegacyUsage(LegacyModel):
    """``user.usage``: counters and the monthly reset."""

    analysis_count: Count = 0
    ai_query_count: Count = 0
    monthly_analysis_count: Count = 0
    monthly_ai_query_count: Count = 0
    last_analysis: OptionalDate = None
    current_month: str | None = None
    monthly_reset_date: OptionalDate = None

    @field_validator("current_month")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not MONTH_RE.match(value):
            raise ValueError("currentMonth must look like 2026-04")
        return value


class LegacyOnboarding(LegacyModel):
    """``user.onboarding``."""

    completed: bool = False
    social_links: dict[str, str | None] | None = None
    logo: str | None = None
    default_contract: dict[str, Any] | None = None

    @field_validator("social_links")
    @classmethod
    def _trim_links(cls, value: dict[str, str | None] | None) -> dict[str, str | None] | None:
        """Stray spaces around links are typing noise; a blank link is no link."""
        if value is None:
            return None
        return {k: (v.strip() or None) if isinstance(v, str) else None for k, v in value.items()}

    @property
    def current_step(self) -> str | None:
        """The onboarding step, kept by the legacy app inside ``defaultContract``."""
        step = (self.default_contract or {}).get("currentStep")
        return step[:100] if isinstance(step, str) else None


class LegacyNotifications(LegacyModel):
    """``user.preferences.notifications``."""

    email: bool = True
    analysis: bool = True


class LegacyPreferences(LegacyModel):
    """``user.preferences``."""

    notifications: LegacyNotifications | None = None
    default_chain: Annotated[str, StringConstraints(min_length=1, max_length=50)] = "ethereum"


class LegacyUser(LegacyModel):
    """One record of ``users.json``."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    email: Email
    password: Bcrypt
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    tier: Literal[TIERS] = "free"  # type: ignore[valid-type]
    api_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    is_active: bool = True
    email_verified: bool = False
    # Missing means an ordinary user: the original migration made it "admin".
    role: Literal["admin", "user"] | None = None
    usage: LegacyUsage | None = None
    onboarding: LegacyOnboarding | None = None
    preferences: LegacyPreferences | None = None
    billing: dict[str, Any] | None = None
    created_at: RequiredDate
    updated_at: RequiredDate
    last_login: OptionalDate = None

    def leftovers(self) -> dict[str, Any] | None:
        """Unknown keys, without the legacy secrets (reset and verification tokens)."""
        kept = {k: v for k, v in (self.model_extra or {}).items() if k not in DROPPED_USER_FIELDS}
        return kept or None

    def dropped(self) -> list[str]:
        """Names of the legacy secret fields this record carried (not copied)."""
        return sorted(k for k in (self.model_extra or {}) if k in DROPPED_USER_FIELDS)


def _abi_text(value: object) -> str | None:
    """An ABI is kept as JSON text; the legacy app sometimes stored the parsed array."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    raise ValueError("abi must be a JSON string, an array or null")


AbiText = Annotated[str | None, PlainValidator(_abi_text)]


class LegacyTarget(LegacyModel):
    """``contract.targetContract``."""

    address: Address
    chain: Chain
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    abi: AbiText = None
    function_signatures: list[Any] | None = None


class LegacyCompetitor(LegacyModel):
    """One of ``contract.competitors``."""

    model_config = ConfigDict(extra="forbid")

    address: Address
    chain: Chain
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    abi: AbiText = None


class LegacyAnalysisParams(LegacyModel):
    """``contract.analysisParams``; keys beyond these go to ``extra``."""

    search_strategy: Annotated[str, StringConstraints(max_length=50)] | None = None
    smart_search: bool | None = None
    whale_threshold: float | None = None
    max_concurrent_requests: int | None = None
    failover_timeout: int | None = None
    max_retries: int | None = None
    output_formats: list[Annotated[str, StringConstraints(max_length=20)]] | None = None


class LegacyContract(LegacyModel):
    """One record of ``contracts.json``."""

    id: LegacyId
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    description: str | None = None
    target_contract: LegacyTarget
    competitors: Annotated[list[LegacyCompetitor], Field(max_length=MAX_COMPETITORS)] = []
    rpc_config: dict[str, list[str]]
    analysis_params: LegacyAnalysisParams | None = None
    tags: list[Annotated[str, StringConstraints(max_length=100)]] = []
    is_active: bool = True
    is_default: bool = False
    last_analyzed: OptionalDate = None
    analysis_count: Count = 0
    created_at: RequiredDate
    updated_at: OptionalDate = None

    @field_validator("rpc_config")
    @classmethod
    def _rpc(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not 1 <= len(value) <= len(CHAINS):
            raise ValueError(f"a contract needs 1 to {len(CHAINS)} chains of RPC endpoints")
        unknown = sorted(set(value) - set(CHAINS))
        if unknown:
            raise ValueError(f"unknown chain {unknown[0]!r} (known: {', '.join(CHAINS)})")
        return value


class LegacyAnalysis(LegacyModel):
    """One record of ``analyses.json``."""

    id: LegacyId
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    config_id: LegacyId | None = None
    contract_address: Annotated[str, StringConstraints(max_length=100)] | None = None
    chain: Annotated[str, StringConstraints(max_length=50)] | None = None
    analysis_type: Annotated[str, StringConstraints(min_length=1, max_length=50)] = "single"
    status: Literal[ANALYSIS_STATUSES]  # type: ignore[valid-type]
    progress: Annotated[int, Field(ge=0, le=100)] = 0
    results: dict[str, Any] | list[Any] | None = None
    metadata: dict[str, Any] | None = None
    error_message: str | None = None
    has_errors: bool = False
    logs: list[Any] | None = None
    current_step: Annotated[str, StringConstraints(max_length=255)] | None = None
    completed_at: OptionalDate = None
    created_at: RequiredDate
    updated_at: OptionalDate = None

    @field_validator("progress", mode="before")
    @classmethod
    def _whole_progress(cls, value: object) -> object:
        """Accept 40.0 for 40 (JavaScript has one number type), never 40.5."""
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


class LegacyChatSession(LegacyModel):
    """One record of ``chat_sessions.json``."""

    id: LegacyId
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    title: Annotated[str, StringConstraints(max_length=255)] | None = None
    contract_address: Annotated[str, StringConstraints(max_length=100)] | None = None
    contract_chain: Annotated[str, StringConstraints(max_length=50)] | None = None
    contract_name: Annotated[str, StringConstraints(max_length=255)] | None = None
    is_active: bool = True
    message_count: Count = 0
    last_message_at: OptionalDate = None
    metadata: dict[str, Any] | None = None
    created_at: RequiredDate
    updated_at: OptionalDate = None


class LegacyChatMessage(LegacyModel):
    """One record of ``chat_messages.json``."""

    id: LegacyId
    session_id: LegacyId
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    role: Literal[CHAT_ROLES]  # type: ignore[valid-type]
    content: str
    components: list[Any] | None = None
    metadata: dict[str, Any] | None = None
    is_streaming: bool = False
    created_at: RequiredDate


def find_nul(value: object, path: str = "") -> str | None:
    """The path of the first string containing NUL (PostgreSQL cannot store it), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return sub
            found = find_nul(item, sub)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = find_nul(item, f"{path}.{i}" if path else str(i))
            if found is not None:
                return found
    return None
