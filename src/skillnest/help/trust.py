"""The trust score of seed 000, as pure functions (no I/O)."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import datetime

# Below this many distinct seekers a score is withheld: with fewer, a seeker (or the helper)
# could work out an individual rating from the change in the score.
MIN_DISTINCT_SEEKERS = 5
WINDOW_MONTHS = 3


def js_round(value: float) -> int:
    """Round like JavaScript's ``Math.round``: halves go up (2.5 -> 3, -2.5 -> -2).

    Python's ``round`` rounds halves to even (``round(32.5) == 32``), which is not what the
    seed computes. ``value - floor(value)`` is exact for doubles, so no ``x + 0.5`` error.
    """
    floor = math.floor(value)
    return int(floor + 1 if value - floor >= 0.5 else floor)


def trust_score(avg_quality: float | None, total_sessions: int, avg_duration: float | None) -> int:
    """Seed 000's ``calculateTrustScore``: quality 60 + consistency 25 + time investment 15.

    ``quality = avg_quality / 10 * 60``, ``consistency = min(sessions * 2, 25)``,
    ``time = min(avg_duration / 30 * 15, 15)``, summed and rounded half up. With no sessions
    the seed would produce NaN; the score is 0.
    """
    if total_sessions <= 0 or avg_quality is None:
        return 0
    quality = (float(avg_quality) / 10) * 60
    consistency = min(total_sessions * 2, 25)
    time_invested = min((float(avg_duration or 0) / 30) * 15, 15)
    return js_round(quality + consistency + time_invested)


@dataclass(frozen=True, slots=True)
class TrustStats:
    """What the last three months of a helper's interactions add up to."""

    avg_quality: float | None
    total_sessions: int
    avg_duration: float | None
    distinct_seekers: int

    @property
    def score(self) -> int:
        """The seed's score of these figures."""
        return trust_score(self.avg_quality, self.total_sessions, self.avg_duration)

    @property
    def enough_data(self) -> bool:
        """Whether the score may be shown (enough distinct seekers to hide each rating)."""
        return self.distinct_seekers >= MIN_DISTINCT_SEEKERS

    def public(self) -> dict[str, int | bool | None]:
        """The score as others see it: withheld (None) without enough distinct seekers."""
        return {
            "score": self.score if self.enough_data else None,
            "sessions": self.total_sessions,
            "enough_data": self.enough_data,
        }


def months_before(moment: datetime, months: int = WINDOW_MONTHS) -> datetime:
    """``moment - INTERVAL 'n months'`` as PostgreSQL computes it (day clamped to month end)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
