"""Schemathesis, all checks on, against a real server on SQLite and on PostgreSQL + Redis.

Every operation is tested with a signed-in user, except the event streams, logout and
account deletion (they would end the session under test) and GraphQL (not an OpenAPI
surface: it has its own schema). Failures already known and recorded in
``schemathesis-baseline.json`` (module rules not yet in the schema, listed with their
route) do not fail the run; any new failure, and any 500, does.

``make fuzz`` runs the same with many more examples (SKILLNEST_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from alembic import command

from skillnest.ops.service import alembic_config
from tests.conftest import create_postgres_database, drop_postgres_database, redis_url
from tests.contract.conftest import serving, settings_for

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")
EXAMPLES = int(os.environ.get("SKILLNEST_FUZZ_EXAMPLES", "3"))
PHASES = os.environ.get("SKILLNEST_FUZZ_PHASES", "examples,coverage,fuzzing")
SEED = os.environ.get("SKILLNEST_FUZZ_SEED", "20261201")
EXCLUDED_PATHS = r"(/events|/stream|/auth/logout|^/graphql)$|^/graphql"


def _token(base: str) -> str:
    body = {"name": "Fuzz", "email": "fuzz@example.org", "password": "fuzzing password 1"}
    response = httpx.post(f"{base}/api/v1/auth/signup", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def _schemathesis(base: str, token: str, report: Path) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).with_name("st")
    args = [
        str(st),
        "run",
        f"{base}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(EXAMPLES),
        "--phases",
        PHASES,
        "--seed",
        SEED,
        "--workers",
        os.environ.get("SKILLNEST_FUZZ_WORKERS", "1"),
        "--no-shrink",
        "--exclude-path-regex",
        EXCLUDED_PATHS,
        "--exclude-by",
        'method == "DELETE" and path == "/api/v1/me"',
        "--baseline",
        str(BASELINE),
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    if os.environ.get("SKILLNEST_FUZZ_UPDATE_BASELINE"):
        args.append("--baseline-update")
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    return subprocess.run(args, capture_output=True, text=True, timeout=1800, env=env)


def test_schemathesis_all_checks(backend, tmp_path):
    if backend == "sqlite":
        url, extra = f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}", {}
    else:
        url, extra = (
            create_postgres_database("skillnest_fuzz"),
            {"SKILLNEST_REDIS_URL": redis_url()},
        )
    try:
        command.upgrade(alembic_config(settings_for(url)), "head")
        with serving(url, tmp_path / "server.log", **extra) as base:
            result = _schemathesis(base, _token(base), tmp_path / "report")
        server_log = (tmp_path / "server.log").read_text()
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)
    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    print(summary)
    assert "unhandled error" not in server_log, server_log[-3000:]
    assert result.returncode == 0, result.stdout[-12000:]
