"""``skillnest db setup``: a PostgreSQL database for skillnest in one idempotent command.

Check the server answers, create the login role and its database if they are missing (as a
superuser: an admin URL, or the local ``postgres`` role), write ``SKILLNEST_DATABASE_URL`` to
the local secrets file, migrate to head and connect as the new role. Run again, it finds
everything in place and changes nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from skillnest.core.errors import DomainError
from skillnest.ops.service import alembic_config_for

URL_KEY = "SKILLNEST_DATABASE_URL"
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
CONNECT_TIMEOUT_SECONDS = 5


class SetupError(DomainError):
    """A step of the setup failed; the detail is one line saying which and why."""

    status, code, title = 400, "setup-failed", "Database setup failed"


@dataclass
class SetupPlan:
    """What to set up, and where."""

    admin_url: str
    name: str = "skillnest"
    role: str = "skillnest"
    password: str | None = None
    host: str | None = None
    port: int | None = None
    sslmode: str | None = None
    secrets_file: Path = Path("var/secrets.env")


@dataclass
class SetupReport:
    """What each step found or did."""

    server_version: str = ""
    role_created: bool = False
    password_set: bool = False
    database_created: bool = False
    secrets_written: bool = False
    migrated_from: str | None = None
    migrated_to: str | None = None
    connected_as: str = ""
    steps: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether this run changed anything."""
        return (
            self.role_created
            or self.password_set
            or self.database_created
            or self.secrets_written
            or self.migrated_from != self.migrated_to
        )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def _libpq(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as a libpq connection string."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def _connect(url: str, what: str) -> psycopg.Connection:
    try:
        return psycopg.connect(
            _libpq(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except psycopg.Error as exc:
        raise SetupError(f"{what}: {_one_line(exc)}") from exc


def read_secret(path: Path, key: str) -> str | None:
    """The value of ``KEY=value`` in an env file, if present."""
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            return value.strip()
    return None


def write_secret(path: Path, key: str, value: str) -> bool:
    """Set ``KEY=value`` in an env file readable by its owner only; whether it changed."""
    lines = path.read_text().splitlines() if path.exists() else []
    entry = f"{key}={value}"
    if entry in lines:
        return False
    kept = [line for line in lines if line.partition("=")[0].strip() != key]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("\n".join([*kept, entry]) + "\n")
    return True


def _known_password(plan: SetupPlan) -> str | None:
    """The role's password from the secrets file, if it describes this role and database."""
    current = read_secret(plan.secrets_file, URL_KEY)
    if not current:
        return None
    url = make_url(current)
    if url.username == plan.role and url.database == plan.name and url.password:
        return str(url.password)
    return None


def database_url(plan: SetupPlan, password: str) -> str:
    """The application's URL: the new role on the new database, same server as the admin."""
    admin = make_url(plan.admin_url)
    host = plan.host or admin.host or "127.0.0.1"
    port = plan.port or admin.port or 5432
    query = f"?{urlencode({'sslmode': plan.sslmode})}" if plan.sslmode else ""
    return (
        f"postgresql+psycopg://{quote(plan.role, safe='')}:{quote(password, safe='')}"
        f"@{host}:{port}/{plan.name}{query}"
    )


def _ensure_role(admin: psycopg.Connection, plan: SetupPlan, report: SetupReport) -> str:
    """Create the login role if missing; return the password the URL will carry."""
    exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (plan.role,)).fetchone()
    known = _known_password(plan)
    password = plan.password or known or secrets.token_urlsafe(24)
    role = sql.Identifier(plan.role)
    # A SCRAM verifier made here: the plain password never reaches the server or its logs.
    verifier = sql.Literal(
        admin.pgconn.encrypt_password(
            password.encode(), plan.role.encode(), b"scram-sha-256"
        ).decode()
    )
    if not exists:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, verifier))
        report.role_created = True
        report.steps.append(f"role {plan.role}: created")
    elif password != known:
        # The role exists but its password is not the one on file: set the one we will use.
        admin.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, verifier))
        report.password_set = True
        report.steps.append(f"role {plan.role}: exists, password set")
    else:
        report.steps.append(f"role {plan.role}: exists")
    return password


def _ensure_database(admin: psycopg.Connection, plan: SetupPlan, report: SetupReport) -> None:
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (plan.name,)).fetchone()
    if exists:
        report.steps.append(f"database {plan.name}: exists")
        return
    admin.execute(
        sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
            sql.Identifier(plan.name), sql.Identifier(plan.role)
        )
    )
    report.database_created = True
    report.steps.append(f"database {plan.name}: created, owned by {plan.role}")


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _migrate(url: str, report: SetupReport) -> None:
    config = alembic_config_for(url)
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        report.migrated_from = _revision(url)
        if report.migrated_from != head:
            command.upgrade(config, "head")
        report.migrated_to = _revision(url)
    except Exception as exc:  # noqa: BLE001 - any failure is reported as one line
        raise SetupError(f"migrations failed: {_one_line(exc)}") from exc
    if report.migrated_from == report.migrated_to:
        report.steps.append(f"migrations: at head ({head})")
    else:
        report.steps.append(f"migrations: {report.migrated_from or 'empty'} -> {head}")


def local_admin_urls(host: str | None, port: int | None) -> list[str]:
    """Where a local ``postgres`` superuser may be reached: the Unix socket, then TCP."""
    tcp = f"postgresql://postgres@{host or '127.0.0.1'}:{port or 5432}/postgres"
    return [tcp] if host else [f"postgresql://postgres@/postgres?port={port or 5432}", tcp]


def first_reachable(urls: list[str]) -> str:
    """The first admin URL that accepts a connection, or a one-line error for the last."""
    for url in urls[:-1]:
        try:
            psycopg.connect(_libpq(url), connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
            return url
        except psycopg.Error:
            continue
    return urls[-1]  # its own error, if any, is reported by the setup's first step


def setup_database(plan: SetupPlan) -> tuple[SetupReport, str]:
    """Run every step; return the report and the application's database URL."""
    for kind, value in (("database", plan.name), ("role", plan.role)):
        if not NAME_RE.match(value):
            raise SetupError(f"{kind} name {value!r}: use lowercase letters, digits and _")
    report = SetupReport()
    with _connect(plan.admin_url, "PostgreSQL is not reachable as the admin") as admin:
        report.server_version = str(admin.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        report.steps.append(f"server: PostgreSQL {report.server_version} reachable")
        superuser = admin.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if not superuser or not superuser[0]:
            raise SetupError("the admin connection cannot create roles: use a superuser")
        password = _ensure_role(admin, plan, report)
        _ensure_database(admin, plan, report)
    url = database_url(plan, password)
    report.secrets_written = write_secret(plan.secrets_file, URL_KEY, url)
    report.steps.append(
        f"{plan.secrets_file}: {URL_KEY} {'written' if report.secrets_written else 'unchanged'}"
    )
    _migrate(url, report)
    with _connect(url, f"cannot connect as {plan.role}") as conn:
        report.connected_as = str(conn.execute("SELECT current_user").fetchone()[0])  # type: ignore[index]
    report.steps.append(f"connection test: ok as {report.connected_as}")
    return report, url
