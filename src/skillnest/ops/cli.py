"""``skillnest db|maintenance|demo|serve``: migrations, jobs, demo data and the server."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from alembic import command
from alembic.script import ScriptDirectory
from rich.table import Table

from skillnest.core import metrics
from skillnest.core.cli import JsonOption, cli_settings, console, err_console, run
from skillnest.core.errors import DomainError
from skillnest.core.logs import configure_logging
from skillnest.ops import backup as backups
from skillnest.ops import roles, service, stats
from skillnest.settings import VAR_DIR, get_settings, write_local_secrets

T = TypeVar("T")
READONLY_PASSWORD_ENV = "SKILLNEST_READONLY_PASSWORD"
DB_PASSWORD_ENV = "SKILLNEST_DB_PASSWORD"
CACHE_NOT_DROPPED = (
    "Redis did not answer, so answers cached before this change may be served until they "
    "expire; run `skillnest db forget-cache` once Redis is back"
)
EMBEDDED_CACHE = (
    "without Redis the cache lives inside the `skillnest serve` process: restart it to drop "
    "its answers"
)

db = typer.Typer(help="Database migrations and operations.", no_args_is_help=True)
maintenance = typer.Typer(help="Periodic jobs.", no_args_is_help=True)
demo = typer.Typer(help="Demo data.", no_args_is_help=True)


def _config() -> service.Config:
    return service.alembic_config(cli_settings())


@db.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    command.upgrade(_config(), revision)
    console.print(f"database upgraded to {revision}")


@db.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Revert migrations down to REVISION."""
    command.downgrade(_config(), revision)
    console.print(f"database downgraded to {revision}")


@db.command("current")
def db_current(
    verbose: bool = typer.Option(False, "--verbose", "-v"), as_json: JsonOption = False
) -> None:
    """Show the revision the database is at."""
    if as_json:
        current, heads = service.migration_state(cli_settings())
        typer.echo(
            json.dumps(
                {
                    "current": ", ".join(sorted(current)) or None,
                    "head": ", ".join(sorted(heads)),
                    "at_head": current == heads,
                }
            )
        )
        return
    command.current(_config(), verbose=verbose)


@db.command("history")
def db_history(
    verbose: bool = typer.Option(False, "--verbose", "-v"), as_json: JsonOption = False
) -> None:
    """List every migration, oldest last."""
    if as_json:
        scripts = ScriptDirectory.from_config(_config()).walk_revisions()
        history = [
            {"revision": s.revision, "down_revision": s.down_revision, "message": s.doc}
            for s in scripts
        ]
        typer.echo(json.dumps(history, indent=2))
        return
    command.history(_config(), verbose=verbose)


@db.command("revision")
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration does."),
    autogenerate: bool = typer.Option(False, "--autogenerate", help="Diff models vs database."),
) -> None:
    """Create a new migration file."""
    command.revision(_config(), message=message, autogenerate=autogenerate)


def _checked(work: Callable[[], T]) -> T:
    """Run an operation; a refused one prints why and exits 1."""
    try:
        return work()
    except DomainError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc


def _fingerprint_table(title: str, tables: dict[str, backups.TableFingerprint]) -> Table:
    table = Table(title=title)
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("checksum")
    for name, fingerprint in tables.items():
        table.add_row(name, str(fingerprint.rows), fingerprint.checksum[:16])
    return table


