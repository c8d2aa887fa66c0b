"""Schemathesis, all checks on, against real servers on SQLite and on PostgreSQL + Redis.

Both backends run at once (one server and one schemathesis process each) so `make test`
stays within its budget: SQLite, the default, gets every phase including the coverage
phase (boundary values, undeclared methods); PostgreSQL gets the examples and fuzzing
phases. `make fuzz` runs every phase on both with many more examples.

Every operation is tested with a signed-in user, except the event streams, logout and
account deletion (they would end the session under test) and GraphQL (not an OpenAPI
surface: it has its own schema). Any failure of any check fails the test; the few rules no
schema can state (state, comparisons between fields) are listed with their reasons in
``schemathesis.toml``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx
from alembic import command

from skillnest.ops.service import alembic_config
from tests.conftest import create_postgres_database, drop_postgres_database, redis_url
from tests.contract.conftest import serving, settings_for

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("SKILLNEST_FUZZ_EXAMPLES", "3")
SEED = os.environ.get("SKILLNEST_FUZZ_SEED", "20261201")
ALL_PHASES = "examples,coverage,fuzzing,stateful"
PHASES = {
    "sqlite": os.environ.get("SKILLNEST_FUZZ_PHASES", "examples,coverage,fuzzing"),
    "postgresql": os.environ.get("SKILLNEST_FUZZ_PHASES", "examples,fuzzing"),
}
EXCLUDED_PATHS = r"(/events|/stream|/auth/logout)$|^/graphql"


def _token(base: str) -> str:
    # Build the OpenAPI document once before schemathesis asks (a loaded machine is slow).
    assert httpx.get(f"{base}/openapi.json", timeout=300).status_code == 200
    body = {"name": "Tester", "email": "tester@example.org", "password": "violet harbour lantern 1"}
    response = httpx.post(f"{base}/api/v1/auth/signup", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def _schemathesis(backend: str, base: str, report: Path) -> subprocess.Popen[str]:
    args = [
        str(Path(sys.executable).with_name("st")),
        f"--config-file={CONFIG}",
        "run",
        f"{base}/openapi.json",
        "--checks=all",
        f"--header=Authorization: Bearer {_token(base)}",
        f"--max-examples={EXAMPLES}",
        f"--phases={PHASES[backend]}",
        f"--seed={SEED}",
        # One worker: Hypothesis's lambda-source cache is not thread-safe.
        "--workers=1",
        "--no-shrink",
        f"--exclude-path-regex={EXCLUDED_PATHS}",
        '--exclude-by=method == "DELETE" and path == "/api/v1/me"',
        "--report=junit",
        f"--report-dir={report}",
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    with (report.parent / f"schemathesis-{backend}.txt").open("w") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)


def test_schemathesis_all_checks_on_both_backends(tmp_path):
    pg_url = create_postgres_database("skillnest_fuzz")
    urls = {"sqlite": f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}", "postgresql": pg_url}
    extra = {"sqlite": {}, "postgresql": {"SKILLNEST_REDIS_URL": redis_url()}}
    codes: dict[str, int] = {}
    try:
        with ExitStack() as stack:
            runs = {}
            for backend, url in urls.items():
                command.upgrade(alembic_config(settings_for(url)), "head")
                log = tmp_path / f"server-{backend}.log"
                base = stack.enter_context(serving(url, log, **extra[backend]))
                runs[backend] = _schemathesis(backend, base, tmp_path / f"report-{backend}")
            for backend, process in runs.items():
                codes[backend] = process.wait(timeout=3600)
    finally:
        drop_postgres_database(pg_url)
    for backend, code in codes.items():
        output = (tmp_path / f"schemathesis-{backend}.txt").read_text()
        print(f"--- {backend}\n{output[output.rfind('SUMMARY') :]}")
        server_log = (tmp_path / f"server-{backend}.log").read_text()
        assert "unhandled error" not in server_log, (backend, server_log[-3000:])
        assert code == 0, (backend, output[-12000:])
