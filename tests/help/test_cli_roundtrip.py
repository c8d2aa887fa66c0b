"""End to end: the CLI against a real server, then a dump of the database.

The server runs as a subprocess on a free port: SQLite with the in-process cache (one worker)
and PostgreSQL with Redis (two workers, so requests land on different processes).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from fractions import Fraction
from pathlib import Path

import httpx
import pytest
import redis as sync_redis
from alembic import command
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from skillnest.cli import app as skillnest_app
from skillnest.ops.service import alembic_config
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    redis_url,
)
from tests.factories import PASSWORD

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HELP_TABLES = (
    "anonymous_help_sessions",
    "help_offers",
    "help_key_envelopes",
    "help_messages",
    "trust_interactions",
    "skill_verifications",
)
# Columns of help tables that hold small numbers by design (levels, ratings, minutes, scores).
NUMERIC_COLUMNS = {"urgency_level", "session_quality", "help_duration", "score"}
SECRETS = [f"secret question number {i}: why does my fold overflow the stack?" for i in range(6)]
TALK = [
    "offer note: I wrote a borrow checker tutorial, ask me anything",
    "asker line: why can't I keep a reference across the push?",
    "helper line: the push may reallocate, so the reference could dangle",
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A skillnest server process and the database behind it."""

    backend: str
    database_url: str
    redis: str | None
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    base: str = ""
    process: subprocess.Popen[bytes] | None = None
    # Every email, token and text the tests gave the server: none may reach its log.
    secrets: set[str] = field(default_factory=lambda: {PASSWORD, *SECRETS, *TALK})

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self) -> None:
        """Start (or restart, on the same port) the server and wait until it answers."""
        port = int(self.base.rsplit(":", 1)[1]) if self.base else free_port()
        self.base = f"http://127.0.0.1:{port}"
        workers = "2" if self.redis else "1"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "skillnest",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    workers,
                ],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90  # a wait, not a measure: busy machines start slowly
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def sql(self, statement: str, **params: object) -> list[tuple]:
        """Run SQL on the server's database and commit."""
        engine = create_engine(self.database_url.replace("+aiosqlite", ""))
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def dump(self) -> str:
        """A full dump of the database, as an operator would take it."""
        if self.backend == "sqlite":
            path = self.database_url.split("///", 1)[1]
            with contextlib.closing(sqlite3.connect(path)) as conn:
                return "\n".join(conn.iterdump())
        name = self.database_url.rsplit("/", 1)[1]
        pg_dump = Path(os.environ["SKILLNEST_PG_BIN"]) / "pg_dump"
        return subprocess.run(
            [
                str(pg_dump),
                "-h",
                "127.0.0.1",
                "-p",
                os.environ["SKILLNEST_PG_PORT"],
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@pytest.fixture(scope="module")
def live(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp(f"live-{backend}")
    if backend == "sqlite":
        url, redis = f"sqlite+aiosqlite:///{workdir / 'live.db'}", None
    else:
        url, redis = create_postgres_database("skillnest_help_live"), redis_url()
        sync_redis.Redis.from_url(redis).flushdb()
    command.upgrade(alembic_config(make_settings(url, None)), "head")
    settings = make_settings(url, redis)
    env = {
        **os.environ,
        "SKILLNEST_ENV": "test",
        "SKILLNEST_DATABASE_URL": url,
        "SKILLNEST_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SKILLNEST_PSEUDONYM_KEY": settings.pseudonym_key.get_secret_value(),
        "SKILLNEST_LOG_LEVEL": "INFO",
    }
    env.pop("SKILLNEST_REDIS_URL", None)
    if redis:
        env["SKILLNEST_REDIS_URL"] = redis
    server = LiveServer(backend, url, redis, workdir, env)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if backend == "postgresql":
            drop_postgres_database(url)


@dataclass
class CliUser:
    """Someone using the CLI from their own machine (their own config directory)."""

    live: LiveServer
    email: str
    user_id: int
    home: Path

    def __call__(self, *args: str, ok: bool = True) -> str:
        env = {
            "SKILLNEST_CONFIG_DIR": str(self.home),
            "SKILLNEST_SERVER_URL": self.live.base,
            "SKILLNEST_PASSWORD": PASSWORD,
            "SKILLNEST_TOKEN": "",
        }
        result = CliRunner().invoke(skillnest_app, ["help", *args], env=env)
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        return str(result.output)


def mailed_token(live: LiveServer, email: str) -> str:
    """The verification token mailed to ``email`` (no SMTP server: ``var/mail/*.eml``)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # mails are written after the commit, in the background
        for path in (live.workdir / "var" / "mail").glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == email:
                body = message.get_body(preferencelist=("plain",))
                match = re.search(r"/verify-email\?token=([\w-]+)", body.get_content())
                assert match
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no verification mail for {email}")


def sign_up(live: LiveServer, name: str, tmp: Path) -> CliUser:
    """A student of uni.example.edu who verified their address through the mailed link."""
    email = f"{name}-{time.monotonic_ns()}@uni.example.edu"
    response = httpx.post(
        live.base + "/api/v1/auth/signup",
        json={"name": name, "email": email, "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    verified = httpx.post(
        live.base + "/api/v1/auth/verify-email/confirm",
        json={"token": mailed_token(live, email)},
    )
    assert verified.status_code == 200, verified.text
    user = CliUser(live, email, response.json()["user"]["id"], tmp / name)
    assert "logged in" in user("login", "--email", email)
    tokens = json.loads((user.home / "tokens.json").read_text())
    live.secrets.update({email, response.json()["token"], *tokens.values()})
    return user


def created_id(output: str) -> str:
    """The request id printed by ``help ask``."""
    match = re.search(rf"request ({UUID_RE}) created", output)
    assert match, output
    return match.group(1)


def help_table_rows(dump: str, backend: str) -> dict[str, list[dict[str, str]]]:
    """The rows of the help tables, read back from the dump text itself."""
    rows: dict[str, list[dict[str, str]]] = {t: [] for t in HELP_TABLES}
    if backend == "sqlite":
        conn = sqlite3.connect(":memory:")
        # Python's iterdump also writes the rows of virtual tables (the skill vocabulary's
        # full-text index), which cannot be replayed before the schema reloads; their shadow
        # tables carry the same data.
        conn.executescript(re.sub(r'^INSERT INTO "skill_terms_fts" .*$', "", dump, flags=re.M))
        for table in HELP_TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cursor.description]
            rows[table] = [
                {n: "" if v is None else str(v) for n, v in zip(names, r, strict=True)}
                for r in cursor
            ]
        return rows
    for match in re.finditer(
        r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", dump, re.M | re.S
    ):
        table, columns, body = match.groups()
        if table in rows:
            names = [c.strip() for c in columns.split(",")]
            rows[table] = [
                dict(zip(names, line.split("\t"), strict=True)) for line in body.splitlines()
            ]
    return rows


def seed_formula(rows: list[dict[str, str]]) -> int:
    """Seed 000's calculateTrustScore, worked out exactly with fractions, Math.round-style."""
    qualities = [int(r["session_quality"]) for r in rows]
    minutes = [int(r["help_duration"]) for r in rows]
    n = len(rows)
    total = (
        Fraction(sum(qualities), n) / 10 * 60
        + min(n * 2, 25)
        + min(Fraction(sum(minutes), n) / 30 * 15, 15)
    )
    return math.floor(total + Fraction(1, 2))


def test_round_trip_through_the_cli_leaves_no_identity_in_a_dump(live, tmp_path):
    helper = sign_up(live, "helper", tmp_path)
    seekers = [sign_up(live, f"seeker{i}", tmp_path) for i in range(5)]
    ratings = [(8, 30), (7, 20), (9, 40), (6, 10), (10, 25)]

    events: list[str] = []
    stream_ready = threading.Event()

    def listen() -> None:
        token = next(iter(json.loads((helper.home / "tokens.json").read_text()).values()))
        with httpx.stream(
            "GET",
            live.base + "/api/v1/help/feed/stream",
            params={"skills": "python"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ) as response:
            for line in response.iter_lines():
                events.append(line)
                if line == "event: ready":
                    stream_ready.set()
                if line.startswith("data:") and events[-2:-1] == ["event: request.created"]:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert stream_ready.wait(10)  # sent once the feed subscription is live

    for i, (seeker, (quality, minutes)) in enumerate(zip(seekers, ratings, strict=True)):
        out = seeker(
            "ask",
            "-s",
            "Python",
            "-s",
            "recursion",
            "-u",
            "3",
            "--college",
            "example.edu",
            "--title",
            f"Recursion trouble {i}",
            "--text",
            SECRETS[i],
        )
        request_id = created_id(out)
        if i == 0:
            listener.join(10)
            assert any(request_id in line for line in events), events
        assert request_id in helper("feed", "-s", "python")
        offer_id = re.search(rf"offer ({UUID_RE}) sent", helper("offer", request_id)).group(1)
        shown = seeker("show", request_id)
        assert offer_id in shown and ("not enough data" in shown or "trust" in shown)
        assert "accepted" in seeker("accept", request_id, offer_id)
        assert request_id not in helper("feed")
        if i == 0:
            # Mid-flight: the ciphertext is stored, the plaintext is nowhere.
            middle = live.dump()
            assert SECRETS[0] not in middle
            assert "secret question" not in middle
        # Only the accepted helper can read it, with the key sealed to their offer.
        assert helper("read", request_id).strip() == SECRETS[i]
        assert "InProgress" in seeker("show", request_id)
        assert "Completed" in seeker("complete", request_id, "-q", str(quality), "-m", str(minutes))

    # Keys and tokens stay on the user's machine, readable by the user alone.
    for path in (helper.home / "tokens.json", *(helper.home / "help" / "offers").iterdir()):
        assert path.stat().st_mode & 0o777 == 0o600
    assert (helper.home / "help" / "offers").stat().st_mode & 0o777 == 0o700

    dump = live.dump()
    for secret in SECRETS:
        assert secret not in dump
    rows = help_table_rows(dump, live.backend)
    assert len(rows["anonymous_help_sessions"]) == 5
    assert len(rows["trust_interactions"]) == 5
    people = [helper, *seekers]
    user_ids = {str(p.user_id) for p in people}
    tokens = {
        token
        for p in people
        for token in json.loads(p.home.joinpath("tokens.json").read_text()).values()
    }
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                for person in people:
                    assert person.email not in value, (table, column)
                assert "127.0.0.1" not in value, (table, column)
                assert not any(token in value for token in tokens), (table, column)
                if column not in NUMERIC_COLUMNS:
                    assert value not in user_ids, (table, column, value)

    interactions = rows["trust_interactions"]
    assert len({r["helper_hash"] for r in interactions}) == 1
    assert len({r["seeker_hash"] for r in interactions}) == 5
    # By hand: avg quality 8 -> 48; 5 sessions -> 10; avg 25 minutes -> 12.5: 70.5 -> 71.
    assert seed_formula(interactions) == 71
    assert helper("trust").strip() == "trust score: 71 (5 sessions)"

    # The server's log holds no email, token or client address either.
    log = live.log_path.read_text()
    for person in people:
        assert person.email not in log
    assert not any(token in log for token in tokens)
    # The only addresses in the log are the server's own: where it listens, and the public
    # URL in the links of mails (logged without an SMTP server, by design).
    own = log.replace(live.base, "").replace("http://127.0.0.1:8000/", "")
    assert "127.0.0.1" not in own, log


def test_expired_request_leaves_the_feed_at_once_and_maintenance_marks_it(live, tmp_path):
    owner, reader = sign_up(live, "owner", tmp_path), sign_up(live, "reader", tmp_path)
    out = owner("ask", "-s", "sql", "-u", "5", "--hours", "2", "--text", "join question")
    request_id = created_id(out)
    kept = created_id(owner("ask", "-s", "sql", "--text", "another one"))
    assert request_id in reader("feed", "-s", "sql")
    past = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 5))
    if live.backend == "postgresql":
        live.sql(
            "UPDATE anonymous_help_sessions SET expires_at = CAST(:past AS timestamptz) "
            "WHERE id = CAST(:id AS uuid)",
            past=past + "+00:00",
            id=request_id,
        )
    else:  # SQLite keeps UUIDs as 32 hex digits and times as UTC text
        live.sql(
            "UPDATE anonymous_help_sessions SET expires_at = :past WHERE id = :id",
            past=past,
            id=request_id.replace("-", ""),
        )
    listing = reader("feed", "-s", "sql")
    assert request_id not in listing and kept in listing
    # Two maintenance runs at once (and the server's own loop, every minute, may join in):
    # one waits for the other, the request is expired exactly once, and neither run fails.
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "skillnest", "maintenance", "run"],
            env=live.env,
            cwd=live.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    expired = [
        int(m.group(1))
        for out, _ in outputs
        if (m := re.search(r"help: (\d+) requests expired", out))
    ]
    assert len(expired) == 2 and sum(expired) <= 1, outputs
    assert "Expired" in owner("show", request_id)
    # Finished: the ciphertext is gone from the database.
    (stored,) = live.sql(
        "SELECT encrypted_request FROM anonymous_help_sessions WHERE status = 'Expired'"
    )
    assert stored == (None,)


def test_feed_survives_losing_the_cache_while_the_server_runs(live, tmp_path):
    owner = sign_up(live, "flushed", tmp_path)
    reader = sign_up(live, "flushreader", tmp_path)
    ids = [
        created_id(owner("ask", "-s", "haskell", "--text", topic))
        for topic in ("monads", "functors")
    ]
    live.secrets.update({"monads", "functors"})
    assert all(i in reader("feed", "-s", "haskell") for i in ids)
    if live.redis:
        sync_redis.Redis.from_url(live.redis).flushdb()
    else:
        # The embedded default keeps its cache in the server process: restarting loses it.
        live.stop()
        live.start()
    listing = reader("feed", "-s", "haskell")
    assert all(i in listing for i in ids)
    # The request keys survived on the client: the owner can still read their request.
    assert owner("read", ids[0]).strip() == "monads"


def help_messages_of(user: CliUser, into: list[dict[str, object]], ready: threading.Event) -> None:
    """Read the user's ``/me/events`` until two ``help.message`` events arrived."""
    token = next(iter(json.loads((user.home / "tokens.json").read_text()).values()))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", user.live.base + "/api/v1/me/events", headers=headers, timeout=30
    ) as response:
        kind = ""
        for line in response.iter_lines():
            if line == "event: ready":
                ready.set()
            if line.startswith("event:"):
                kind = line.removeprefix("event:").strip()
            elif line.startswith("data:") and kind == "help.message":
                into.append(json.loads(line.removeprefix("data:")))
                if len(into) == 2:
                    return