@db.command("setup")
def db_setup(
    admin_url: str | None = typer.Option(
        None,
        "--admin-url",
        envvar="SKILLNEST_ADMIN_DATABASE_URL",
        help="A superuser connection, e.g. postgresql://postgres@localhost:5432/postgres "
        "(default: the local postgres role, by Unix socket then TCP).",
    ),
    name: str = typer.Option("skillnest", "--name", help="Database to create."),
    role: str = typer.Option("skillnest", "--user", help="Login role to create."),
    host: str | None = typer.Option(None, "--host", help="Host in the app's URL."),
    port: int | None = typer.Option(None, "--port", help="Port in the app's URL."),
    sslmode: str | None = typer.Option(
        None, "--sslmode", help="libpq sslmode in the app's URL (require, verify-full...)."
    ),
    secrets_file: Path = typer.Option(
        VAR_DIR / "secrets.env", "--secrets-file", help="Where SKILLNEST_DATABASE_URL goes."
    ),
    with_demo: bool = typer.Option(False, "--demo", help="Also load the demo data."),
    as_json: JsonOption = False,
) -> None:
    """Create (if missing) a PostgreSQL role and database, save the URL, migrate and test it.

    Idempotent: run again, it reports everything in place and changes nothing. The role's
    password comes from SKILLNEST_DB_PASSWORD, the secrets file, or is generated.
    """
    from skillnest.ops import provision  # psycopg: loaded only by the commands that use it

    plan = provision.SetupPlan(
        admin_url=admin_url or provision.first_reachable(provision.local_admin_urls(host, port)),
        name=name,
        role=role,
        password=os.environ.get(DB_PASSWORD_ENV) or None,
        host=host,
        port=port,
        sslmode=sslmode,
        secrets_file=secrets_file,
    )
    report, url = _checked(lambda: provision.setup_database(plan))
    if with_demo:
        os.environ["SKILLNEST_DATABASE_URL"] = url
        get_settings.cache_clear()
        report.steps.extend(run(service.load_demo))
    if as_json:
        document = {**dataclasses.asdict(report), "changed": report.changed}
        typer.echo(json.dumps(document, indent=2))
        return
    for step in report.steps:
        console.print(step, markup=False)
    verdict = "set up" if report.changed else "already set up; nothing changed"
    console.print(f"[green]{name} {verdict}[/green]")


