"""The ``skillnest`` command: mounts every module's ``cli.py``.

Configuration and connection errors of any command print one line and exit 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import os
import sys

import psycopg
import typer
from alembic.util.exc import CommandError
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from skillnest import __version__
from skillnest.core.cli import unwrap_when_piped
from skillnest.core.logs import configure_logging
from skillnest.modules import MODULES, submodule

app = typer.Typer(
    name="skillnest",
    help="skillnest: one open backend for skill platforms.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

CONFIG_EXIT = 2


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"skillnest {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
) -> None:
    """skillnest: one open backend for skill platforms."""
    unwrap_when_piped()


for _module in MODULES:
    _cli = submodule(_module, "cli")
    if _cli is not None and hasattr(_cli, "register"):
        _cli.register(app)


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
    if isinstance(exc, CommandError):
        return f"migrations: {_first_line(exc)}"
    return None


def main() -> None:
    """Entry point of the console script."""
    # Commands print their results; logging shows warnings only (``serve`` sets its own level).
    configure_logging("WARNING", os.environ.get("SKILLNEST_LOG_FORMAT", "console"))
    debug = "--debug" in sys.argv[1:]
    try:
        app(standalone_mode=True)
    except Exception as exc:
        line = describe_startup_error(exc)
        if debug or line is None:
            raise
        typer.echo(f"error: {line} (--debug for details)", err=True)
        sys.exit(CONFIG_EXIT)
