"""FastAPI dependencies that resolve who is calling: bearer tokens, admins, optional sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from skillnest.accounts.service import AuthUser, resolve_token
from skillnest.core.deps import CacheDep, SessionDep
from skillnest.core.errors import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="Session token from /auth/login")


async def get_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str | None:
    """The bearer token of the request, or None when none was sent."""
    if credentials is None or not credentials.credentials:
        return None
    return credentials.credentials


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