@db.command("backup")
def db_backup(
    directory: Path = typer.Option(VAR_DIR / "backups", "--dir", help="Where backups go."),
    keep_days: int = typer.Option(7, min=0, help="Delete backups older than this many days."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Back up the database (pg_dump -Fc / SQLite online backup), compressed and timestamped."""
    result = _checked(lambda: backups.backup(cli_settings(), directory, keep_days))
    if as_json:
        document = {
            "path": str(result.path),
            "manifest": str(result.manifest),
            "size_bytes": result.size,
            "tables": {n: vars(t) for n, t in result.tables.items()},
            "removed": [str(p) for p in result.removed],
        }
        typer.echo(json.dumps(document, indent=2))
        return
    rows = sum(t.rows for t in result.tables.values())
    console.print(
        f"backup written: {result.path} ({stats.human(result.size)}, {len(result.tables)} "
        f"tables, {rows} rows); manifest {result.manifest.name}"
    )
    for path in result.removed:
        console.print(f"removed old backup {path.name}")


@db.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="A file written by `skillnest db backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace the content of a database that is not empty."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Restore a backup into an empty database and check it against the backup's manifest."""
    result = _checked(lambda: backups.restore(cli_settings(), file, force=force))
    forgotten = run(service.forget_cached_answers)
    if as_json:
        document = {
            "path": str(result.path),
            "verified": result.verified,
            "mismatches": result.mismatches,
            "cached_answers_dropped": forgotten,
            "tables": {n: vars(t) for n, t in result.tables.items()},
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        console.print(_fingerprint_table(f"restored {file.name}", result.tables))
        if result.verified is None:
            console.print("[yellow]no manifest beside the backup: contents not verified[/yellow]")
        elif result.verified:
            console.print("[green]row counts and checksums match the backup[/green]")
        for problem in result.mismatches:
            console.print(f"[red]mismatch:[/red] {problem}")
    if not forgotten:
        err_console.print(f"[yellow]warning:[/yellow] {CACHE_NOT_DROPPED}")
    if result.verified is False:
        raise typer.Exit(1)


@db.command("forget-cache")
def db_forget_cache(as_json: JsonOption = False) -> None:
    """Drop every cached answer (after a restore or writes made outside the services)."""
    if not cli_settings().redis_url:
        # The embedded cache lives in the server's own process, out of this one's reach.
        err_console.print(f"[yellow]note:[/yellow] {EMBEDDED_CACHE}")
        if as_json:
            typer.echo(json.dumps({"cached_answers_dropped": False}))
        return
    forgotten = run(service.forget_cached_answers)
    if as_json:
        typer.echo(json.dumps({"cached_answers_dropped": forgotten}))
    elif forgotten:
        console.print("[green]cached answers dropped from Redis and every worker[/green]")
    if not forgotten:
        err_console.print(f"[red]error:[/red] {CACHE_NOT_DROPPED}")
        raise typer.Exit(1)


@db.command("stats")
def db_stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Database size, per-table sizes and rows, and active connections."""
    info = _checked(lambda: stats.collect(cli_settings()))
    if as_json:
        typer.echo(json.dumps(info.to_dict(), indent=2))
        return
    connections = (
        f"{info.active_connections} active of {info.total_connections}"
        if info.active_connections is not None
        else "n/a (embedded database)"
    )
    table = Table(
        title=f"{info.dialect} {info.database}: {stats.human(info.size_bytes)}, "
        f"connections {connections}"
    )
    table.add_column("table")
    table.add_column("size", justify="right")
    table.add_column("rows", justify="right")
    for t in info.tables:
        table.add_row(
            t.name, stats.human(t.size_bytes), f"{t.rows}" + ("" if t.rows_exact else " ~")
        )
    console.print(table)
    if info.dialect == "postgresql":
        console.print("~ estimate from the planner's statistics")


@db.command("create-readonly-role")
def db_create_readonly_role(
    name: str = typer.Argument(..., help="Name of the login role, e.g. analytics."),
) -> None:
    """Create a read-only login role for analytics (password from the environment or a prompt)."""
    password = os.environ.get(READONLY_PASSWORD_ENV) or str(
        typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    )
    created = _checked(lambda: roles.create_readonly_role(cli_settings(), name, password))
    verb = "created" if created else "updated"
    console.print(
        f"role {name} {verb}: CONNECT, USAGE on public, SELECT on all tables now and later"
    )


@maintenance.command("run")
def maintenance_run(as_json: JsonOption = False) -> None:
    """Run the periodic jobs once (expiry, reminders, alerts...)."""
    report = run(service.run_maintenance)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for module, outcome in report.items():
        console.print(f"{module}: {outcome}", markup=False)


@demo.command("load")
def demo_load(as_json: JsonOption = False) -> None:
    """Load the demo data of every module (safe to run again)."""
    lines = run(service.load_demo)
    if as_json:
        typer.echo(json.dumps(lines, indent=2))
        return
    for line in lines:
        console.print(line, markup=False)


def _prepare() -> None:
    """Local secrets, migrations and demo data, each only when missing (a warm start is quick)."""
    if get_settings().env == "development" and write_local_secrets():
        console.print("created var/secrets.env (local secrets, never commit)")
        get_settings.cache_clear()
    settings = get_settings()
    current, heads = service.migration_state(settings)
    if current != heads:
        command.upgrade(service.alembic_config(settings), "heads")
        at = ", ".join(sorted(current)) or "empty"
        console.print(f"database upgraded from {at} to {', '.join(sorted(heads))}")
    if not current:
        for line in run(service.load_demo):
            console.print(line)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    prepare: bool = typer.Option(
        False,
        "--prepare",
        help="First migrate if needed, and load the demo into a new database (`make run`).",
    ),
) -> None:
    """Serve the API with uvicorn (access log on; JSON lines with SKILLNEST_LOG_FORMAT=json)."""
    import uvicorn

    if prepare:
        _prepare()
    settings = cli_settings()
    if workers > 1 and not settings.redis_url:
        err_console.print(
            "[red]error:[/red] several workers need a shared cache: set SKILLNEST_REDIS_URL "
            "(the in-process cache cannot invalidate across processes)"
        )
        raise typer.Exit(2)
    current, heads = service.migration_state(settings)
    if current != heads:
        at = ", ".join(sorted(current)) or "no revision (empty database)"
        err_console.print(
            f"[red]error:[/red] the database is at {at}, not at {', '.join(sorted(heads))}: "
            "run `skillnest db upgrade`",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    configure_logging(settings.log_level, settings.log_format)
    own_metrics_dir = None
    if workers > 1:
        # Each worker writes its samples to this folder; /metrics adds them up. It must be in
        # the environment before a worker imports prometheus_client.
        if not metrics.multiprocess_dir():
            own_metrics_dir = tempfile.mkdtemp(prefix="skillnest-metrics-")
            os.environ[metrics.MULTIPROC_ENV] = own_metrics_dir
        metrics.reset_multiprocess_dir(os.environ[metrics.MULTIPROC_ENV])
    console.print(f"skillnest on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    try:
        uvicorn.run(
            "skillnest.serving:serve_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=None,
            # The app logs each request itself, with the route template and the request id.
            access_log=False,
            proxy_headers=False,
            timeout_keep_alive=settings.keep_alive_seconds,
            # A worker answers the supervisor's pings only once its imports are done; on a
            # busy machine that takes longer than uvicorn's 5 s default, which killed every
            # worker in a loop.
            timeout_worker_healthcheck=60,
        )
    finally:
        if own_metrics_dir:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(db, name="db")
    root.add_typer(maintenance, name="maintenance")
    root.add_typer(demo, name="demo")
    root.command("serve")(serve)
