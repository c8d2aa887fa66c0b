"""Pure rules of applications: the status flow, progress and follow-up timing.

No I/O here: each function takes plain values and is tested on its own.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# --- applications ---------------------------------------------------------------------

STATUS_FLOW = (
    "SAVED",
    "APPLIED",
    "SCREENING",
    "INTERVIEW_SCHEDULED",
    "INTERVIEW_COMPLETED",
    "OFFER_RECEIVED",
    "ACCEPTED",
)
CLOSING_STATUSES = ("REJECTED", "WITHDRAWN")
FINAL_STATUSES = frozenset({"ACCEPTED", *CLOSING_STATUSES})
ALL_STATUSES = (*STATUS_FLOW, *CLOSING_STATUSES)
PROGRESS = dict(zip(STATUS_FLOW, (10, 25, 40, 55, 70, 90, 100), strict=True))
FOLLOW_UP_DAYS = 14
REMINDER_INTERVAL_DAYS = 7
RESPONDED_STATUSES = frozenset(
    {
        "SCREENING",
        "INTERVIEW_SCHEDULED",
        "INTERVIEW_COMPLETED",
        "OFFER_RECEIVED",
        "ACCEPTED",
        "REJECTED",
    }
)


# Applications a follow-up date still means something for: anything not over.
FOLLOW_UP_STATUSES = tuple(s for s in ALL_STATUSES if s not in FINAL_STATUSES)
UNSPECIFIED = "unspecified"


def can_transition(current: str, target: str) -> bool:
    """Whether an application may move from ``current`` to ``target``.

    Forward one step along SAVED → APPLIED → ... → ACCEPTED, or to REJECTED or WITHDRAWN
    from any state that is not final. Nothing leaves a final state.
    """
    if current in FINAL_STATUSES or current == target:
        return False
    if target in CLOSING_STATUSES:
        return True
    if current in STATUS_FLOW and target in STATUS_FLOW:
        return STATUS_FLOW.index(target) == STATUS_FLOW.index(current) + 1
    return False


def allowed_transitions(current: str) -> list[str]:
    """Every status an application in ``current`` may move to."""
    return [s for s in ALL_STATUSES if can_transition(current, s)]


def progress(status: str) -> int:
    """Progress percentage of a status; a closed application (rejected, withdrawn) is done."""
    return PROGRESS.get(status, 100)


def clears_follow_up(current: str, target: str) -> bool:
    """Whether a move answers the question a follow-up asks: the employer replied or it ended."""
    return target in FINAL_STATUSES or (current == "APPLIED" and target in RESPONDED_STATUSES)


# --- analytics --------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What analytics needs of one application."""

    status: str
    applied: datetime | None
    responded: datetime | None
    source: str | None
    method: str | None


@dataclass(frozen=True)
class Share:
    """Sent applications of one group and how many got an answer."""

    name: str
    applications: int
    responded: int
    response_rate: float


def week_start(day: date) -> date:
    """The Monday of a day's ISO week."""
    return day - timedelta(days=day.weekday())


def rate(part: int, whole: int) -> float:
    """``part / whole`` rounded to 3 decimals; 0 when there is nothing to divide."""
    return round(part / whole, 3) if whole else 0.0


def per_week(facts: list[Facts], *, today: date, weeks: int) -> list[tuple[date, int]]:
    """Applications sent in each of the last ``weeks`` ISO weeks (oldest first, zeros kept)."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    counts = dict.fromkeys((first + timedelta(weeks=n) for n in range(weeks)), 0)
    for fact in facts:
        if fact.applied is not None:
            week = week_start(fact.applied.date())
            if week in counts:
                counts[week] += 1
    return list(counts.items())


def shares(facts: list[Facts], key: str) -> list[Share]:
    """Sent applications grouped by ``source`` or ``method``, most applications first."""
    sent: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for fact in facts:
        if fact.applied is None:
            continue
        name = getattr(fact, key) or UNSPECIFIED
        sent[name] += 1
        answered[name] += fact.status in RESPONDED_STATUSES
    return [
        Share(name, n, answered[name], rate(answered[name], n))
        for name, n in sorted(sent.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def median_days_to_response(facts: list[Facts]) -> float | None:
    """Median days from sending an application to the employer's first answer (1 decimal)."""
    days = [
        (f.responded - f.applied).total_seconds() / 86_400
        for f in facts
        if f.applied is not None and f.responded is not None and f.responded >= f.applied
    ]
    return round(statistics.median(days), 1) if days else None
