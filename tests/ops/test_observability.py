"""Request ids, access lines, redaction, metrics and pool settings, in process on both backends."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import orjson
import pytest
import structlog
from httpx import ASGITransport, AsyncClient
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from skillnest.app import create_app
from skillnest.core import metrics
from skillnest.core.db import Database, make_engine
from skillnest.core.deps import get_session
from skillnest.core.logs import configure_logging
from skillnest.core.platform import Platform
from skillnest.ops import service as ops_service
from tests.conftest import make_settings
from tests.factories import PASSWORD, signup


def sample(name: str, **labels: str) -> float:
    """A metric's current value in this process (0 when never set)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "skillnest.access"]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger and structlog back as they were after a test configures them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    access_disabled = logging.getLogger("uvicorn.access").disabled
    yield
    root.handlers = handlers
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = access_disabled
    structlog.reset_defaults()


async def test_request_id_is_echoed_and_logged_with_the_route_template(client, caplog):
    caplog.set_level(logging.INFO, logger="skillnest.access")
    given = await client.get("/api/v1/chats/12345/messages", headers={"X-Request-ID": "abc"})
    assert given.status_code == 401
    assert given.headers["x-request-id"] == "abc"
    (line,) = access_records(caplog)
    assert line.request_id == "abc"  # type: ignore[attr-defined]
    assert line.route == "/api/v1/chats/{chat_id}/messages"  # type: ignore[attr-defined]
    assert line.status == 401 and line.method == "GET"  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]
    assert "12345" not in line.getMessage()

    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32
    # A malformed id (spaces, too long) is replaced, never copied into logs and headers.
    odd = await client.get("/health", headers={"X-Request-ID": "x y" + "z" * 200})
    assert odd.headers["x-request-id"] != "x y" + "z" * 200
    assert len(odd.headers["x-request-id"]) == 32


async def test_access_line_names_the_user_never_the_email_or_secrets(client, caplog):
    caplog.set_level(logging.INFO)
    user, headers = await signup(client, name="Logged Person")
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    lines = access_records(caplog)
    assert lines[-1].user_id == user["id"]  # type: ignore[attr-defined]
    assert lines[-1].route == "/api/v1/me"  # type: ignore[attr-defined]
    token = headers["Authorization"].split()[1]
    for record in caplog.records:
        rendered = record.getMessage() + repr(vars(record))
        assert user["email"] not in rendered
        assert token not in rendered and PASSWORD not in rendered


async def test_unmatched_paths_are_counted_under_one_label(client):
    before = sample(
        "skillnest_http_requests_total", method="GET", route="<unmatched>", status="404"
    )
    await client.get("/no/such/path/person@example.org")
    after = sample("skillnest_http_requests_total", method="GET", route="<unmatched>", status="404")
    assert after == before + 1


def test_redaction_and_json_rendering(restore_logging):
    stream = io.StringIO()
    configure_logging("INFO", "json", stream=stream)
    log = logging.getLogger("skillnest.test")
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        log.info(
            "signup of ann@example.org with Bearer abc.def",
            extra={"password": "hunter2", "access_token": "t0k", "user_id": 7, "content": "x"},
        )
    finally:
        structlog.contextvars.clear_contextvars()
    line = orjson.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "req-1" and line["user_id"] == 7
    assert line["level"] == "info" and line["logger"] == "skillnest.test"
    assert line["password"] == line["access_token"] == line["content"] == "[redacted]"
    assert "ann@example.org" not in line["event"] and "abc.def" not in line["event"]

    console = io.StringIO()
    configure_logging("INFO", "console", stream=console)
    log.info("readable", extra={"route": "/health"})
    assert "readable" in console.getvalue() and "route=/health" in console.getvalue()
    assert not console.getvalue().lstrip().startswith("{")


async def test_metrics_expose_request_histograms_and_cache_lookups(client, platform):
    await client.get("/health")
    key = "ops-test-metrics-key"
    lookups = sample("skillnest_cache_lookups_total", backend=platform.cache.backend, result="miss")
    assert await platform.cache.get(key) is None
    after = sample("skillnest_cache_lookups_total", backend=platform.cache.backend, result="miss")
    assert after == lookups + 1
    exposed = await client.get("/metrics")
    assert exposed.status_code == 200
    assert exposed.headers["content-type"].startswith("text/plain")
    body = exposed.text
    assert (
        'skillnest_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health"'
        in body
    )
    assert "skillnest_cache_lookups_total" in body
    assert "skillnest_db_pool_connections" in body


async def test_metrics_token_is_required_when_set(platform, session):
    guarded = Platform(
        settings=platform.settings.model_copy(update={"metrics_token": SecretStr("m-token")}),
        db=platform.db,
        cache=platform.cache,
        hub=platform.hub,
        limiter=platform.limiter,
    )
    app = create_app(platform=guarded)

    async def test_session():
        yield session

    app.dependency_overrides[get_session] = test_session
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        right = await http.get("/metrics", headers={"Authorization": "Bearer m-token"})
        assert right.status_code == 200 and "skillnest_http_requests_total" in right.text


async def test_rate_limit_refusals_are_counted(limiter):
    before = sample("skillnest_rate_limit_refusals_total")
    await limiter.hit("1/minute", "ops-metrics-test", "refusal")
    with pytest.raises(Exception, match="Too many|rate"):
        await limiter.hit("1/minute", "ops-metrics-test", "refusal")
    await limiter.clear("1/minute", "ops-metrics-test", "refusal")
    assert sample("skillnest_rate_limit_refusals_total") == before + 1


