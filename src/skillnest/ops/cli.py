"""``skillnest db|maintenance|demo|serve``: migrations, jobs, demo data and the server."""

from __future__ import annotations

import typer
from alembic import command

from skillnest.core.cli import console, err_console, run
from skillnest.ops import service
from skillnest.settings import get_settings

db = typer.Typer(help="Database migrations and operations.", no_args_is_help=True)
maintenance = typer.Typer(help="Periodic jobs.", no_args_is_help=True)
demo = typer.Typer(help="Demo data.", no_args_is_help=True)


def _config() -> service.Config:
    return service.alembic_config(get_settings())


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
def db_current(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Show the revision the database is at."""
    command.current(_config(), verbose=verbose)


@db.command("history")
def db_history(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """List every migration, oldest last."""
    command.history(_config(), verbose=verbose)


@db.command("revision")
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration does."),
    autogenerate: bool = typer.Option(False, "--autogenerate", help="Diff models vs database."),
) -> None:
    """Create a new migration file."""
    command.revision(_config(), message=message, autogenerate=autogenerate)


@maintenance.command("run")
def maintenance_run() -> None:
    """Run the periodic jobs once (expiry, reminders, alerts...)."""
    report = run(service.run_maintenance)
    for module, outcome in report.items():
        console.print(f"{module}: {outcome}")


@demo.command("load")
def demo_load() -> None:
    """Load the demo data of every module (safe to run again)."""
    for line in run(service.load_demo):
        console.print(line)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and not settings.redis_url:
        err_console.print(
            "[red]error:[/red] several workers need a shared cache: set SKILLNEST_REDIS_URL "
            "(the in-process cache cannot invalidate across processes)"
        )
        raise typer.Exit(2)
    console.print(f"skillnest on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "skillnest.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
    )


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(db, name="db")
    root.add_typer(maintenance, name="maintenance")
    root.add_typer(demo, name="demo")
    root.command("serve")(serve)
