"""The legacy record rules and the tier arithmetic, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from skillnest.gauge import legacy, rules
from skillnest.gauge.importer import Checksum, row_digest, user_rows

BCRYPT = "$2a$06$" + "A" * 53


def user(**overrides):
    base = {
        "id": "u-1",
        "email": "Ann@Example.org",
        "password": BCRYPT,
        "name": "Ann",
        "createdAt": "2026-01-02T03:04:05.678Z",
        "updatedAt": "2026-01-03T00:00:00Z",
    }
    base.update(overrides)
    return base


def errors(model, raw):
    with pytest.raises(ValidationError) as info:
        model.model_validate(raw)
    return {".".join(map(str, e["loc"])): e["msg"] for e in info.value.errors()}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-01T10:00:00.123Z", datetime(2026, 4, 1, 10, 0, 0, 123000, tzinfo=UTC)),
        ("2026-04-01T12:00:00+02:00", datetime(2026, 4, 1, 10, 0, tzinfo=UTC)),
        ("2026-04-01T10:00:00", datetime(2026, 4, 1, 10, 0, tzinfo=UTC)),
        (1775037600, datetime(2026, 4, 1, 10, 0, tzinfo=UTC)),
        (1775037600123, datetime(2026, 4, 1, 10, 0, 0, 123000, tzinfo=UTC)),
        ("1775037600", datetime(2026, 4, 1, 10, 0, tzinfo=UTC)),
        (1775037600.5, datetime(2026, 4, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_dates_in_iso_unix_seconds_and_milliseconds(value, expected):
    assert legacy.parse_legacy_date(value) == expected


@pytest.mark.parametrize("value", ["yesterday", True, [2026], "2026-13-01T00:00:00Z"])
def test_unreadable_dates_are_errors(value):
    with pytest.raises(ValueError):
        legacy.parse_legacy_date(value)


def test_missing_created_at_is_rejected_never_replaced_by_now():
    raw = user()
    del raw["createdAt"]
    assert "createdAt" in errors(legacy.LegacyUser, raw)
    assert "never replaced by now" in errors(legacy.LegacyUser, user(createdAt=None))["createdAt"]


def test_missing_role_is_never_admin():
    assert user_rows(legacy.LegacyUser.model_validate(user()))["users"]["is_admin"] is False
    admin = legacy.LegacyUser.model_validate(user(role="admin"))
    assert user_rows(admin)["users"]["is_admin"] is True
    assert "role" in errors(legacy.LegacyUser, user(role="superuser"))


def test_email_is_normalised_and_checked():
    assert legacy.LegacyUser.model_validate(user(email="  Ann@Example.ORG ")).email == (
        "ann@example.org"
    )
    assert "email" in errors(legacy.LegacyUser, user(email="not an email"))


def test_password_must_be_bcrypt_and_is_kept_as_is():
    rec = legacy.LegacyUser.model_validate(user())
    assert user_rows(rec)["users"]["password_hash"] == BCRYPT
    assert "password" in errors(legacy.LegacyUser, user(password="plaintext"))


def test_types_are_strict():
    found = errors(legacy.LegacyUser, user(isActive="yes", tier="gold"))
    assert set(found) == {"isActive", "tier"}


def test_unknown_fields_are_kept_and_legacy_secrets_dropped():
    rec = legacy.LegacyUser.model_validate(
        user(avatar="a.png", resetPasswordToken="secret", usage={"aiQueryCount": 3, "x": 1})
    )
    rows = user_rows(rec)
    assert rows["gauge_accounts"]["extra"] == {"avatar": "a.png", "usage": {"x": 1}}
    assert rows["gauge_accounts"]["ai_query_count"] == 3
    assert rec.dropped() == ["resetPasswordToken"]


def test_social_links_lose_stray_spaces():
    rec = legacy.LegacyUser.model_validate(
        user(onboarding={"socialLinks": {"website": " https://x.io ", "twitter": "   "}})
    )
    assert rec.onboarding.social_links == {"website": "https://x.io", "twitter": None}


def test_contract_limits():
    base = {
        "id": "c1",
        "name": "C",
        "targetContract": {"address": "0x1", "chain": "ethereum"},
        "rpcConfig": {"ethereum": []},
        "createdAt": "2026-01-01T00:00:00Z",
    }
    competitor = {"address": "0x2", "chain": "lisk"}
    assert legacy.LegacyContract.model_validate({**base, "competitors": [competitor] * 5})
    assert "competitors" in errors(legacy.LegacyContract, {**base, "competitors": [competitor] * 6})
    assert "rpcConfig" in errors(legacy.LegacyContract, {**base, "rpcConfig": {}})
    assert "rpcConfig" in errors(legacy.LegacyContract, {**base, "rpcConfig": {"solana": []}})


def test_progress_accepts_whole_numbers_only():
    base = {"id": "a", "status": "running", "createdAt": 1775037600}
    assert legacy.LegacyAnalysis.model_validate({**base, "progress": 40.0}).progress == 40
    assert "progress" in errors(legacy.LegacyAnalysis, {**base, "progress": 40.5})
    assert "progress" in errors(legacy.LegacyAnalysis, {**base, "progress": 101})


def test_find_nul():
    assert legacy.find_nul({"a": ["ok", {"b": "x\x00y"}]}) == "a.1.b"
    assert legacy.find_nul({"a": ["ok"]}) is None


def test_checksum_is_order_independent():
    one = row_digest("t", [1, datetime(2026, 1, 1, 12, tzinfo=UTC), {"b": 1, "a": 2}])
    same = row_digest(
        "t",
        [1, datetime.fromisoformat("2026-01-01T14:00:00+02:00").astimezone(UTC), {"a": 2, "b": 1}],
    )
    other = row_digest("t", [2, datetime(2026, 1, 1, 12, tzinfo=UTC), {"a": 2, "b": 1}])
    assert one == same != other
    forward, backward = Checksum(), Checksum()
    for digest in (one, other):
        forward.add(digest)
    for digest in (other, one):
        backward.add(digest)
    assert forward.hexdigest() == backward.hexdigest() != Checksum().hexdigest()


def test_tier_arithmetic():
    now = datetime(2026, 12, 15, tzinfo=UTC)
    assert rules.month_key(now) == "2026-12"
    assert rules.next_month_start(now) == datetime(2027, 1, 1, tzinfo=UTC)
    assert rules.history_cutoff("free", now) == datetime(2026, 12, 8, tzinfo=UTC)
    assert rules.history_cutoff("enterprise", now) is None
    assert rules.monthly_usage("2026-12", 4, now) == 4
    assert rules.monthly_usage("2026-11", 4, now) == 0