async def test_each_maintenance_job_is_logged_counted_and_timed(platform, caplog):
    caplog.set_level(logging.INFO, logger="skillnest.ops")
    runs = sample("skillnest_maintenance_runs_total", module="help", outcome="ok")
    report = await ops_service.run_maintenance(platform)
    assert "help" in report
    assert sample("skillnest_maintenance_runs_total", module="help", outcome="ok") == runs + 1
    assert sample("skillnest_maintenance_duration_seconds_count", module="help") >= 1
    lines = {r.job: r for r in caplog.records if getattr(r, "job", None)}  # type: ignore[attr-defined]
    assert set(report) <= set(lines)
    assert lines["help"].getMessage() == f"maintenance help: {report['help']}"


async def test_pool_settings_reach_the_engine(settings, backend):
    custom = make_settings(settings.database_url, None).model_copy(
        update={"db_pool_size": 3, "db_max_overflow": 2, "db_pool_recycle": 120}
    )
    engine = make_engine(custom.database_url, custom)
    try:
        if backend == "postgresql":
            pool = engine.sync_engine.pool
            assert pool.size() == 3 and pool._max_overflow == 2  # type: ignore[attr-defined]
            assert pool._recycle == 120 and pool._pre_ping is True  # type: ignore[attr-defined]
        opened = sample("skillnest_db_pool_connections", state="checked_out")
        async with engine.connect() as conn:
            assert sample("skillnest_db_pool_connections", state="checked_out") == opened + 1
            assert await conn.scalar(text("SELECT 1")) == 1
        assert sample("skillnest_db_pool_connections", state="checked_out") == opened
    finally:
        await engine.dispose()


async def test_sslmode_setting_reaches_the_driver(settings, backend):
    if backend == "sqlite":
        # SQLite has no connection options of this kind: the setting must not break it.
        custom = make_settings(settings.database_url, None).model_copy(
            update={"db_sslmode": "require"}
        )
        db = Database(custom)
        assert await db.ping()
        await db.dispose()
        return
    # The test server runs without TLS: "require" must fail, "disable" must work.
    for mode, works in (("disable", True), ("require", False)):
        custom = make_settings(settings.database_url, None).model_copy(update={"db_sslmode": mode})
        engine = make_engine(custom.database_url, custom)
        try:
            if works:
                async with engine.connect() as conn:
                    assert await conn.scalar(text("SELECT 1")) == 1
            else:
                with pytest.raises(OperationalError, match="SSL"):
                    async with engine.connect():
                        pass
        finally:
            await engine.dispose()


def test_multiprocess_folder_is_emptied_before_workers_start(tmp_path):
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "keep.txt").write_text("not ours")
    metrics.reset_multiprocess_dir(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


# A worker of ``skillnest serve --workers 2``: the folder is set before prometheus_client loads.
BATCHED_WORKER = """
import asyncio
from prometheus_client import CollectorRegistry, multiprocess
from skillnest.core import metrics

def sample(name, **labels):
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry.get_sample_value(name, labels) or 0.0

route = {"method": "GET", "route": "/health", "status": "200"}

async def serve():
    for _ in range(3):
        metrics.observe_request("GET", "/health", 200, 0.002)
    files = [sample("skillnest_http_requests_total", **route)]
    await asyncio.sleep(0)  # the event loop's next turn
    files.append(sample("skillnest_http_requests_total", **route))
    files.append(sample("skillnest_http_request_duration_seconds_bucket", le="0.005", **route))
    return files

print(*asyncio.run(serve()))
metrics.cache_lookup("redis", True)  # no event loop in this thread: written at once
print(sample("skillnest_cache_lookups_total", backend="redis", result="hit"))
"""


def test_worker_counts_reach_the_shared_files_in_batches(tmp_path):
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", BATCHED_WORKER], env=env, capture_output=True, text=True, check=True
    )
    in_loop, outside = done.stdout.splitlines()
    # Counted in memory during the burst, in the files one loop turn later (any worker's
    # /metrics adds the files up).
    assert in_loop.split() == ["0.0", "3.0", "3.0"]
    assert outside == "1.0"


async def test_database_errors_never_carry_the_bound_values(settings):
    engine = make_engine(settings.database_url, settings)
    secret = "leaky-person@example.org"
    try:
        async with engine.connect() as conn:
            with pytest.raises(Exception) as raised:
                await conn.execute(
                    text("INSERT INTO no_such_table (email) VALUES (:email)"), {"email": secret}
                )
    finally:
        await engine.dispose()
    assert secret not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)


def test_job_imports_count_their_rows(tmp_path, monkeypatch, ops_database):
    from typer.testing import CliRunner

    from skillnest.cli import app

    feed = tmp_path / "jobs.jsonl"
    good = {"external_id": "metrics-1", "title": "Engineer", "company": "Acme"}
    feed.write_text(orjson.dumps(good).decode() + "\n{not json\n")
    imported = sample("skillnest_import_rows_total", source="careers.jobs", result="imported")
    rejected = sample("skillnest_import_rows_total", source="careers.jobs", result="rejected")
    result = CliRunner().invoke(app, ["careers", "jobs", "import", str(feed), "--json"])
    assert result.exit_code == 1, result.output  # one line was rejected
    assert orjson.loads(result.stdout)["imported"] == 1
    assert sample("skillnest_import_rows_total", source="careers.jobs", result="imported") == (
        imported + 1
    )
    assert sample("skillnest_import_rows_total", source="careers.jobs", result="rejected") == (
        rejected + 1
    )
