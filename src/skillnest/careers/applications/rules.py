"""Pure rules of applications: the status flow, progress and follow-up timing.

No I/O here: each function takes plain values and is tested on its own.
"""

from __future__ import annotations

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
