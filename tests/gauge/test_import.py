"""The MetaGauge importer against a real database (both backends)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import delete, func, select, update

from skillnest.accounts.models import User, UserOnboarding, UserPreferences
from skillnest.core import bulk
from skillnest.core.errors import BadRequest
from skillnest.core.security import token_digest
from skillnest.gauge import importer
from skillnest.gauge.importer import reader, verify
from skillnest.gauge.models import (
    Analysis,
    ChatMessage,
    ChatSession,
    Contract,
    ContractCompetitor,
    ContractRpcConfig,
    GaugeAccount,
)
from skillnest.gauge.sample import sample_password
from tests.factories import make_user
from tests.gauge.conftest import read_json, write_json


def counts_of(report: importer.ImportReport) -> dict[str, tuple[int, int, int]]:
    return {n: (t.read, t.inserted, t.present) for n, t in report.tables.items()}


async def table_counts(session) -> dict[str, int]:
    models = (User, GaugeAccount, UserOnboarding, UserPreferences, Contract, ContractCompetitor,
              ContractRpcConfig, Analysis, ChatSession, ChatMessage)  # fmt: skip
    return {
        m.__tablename__: await session.scalar(select(func.count()).select_from(m)) for m in models
    }


def expected_records(directory):
    """Count the records of the sample folder the way the legacy app would read them."""
    counts = {"users": len(read_json(directory / "users.json"))}
    for kind in ("contracts", "analyses", "chat_sessions", "chat_messages"):
        total = len(read_json(directory / f"{kind}.json"))
        for folder in (directory / "users").iterdir():
            if folder.name != "anonymous":
                total += len(read_json(folder / f"{kind}.json"))
        counts[kind] = total
    return counts


def assert_every_record_stored(report: importer.ImportReport, expected: dict[str, int]) -> None:
    """No problem, verified, and each kind's records all read, inserted and found again."""
    assert report.problems == []
    assert report.verified and report.should_commit
    for kind, count in expected.items():
        table = report.tables[kind]
        assert (table.read, table.inserted, table.found) == (count, count, count), kind


async def test_import_writes_everything_and_verifies(session, legacy_dir):
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    expected = expected_records(legacy_dir)
    assert_every_record_stored(report, expected)
    assert report.tables["user_onboarding"].inserted == expected["users"]
    assert report.layouts == ["seed", "per-user"]
    assert any("anonymous" in note for note in report.skipped)
    counts = await table_counts(session)
    assert counts["analyses"] == expected["analyses"]
    assert counts["gauge_accounts"] == expected["users"]
    # The backup is a byte-identical copy taken before anything was written.
    backup = legacy_dir / report.backup_dir.rsplit("/", 1)[1]
    assert (backup / "users.json").read_bytes() == (legacy_dir / "users.json").read_bytes()
    some_user = next(p for p in (legacy_dir / "users").iterdir() if p.name != "anonymous")
    copied = backup / "users" / some_user.name / "analyses.json"
    assert copied.read_bytes() == (some_user / "analyses.json").read_bytes()


async def test_second_run_inserts_nothing(session, legacy_dir):
    first = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    before = await table_counts(session)
    second = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert second.verified and second.should_commit
    assert all(t.inserted == 0 for t in second.tables.values())
    for name, table in second.tables.items():
        assert table.present == first.tables[name].inserted, name
    assert await table_counts(session) == before


async def test_batches_written_while_the_next_is_read_store_every_record_once(session, legacy_dir):
    # Batches of 3: every kind is written in many batches, each one's ids drawn while the
    # batch before it is still being written, and ids drawn a few batches at a time.
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, batch_size=3, make_backup=False
    )
    expected = expected_records(legacy_dir)
    assert_every_record_stored(report, expected)
    counts = await table_counts(session)
    assert counts["analyses"] == expected["analyses"]
    assert counts["chat_messages"] == expected["chat_messages"]
    again = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, batch_size=3, make_backup=False
    )
    assert again.verified and all(t.inserted == 0 for t in again.tables.values())
    assert await table_counts(session) == counts


