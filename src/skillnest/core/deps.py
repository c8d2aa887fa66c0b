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

# The web pages keep the same opaque session token in this cookie.
SESSION_COOKIE = "skillnest_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The bearer token of the request, or 401.

    Safe requests may carry the token in the pages' session cookie instead, so that a
    browser's EventSource can follow ``/me/events``; an unsafe API request always needs the
    header, which a cross-site form cannot send.
    """
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and request.method in SAFE_METHODS:
        return cookie
    raise Unauthorized("A bearer token is required.")


TokenDep = Annotated[str, Depends(get_token)]


async def get_current_user(token: TokenDep, session: SessionDep, cache: CacheDep) -> AuthUser:
    """The signed-in caller, or 401."""
    user = await resolve_token(session=session, cache=cache, token=token)
    if user is None:
        raise Unauthorized("The session is invalid or has expired.")
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
