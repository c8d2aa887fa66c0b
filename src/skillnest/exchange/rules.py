"""Pure rules of the exchange: the Bayesian rating, the match score and the match order.

No database and no I/O here: the match query (``dialect.py``) orders by the same components,
and these functions give the number shown beside each match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

# Bayesian average of ratings: a user's ratings count as if PRIOR_WEIGHT extra ratings at the
# global mean came with them, so one 5-star rating does not outrank twenty 4.8s.
PRIOR_WEIGHT = 5
# The prior before anyone has rated anyone: the middle of the 1-5 scale.
DEFAULT_MEAN = 3.0

# Two skill names are related when their trigram similarity (shared trigrams over all
# trigrams, as pg_trgm counts them) reaches this. 0.4 keeps a name and the same name with a
# qualifier ("guitar" / "acoustic guitar": 0.44, "guitar" / "guitars": 0.67) and drops names
# that merely share a stem ("java" / "javascript": 0.33, "electric guitar" / "acoustic
# guitar": 0.33); pg_trgm's own default (0.3) would relate Java and JavaScript. Keep it at
# or above 0.3: PostgreSQL finds candidates with the ``%`` operator at its default threshold.
# The 0013 migration's trigger writes both values into ``skill_terms_similar``: changing one
# needs a migration that measures the vocabulary again.
SIMILARITY_THRESHOLD = 0.4
# Shorter names are never related by similarity: "go" and "google" share a trigram of the
# padding, not of the skill. Aliases ("js" for "javascript") are curated and still apply.
MIN_RELATED_LENGTH = 3

_WORD = re.compile(r"[^\W_]+")


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


def term_key(name: str) -> str:
    """A name's vocabulary key: lower-cased, trimmed (as the vocabulary's triggers store it)."""
    return name.strip().lower()


def trigrams(name: str) -> set[str]:
    """pg_trgm's trigrams of a name: each lower-cased word padded "  word "."""
    found: set[str] = set()
    for word in _WORD.findall(name.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def similarity(a: str, b: str) -> float:
    """Shared trigrams over all trigrams of two names (pg_trgm's ``similarity``), 0 to 1."""
    left, right = trigrams(a), trigrams(b)
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def relatable(a: str, b: str) -> bool:
    """Whether two different names are long enough and similar enough to be related."""
    if a == b or min(len(a.strip()), len(b.strip())) < MIN_RELATED_LENGTH:
        return False
    return similarity(a, b) >= SIMILARITY_THRESHOLD


def fts5_trigram_query(name: str) -> str | None:
    """An FTS5 trigram MATCH finding names that share any inner trigram of a word of ``name``."""
    grams = sorted({w[i : i + 3] for w in _WORD.findall(name.lower()) for i in range(len(w) - 2)})
    if not grams:
        return None
    # Words are letters and digits only, so a trigram never holds a quote to escape.
    return " OR ".join(f'"{g}"' for g in grams)


def related_pairs(
    mine: Iterable[str], related: Iterable[tuple[str, str]], exclude: Iterable[str]
) -> list[tuple[str, str]]:
    """(related key, my key) pairs: each relation of one of my keys to a key I do not list.

    A related key that is already one of ``exclude`` (matched exactly) adds nothing.
    """
    keys, skip = set(mine), set(exclude)
    return sorted({(other, key) for key, other in related if key in keys and other not in skip})


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
    related: int = 0,
) -> tuple[int, int, int, float, int, float, int]:
    """Sort key of a match, smallest first: the order the match query returns on both backends.

    Exact matches (an exact skill each way) first; then the larger exact overlap, then more
    skills related by the vocabulary, then the higher Bayesian rating, then the most recently
    active (never active last), then the smaller id.
    """
    rating = bayesian_rating(
        rating_sum, rating_count, global_mean=global_mean, prior_weight=prior_weight
    )
    inexact = 0 if teaches and learns else 1
    never_active = 1 if last_active_at is None else 0
    activity = 0.0 if last_active_at is None else -last_active_at.timestamp()
    return (inexact, -(teaches + learns), -related, -rating, never_active, activity, user_id)