def test_offer_note_and_conversation_through_the_cli_stay_sealed(live, tmp_path):
    asker, helper = sign_up(live, "talker", tmp_path), sign_up(live, "answerer", tmp_path)
    request_id = created_id(asker("ask", "-s", "rust", "--text", "borrow question"))
    sent = helper("offer", request_id, "--message", TALK[0])
    offer_id = re.search(rf"offer ({UUID_RE}) sent", sent).group(1)
    assert TALK[0] in asker("show", request_id)
    assert "accepted" in asker("accept", request_id, offer_id)

    # Both event streams (possibly on other workers than the writes) get every message.
    heard: dict[str, list[dict[str, object]]] = {"asker": [], "helper": []}
    listeners = []
    for name, user in (("asker", asker), ("helper", helper)):
        ready = threading.Event()
        thread = threading.Thread(
            target=help_messages_of, args=(user, heard[name], ready), daemon=True
        )
        thread.start()
        assert ready.wait(10)
        listeners.append(thread)
    said = [json.loads(asker("say", request_id, TALK[1], "--json"))]
    said.append(json.loads(helper("say", request_id, TALK[2], "--json")))
    for thread in listeners:
        thread.join(15)
    assert heard["asker"] == heard["helper"] == said

    thread_view = helper("messages", request_id)
    assert f"asker: {TALK[1]}" in thread_view and f"you: {TALK[2]}" in thread_view
    texts = [m["text"] for m in json.loads(asker("messages", request_id, "--json"))]
    assert texts == TALK[1:]

    # The server holds the three of them as ciphertext only.
    dump = live.dump()
    for line in TALK:
        assert line not in dump
    rows = help_table_rows(dump, live.backend)
    assert [r["ciphertext"] for r in rows["help_messages"]] == [m["ciphertext"] for m in said]


def test_the_server_log_holds_no_identity_or_help_content(live):
    """Last of the module: everything the server logged while the tests above ran."""
    log = live.log_path.read_text(errors="replace")
    assert "/api/v1/help/requests/{request_id}" in log  # the access log was on
    for secret in sorted(live.secrets):
        assert secret not in log, f"the server log holds a secret: {secret[:8]}..."
    assert "@example.org" not in log
