"""Helpers for CLI commands: run async services inside one platform and one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.errors import DomainError
from skillnest.core.platform import Platform
from skillnest.settings import Settings, get_settings

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


@contextlib.asynccontextmanager
async def open_platform(settings: Settings | None = None) -> AsyncIterator[Platform]:
    """A platform for the length of one command."""
    from skillnest.app import build_platform, close_platform

    platform = build_platform(settings or get_settings())
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
