"""``skillnest db setup`` against the real PostgreSQL server: create, then change nothing."""

from __future__ import annotations

import json
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from skillnest.cli import app
from skillnest.ops.provision import read_secret
from tests.conftest import postgres_url


def admin_url() -> str:
    return postgres_url()


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    """A database and role name no other run uses; both dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    database, role = f"skillnest_setup_{suffix}", f"skillnest_role_{suffix}"
    yield database, role
    with psycopg.connect(libpq(admin_url()), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def setup(secrets: Path, database: str, role: str, *extra: str) -> dict:
    result = CliRunner().invoke(
        app,
        [
            "db",
            "setup",
            "--admin-url",
            admin_url(),
            "--name",
            database,
            "--user",
            role,
            "--secrets-file",
            str(secrets),
            "--json",
            *extra,
        ],
        env={"SKILLNEST_DB_PASSWORD": ""},
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_setup_creates_role_and_database_then_changes_nothing(tmp_path, names):
    database, role = names
    secrets = tmp_path / "var" / "secrets.env"
    secrets.parent.mkdir()
    secrets.write_text("SKILLNEST_SECRET_KEY=kept-as-it-was\n")

    first = setup(secrets, database, role)
    assert first["role_created"] and first["database_created"] and first["secrets_written"]
    assert first["migrated_from"] is None and first["migrated_to"]
    assert first["connected_as"] == role and first["changed"] is True

    url = read_secret(secrets, "SKILLNEST_DATABASE_URL")
    assert url and url.startswith(f"postgresql+psycopg://{role}:") and url.endswith(f"/{database}")
    assert "SKILLNEST_SECRET_KEY=kept-as-it-was" in secrets.read_text()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            owner = conn.scalar(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :n"),
                {"n": database},
            )
            assert owner == role
            assert (
                conn.scalar(text("SELECT version_num FROM alembic_version")) == first["migrated_to"]
            )
            tables = conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
            assert tables > 20
    finally:
        engine.dispose()

    before = secrets.read_bytes(), secrets.stat().st_mtime_ns
    again = setup(secrets, database, role)
    assert again["changed"] is False
    assert not (again["role_created"] or again["database_created"] or again["password_set"])
    assert not again["secrets_written"]
    assert again["migrated_from"] == again["migrated_to"] == first["migrated_to"]
    assert (secrets.read_bytes(), secrets.stat().st_mtime_ns) == before


def test_an_existing_role_without_a_known_password_gets_one(tmp_path, names):
    database, role = names
    with psycopg.connect(libpq(admin_url()), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    report = setup(tmp_path / "secrets.env", database, role)
    assert not report["role_created"] and report["password_set"] and report["database_created"]
    assert report["connected_as"] == role


def test_errors_are_one_line(tmp_path):
    runner = CliRunner()
    unreachable = runner.invoke(
        app,
        ["db", "setup", "--admin-url", "postgresql://postgres@127.0.0.1:1/postgres"],
        env={"SKILLNEST_DB_PASSWORD": ""},
    )
    assert unreachable.exit_code == 1
    assert unreachable.output.startswith("error: PostgreSQL is not reachable")
    assert len(unreachable.output.strip().splitlines()) == 1
    assert "Traceback" not in unreachable.output

    bad_name = runner.invoke(
        app,
        [
            "db",
            "setup",
            "--admin-url",
            admin_url(),
            "--name",
            "x; DROP",
            "--secrets-file",
            str(tmp_path / "s.env"),
        ],
    )
    assert bad_name.exit_code == 1
    assert len(bad_name.output.strip().splitlines()) == 1 and "database name" in bad_name.output
    assert not (tmp_path / "s.env").exists()


def test_without_an_admin_url_the_local_postgres_superuser_is_used(tmp_path, names):
    database, role = names
    port = make_url(admin_url()).port
    result = CliRunner().invoke(
        app,
        [
            "db",
            "setup",
            "--port",
            str(port),
            "--name",
            database,
            "--user",
            role,
            "--secrets-file",
            str(tmp_path / "secrets.env"),
            "--json",
        ],
        env={"SKILLNEST_DB_PASSWORD": "", "SKILLNEST_ADMIN_DATABASE_URL": ""},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["role_created"] and report["database_created"]
    assert report["connected_as"] == role