async def test_files_read_a_record_at_a_time_store_every_record_once(
    session, legacy_dir, monkeypatch
):
    # Each record its own piece, in both layouts of a list: the sample's (records from
    # column 0) and the legacy app's JSON.stringify(data, null, 2) (records indented).
    write_json(legacy_dir / "analyses.json", read_json(legacy_dir / "analyses.json"))
    monkeypatch.setattr(reader, "PIECE_BYTES", 1)
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, batch_size=3, make_backup=False
    )
    expected = expected_records(legacy_dir)
    assert_every_record_stored(report, expected)
    assert (await table_counts(session))["analyses"] == expected["analyses"]
    sources = {group.label: group.records for group in report.sources}
    assert sources["analyses.json"] == len(read_json(legacy_dir / "analyses.json"))


async def test_a_file_cut_off_keeps_the_records_read_before_the_cut(
    session, legacy_dir, monkeypatch
):
    content = (legacy_dir / "analyses.json").read_bytes()
    whole = len(orjson.loads(content))
    (legacy_dir / "analyses.json").write_bytes(content[: content.rindex(b"{") + 20])
    monkeypatch.setattr(reader, "PIECE_BYTES", 1)
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, make_backup=False, skip_invalid=True
    )
    problems = [(p.file, p.index, p.field) for p in report.problems]
    assert problems == [("analyses.json", None, "(file)")]
    assert report.problems[0].reason.startswith("cannot read JSON")
    read = next(g.records for g in report.sources if g.label == "analyses.json")
    assert read == whole - 1  # every record before the cut, as valid records of a bad file
    assert report.verified


@pytest.mark.parametrize("batch_size", [5000, 3])
async def test_imported_values_are_the_legacy_values(session, legacy_dir, batch_size):
    users = read_json(legacy_dir / "users.json")
    await importer.import_metagauge(
        session=session, data_dir=legacy_dir, make_backup=False, batch_size=batch_size
    )
    for index, raw in enumerate(users):
        row = (
            await session.execute(
                select(User, GaugeAccount)
                .join(GaugeAccount, GaugeAccount.user_id == User.id)
                .where(GaugeAccount.legacy_id == raw["id"])
            )
        ).one()
        user, account = row
        assert user.email == raw["email"].strip().lower()
        assert user.password_hash == raw["password"]
        assert user.is_admin is (raw.get("role") == "admin"), index
        assert user.created_at == datetime.fromisoformat(raw["createdAt"])
        assert account.tier == raw["tier"]
        assert account.api_key_hash == token_digest(raw["apiKey"])
        assert account.monthly_analysis_count == raw["usage"]["monthlyAnalysisCount"]
        if raw["lastLogin"] is None:
            assert user.last_active_at is None  # a missing date stays missing
    # Analyses dated in unix seconds and milliseconds are stored at the same instant.
    raw_analyses = read_json(legacy_dir / "analyses.json")
    kinds = {type(a["createdAt"]).__name__ for a in raw_analyses}
    assert {"int", "str"} <= kinds
    for raw in raw_analyses:
        stored = await session.scalar(
            select(Analysis.created_at).where(Analysis.legacy_id == raw["id"])
        )
        value = raw["createdAt"]
        if isinstance(value, int):
            seconds = value / 1000 if value > 10**11 else value
            assert stored.timestamp() == pytest.approx(seconds, abs=0.001)
        else:
            assert stored == datetime.fromisoformat(value)


async def test_imported_user_logs_in_with_the_legacy_password(client, session, legacy_dir):
    users = read_json(legacy_dir / "users.json")
    await importer.import_metagauge(session=session, data_dir=legacy_dir, make_backup=False)
    index = next(i for i, u in enumerate(users) if u["isActive"])
    email = users[index]["email"]  # as the legacy app stored it: capitals, spaces...
    response = await client.post(
        "/api/v1/auth/login", json={"email": email.strip(), "password": sample_password(index)}
    )
    assert response.status_code == 200, response.text
    stored = await session.scalar(
        select(User.password_hash).where(User.email == email.strip().lower())
    )
    assert stored.startswith("$argon2id$")  # rehashed at this first login
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": email.strip(), "password": sample_password(index + 1)}
    )
    assert wrong.status_code == 401


