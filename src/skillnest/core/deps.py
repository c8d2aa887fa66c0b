"""FastAPI dependencies shared by every module's ``api.py`` (who is calling: ``accounts.deps``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from skillnest.core.cache import Cache
from skillnest.core.db import DriverStatement
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
from skillnest.core.replicas import needed_position
from skillnest.core.storage import LocalStorage, Storage
from skillnest.settings import Settings


async def get_platform(request: Request) -> Platform:
    """The platform the app was started with (async: sync dependencies run in a thread pool)."""
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(platform: PlatformDep, request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit on success, roll back on any error.

    The session is created on first use, so routes answered from the cache cost nothing here.
    Requests with a reading method do not take SQLite's write lock up front.
    """
    readonly = request.method in READ_METHODS
    async with platform.db.lazy_unit_of_work(readonly=readonly) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit
# turns into an error response instead of a success the database never saw.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@asynccontextmanager
async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """``get_session``'s unit of work for a request served without dependencies (core.hot).

    An override of ``get_session`` (``app.dependency_overrides``, one without parameters)
    applies here as it does to every route.
    """
    provider = request.app.dependency_overrides.get(get_session)
    if provider is None:
        platform: Platform = request.app.state.platform
        async with platform.db.lazy_unit_of_work(readonly=request.method in READ_METHODS) as s:
            yield s
        return
    async with asynccontextmanager(provider)() as session:
        yield session


@asynccontextmanager
async def request_read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A connection outside transactions for one-statement reads (``Database.read_connection``).

    Under an override of ``get_session``, the overriding session's connection instead.
    """
    if get_session in request.app.dependency_overrides:
        async with request_session(request) as session:
            yield await session.connection()
        return
    platform: Platform = request.app.state.platform
    async with platform.db.read_connection() as connection:
        yield connection


async def request_fetch_one(
    request: Request, statement: DriverStatement, values: dict[str, Any]
) -> dict[str, Any] | None:
    """``Database.fetch_one`` for a hot route.

    Under an override of ``get_session``, on the overriding session's connection instead.
    """
    if get_session in request.app.dependency_overrides:
        async with request_session(request) as session:
            return await statement.fetch_one(await session.connection(), values)
    platform: Platform = request.app.state.platform
    return await platform.db.fetch_one(statement, values)


async def request_fetch_all(
    request: Request, statement: DriverStatement, values: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """``Database.fetch_all`` for a hot route (as :func:`request_fetch_one`)."""
    if get_session in request.app.dependency_overrides:
        async with request_session(request) as session:
            return await statement.fetch_all(await session.connection(), values)
    platform: Platform = request.app.state.platform
    return await platform.db.fetch_all(statement, values)


@asynccontextmanager
async def read_session(
    platform: Platform, session: AsyncSession, reader: int | None
) -> AsyncIterator[AsyncSession]:
    """A session for reads that tolerate replication lag, for ``reader`` (None: anonymous).

    On a replica when one is configured, healthy and has replayed the reader's last write;
    otherwise ``session``, the request's own unit of work on the primary (always so without
    replicas). The dependency is ``accounts.deps.ReadSessionDep``, which knows the reader.
    """
    if not platform.db.replicas:
        yield session
        return
    needed = await needed_position(platform.cache, reader)
    async with platform.db.read_session(needed) as replica_session:
        yield replica_session if replica_session is not None else session


async def get_settings_dep(platform: PlatformDep) -> Settings:
    """The settings of the running app."""
    return platform.settings


async def get_cache(platform: PlatformDep) -> Cache:
    """The shared cache."""
    return platform.cache


async def get_hub(platform: PlatformDep) -> Hub:
    """The shared pub/sub hub."""
    return platform.hub


async def get_limiter(platform: PlatformDep) -> RateLimiter:
    """The shared rate limiter."""
    return platform.limiter


async def get_storage(platform: PlatformDep) -> Storage:
    """The store of uploaded files."""
    return LocalStorage(platform.settings.media_dir)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StorageDep = Annotated[Storage, Depends(get_storage)]
CacheDep = Annotated[Cache, Depends(get_cache)]
HubDep = Annotated[Hub, Depends(get_hub)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]


async def client_address(request: Request) -> str:
    """The client's address as seen by this server (used for rate limits only)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
