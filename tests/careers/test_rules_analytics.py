"""Career analytics and follow-up rules, with every expected value worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from skillnest.careers.applications.rules import (
    UNSPECIFIED,
    Facts,
    Share,
    clears_follow_up,
    median_days_to_response,
    per_week,
    rate,
    shares,
    week_start,
)


def at(day: int, hour: int = 0) -> datetime:
    """A moment in November 2026 (the 2nd is a Monday)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def fact(
    status: str = "APPLIED",
    applied: datetime | None = None,
    responded: datetime | None = None,
    source: str | None = None,
    method: str | None = None,
) -> Facts:
    return Facts(status, applied, responded, source, method)


def test_a_follow_up_is_answered_by_a_reply_or_an_ending():
    assert clears_follow_up("APPLIED", "SCREENING") is True
    assert clears_follow_up("APPLIED", "REJECTED") is True
    assert clears_follow_up("APPLIED", "WITHDRAWN") is True
    assert clears_follow_up("OFFER_RECEIVED", "ACCEPTED") is True
    assert clears_follow_up("SAVED", "APPLIED") is False
    assert clears_follow_up("SCREENING", "INTERVIEW_SCHEDULED") is False
    assert clears_follow_up("SAVED", "SCREENING") is False


def test_weeks_start_on_monday():
    assert week_start(date(2026, 11, 2)) == date(2026, 11, 2)  # a Monday
    assert week_start(date(2026, 11, 8)) == date(2026, 11, 2)  # the Sunday after
    assert week_start(date(2026, 11, 9)) == date(2026, 11, 9)


def test_rates_round_to_three_decimals_and_never_divide_by_zero():
    assert rate(1, 3) == 0.333
    assert rate(2, 3) == 0.667
    assert rate(3, 4) == 0.75
    assert rate(0, 5) == 0.0
    assert rate(4, 0) == 0.0


def test_applications_per_week_keep_empty_weeks_and_skip_old_or_unsent_ones():
    facts = [
        fact(applied=at(3)),  # week of the 2nd
        fact(applied=at(8, 23)),  # Sunday: still the week of the 2nd
        fact(applied=at(17)),  # week of the 16th
        fact(applied=at(1)),  # Sunday 1 Nov: the week before the window
        fact(status="SAVED"),  # never sent
    ]
    assert per_week(facts, today=date(2026, 11, 18), weeks=3) == [
        (date(2026, 11, 2), 2),
        (date(2026, 11, 9), 0),
        (date(2026, 11, 16), 1),
    ]
    assert per_week([], today=date(2026, 11, 18), weeks=1) == [(date(2026, 11, 16), 0)]


def test_shares_group_sent_applications_most_first_then_by_name():
    facts = [
        fact("SCREENING", at(2), source="linkedin"),
        fact("APPLIED", at(3), source="linkedin"),
        fact("REJECTED", at(4), source="indeed"),
        fact("WITHDRAWN", at(5), source="indeed"),
        fact("APPLIED", at(6), source="company"),
        fact("INTERVIEW_SCHEDULED", at(7)),
        fact("SAVED", None, source="linkedin"),  # not sent: not counted
    ]
    assert shares(facts, "source") == [
        Share("indeed", 2, 1, 0.5),
        Share("linkedin", 2, 1, 0.5),
        Share("company", 1, 0, 0.0),
        Share(UNSPECIFIED, 1, 1, 1.0),
    ]
    by_method = shares([fact("OFFER_RECEIVED", at(2), method="email")], "method")
    assert by_method == [Share("email", 1, 1, 1.0)]


def test_median_days_to_first_answer():
    facts = [
        fact("SCREENING", at(2), at(3)),  # 1 day
        fact("REJECTED", at(2), at(5, 12)),  # 3.5 days
        fact("SCREENING", at(2), at(9)),  # 7 days
        fact("APPLIED", at(2)),  # no answer yet: left out
        fact("SCREENING", at(9), at(8)),  # answered before sent (bad data): left out
    ]
    assert median_days_to_response(facts) == 3.5
    assert median_days_to_response(facts[:2]) == 2.2  # (1 + 3.5) / 2 = 2.25, one decimal
    assert median_days_to_response([fact("SCREENING", at(2, 0), at(2, 6))]) == 0.2
    assert median_days_to_response([fact("APPLIED", at(2))]) is None
