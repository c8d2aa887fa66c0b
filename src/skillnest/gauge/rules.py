"""MetaGauge's pure rules: tier limits, monthly usage, history windows, analysis statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from skillnest.core.errors import Forbidden


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


def quota_error(tier: str, now: datetime) -> TierLimitExceeded:
    """The 403 for an analysis beyond the tier's monthly quota."""
    limit = TIER_LIMITS[tier].monthly_analyses
    return TierLimitExceeded(
        f"The {tier} tier allows {limit} analyses a month and they are used up.",
        tier=tier,
        limit="monthly_analyses",
        monthly_analyses=limit,
        used=limit,
        resets_at=next_month_start(now).isoformat(),
        upgrade_to=UPGRADES.get(tier),
    )


# A finished analysis keeps its outcome; an unfinished one may move forward or fail.
NEXT_STATUSES = {
    "pending": {"pending", "running", "completed", "failed"},
    "running": {"running", "completed", "failed"},
    "completed": set(),
    "failed": set(),
}
FINISHED = ("completed", "failed")


def can_move(current: str, status: str) -> bool:
    """Whether an analysis in ``current`` may be set to ``status``."""
    return status in NEXT_STATUSES[current]


def chat_title(title: str | None, contract_name: str | None) -> str:
    """A chat session's title: the one given, else one named after the contract."""
    return title or f"Chat: {contract_name or 'Unknown Contract'}"
