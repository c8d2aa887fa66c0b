"""Operating a real server: request ids, JSON logs, /metrics across workers, the CLI journeys.

``skillnest serve`` runs as a subprocess: SQLite with one worker, PostgreSQL with Redis and two
workers (metrics in multiprocess mode). The CLI talks to it over HTTP as a user would, with
its token in a config directory of its own. The server's log is scanned at the end: no
password, token, email or message text may appear in it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as sync_redis
from alembic import command
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from skillnest.cli import app as skillnest_app
from skillnest.ops.service import alembic_config
from skillnest.settings import get_settings
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    redis_url,
)
from tests.factories import PASSWORD
from tests.live import ServerProcess, server_env

METRICS_TOKEN = "live-metrics-token-7Qw"
LONG_TITLE = (
    "Senior platform engineer for payment systems, observability tooling and developer "
    "experience across many regions and teams worldwide"
)


@dataclass
class Live:
    """The server, and every secret the tests gave it (none may reach its log)."""

    server: ServerProcess
    database_url: str
    secrets: set[str] = field(default_factory=set)

    @property
    def base(self) -> str:
        return self.server.base


@pytest.fixture(scope="module")
def live(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp(f"ops-live-{backend}")
    if backend == "sqlite":
        url, redis, workers = f"sqlite+aiosqlite:///{workdir / 'live.db'}", None, 1
    else:
        url, redis, workers = create_postgres_database("skillnest_ops_live"), redis_url(), 2
        sync_redis.Redis.from_url(redis).flushdb()
    command.upgrade(alembic_config(make_settings(url, None)), "head")
    # On PostgreSQL the server's own maintenance loop runs every second during the tests.
    # SQLite has one writer: a loop that busy would collide with the requests under test, so
    # there the loop stays at its production pace and the test runs maintenance by hand.
    interval = "3600" if backend == "sqlite" else "1"
    env = server_env(
        url,
        redis,
        SKILLNEST_LOG_FORMAT="json",
        SKILLNEST_METRICS_TOKEN=METRICS_TOKEN,
        SKILLNEST_MAINTENANCE_SECONDS=interval,
    )
    server = ServerProcess(workdir, env, workers=workers)
    server.start()
    try:
        yield Live(server, url, {PASSWORD, METRICS_TOKEN})
    finally:
        server.stop()
        if backend == "postgresql":
            drop_postgres_database(url)


@dataclass
class Person:
    """Someone with their own config directory, signed up on the server."""

    live: Live
    home: Path
    email: str
    user_id: int

    def run(self, *args: str, ok: bool = True) -> str:
        env = {
            "SKILLNEST_CONFIG_DIR": str(self.home),
            "SKILLNEST_SERVER_URL": self.live.base,
            "SKILLNEST_PASSWORD": PASSWORD,
            "SKILLNEST_TOKEN": "",
        }
        result = CliRunner().invoke(skillnest_app, list(args), env=env)
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        else:
            assert result.exit_code != 0, (args, result.output)
        return str(result.stdout)

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    @property
    def token(self) -> str:
        return str(json.loads((self.home / "tokens.json").read_text())[self.live.base])


def sign_up(live: Live, name: str, tmp_path: Path) -> Person:
    email = f"ops-{name}-{uuid.uuid4().hex[:10]}@example.org"
    created = httpx.post(
        live.base + "/api/v1/auth/signup",
        json={"name": name, "email": email, "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    live.secrets.update({email, created.json()["token"]})
    person = Person(live, tmp_path / name, email, created.json()["user"]["id"])
    assert f"logged in to {live.base}" in person.run("login", "--email", email)
    live.secrets.add(person.token)
    return person


def local_cli(live: Live, *args: str) -> str:
    """A command on the server's database (an operator's), not through the API."""
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(skillnest_app, list(args), env=live.server.env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, (args, result.output, result.exception)
    return str(result.stdout)


def scrape(live: Live) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics (any worker answers) as {(name, labels): value}."""
    with httpx.Client(base_url=live.base) as fresh:  # a new connection: any worker
        answer = fresh.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def json_log_lines(live: Live) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in live.server.log_text().splitlines() if line.startswith("{")
    ]


