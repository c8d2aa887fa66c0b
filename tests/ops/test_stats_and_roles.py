"""``skillnest db stats`` and ``skillnest db create-readonly-role``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import psycopg
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from skillnest.cli import app
from skillnest.gauge.sample import write_sample
from tests.conftest import postgres_url

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)


def test_stats_report_sizes_rows_and_connections(ops_database, tmp_path, backend):
    write_sample(tmp_path / "legacy", users=4, bcrypt_rounds=4)
    assert invoke("import", "metagauge", str(tmp_path / "legacy")).exit_code == 0
    engine = create_engine(ops_database.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        analyses = conn.execute(text("SELECT count(*) FROM analyses")).scalar()
        if backend == "postgresql":
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    result = invoke("db", "stats", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    tables = {t["name"]: t for t in info["tables"]}
    assert info["dialect"] == backend
    assert info["size_bytes"] > 0
    assert tables["analyses"]["rows"] == analyses
    assert tables["analyses"]["size_bytes"] > 0
    assert set(tables) >= {"users", "contracts", "chat_messages", "alembic_version"}
    if backend == "postgresql":
        assert info["active_connections"] >= 1
        assert tables["analyses"]["rows_exact"] is False
    else:
        assert info["active_connections"] is None
        assert tables["analyses"]["rows_exact"] is True
    human = invoke("db", "stats")
    assert human.exit_code == 0 and "analyses" in human.output


def scram_matches(verifier: str, password: str) -> bool:
    """Check a SCRAM-SHA-256 verifier from pg_authid against a password (RFC 5802)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return (
        method == "SCRAM-SHA-256"
        and hashlib.sha256(client_key).digest() == stored_key
        and hmac.new(salted, b"Server Key", hashlib.sha256).digest() == server_key
    )


def test_readonly_role(ops_database, backend):
    role = f"ro_{ops_database.rsplit('_', 1)[-1][:10]}" if backend == "postgresql" else "ro_lite"
    env = {"SKILLNEST_READONLY_PASSWORD": "s3cret-analytics"}
    if backend == "sqlite":
        result = invoke("db", "create-readonly-role", role, env=env)
        assert result.exit_code == 1
        assert "PostgreSQL only" in result.output
        return
    admin_url = ops_database.replace("postgresql+psycopg://", "postgresql://")
    try:
        created = invoke("db", "create-readonly-role", role, env=env)
        assert created.exit_code == 0, created.output
        assert "created" in created.output
        with psycopg.connect(admin_url, autocommit=True) as conn:
            verifier = conn.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)
            ).fetchone()[0]
            assert scram_matches(verifier, "s3cret-analytics")
            assert "s3cret" not in verifier
            conn.execute("CREATE TABLE made_later (id int)")
            conn.execute("INSERT INTO made_later VALUES (1)")
        as_role = admin_url.replace("postgres@", f"{role}:s3cret-analytics@")
        with psycopg.connect(as_role, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
            assert conn.execute("SELECT id FROM made_later").fetchone()[0] == 1
            assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("INSERT INTO made_later VALUES (2)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SET default_transaction_read_only = off")
                conn.execute("INSERT INTO made_later VALUES (2)")
        # Running it again changes the password instead of failing.
        again = invoke(
            "db", "create-readonly-role", role, env={"SKILLNEST_READONLY_PASSWORD": "new"}
        )
        assert again.exit_code == 0 and "updated" in again.output
        bad = invoke("db", "create-readonly-role", "Robert'); DROP TABLE users;--", env=env)
        assert bad.exit_code == 1
        prompted = invoke("db", "create-readonly-role", role, input="p1\np1\n")
        assert prompted.exit_code == 0, prompted.output
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
        with psycopg.connect(
            postgres_url().replace("postgresql+psycopg://", "postgresql://"), autocommit=True
        ) as conn:
            name = ops_database.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
