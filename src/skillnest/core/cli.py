"""Helpers for CLI commands: run async services inside one platform and one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.client import SERVER_ENVS, ApiClient, ClientError, TokenStore, config_dir
from skillnest.core.errors import DomainError
from skillnest.core.platform import Platform
from skillnest.settings import Settings, get_settings

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)
# Settings given to the commands by their caller (tests, an embedding program) instead of
# the process environment, which is read once and cached.
_settings: ContextVar[Settings | None] = ContextVar("cli_settings", default=None)


def cli_settings() -> Settings:
    """The settings CLI commands run with: those in `use_settings`, else the process's."""
    return _settings.get() or get_settings()


@contextlib.contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Run the CLI commands called inside the block with these settings."""
    token = _settings.set(settings)
    try:
        yield settings
    finally:
        _settings.reset(token)


# Wide enough that nothing wraps; tables still take only the width they need.
PIPE_WIDTH = 10_000


@contextlib.asynccontextmanager
async def open_platform(settings: Settings | None = None) -> AsyncIterator[Platform]:
    """A platform for the length of one command."""
    from skillnest.app import build_platform, close_platform

    platform = build_platform(settings or cli_settings())
    try:
        yield platform
    finally:
        await close_platform(platform)


def run(work: Callable[[Platform], Awaitable[T]]) -> T:
    """Run async work with a platform; domain errors become a clean message and exit 1."""

    async def main() -> T:
        async with open_platform() as platform:
            return await work(platform)

    try:
        return asyncio.run(main())
    except DomainError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc


def run_in_transaction(work: Callable[[Platform, AsyncSession], Awaitable[T]]) -> T:
    """Run async work in one unit of work: committed if it returns, rolled back if it raises."""

    async def with_session(platform: Platform) -> T:
        async with platform.db.unit_of_work() as session:
            return await work(platform, session)

    return run(with_session)


# --- client commands: one server option, JSON output, tables that do not wrap in a pipe ----

ServerOption = Annotated[
    str,
    typer.Option(
        "--server",
        "--api-url",
        envvar=SERVER_ENVS,
        help="skillnest server (also SKILLNEST_SERVER_URL).",
        show_default=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def unwrap_when_piped() -> None:
    """Tables and lines keep their natural width when the output is not a terminal."""
    for target in (console, err_console):
        if not target.is_terminal:
            target.width = PIPE_WIDTH


def fail(detail: str, code: int = 1) -> NoReturn:
    """Print a one-line error and exit."""
    err_console.print(f"[red]error:[/red] {escape(detail)}", highlight=False)
    raise typer.Exit(code)


@contextlib.contextmanager
def api(server: str, *, authenticated: bool = True) -> Iterator[ApiClient]:
    """An API client for ``server`` with the saved token; errors end the command cleanly."""
    server = server.rstrip("/")
    token = TokenStore(config_dir()).token(server)
    try:
        if authenticated and token is None:
            raise ClientError(f"not logged in to {server}: run `skillnest login` first")
        with ApiClient(server, token) as http:
            yield http
    except ClientError as exc:
        fail(exc.detail)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print data as JSON (``--json``) or through ``render`` for people."""
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        render(data)


def items_of(data: Any) -> list[Any]:
    """The rows of an API answer: a page's ``items``, or the list itself."""
    if isinstance(data, dict) and "items" in data:
        return list(data["items"])
    return list(data)


def more_hint(page: Any) -> None:
    """Say how to get the next page of an offset-paged answer, if there is one."""
    if isinstance(page, dict) and page.get("next_offset") is not None:
        console.print(f"more: --offset {page['next_offset']}")


def table(rows: Iterable[dict[str, Any]], columns: Sequence[str], title: str | None = None) -> None:
    """Print rows (dicts) as a table of the given keys; nested keys as ``a.b``."""
    rendered = Table(*columns, title=title)
    for row in rows:
        # Text, not markup: values come from users and may contain [brackets].
        rendered.add_row(*(Text(_cell(_dig(row, column))) for column in columns))
    console.print(rendered)


def _dig(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def json_argument(value: str) -> Any:
    """A JSON document given inline, or as ``@file`` (``@-`` for stdin)."""
    try:
        if value.startswith("@"):
            name = value[1:]
            text = sys.stdin.read() if name == "-" else Path(name).read_text()
        else:
            text = value
        return json.loads(text)
    except (OSError, ValueError) as exc:
        fail(f"--data is not a JSON document or @file: {exc}", 2)


def fields(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs as a dict; values parse as JSON when they can (numbers, lists)."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            fail(f"expected key=value, got {pair!r}", 2)
        try:
            result[key] = json.loads(raw)
        except ValueError:
            result[key] = raw
    return result