def test_request_id_is_echoed_and_logged_once(live):
    answer = httpx.get(live.base + "/api/v1/jobs/987654", headers={"X-Request-ID": "abc"})
    assert answer.status_code == 404
    assert answer.headers["x-request-id"] == "abc"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [e for e in json_log_lines(live) if e.get("request_id") == "abc"]
        if lines:
            break
        time.sleep(0.1)
    (line,) = lines
    assert line["logger"] == "skillnest.access"
    assert line["route"] == "/api/v1/jobs/{job_id}" and line["status"] == 404
    assert line["method"] == "GET" and line["duration_ms"] >= 0
    assert "987654" not in json.dumps(line)


def test_exchange_journey_through_the_cli(live, tmp_path):
    alice = sign_up(live, "alice", tmp_path)
    bob = sign_up(live, "bob", tmp_path)
    assert alice.json("whoami")["email"] == alice.email
    assert alice.json("exchange", "skills", "--offer", "Python", "--learn", "Guitar") == {
        "skills_to_offer": ["Python"],
        "skills_to_learn": ["Guitar"],
    }
    bob.run("exchange", "skills", "--offer", "guitar", "--learn", "python")
    matches = alice.json("exchange", "matches")
    assert bob.user_id in [m["id"] for m in matches["items"]]

    chat = alice.json("exchange", "chat", str(bob.user_id))
    text = f"meet at six {uuid.uuid4().hex}"
    live.secrets.add(text)
    sent = alice.json("exchange", "send", str(chat["id"]), text)
    assert sent["content"] == text

    chats = bob.json("exchange", "chats")
    (mine,) = [c for c in chats["items"] if c["id"] == chat["id"]]
    assert mine["unread_count"] == 1 and mine["other_user"]["id"] == alice.user_id
    assert bob.json("exchange", "unread") == {"unread": 1}
    assert [m["content"] for m in bob.json("exchange", "messages", str(chat["id"]))["items"]] == [
        text
    ]
    assert bob.json("exchange", "read", str(chat["id"])) == {"marked": 1}
    assert bob.json("exchange", "rate", str(chat["id"]), "--rating", "5")["rating"] == 5
    (rated,) = [c for c in bob.json("exchange", "chats")["items"] if c["id"] == chat["id"]]
    assert rated["is_rated_by_me"] is True
    found = alice.json("exchange", "people", "--skill", "GUITAR", "--limit", "100")
    assert bob.user_id in [p["id"] for p in found["items"]]
    assert all("email" not in p for p in found["items"])
    # People-readable output of the same data.
    assert "alice" in bob.run("exchange", "chats")

    # Logging out revokes the session on the server too.
    token = bob.token
    assert "logged out" in bob.run("logout")
    assert (
        httpx.get(
            live.base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
    assert (
        "skillnest login"
        in CliRunner()
        .invoke(
            skillnest_app,
            ["exchange", "chats"],
            env={
                "SKILLNEST_CONFIG_DIR": str(bob.home),
                "SKILLNEST_SERVER_URL": live.base,
                "SKILLNEST_TOKEN": "",
            },
        )
        .output
    )


def test_careers_journey_through_the_cli(live, tmp_path):
    feed = tmp_path / "jobs.jsonl"
    external = uuid.uuid4().hex
    feed.write_text(
        json.dumps(
            {
                "external_id": external,
                "title": LONG_TITLE,
                "company": "Northwind",
                "remote_type": "remote",
                "required_skills": ["Python", "SQL"],
            }
        )
        + "\n"
    )
    imported = json.loads(local_cli(live, "jobs", "import", str(feed), "--json"))
    assert imported["imported"] == 1 and imported["rejected"] == []

    carol = sign_up(live, "carol", tmp_path)
    found = carol.json("careers", "jobs", "search", "observability", "--remote", "remote")
    (job,) = [j for j in found["items"] if j["title"] == LONG_TITLE]
    assert carol.json("careers", "jobs", "show", str(job["id"]))["company"] == "Northwind"
    carol.run("careers", "jobs", "save", str(job["id"]), "--note", "looks good")
    assert [s["job"]["id"] for s in carol.json("careers", "jobs", "saved")["items"]] == [job["id"]]

    skill = carol.json("careers", "profile", "add", "skills", "name=Python", "proficiency_level=4")
    assert skill["name"] == "Python"
    assert [s["name"] for s in carol.json("careers", "profile", "list", "skills")["items"]] == [
        "Python"
    ]
    profile = carol.json("careers", "profile", "set", "headline=Backend developer")
    assert profile["headline"] == "Backend developer"
    assert carol.json("careers", "profile", "show")["headline"] == "Backend developer"

    application = carol.json("careers", "apply", str(job["id"]))
    assert application["status"] == "APPLIED"
    moved = carol.json("careers", "applications", "move", str(application["id"]), "SCREENING")
    assert moved["status"] == "SCREENING"
    refused = carol.run(
        "careers", "applications", "move", str(application["id"]), "ACCEPTED", ok=False
    )
    assert refused == ""  # the one-line error goes to stderr
    note = f"recruiter call {uuid.uuid4().hex}"
    live.secrets.add(note)
    carol.run("careers", "applications", "note", str(application["id"]), note)
    notes = carol.json("careers", "applications", "notes", str(application["id"]))
    assert [n["content"] for n in notes["items"]] == [note]
    listed = carol.json("careers", "applications", "list", "--status", "screening")
    assert [a["id"] for a in listed["items"]] == [application["id"]]

    templates = carol.json("careers", "documents", "templates", "--type", "resume")
    document = carol.json(
        "careers",
        "documents",
        "generate",
        str(templates["items"][0]["id"]),
        "--job",
        str(job["id"]),
    )
    assert [d["id"] for d in carol.json("careers", "documents", "list")["items"]] == [
        document["id"]
    ]
    exported = tmp_path / "resume.md"
    carol.run(
        "careers", "documents", "export", str(document["id"]), "-f", "md", "-o", str(exported)
    )
    assert exported.read_text().strip() == document["content"]["markdown"].strip()
    pdf = tmp_path / "resume.pdf"
    said = carol.run("careers", "documents", "export", str(document["id"]), "-o", str(pdf))
    assert "application/pdf" in said and pdf.read_bytes().startswith(b"%PDF-")

    # Piped output does not wrap: the long title stays on one line of the table.
    piped = subprocess.run(
        [sys.executable, "-m", "skillnest", "careers", "jobs", "search", "observability"],
        env={**live.server.env, "SKILLNEST_SERVER_URL": live.base, "COLUMNS": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert LONG_TITLE in piped.stdout


def test_gauge_journey_through_the_cli(live, tmp_path):
    dave = sign_up(live, "dave", tmp_path)
    body = {
        "name": "Router",
        "target_contract": {"address": "0xabc", "chain": "ethereum", "name": "SwapRouter"},
        "rpc_config": {"ethereum": ["https://eth.example.net"]},
    }
    contract = dave.json("gauge", "contracts", "create", "--data", json.dumps(body))
    assert [c["id"] for c in dave.json("gauge", "contracts", "list")["items"]] == [contract["id"]]
    assert dave.json("gauge", "contracts", "show", str(contract["id"]))["name"] == "Router"
    analysis = dave.json("gauge", "analyses", "start", "--contract", str(contract["id"]))
    assert analysis["status"] == "pending"
    assert dave.json("gauge", "analyses", "show", str(analysis["id"]))["id"] == analysis["id"]
    assert [a["id"] for a in dave.json("gauge", "analyses", "list")["items"]] == [analysis["id"]]
    session = dave.json("gauge", "chat", "new", "--title", "Gas usage")
    question = f"why is gas high {uuid.uuid4().hex}"
    live.secrets.add(question)
    dave.run("gauge", "chat", "send", str(session["id"]), question)
    messages = dave.json("gauge", "chat", "messages", str(session["id"]))
    assert [m["content"] for m in messages["items"]] == [question]
    assert [s["id"] for s in dave.json("gauge", "chat", "sessions")["items"]] == [session["id"]]


def test_metrics_add_up_every_worker(live, tmp_path):
    erin = sign_up(live, "erin", tmp_path)
    auth = {"Authorization": f"Bearer {erin.token}"}
    route = {"method": "GET", "route": "/api/v1/me/unread", "status": "200"}
    before = scrape(live)
    for _ in range(6):
        with httpx.Client(base_url=live.base) as fresh:  # new connections spread over workers
            assert fresh.get("/api/v1/me/unread", headers=auth).status_code == 200
    for _ in range(3):  # whichever worker answers, it reports every worker's requests
        after = scrape(live)
        counted = value(after, "skillnest_http_requests_total", **route)
        assert counted == value(before, "skillnest_http_requests_total", **route) + 6
        assert value(after, "skillnest_http_request_duration_seconds_count", **route) == counted
        assert (
            value(after, "skillnest_http_request_duration_seconds_bucket", le="+Inf", **route)
            == counted
        )
    templated = {labels for (name, labels) in after if name == "skillnest_http_requests_total"}
    assert any(("route", "/api/v1/auth/signup") in labels for labels in templated)
    hits = [
        count
        for (name, labels), count in after.items()
        if name == "skillnest_cache_lookups_total" and ("result", "hit") in labels
    ]
    assert sum(hits) > 0
    assert value(after, "skillnest_db_pool_connections", state="open") >= 1
    unauthorised = httpx.get(live.base + "/metrics")
    assert unauthorised.status_code == 401

    # An open event stream is counted while it lasts.
    opened = threading.Event()
    streams: list[httpx.Response] = []

    def listen() -> None:
        with contextlib.suppress(httpx.HTTPError, httpx.StreamError, RuntimeError):
            with httpx.stream(
                "GET", live.base + "/api/v1/me/events", headers=auth, timeout=60
            ) as response:
                streams.append(response)
                for line in response.iter_lines():
                    if line.startswith("event: ready"):
                        opened.set()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(20)
    assert value(scrape(live), "skillnest_sse_streams_open") == 1
    streams[0].close()
    listener.join(20)
    assert not listener.is_alive()
    deadline = time.monotonic() + 30
    while value(scrape(live), "skillnest_sse_streams_open") and time.monotonic() < deadline:
        time.sleep(0.2)  # the server notices the disconnect at its next read or ping
    assert value(scrape(live), "skillnest_sse_streams_open") == 0


def test_each_maintenance_run_is_logged_and_counted(live, caplog, backend):
    caplog.set_level(logging.INFO, logger="skillnest.ops")
    report = json.loads(local_cli(live, "maintenance", "run", "--json"))
    logged = {r.job: r.getMessage() for r in caplog.records if hasattr(r, "job")}
    assert set(report) == set(logged)
    assert logged["help"] == f"maintenance help: {report['help']}"
    if backend == "sqlite":
        return
    # The server's own loop: each run logs each job's outcome and duration, and counts it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        runs = [e for e in json_log_lines(live) if e.get("job") == "help"]
        if runs:
            break
        time.sleep(0.2)
    assert runs, live.server.log_text()[-3000:]
    assert runs[0]["logger"] == "skillnest.ops" and runs[0]["outcome"] == "ok"
    assert runs[0]["duration_ms"] >= 0 and runs[0]["event"].startswith("maintenance help: ")
    samples = scrape(live)
    assert value(samples, "skillnest_maintenance_runs_total", module="help", outcome="ok") >= 1
    assert value(samples, "skillnest_maintenance_duration_seconds_count", module="help") >= 1


def test_the_server_log_holds_no_secret(live):
    text = live.server.log_text()
    lines = json_log_lines(live)
    assert len(lines) > 50  # the access log is on by default
    assert any(line.get("user_id") for line in lines if line["logger"] == "skillnest.access")
    for secret in sorted(live.secrets):
        assert secret not in text, f"a secret reached the log: {secret[:6]}..."
    assert "@example.org" not in text