async def test_legacy_api_key_keeps_working(client, session, legacy_dir):
    users = read_json(legacy_dir / "users.json")
    await importer.import_metagauge(session=session, data_dir=legacy_dir, make_backup=False)
    active = next(u for u in users if u["isActive"])
    response = await client.get("/api/v1/gauge/contracts", headers={"X-API-Key": active["apiKey"]})
    assert response.status_code == 200, response.text
    legacy_contracts = [
        c for c in read_json(legacy_dir / "contracts.json") if c["userId"] == active["id"]
    ]
    folder = legacy_dir / "users" / active["id"]
    if folder.exists():
        legacy_contracts += read_json(folder / "contracts.json")
    assert sorted(c["name"] for c in response.json()["items"]) == sorted(
        c["name"] for c in legacy_contracts
    )


async def test_invalid_records_are_all_reported_and_nothing_is_kept(session, legacy_dir):
    analyses = read_json(legacy_dir / "analyses.json")
    analyses[1]["createdAt"] = "yesterday"
    analyses[3]["status"] = "done"
    write_json(legacy_dir / "analyses.json", analyses)
    users = read_json(legacy_dir / "users.json")
    del users[2]["password"]
    write_json(legacy_dir / "users.json", users)
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert not report.should_commit
    found = {(p.file, p.index, p.field) for p in report.problems}
    assert ("analyses.json", 1, "createdAt") in found
    assert ("analyses.json", 3, "status") in found
    assert ("users.json", 2, "password") in found
    # Everything that belonged to the rejected user is rejected too, with the reason.
    cascaded = [p for p in report.problems if "users.json #2" in p.reason]
    assert cascaded and all(p.field == "userId" for p in cascaded)
    assert report.tables["users"].rejected == 1


async def test_skip_invalid_keeps_the_valid_and_writes_rejected_records(
    session, legacy_dir, tmp_path
):
    analyses = read_json(legacy_dir / "analyses.json")
    bad = dict(analyses[0], progress=250)
    analyses[0] = bad
    write_json(legacy_dir / "analyses.json", analyses)
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, skip_invalid=True
    )
    assert report.should_commit
    assert report.tables["analyses"].rejected == 1
    assert report.tables["analyses"].inserted == report.tables["analyses"].read - 1
    path = importer.write_report(report, tmp_path / "report")
    lines = (tmp_path / "report" / "rejected.jsonl").read_text().splitlines()
    assert len(lines) == 1
    rejected = orjson.loads(lines[0])
    assert rejected["record"] == bad  # verbatim
    assert (rejected["file"], rejected["index"]) == ("analyses.json", 0)
    assert orjson.loads(path.read_bytes())["tables"]["analyses"]["rejected"] == 1


async def test_dry_run_makes_no_backup(session, legacy_dir):
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir, dry_run=True)
    assert report.verified and not report.should_commit
    assert report.backup_dir is None
    assert not list(legacy_dir.glob("backup-*"))


