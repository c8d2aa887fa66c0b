"""The `skillnest` command end to end, as an operator runs it, on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import drop_postgres_database, empty_database_url


@pytest.fixture
def fresh_database(backend: str, tmp_path) -> Iterator[str]:
    url = empty_database_url(backend, tmp_path, prefix="skillnest_cli")
    yield url
    if backend == "postgresql":
        drop_postgres_database(url)


def skillnest(url: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run the CLI against a database and return its output (fails the test on errors)."""
    process_env = {
        **os.environ,
        "SKILLNEST_ENV": "test",
        "SKILLNEST_DATABASE_URL": url,
        "SKILLNEST_SECRET_KEY": "cli-test-secret-0123456789",
        "SKILLNEST_PSEUDONYM_KEY": "cli-test-pseudonym-0123456789",
        **(env or {}),
    }
    process_env.pop("SKILLNEST_REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "skillnest", *args],
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_upgrade_downgrade_upgrade_and_current(fresh_database):
    skillnest(fresh_database, "db", "upgrade")
    assert "(head)" in skillnest(fresh_database, "db", "current")
    skillnest(fresh_database, "db", "downgrade", "base")
    assert "(head)" not in skillnest(fresh_database, "db", "current")
    skillnest(fresh_database, "db", "upgrade", "head")
    assert "(head)" in skillnest(fresh_database, "db", "current")
    assert "0001_accounts" in skillnest(fresh_database, "db", "history")


def test_admin_commands_and_demo_load(fresh_database):
    skillnest(fresh_database, "db", "upgrade")
    out = skillnest(
        fresh_database,
        "users",
        "create-admin",
        "root@example.org",
        env={"SKILLNEST_ADMIN_PASSWORD": "a long admin password"},
    )
    assert "created admin" in out
    first = skillnest(fresh_database, "demo", "load")
    second = skillnest(fresh_database, "demo", "load")
    assert "2 demo users created" in first
    assert "0 demo users created" in second
    skillnest(fresh_database, "users", "set-admin", "demo@skillnest.dev", "--on")
    engine = create_engine(fresh_database.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        admins = conn.execute(text("SELECT email FROM users WHERE is_admin ORDER BY email")).all()
        hashes = conn.execute(text("SELECT password_hash FROM users")).scalars().all()
    engine.dispose()
    assert [row.email for row in admins] == [
        "admin@skillnest.dev",
        "demo@skillnest.dev",
        "root@example.org",
    ]
    assert all(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for h in hashes)
    skillnest(fresh_database, "users", "set-admin", "demo@skillnest.dev", "--off")


def test_unknown_email_is_a_clean_error(fresh_database):
    skillnest(fresh_database, "db", "upgrade")
    process = subprocess.run(
        [sys.executable, "-m", "skillnest", "users", "set-admin", "ghost@example.org", "--on"],
        env={
            **os.environ,
            "SKILLNEST_ENV": "development",
            "SKILLNEST_DATABASE_URL": fresh_database,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert "No account with email ghost@example.org" in process.stderr
    assert "Traceback" not in process.stderr
