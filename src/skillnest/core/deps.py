"""FastAPI dependencies shared by every module's ``api.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.service import AuthUser, resolve_token
from skillnest.core.cache import Cache
from skillnest.core.db import Database
from skillnest.core.errors import Forbidden, Unauthorized
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
from skillnest.core.replicas import mark_writer, needed_position
from skillnest.settings import Settings


@dataclass
class Platform:
    """Everything a process shares: settings, database, cache, pub/sub and rate limits."""

    settings: Settings
    db: Database
    cache: Cache
    hub: Hub
    limiter: RateLimiter


async def get_platform(request: Request) -> Platform:
    """The platform the app was started with (async: sync dependencies run in a thread pool)."""
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_session(platform: PlatformDep) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit on success, roll back on any error."""
    async with platform.db.unit_of_work() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit
# turns into an error response instead of a success the database never saw.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def _reader_id(request: Request, session: AsyncSession, cache: Cache) -> int | None:
    """The user behind the request's bearer token, if any (from the cache, usually)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = await resolve_token(session=session, cache=cache, token=token.strip())
    return user.id if user is not None else None


async def get_read_session(
    request: Request, platform: PlatformDep, session: SessionDep
) -> AsyncIterator[AsyncSession]:
    """A session for reads that tolerate replication lag.

    On a replica when one is configured, healthy and has replayed the caller's last write;
    otherwise the request's own session on the primary (always so without replicas).
    """
    if not platform.db.replicas:
        yield session
        return
    reader = await _reader_id(request, session, platform.cache)
    needed = await needed_position(platform.cache, reader)
    async with platform.db.read_session(needed) as replica_session:
        yield replica_session if replica_session is not None else session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


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


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CacheDep = Annotated[Cache, Depends(get_cache)]
HubDep = Annotated[Hub, Depends(get_hub)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]

bearer = HTTPBearer(auto_error=False, description="Session token from /auth/login")


async def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The bearer token of the request, or 401."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("A bearer token is required.")
    return credentials.credentials


TokenDep = Annotated[str, Depends(get_token)]


async def get_current_user(token: TokenDep, session: SessionDep, cache: CacheDep) -> AuthUser:
    """The signed-in caller, or 401."""
    user = await resolve_token(session=session, cache=cache, token=token)
    if user is None:
        raise Unauthorized("The session is invalid or has expired.")
    mark_writer(session, user.id)  # their next reads must see what this request writes
    return user


CurrentUser = Annotated[AuthUser, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> AuthUser:
    """The caller if they are an admin, otherwise 403."""
    if not user.is_admin:
        raise Forbidden("Administrators only.")
    return user


AdminUser = Annotated[AuthUser, Depends(get_admin_user)]


async def client_address(request: Request) -> str:
    """The client's address as seen by this server (used for rate limits only)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