async def test_backup_failure_stops_before_anything(session, legacy_dir, monkeypatch):
    def broken_copy(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copy2", broken_copy)
    # Compared with the counts before: the shared database may hold other tests' accounts.
    before = await table_counts(session)
    with pytest.raises(importer.BackupFailed, match="disk full"):
        await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert await table_counts(session) == before


async def test_not_a_legacy_folder(session, tmp_path):
    with pytest.raises(BadRequest, match="users.json"):
        await importer.import_metagauge(session=session, data_dir=tmp_path)


def change_before_verifying(monkeypatch, change) -> None:
    """Run ``change(session)`` on the stored rows just before the verification compares."""
    real = verify.Verifier.run

    async def run(self):
        await change(self.session)
        await real(self)

    monkeypatch.setattr(verify.Verifier, "run", run)


async def test_verification_catches_a_row_that_differs(session, legacy_dir, monkeypatch):
    async def change(session_):
        first = select(func.min(Analysis.id)).scalar_subquery()
        progress = (Analysis.progress + 1) % 100
        stmt = update(Analysis).where(Analysis.id == first).values(progress=progress)
        await session_.execute(stmt)

    change_before_verifying(monkeypatch, change)
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert not report.tables["analyses"].verified
    assert report.tables["contracts"].verified
    assert not report.should_commit


async def test_verification_catches_a_missing_row_and_a_changed_array(
    session, legacy_dir, monkeypatch
):
    async def change(session_):
        last = await session_.scalar(select(func.max(ChatMessage.id)))
        await session_.execute(delete(ChatMessage).where(ChatMessage.id == last))
        contract = (await session_.execute(select(Contract.id, Contract.tags).limit(1))).one()
        await session_.execute(
            update(Contract)
            .where(Contract.id == contract.id)
            .values(tags=[*(contract.tags or []), "added"])
        )

    change_before_verifying(monkeypatch, change)
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    messages, contracts = report.tables["chat_messages"], report.tables["contracts"]
    assert not messages.verified and messages.found < messages.valid
    assert not contracts.verified and contracts.found < contracts.valid
    assert "differing" in contracts.found_checksum
    assert report.tables["analyses"].verified and report.tables["users"].verified
    assert not report.should_commit


async def test_email_of_an_existing_account_is_a_conflict(session, legacy_dir):
    users = read_json(legacy_dir / "users.json")
    await make_user(session, email=users[0]["email"].strip().lower())
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert [(p.file, p.index, p.field) for p in report.problems if p.file == "users.json"] == [
        ("users.json", 0, "email")
    ]


async def test_duplicates_and_foreign_owners_are_reported(session, legacy_dir):
    users = read_json(legacy_dir / "users.json")
    users.append(dict(users[0], email="other@example.org"))  # same legacy id twice
    write_json(legacy_dir / "users.json", users)
    folder = next(p for p in (legacy_dir / "users").iterdir() if p.name != "anonymous")
    contracts = read_json(folder / "contracts.json")
    contracts[0]["userId"] = "somebody-else"
    write_json(folder / "contracts.json", contracts)
    analyses = read_json(folder / "analyses.json")
    analyses[1]["configId"] = None
    analyses.append(dict(analyses[1]))
    analyses[0]["configId"] = "no-such-contract"
    write_json(folder / "analyses.json", analyses)
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    reasons = {(p.file, p.index, p.field): p.reason for p in report.problems}
    assert reasons[("users.json", len(users) - 1, "id")] == "duplicate user id"
    assert "folder of" in reasons[(f"users/{folder.name}/contracts.json", 0, "userId")]
    assert "no contract" in reasons[(f"users/{folder.name}/analyses.json", 0, "configId")]
    assert reasons[(f"users/{folder.name}/analyses.json", len(analyses) - 1, "id")].startswith(
        "duplicate"
    )


async def test_a_file_that_is_not_json(session, legacy_dir):
    (legacy_dir / "chat_messages.json").write_text("[{")
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert ("chat_messages.json", None, "(file)") in {
        (p.file, p.index, p.field) for p in report.problems
    }
    assert not report.should_commit


async def test_nul_characters_are_rejected_not_crashing(session, legacy_dir):
    analyses = read_json(legacy_dir / "analyses.json")
    analyses[0]["metadata"] = {"note": "a\x00b"}
    write_json(legacy_dir / "analyses.json", analyses)
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, skip_invalid=True
    )
    assert [(p.index, p.field) for p in report.problems] == [(0, "metadata.note")]
    assert report.verified


async def test_bulk_insert_skips_conflicts_and_returns_new_rows(session):
    user = await make_user(session)
    table = Contract.__table__
    row = {"user_id": user.id, "legacy_id": "c-1", "name": "x", "address": "0x", "chain": "lisk",
           "created_at": datetime(2026, 1, 1, tzinfo=UTC)}  # fmt: skip
    first = await bulk.bulk_insert(
        session, table, [row, dict(row, legacy_id="c-2")],
        conflict=("user_id", "legacy_id"), returning=("legacy_id",),
    )  # fmt: skip
    again = await bulk.bulk_insert(
        session, table, [row, dict(row, legacy_id="c-3")],
        conflict=("user_id", "legacy_id"), returning=("legacy_id",),
    )  # fmt: skip
    assert sorted(first) == [("c-1",), ("c-2",)]
    assert again == [("c-3",)]


async def test_text_with_copy_escapes_is_stored_as_read(session, legacy_dir):
    messages = read_json(legacy_dir / "chat_messages.json")
    content = 'tab\there\nnew line\r\nback\\slash \\N "quoted" \u00a0 é 😀'
    messages[0]["content"] = content
    messages[0]["metadata"] = {"path": "C:\\temp\\x", "note": "a\tb\nc", "quote": '"'}
    write_json(legacy_dir / "chat_messages.json", messages)
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert report.verified and not report.problems
    stored = (
        await session.execute(
            select(ChatMessage.content, ChatMessage.metadata_).where(
                ChatMessage.legacy_id == messages[0]["id"]
            )
        )
    ).one()
    assert stored == (content, messages[0]["metadata"])
