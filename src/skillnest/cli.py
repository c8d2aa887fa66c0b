"""The ``skillnest`` command: mounts every module's ``cli.py``.

Configuration and connection errors of any command print one line and exit 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import os
import sys

import psycopg
import typer
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from skillnest import __version__
from skillnest.core.cli import unwrap_when_piped
from skillnest.core.logs import configure_logging
from skillnest.modules import MODULES, submodule

CONFIG_EXIT = 2

# The module that mounts each top-level command (tests/ops/test_cli_shape.py checks it
# against what the modules' ``register`` functions mount). A command line naming one of
# them imports that module's CLI only; anything else (``--help``, no command) imports all.
COMMANDS = {
    "users": "accounts",
    "login": "accounts",
    "logout": "accounts",
    "whoami": "accounts",
    "exchange": "exchange",
    "help": "help",
    "catalog": "catalog",
    "suggest": "catalog",
    "careers": "careers",
    "jobs": "careers",
    "gauge": "gauge",
    "import": "gauge",
    "db": "ops",
    "maintenance": "ops",
    "demo": "ops",
    "serve": "ops",
}


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"skillnest {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
) -> None:
    """skillnest: one open backend for skill platforms."""
    unwrap_when_piped()


def build_app(modules: tuple[str, ...] = MODULES) -> typer.Typer:
    """The ``skillnest`` command with the commands of ``modules`` mounted (in MODULES order)."""
    root = typer.Typer(
        name="skillnest",
        help="skillnest: one open backend for skill platforms.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
    )
    root.callback()(_root)
    for module in MODULES:
        if module in modules:
            cli = submodule(module, "cli")
            if cli is not None and hasattr(cli, "register"):
                cli.register(root)
    return root


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The modules a command line needs: the one owning its command, else all of them."""
    for arg in argv:  # the root's options are flags: the first other word is the command
        if arg == "--version":
            return ()  # answered before any command runs
        if not arg.startswith("-"):
            module = COMMANDS.get(arg)
            return (module,) if module else MODULES
    return MODULES


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    # ``skillnest.cli.app``: every command, built on first use (the tests and tools use it).
    global _full_app
    if name != "app":
        raise AttributeError(name)
    if _full_app is None:
        _full_app = build_app()
    return _full_app


def _settings_problem(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        loc = error.get("loc") or ()
        parts.append(f"SKILLNEST_{str(loc[0]).upper()}: {message}" if loc else message)
    return "invalid configuration: " + "; ".join(parts)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe_startup_error(exc: BaseException) -> str | None:
    """One line for a configuration or connection error; None for anything else (a bug)."""
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return _settings_problem(exc)
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return f"invalid SKILLNEST_DATABASE_URL: {_first_line(exc)}"
    if isinstance(
        exc,
        sa_exc.OperationalError
        | sa_exc.InterfaceError
        | sa_exc.TimeoutError
        | psycopg.OperationalError
        | ConnectionError,
    ):
        return f"cannot use the database: {_first_line(exc)}"
    # Imported only by the commands that migrate: if it is not loaded, this is not its error.
    alembic_errors = sys.modules.get("alembic.util.exc")
    if alembic_errors is not None and isinstance(exc, alembic_errors.CommandError):
        return f"migrations: {_first_line(exc)}"
    return None


def main() -> None:
    """Entry point of the console script."""
    # Commands print their results; logging shows warnings only (``serve`` sets its own level).
    configure_logging("WARNING", os.environ.get("SKILLNEST_LOG_FORMAT", "console"))
    debug = "--debug" in sys.argv[1:]
    try:
        build_app(modules_for(sys.argv[1:]))(standalone_mode=True)
    except Exception as exc:
        line = describe_startup_error(exc)
        if debug or line is None:
            raise
        typer.echo(f"error: {line} (--debug for details)", err=True)
        sys.exit(CONFIG_EXIT)
