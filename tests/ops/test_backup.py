"""``skillnest db backup|restore`` round trips on both backends."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import redis as sync_redis
from sqlalchemy import create_engine
from typer.testing import CliRunner

from skillnest.cli import app
from skillnest.core.cli import use_settings
from skillnest.gauge.sample import write_sample
from skillnest.ops import backup
from tests.conftest import make_settings, redis_url
from tests.ops.conftest import PSEUDONYM_KEY, SECRET_KEY, recreate_empty

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def fingerprints(url: str) -> dict[str, backup.TableFingerprint]:
    engine = create_engine(url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as conn:
            return backup.fingerprints(conn)
    finally:
        engine.dispose()


def populate(tmp_path: Path) -> str:
    """Import a few synthetic MetaGauge users: every gauge table gets rows."""
    data = tmp_path / "legacy"
    write_sample(data, users=6, bcrypt_rounds=4)
    result = invoke("import", "metagauge", str(data), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["backup_dir"]


def backup_contents(path: Path) -> bytes:
    """The backup as plain bytes (SQL text for a pg_dump archive)."""
    if path.name.endswith(".gz"):
        return gzip.decompress(path.read_bytes())
    pg_restore = backup.pg_tool("pg_restore")
    return subprocess.run(
        [pg_restore, "-f", "-", str(path)], capture_output=True, check=True
    ).stdout


def test_backup_drop_recreate_restore_gives_identical_tables(ops_database, tmp_path, backend):
    populate(tmp_path)
    before = fingerprints(ops_database)
    assert before["analyses"].rows > 0 and before["chat_messages"].rows > 0

    made = invoke("db", "backup", "--dir", str(tmp_path / "backups"), "--json")
    assert made.exit_code == 0, made.output
    result = json.loads(made.output)
    path = Path(result["path"])
    suffix = ".sqlite3.gz" if backend == "sqlite" else ".dump"
    assert path.name.startswith("skillnest-") and path.name.endswith(suffix)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert {n: t["rows"] for n, t in result["tables"].items()} == {
        n: t.rows for n, t in before.items()
    }

    refused = invoke("db", "restore", str(path))
    assert refused.exit_code == 1
    assert "not empty" in refused.output

    recreate_empty(ops_database)
    assert fingerprints(ops_database) == {}
    restored = invoke("db", "restore", str(path), "--json")
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.output)["verified"] is True
    assert fingerprints(ops_database) == before

    # With Redis, answers cached from the replaced data are forgotten with it.
    shared = sync_redis.Redis.from_url(redis_url()) if backend == "postgresql" else None
    if shared is not None:
        shared.set("accounts:user:1:me", b'{"name": "before the restore"}')
    with use_settings(make_settings(ops_database, redis_url() if shared else None)):
        forced = invoke("db", "restore", str(path), "--force")
    assert forced.exit_code == 0, forced.output
    assert "match the backup" in forced.output
    assert fingerprints(ops_database) == before
    if shared is not None:
        assert shared.get("accounts:user:1:me") is None


def test_secrets_never_enter_a_backup(ops_database, tmp_path):
    populate(tmp_path)
    (tmp_path / "secrets.env").write_text(f"SKILLNEST_SECRET_KEY={SECRET_KEY}\n")
    made = json.loads(invoke("db", "backup", "--dir", str(tmp_path / "b"), "--json").output)
    contents = backup_contents(Path(made["path"]))
    assert b"metagauge-sample" not in contents  # passwords are hashes
    assert b"@example." in contents  # the search does see the data
    for secret in (SECRET_KEY, PSEUDONYM_KEY):
        assert secret.encode() not in contents
        assert secret.encode() not in Path(made["manifest"]).read_bytes()
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(
        [Path(made["path"]).name, Path(made["manifest"]).name]
    )


def test_a_changed_backup_is_caught(ops_database, tmp_path):
    populate(tmp_path)
    made = json.loads(invoke("db", "backup", "--dir", str(tmp_path / "b"), "--json").output)
    manifest = Path(made["manifest"])
    data = json.loads(manifest.read_text())
    data["tables"]["analyses"]["rows"] += 1
    manifest.write_text(json.dumps(data))
    recreate_empty(ops_database)
    result = invoke("db", "restore", made["path"])
    assert result.exit_code == 1
    assert "analyses" in result.output and "mismatch" in result.output
    data["sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    damaged = invoke("db", "restore", made["path"], "--force")
    assert damaged.exit_code == 1 and "damaged" in damaged.output


def test_a_backup_of_the_other_backend_is_refused(ops_database, tmp_path, backend):
    other = tmp_path / ("x.dump" if backend == "sqlite" else "x.sqlite3.gz")
    other.write_bytes(b"x")
    result = invoke("db", "restore", str(other))
    assert result.exit_code == 1
    assert "configured database is not" in result.output.replace("\n", " ")


def test_retention_removes_only_old_backups(tmp_path):
    now = datetime(2026, 5, 20, 12, tzinfo=UTC)
    old = tmp_path / "skillnest-db-20260501_020000.dump"
    old_manifest = tmp_path / "skillnest-db-20260501_020000.dump.json"
    recent = tmp_path / "skillnest-db-20260519_020000.sqlite3.gz"
    unrelated = tmp_path / "notes-20260101.dump"
    for path in (old, old_manifest, recent, unrelated):
        path.write_text("x")
    ten_days_ago = now.timestamp() - 10 * 86400
    for path in (old, old_manifest, unrelated):
        os.utime(path, (ten_days_ago, ten_days_ago))
    os.utime(recent, (now.timestamp() - 86400,) * 2)
    removed = backup.prune(tmp_path, keep_days=7, now=now, keep=set())
    assert sorted(p.name for p in removed) == sorted([old.name, old_manifest.name])
    assert recent.exists() and unrelated.exists()


def test_backup_prunes_with_keep_days(ops_database, tmp_path):
    directory = tmp_path / "b"
    first = json.loads(invoke("db", "backup", "--dir", str(directory), "--json").output)
    stale = time.time() - 3 * 86400
    os.utime(first["path"], (stale, stale))
    time.sleep(1.1)  # backups are named to the second
    second = json.loads(
        invoke("db", "backup", "--dir", str(directory), "--keep-days", "1", "--json").output
    )
    assert first["path"] in second["removed"]
    assert not Path(first["path"]).exists() and Path(second["path"]).exists()


DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_a_restore_while_redis_is_down_says_the_old_answers_remain(ops_database, tmp_path):
    populate(tmp_path)
    made = json.loads(invoke("db", "backup", "--dir", str(tmp_path / "b"), "--json").output)
    with use_settings(make_settings(ops_database, DEAD_REDIS)):
        as_json = invoke("db", "restore", made["path"], "--force", "--json")
        as_text = invoke("db", "restore", made["path"], "--force")
    # The data is restored either way; only the cache clean-up is reported as not done.
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["verified"] is True and document["cached_answers_dropped"] is False
    assert as_text.exit_code == 0, as_text.output
    assert "match the backup" in as_text.stdout
    assert "skillnest db forget-cache" in as_text.stderr


def test_forget_cache_drops_answers_or_says_why_it_could_not(ops_database, backend):
    if backend == "sqlite":
        result = invoke("db", "forget-cache", "--json")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {"cached_answers_dropped": False}
        assert "restart it" in result.stderr
        return
    shared = sync_redis.Redis.from_url(redis_url())
    shared.set("accounts:user:1:me", b'{"name": "edited in psql"}')
    shared.set("ratelimit:kept", b"1")  # not an answer: counters survive
    with use_settings(make_settings(ops_database, DEAD_REDIS)):
        down = invoke("db", "forget-cache")
    assert down.exit_code == 1
    assert "Redis did not answer" in down.stderr
    assert shared.get("accounts:user:1:me") is not None
    with use_settings(make_settings(ops_database, redis_url())):
        up = invoke("db", "forget-cache", "--json")
    assert up.exit_code == 0, up.output
    assert json.loads(up.stdout) == {"cached_answers_dropped": True}
    assert shared.get("accounts:user:1:me") is None
    assert shared.get("ratelimit:kept") == b"1"
    shared.delete("ratelimit:kept")
