"""FastAPI dependencies that resolve who is calling: bearer tokens, admins, optional sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Scope

from skillnest.accounts.service import AuthUser, resolve_token
from skillnest.core.deps import CacheDep, PlatformDep, SessionDep, read_session
from skillnest.core.errors import Forbidden, Unauthorized
from skillnest.core.replicas import mark_writer

bearer = HTTPBearer(auto_error=False, description="Session token from /auth/login")

# The web pages keep the same opaque session token in this cookie.
SESSION_COOKIE = "skillnest_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def plain_bearer_token(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer`` header read as ``bearer`` reads it, else None.

    For a hot route's first try; None (no header, another scheme, an empty token) sends the
    request the full way (``get_bearer_token``: the cookie, the errors).
    """
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            credentials = credentials.strip()
            return credentials if scheme.lower() == "bearer" and credentials else None
    return None


async def get_bearer_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str | None:
    """The bearer token of the request, or None when none was sent.

    Safe requests may carry the token in the pages' session cookie instead, so that a
    browser's EventSource can follow ``/me/events``; an unsafe API request always needs the
    header, which a cross-site form cannot send.
    """
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and request.method in SAFE_METHODS:
        return cookie
    return None


BearerToken = Annotated[str | None, Depends(get_bearer_token)]


async def get_token(token: BearerToken) -> str:
    """The bearer token of the request, or 401."""
    if token is None:
        raise Unauthorized("A bearer token is required.")
    return token


TokenDep = Annotated[str, Depends(get_token)]


async def user_from_token(*, session: SessionDep, cache: CacheDep, token: str) -> AuthUser:
    """The user a session token belongs to, or 401 when it is invalid or expired."""
    user = await resolve_token(session=session, cache=cache, token=token)
    if user is None:
        raise Unauthorized("The session is invalid or has expired.")
    mark_writer(user.id)  # their next reads must see what this request writes
    return user


async def get_current_user(token: TokenDep, session: SessionDep, cache: CacheDep) -> AuthUser:
    """The signed-in caller, or 401."""
    return await user_from_token(session=session, cache=cache, token=token)


CurrentUser = Annotated[AuthUser, Depends(get_current_user)]


async def get_optional_user(
    token: BearerToken, session: SessionDep, cache: CacheDep
) -> AuthUser | None:
    """The signed-in caller when a bearer token is sent (401 if it is invalid), else None."""
    if token is None:
        return None
    return await user_from_token(session=session, cache=cache, token=token)


OptionalUser = Annotated[AuthUser | None, Depends(get_optional_user)]


async def get_admin_user(user: CurrentUser) -> AuthUser:
    """The caller if they are an admin, otherwise 403."""
    if not user.is_admin:
        raise Forbidden("Administrators only.")
    return user


AdminUser = Annotated[AuthUser, Depends(get_admin_user)]


async def get_read_session(
    platform: PlatformDep, session: SessionDep, cache: CacheDep, token: BearerToken
) -> AsyncIterator[AsyncSession]:
    """The read session of routes that tolerate replication lag (see ``core.deps.read_session``).

    The caller, when signed in, is looked up only to apply read-your-writes: an invalid
    token reads like an anonymous request here (the route decides about authentication).
    """
    reader = None
    if token is not None and platform.db.replicas:
        user = await resolve_token(session=session, cache=cache, token=token)
        reader = user.id if user is not None else None
    async with read_session(platform, session, reader) as read:
        yield read


# scope="function", like SessionDep: the replica connection is returned before the response.
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
