"""The ``skillnest`` command: mounts every module's ``cli.py``."""

from __future__ import annotations

import os

import typer

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


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    unwrap_when_piped()


for _module in MODULES:
    _cli = submodule(_module, "cli")
    if _cli is not None and hasattr(_cli, "register"):
        _cli.register(app)


def main() -> None:
    """Entry point of the console script."""
    # Commands print their results; logging shows warnings only (``serve`` sets its own level).
    configure_logging("WARNING", os.environ.get("SKILLNEST_LOG_FORMAT", "console"))
    app()
