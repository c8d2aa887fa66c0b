"""Pure rules of the exchange: the Bayesian rating, the match score and the match order.

No database and no I/O here: the match query (``dialect.py``) orders by the same components,
and these functions give the number shown beside each match.
"""

from __future__ import annotations

from datetime import datetime

# Bayesian average of ratings: a user's ratings count as if PRIOR_WEIGHT extra ratings at the
# global mean came with them, so one 5-star rating does not outrank twenty 4.8s.
PRIOR_WEIGHT = 5
# The prior before anyone has rated anyone: the middle of the 1-5 scale.
DEFAULT_MEAN = 3.0


def bayesian_rating(
    rating_sum: float, rating_count: int, *, global_mean: float, prior_weight: int = PRIOR_WEIGHT
) -> float:
    """The average rating pulled toward the global mean; exactly the mean with no ratings."""
    return (prior_weight * global_mean + rating_sum) / (prior_weight + rating_count)


def match_score(
    *,
    teaches: int,
    learns: int,
    rating_sum: float,
    rating_count: int,
    global_mean: float,
    prior_weight: int = PRIOR_WEIGHT,
) -> float:
    """Rank of a match: the mutual overlap first, then the rating pulled toward the mean.

    ``teaches`` skills they offer that you want and ``learns`` skills they want that you
    offer make the whole part (the number of skills that would change hands); the rating
    (1-5, Bayesian-averaged) divided by ten makes the fraction, at most 0.5, so it orders
    matches of equal overlap and never lifts one over a larger overlap. The match query
    orders by the same two components (then by most recent activity).
    """
    rating = bayesian_rating(
        rating_sum, rating_count, global_mean=global_mean, prior_weight=prior_weight
    )
    return round(teaches + learns + rating / 10, 4)


def average(rating_sum: float | None, rating_count: int) -> float | None:
    """The plain average rating for display, or None when there is none."""
    if not rating_count or rating_sum is None:
        return None
    return round(float(rating_sum) / rating_count, 2)


def match_order(
    *,
    teaches: int,
    learns: int,
    rating_sum: float,
    rating_count: int,
    last_active_at: datetime | None,
    user_id: int,
    global_mean: float,
    prior_weight: int = PRIOR_WEIGHT,
) -> tuple[int, float, int, float, int]:
    """Sort key of a match, smallest first: the order the match query returns on both backends.

    Larger overlap first, then the higher Bayesian rating, then the most recently active
    (never active last), then the smaller id.
    """
    rating = bayesian_rating(
        rating_sum, rating_count, global_mean=global_mean, prior_weight=prior_weight
    )
    never_active = 1 if last_active_at is None else 0
    activity = 0.0 if last_active_at is None else -last_active_at.timestamp()
    return (-(teaches + learns), -rating, never_active, activity, user_id)
