"""The match score and the Bayesian rating, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from skillnest.exchange.rules import (
    PRIOR_WEIGHT,
    average,
    bayesian_rating,
    fts5_trigram_query,
    match_order,
    match_score,
    relatable,
    related_pairs,
    similarity,
    term_key,
    trigrams,
)


def score(teaches: int, learns: int, ratings: list[int], mean: float = 4.0) -> float:
    return match_score(
        teaches=teaches,
        learns=learns,
        rating_sum=sum(ratings),
        rating_count=len(ratings),
        global_mean=mean,
    )


def test_larger_overlap_wins_over_any_rating():
    assert score(2, 1, [1] * 50) > score(1, 1, [5] * 50)
    assert score(1, 2, []) > score(1, 1, [5] * 1000)


def test_equal_overlap_is_ordered_by_rating():
    assert score(1, 1, [5, 5, 5]) > score(1, 1, [3, 3, 3])
    assert score(1, 1, [5]) > score(1, 1, [])  # above the mean beats no ratings
    assert score(1, 1, [1]) < score(1, 1, [])  # below the mean is worse than none


def test_few_ratings_are_pulled_toward_the_global_mean():
    one_perfect = bayesian_rating(5, 1, global_mean=3.5)
    many_great = bayesian_rating(4.8 * 20, 20, global_mean=3.5)
    assert one_perfect < many_great
    assert bayesian_rating(0, 0, global_mean=3.5) == 3.5
    assert score(1, 1, [5]) < score(1, 1, [5] * 20)


def test_score_reads_as_overlap_plus_a_tenth_of_the_rating():
    assert score(2, 1, [], mean=4.0) == 3.4
    assert score(1, 1, [5, 5, 5, 5, 5], mean=3.0) == 2.4


def test_average_for_display():
    assert average(None, 0) is None
    assert average(14, 3) == 4.67


@given(
    teaches=st.integers(1, 50),
    learns=st.integers(1, 50),
    ratings=st.lists(st.integers(1, 5), max_size=200),
    mean=st.floats(1, 5),
)
def test_the_whole_part_is_always_the_overlap(teaches, learns, ratings, mean):
    value = score(teaches, learns, ratings, mean)
    assert int(value) == teaches + learns
    assert 0.1 <= round(value - int(value), 4) <= 0.5


# --- expectations written out by hand ----------------------------------------------------
# Seed 001 shows a user's rating as the plain mean of the ratings received
# (``sum(r.rating for r in ratings_received) / len(ratings_received)``); the match order adds
# the Bayesian pull toward the global mean with a prior of 5 ratings.


def test_plain_average_as_seed_001_computes_it():
    assert average(13, 3) == 4.33  # ratings 5, 4, 4
    assert average(5, 1) == 5.0
    assert average(None, 3) is None  # no sum, whatever the count says
    assert average(7, 0) is None  # no count, whatever the sum says


def test_bayesian_rating_by_hand():
    # (5 * 3.0 + 10) / (5 + 2) = 25 / 7
    assert bayesian_rating(10, 2, global_mean=3.0) == 25 / 7
    # A prior of 2 ratings: (2 * 3.0 + 10) / (2 + 2) = 4.0
    assert bayesian_rating(10, 2, global_mean=3.0, prior_weight=2) == 4.0


def test_match_score_by_hand_to_four_decimals():
    # 1 + 1 skills, rating 25 / 7 = 3.571428... -> 2 + 0.3571428... -> 2.3571
    assert score(1, 1, [5, 5], mean=3.0) == 2.3571
    # The prior weight is passed through: (2 * 3.0 + 10) / 4 = 4.0 -> 2.4
    assert (
        match_score(
            teaches=1, learns=1, rating_sum=10, rating_count=2, global_mean=3.0, prior_weight=2
        )
        == 2.4
    )


HOUR_AGO = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
YESTERDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def order(teaches, learns, ratings, active, user_id, mean=3.0, prior=PRIOR_WEIGHT, related=0):
    return match_order(
        related=related,
        teaches=teaches,
        learns=learns,
        rating_sum=sum(ratings),
        rating_count=len(ratings),
        last_active_at=active,
        user_id=user_id,
        global_mean=mean,
        prior_weight=prior,
    )


def test_match_order_key_by_hand():
    assert order(2, 1, [], HOUR_AGO, 10) == (0, -3, 0, -3.0, 0, -HOUR_AGO.timestamp(), 10)
    assert order(1, 1, [5, 5], None, 7) == (0, -2, 0, -25 / 7, 1, 0.0, 7)
    assert order(1, 1, [5, 5], None, 7, prior=2) == (0, -2, 0, -4.0, 1, 0.0, 7)
    assert order(0, 2, [], None, 7, related=1) == (1, -2, -1, -3.0, 1, 0.0, 7)
    plain = match_order(
        teaches=1,
        learns=1,
        rating_sum=0,
        rating_count=0,
        last_active_at=None,
        user_id=7,
        global_mean=3.0,
    )
    assert plain == (0, -2, 0, -3.0, 1, 0.0, 7)  # no related skills unless given
    assert order(3, 0, [], None, 7, related=2) == (1, -3, -2, -3.0, 1, 0.0, 7)


def test_match_order_overlap_then_rating_then_activity_then_id():
    people = {
        "a": order(2, 1, [], HOUR_AGO, 10),  # the largest overlap wins outright
        "b": order(1, 1, [5, 5], None, 1),  # equal overlap: the better rating next
        "c": order(1, 1, [], YESTERDAY, 5),
        "d": order(1, 1, [], None, 3),  # never active: after everyone active
        "e": order(1, 1, [], YESTERDAY, 4),  # same activity as c: the smaller id first
        "f": order(1, 1, [], HOUR_AGO, 9),  # more recently active than c and e
    }
    assert sorted(people, key=people.__getitem__) == ["a", "b", "f", "e", "c", "d"]


def test_exact_matches_first_then_overlap_then_related_count():
    people = {
        "exact": order(1, 1, [], None, 9),
        "exact_more_related": order(1, 1, [], None, 9, related=1),  # equal overlap: related
        "related_big": order(0, 3, [5] * 9, HOUR_AGO, 1, related=1),  # never above exact
        "related_small": order(2, 0, [], HOUR_AGO, 1, related=2),
    }
    assert sorted(people, key=people.__getitem__) == [
        "exact_more_related",
        "exact",
        "related_big",
        "related_small",
    ]


def test_trigrams_as_pg_trgm_counts_them():
    assert trigrams("Go") == {"  g", " go", "go "}
    assert trigrams("C++ dev") == {"  c", " c ", "  d", " de", "dev", "ev "}
    assert trigrams("--") == set()
    assert trigrams("guitar") == {"  g", " gu", "gui", "uit", "ita", "tar", "ar "}


def test_similarity_by_hand():
    # guitar: 7 trigrams; acoustic guitar: 9 + 7 = 16, the 7 of guitar shared: 7/16.
    assert similarity("acoustic guitar", "guitar") == 7 / 16
    assert similarity("Guitar", "guitar") == 1.0
    # java: 5 trigrams, javascript: 11, 4 shared: 4 / (5 + 11 - 4).
    assert similarity("java", "javascript") == 4 / 12
    assert similarity("", "guitar") == 0.0 and similarity("guitar", "--") == 0.0
    assert similarity("", "") == 0.0


def test_relatable_needs_three_letters_a_different_name_and_the_threshold():
    assert relatable("acoustic guitar", "guitar")  # 0.4375
    assert relatable("guitars", "guitar")
    assert not relatable("java", "javascript")  # 0.33: under 0.4
    assert not relatable("guitar", "guitar")  # the same name is an exact match, not related
    assert not relatable("go", "go lang")  # 2 letters: never by similarity
    assert not relatable("google", " go ")
    assert relatable("abc", "abcd")  # 3 letters is enough: 3 of 6 trigrams shared
    assert similarity("abc", "abcd") == 0.5 and relatable("abcd", "abc")
    # Exactly at the threshold counts: 4 of 10 trigrams shared.
    assert similarity("guitar", "guitxr") == 0.4 and relatable("guitar", "guitxr")
    assert similarity("guitar", "guitqqqq") == 4 / 11 and not relatable("guitar", "guitqqqq")


def test_term_key_and_fts5_query():
    assert term_key("  Acoustic Guitar ") == "acoustic guitar"
    assert fts5_trigram_query("Go") is None
    assert fts5_trigram_query("C++") is None
    assert fts5_trigram_query("Guitar") == '"gui" OR "ita" OR "tar" OR "uit"'
    assert fts5_trigram_query("sql db") == '"sql"'


def test_related_pairs_keep_my_keys_and_drop_exact_ones():
    related = [("guitar", "acoustic guitar"), ("guitar", "piano"), ("drums", "drum")]
    assert related_pairs(["guitar", "piano"], related, exclude=["guitar", "piano"]) == [
        ("acoustic guitar", "guitar")
    ]
    assert related_pairs([], related, exclude=[]) == []
    assert related_pairs(["drums", "guitar"], related, exclude=[]) == [
        ("acoustic guitar", "guitar"),
        ("drum", "drums"),
        ("piano", "guitar"),
    ]
