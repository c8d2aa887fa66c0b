"""The match score and the Bayesian rating, as pure functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skillnest.exchange.service import average, bayesian_rating, match_score


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
