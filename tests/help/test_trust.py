"""The trust formula of seed 000 as a pure function, with cases worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillnest.help.trust import TrustStats, js_round, months_before, trust_score


def test_no_sessions_scores_zero():
    # The seed would compute NaN (AVG over no rows is NULL); the score is 0.
    assert trust_score(None, 0, None) == 0


def test_one_session_by_hand():
    # quality 8 -> 8/10*60 = 48; 1 session -> 2; 45 minutes -> min(45/30*15, 15) = 15.
    assert trust_score(8, 1, 45) == 65
    # quality 7 -> 42; 1 session -> 2; 10 minutes -> 10/30*15 = 5.  42 + 2 + 5 = 49.
    assert trust_score(7, 1, 10) == 49


def test_consistency_caps_at_25():
    # 12 sessions -> 24 (under the cap); 13 -> 26 capped to 25; 500 -> 25.
    assert trust_score(10, 12, 30) == 60 + 24 + 15
    assert trust_score(10, 13, 30) == 60 + 25 + 15
    assert trust_score(10, 500, 30) == 100


def test_time_investment_caps_at_15():
    # 30 minutes -> exactly 15; 600 minutes -> still 15; 20 minutes -> 10.
    assert trust_score(5, 1, 30) == 30 + 2 + 15
    assert trust_score(5, 1, 600) == 30 + 2 + 15
    assert trust_score(5, 1, 20) == 30 + 2 + 10


def test_half_point_rounds_up_like_javascript():
    # quality 5 -> 30; 1 session -> 2; 1 minute -> 0.5.  32.5 -> Math.round -> 33.
    # Python's round(32.5) is 32 (banker's rounding): the seed's answer is 33.
    assert round(32.5) == 32
    assert trust_score(5, 1, 1) == 33
    # ratings 7, 7, 7, 8 -> avg 7.25 -> 43.5; 4 sessions -> 8; 3 minutes -> 1.5: 53.
    assert trust_score(29 / 4, 4, 3) == 53
    # quality 6.5 -> 39; 2 sessions -> 4; 3 minutes -> 1.5:  44.5 -> 45.
    assert trust_score(6.5, 2, 3) == 45


def test_js_round_matches_math_round():
    assert [js_round(x) for x in (0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5000001)] == [
        1,
        2,
        3,
        0,
        -1,
        2,
        3,
    ]
    # floor(x + 0.5) would give 1 here; Math.round gives 0.
    assert js_round(0.49999999999999994) == 0


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_js_round_is_within_half(value):
    rounded = js_round(value)
    assert value - 0.5 < rounded <= value + 0.5


@given(
    st.floats(min_value=1, max_value=10),
    st.integers(min_value=1, max_value=1000),
    st.floats(min_value=1, max_value=1440),
)
def test_score_stays_within_0_and_100(quality, sessions, duration):
    assert 0 <= trust_score(quality, sessions, duration) <= 100


def test_score_is_withheld_below_five_distinct_seekers():
    few = TrustStats(avg_quality=9, total_sessions=8, avg_duration=30, distinct_seekers=4)
    assert few.score == 54 + 16 + 15
    assert few.public() == {"score": None, "sessions": 8, "enough_data": False}
    enough = TrustStats(avg_quality=9, total_sessions=8, avg_duration=30, distinct_seekers=5)
    assert enough.public() == {"score": 85, "sessions": 8, "enough_data": True}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC), datetime(2026, 8, 22, 3, 4, 5, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 5, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 2, 15, tzinfo=UTC), datetime(2025, 11, 15, tzinfo=UTC)),
    ],
)
def test_three_months_before_clamps_like_postgresql(moment, expected):
    assert months_before(moment) == expected


def test_missing_figures_are_guarded_by_hand():
    # Seed 000 averages over the helper's rows: no rows means no quality, and no score.
    # Sessions but no quality (every rating NULL): 0, not an error.
    assert trust_score(None, 3, 30) == 0
    # A quality but zero sessions (figures out of step): 0, not 48 + 0 + 15.
    assert trust_score(8, 0, 30) == 0
    # A quality but no duration: the time part is 0.  8 -> 48; 1 session -> 2:  50.
    assert trust_score(8, 1, None) == 50


def test_three_months_is_a_parameter():
    # One month before 31 March is 28 February (clamped); twelve before is the same day.
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 12) == datetime(2025, 1, 15, tzinfo=UTC)
