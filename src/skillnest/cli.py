"""The ``skillnest`` command: mounts every module's ``cli.py``."""

from __future__ import annotations

import logging

import typer

from skillnest import __version__
from skillnest.modules import MODULES, submodule

app = typer.Typer(
    name="skillnest",
    help="skillnest: one open backend for skill platforms.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


for _module in MODULES:
    _cli = submodule(_module, "cli")
    if _cli is not None and hasattr(_cli, "register"):
        _cli.register(app)


def main() -> None:
    """Entry point of the console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
