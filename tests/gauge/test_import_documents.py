"""MetaGauge's per-user documents (metrics, history, competitors, live poll) imported."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import func, select

from skillnest.accounts.models import User
from skillnest.gauge import importer
from skillnest.gauge.models import Contract, GaugeAccount, UserDocument
from tests.gauge.conftest import read_json, write_json


def per_user_folders(directory):
    return [p for p in (directory / "users").iterdir() if p.is_dir() and p.name != "anonymous"]


def expected_documents(directory) -> dict[str, int]:
    """Documents per kind, counted from the files the way the origin's migration reads them."""
    counts = {"metrics": 0, "metrics_history": 0, "competitor_metrics": 0, "live_poll": 0,
              "competitor": 0}  # fmt: skip
    for folder in per_user_folders(directory):
        for name in ("metrics", "competitor_metrics", "live_poll"):
            counts[name] += (folder / f"{name}.json").is_file()
        if (folder / "metrics_history.json").is_file():
            counts["metrics_history"] += len(read_json(folder / "metrics_history.json"))
        counts["competitor"] += len(list((folder / "competitors").glob("*.json")))
    return counts


async def documents_by_kind(session) -> dict[str, int]:
    rows = await session.execute(
        select(UserDocument.kind, func.count()).group_by(UserDocument.kind)
    )
    return dict(rows.all())


async def test_every_per_user_file_is_imported_verified_and_idempotent(session, legacy_dir):
    expected = expected_documents(legacy_dir)
    assert all(expected.values()), expected  # the sample has every kind
    total = sum(expected.values())
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    assert report.problems == []
    table = report.tables["user_documents"]
    assert (table.read, table.inserted, table.found) == (total, total, total)
    assert table.verified and report.verified and report.should_commit
    assert await documents_by_kind(session) == expected
    labels = {s.label for s in report.sources if s.kind == "user_documents"}
    assert "users/*/metrics_history.json" in labels
    assert "users/*/competitors/*.json" in labels
    again = await importer.import_metagauge(session=session, data_dir=legacy_dir, make_backup=False)
    table = again.tables["user_documents"]
    assert (table.inserted, table.present, table.found) == (0, total, total)
    assert again.verified
    assert await documents_by_kind(session) == expected


async def test_documents_keep_their_content_and_find_their_contract(session, legacy_dir):
    folder = per_user_folders(legacy_dir)[0]
    history = read_json(folder / "metrics_history.json")
    poll = read_json(folder / "live_poll.json")
    await importer.import_metagauge(session=session, data_dir=legacy_dir)
    owner = await session.scalar(
        select(GaugeAccount.user_id).where(GaugeAccount.legacy_id == folder.name)
    )
    stored = await session.scalars(
        select(UserDocument)
        .where(UserDocument.user_id == owner, UserDocument.kind == "metrics_history")
        .order_by(UserDocument.doc_key)
    )
    assert [d.data for d in stored] == sorted(history, key=lambda h: h["date"])
    live = await session.scalar(
        select(UserDocument).where(UserDocument.user_id == owner, UserDocument.kind == "live_poll")
    )
    assert live.data == poll
    contract = await session.get(Contract, live.contract_id)
    assert contract.user_id == owner
    assert contract.address.lower() == poll["contractAddress"].lower()


async def test_unknown_files_are_named_with_the_reason(session, legacy_dir):
    folder = per_user_folders(legacy_dir)[0]
    (folder / "wallet_notes.json").write_text("{}")
    (folder / "competitors").mkdir(exist_ok=True)
    (folder / "competitors" / "old.json.backup").write_text("{}")
    write_json(legacy_dir / "alerts.json", [{"id": "a1", "userId": folder.name}])
    report = await importer.import_metagauge(session=session, data_dir=legacy_dir)
    notes = "\n".join(report.skipped)
    assert f"users/{folder.name}/wallet_notes.json: not a MetaGauge file" in notes
    assert f"users/{folder.name}/competitors/old.json.backup: a backup copy" in notes
    assert "alerts.json: MetaGauge's triggered alerts" in notes
    # The importer's own backup is not reported as a stray file.
    assert not any(note.startswith("backup-") for note in report.skipped)
    assert report.to_dict()["skipped"] == report.skipped


async def test_bad_documents_are_rejected_by_name(session, legacy_dir):
    folder = per_user_folders(legacy_dir)[0]
    history = read_json(folder / "metrics_history.json")
    write_json(folder / "metrics_history.json", [*history, {"dau": 1}, history[0]])
    write_json(folder / "live_poll.json", ["not", "an", "object"])
    (folder / "metrics.json").write_text("{broken")
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, make_backup=False
    )
    rel = f"users/{folder.name}"
    found = {(p.file, p.index, p.field) for p in report.problems}
    n = len(history)
    assert (f"{rel}/metrics_history.json", n, "date") in found
    assert (f"{rel}/metrics_history.json", n + 1, "date") in found
    assert (f"{rel}/live_poll.json", 0, "(record)") in found
    assert (f"{rel}/metrics.json", None, "(file)") in found
    assert not report.should_commit
    assert report.tables["user_documents"].verified  # the valid ones are all there


async def test_documents_of_an_unknown_owner_are_rejected(session, legacy_dir):
    stray = legacy_dir / "users" / "no-such-user"
    stray.mkdir()
    write_json(stray / "metrics.json", {"dau": 3})
    report = await importer.import_metagauge(
        session=session, data_dir=legacy_dir, make_backup=False
    )
    assert any(
        p.file == "users/no-such-user/metrics.json" and p.field == "userId" for p in report.problems
    )


async def test_email_verified_sets_the_verification_time(session, legacy_dir):
    users = read_json(legacy_dir / "users.json")
    await importer.import_metagauge(session=session, data_dir=legacy_dir)
    for legacy in users[:6]:
        user = await session.scalar(
            select(User).join(GaugeAccount).where(GaugeAccount.legacy_id == legacy["id"])
        )
        if legacy["emailVerified"]:
            created = datetime.fromisoformat(legacy["createdAt"].replace("Z", "+00:00"))
            assert user.email_verified_at == created.astimezone(UTC)
        else:
            assert user.email_verified_at is None
    assert orjson.dumps(users)  # the legacy file is untouched JSON
