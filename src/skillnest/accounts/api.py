"""HTTP routes of accounts: sign-up, login, sessions, profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from sse_starlette.sse import EventSourceResponse

from skillnest.accounts import avatar, schemas, service
from skillnest.accounts.deps import AdminUser, CurrentUser, ReadSessionDep, TokenDep
from skillnest.core.deps import (
    CacheDep,
    ClientAddress,
    HubDep,
    LimiterDep,
    SessionDep,
    SettingsDep,
    StorageDep,
)
from skillnest.core.realtime import stream_user_events
from skillnest.core.replicas import mark_writer
from skillnest.core.responses import JSONBytes, json_response

router = APIRouter(tags=["accounts"])


@router.post("/auth/signup", response_model=schemas.AuthOut, status_code=status.HTTP_201_CREATED)
async def create_account(
    data: schemas.SignupIn, session: SessionDep, settings: SettingsDep
) -> schemas.AuthOut:
    """Create an account and return it with a session token."""
    user, token, expires_at = await service.signup(session=session, data=data, settings=settings)
    mark_writer(user.id)
    return schemas.AuthOut(user=schemas.Me.model_validate(user), token=token, expires_at=expires_at)


@router.post("/auth/login", response_model=schemas.AuthOut)
async def create_login(
    data: schemas.LoginIn,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    address: ClientAddress,
) -> schemas.AuthOut:
    """Exchange email and password for a session token."""
    user, token, expires_at = await service.login(
        session=session, data=data, settings=settings, limiter=limiter, client_address=address
    )
    return schemas.AuthOut(user=schemas.Me.model_validate(user), token=token, expires_at=expires_at)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def delete_login(
    _: CurrentUser, token: TokenDep, session: SessionDep, cache: CacheDep
) -> Response:
    """Revoke the current session token."""
    await service.logout(session=session, cache=cache, token=token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=schemas.Me, response_class=JSONBytes)
async def read_me(user: CurrentUser, session: SessionDep, cache: CacheDep) -> Response:
    """The signed-in user's profile."""
    return JSONBytes(await service.me_document(session=session, cache=cache, user_id=user.id))


@router.patch("/me", response_model=schemas.Me)
async def update_me(
    data: schemas.ProfileUpdate, user: CurrentUser, session: SessionDep, cache: CacheDep
) -> schemas.Me:
    """Change profile fields, skills to offer and to learn included."""
    updated = await service.update_profile(session=session, cache=cache, user_id=user.id, data=data)
    return schemas.Me.model_validate(updated)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    data: schemas.AccountDeleteIn, user: CurrentUser, session: SessionDep, cache: CacheDep
) -> Response:
    """Delete the account and, by cascade, everything it owns."""
    await service.delete_account(session=session, cache=cache, caller=user, password=data.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_my_password(
    data: schemas.PasswordChangeIn, user: CurrentUser, session: SessionDep, cache: CacheDep
) -> Response:
    """Change the password; every other session is revoked."""
    await service.change_password(session=session, cache=cache, caller=user, data=data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/{user_id}", response_model=schemas.PublicUser)
async def read_user(user_id: int, session: ReadSessionDep) -> Response:
    """A user's public profile (never the email or any hash)."""
    return json_response(await service.public_profile(session=session, user_id=user_id))


@router.put("/me/avatar", response_model=schemas.AvatarOut)
async def update_my_avatar(
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP image of at most 5 MB.")],
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    storage: StorageDep,
) -> schemas.AvatarOut:
    """Upload a profile picture: re-encoded at 256 and 64 px, metadata stripped."""
    data = await file.read(avatar.MAX_BYTES + 1)  # one byte more tells "too large"
    return await service.set_avatar(
        session=session, cache=cache, storage=storage, user_id=user.id, data=data
    )


@router.delete("/me/avatar", status_code=status.HTTP_204_NO_CONTENT)
async def delete_my_avatar(
    user: CurrentUser, session: SessionDep, cache: CacheDep, storage: StorageDep
) -> Response:
    """Remove the profile picture."""
    await service.delete_avatar(session=session, cache=cache, storage=storage, user_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/events", response_class=EventSourceResponse)
async def stream_my_events(user: CurrentUser, hub: HubDep, request: Request) -> EventSourceResponse:
    """Server-sent events for the signed-in user (new messages, notifications...)."""
    return EventSourceResponse(stream_user_events(hub, user.id, request.is_disconnected), ping=15)


@router.get("/admin/users", response_model=schemas.UserPage)
async def list_accounts(
    _: AdminUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> schemas.UserPage:
    """Every account, paginated (administrators only)."""
    return await service.list_users(session=session, limit=limit, offset=offset)
