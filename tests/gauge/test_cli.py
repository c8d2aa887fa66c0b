"""``skillnest import metagauge|metagauge-sample`` as an operator runs them (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from skillnest.accounts.models import User
from skillnest.cli import app
from skillnest.core.security import verify_password
from skillnest.gauge.sample import sample_password
from skillnest.ops import backup
from tests.gauge.conftest import read_json, write_json

runner = CliRunner()
TABLES = ("users", "gauge_accounts", "user_onboarding", "user_preferences", "contracts",
          "contract_competitors", "contract_rpc_config", "contract_analysis_params", "analyses",
          "chat_sessions", "chat_messages")  # fmt: skip


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    finally:
        engine.dispose()


def fingerprints(url: str):
    engine = create_engine(url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as conn:
            return backup.fingerprints(conn)
    finally:
        engine.dispose()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_sample_then_import_then_again(cli_database, tmp_path):
    data = tmp_path / "mg"
    made = invoke("import", "metagauge-sample", str(data), "--users", "30", "--bcrypt-rounds", "4")
    assert made.exit_code == 0, made.output
    assert (data / "users.json").exists() and (data / "users").is_dir()
    refused = invoke("import", "metagauge-sample", str(data), "--users", "3")
    assert refused.exit_code == 2  # never overwrites legacy files by accident

    first = invoke("import", "metagauge", str(data), "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["committed"] and report["verified"]
    assert report["tables"]["users"]["inserted"] == 30
    counts = row_counts(cli_database)
    assert counts["users"] == 30
    assert counts["analyses"] == report["tables"]["analyses"]["read"] > 0

    second = invoke("import", "metagauge", str(data), "--json")
    assert second.exit_code == 0, second.output
    again = json.loads(second.output)
    assert all(t["inserted"] == 0 for t in again["tables"].values())
    assert again["tables"]["users"]["already_present"] == 30
    assert row_counts(cli_database) == counts

    human = invoke("import", "metagauge", str(data))
    assert human.exit_code == 0
    assert "imported and verified" in human.output and "already" in human.output

    # The imported password still works (bcrypt, before the rehash at login).
    user = read_json(data / "users.json")[4]
    engine = create_engine(cli_database.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        stored = conn.execute(
            select(User.password_hash).where(
                func.lower(User.email) == user["email"].strip().lower()
            )
        ).scalar_one()
    engine.dispose()
    assert verify_password(sample_password(4), stored)


def test_a_corrupt_record_changes_nothing(cli_database, tmp_path):
    data = tmp_path / "mg"
    invoke("import", "metagauge-sample", str(data), "--users", "8", "--bcrypt-rounds", "4")
    folder = next(p for p in (data / "users").iterdir() if p.name != "anonymous")
    # Half the folder is imported first, so the failed run has rows it could touch.
    analyses = read_json(folder / "analyses.json")
    write_json(folder / "analyses.json", analyses[:1])
    assert invoke("import", "metagauge", str(data)).exit_code == 0
    new_analysis = dict(analyses[0], id="a-new-one")
    analyses = [*analyses, new_analysis]
    analyses[1]["createdAt"] = "last tuesday"
    write_json(folder / "analyses.json", analyses)
    before = row_counts(cli_database)
    exactly = fingerprints(cli_database)  # every row of every table, in key order

    result = invoke("import", "metagauge", str(data), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert not report["committed"]
    assert report["tables"]["analyses"]["inserted"] == len(analyses) - 2  # then rolled back
    assert [(p["file"], p["index"], p["field"]) for p in report["problems"]] == [
        (f"users/{folder.name}/analyses.json", 1, "createdAt")
    ]
    assert fingerprints(cli_database) == exactly
    saved = orjson.loads(Path(report["report"]).read_bytes())
    assert saved["problems"] == report["problems"]

    human = invoke("import", "metagauge", str(data))
    assert human.exit_code == 1
    assert "analyses.json" in human.output and "createdAt" in human.output

    dry = invoke("import", "metagauge", str(data), "--dry-run", "--skip-invalid", "--json")
    assert dry.exit_code == 0
    assert json.loads(dry.output)["tables"]["analyses"]["rejected"] == 1
    assert fingerprints(cli_database) == exactly

    skipping = invoke("import", "metagauge", str(data), "--skip-invalid", "--json")
    assert skipping.exit_code == 0
    report = json.loads(skipping.output)
    assert report["committed"]
    assert row_counts(cli_database)["analyses"] == before["analyses"] + len(analyses) - 2
    rejected = (tmp_path / "mg").glob("import-*/rejected.jsonl")
    assert any(
        orjson.loads(p.read_text().splitlines()[0])["record"] == analyses[1] for p in rejected
    )


def test_missing_folder_is_a_clean_error(cli_database, tmp_path):
    result = invoke("import", "metagauge", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "users.json" in result.output.replace("\n", "")
