"""HTTP routes of accounts: sign-up, login, sessions, profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile, status
from fastapi.responses import RedirectResponse
from sse_starlette.sse import EventSourceResponse

from skillnest.accounts import avatar, export, oauth, schemas, service, twofactor
from skillnest.accounts.deps import (
    AdminUser,
    CurrentUser,
    ReadSessionDep,
    TokenDep,
    bearer,
    get_bearer_token,
    get_token,
    plain_bearer_token,
    user_from_token,
)
from skillnest.core.deps import (
    CacheDep,
    ClientAddress,
    HubDep,
    LimiterDep,
    SessionDep,
    SettingsDep,
    StorageDep,
    request_fetch_one,
    request_session,
)
from skillnest.core.hot import HotEndpoint, plain_id
from skillnest.core.pages import DEFAULT_LIMIT, MAX_ID, Limit, Offset, Page, PathId
from skillnest.core.platform import Platform
from skillnest.core.realtime import stream_user_events
from skillnest.core.replicas import mark_writer
from skillnest.core.responses import JSONBytes
from skillnest.help import service as help_service

router = APIRouter(tags=["accounts"])


async def client_info(request: Request) -> service.ClientInfo:
    """The address and user agent of the client, recorded on the sessions it opens."""
    address = request.client.host if request.client else None
    return service.ClientInfo(address, request.headers.get("user-agent"))


ClientDep = Annotated[service.ClientInfo, Depends(client_info)]
ProviderName = Annotated[str, Path(pattern=r"^[a-z0-9]{1,40}$")]


@router.post("/auth/signup", response_model=schemas.AuthOut, status_code=status.HTTP_201_CREATED)
async def create_account(
    data: schemas.SignupIn, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> schemas.AuthOut:
    """Create an account, mail a verification link and return it with a session token."""
    out = await service.signup(session=session, data=data, settings=settings, client=client)
    mark_writer(out.user.id)
    return out


@router.post(
    "/auth/login",
    response_model=schemas.AuthOut,
    responses={401: {"description": "Wrong credentials, or `otp-required` (two-factor)"}},
)
async def create_login(
    data: schemas.LoginIn,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    address: ClientAddress,
    client: ClientDep,
) -> schemas.AuthOut:
    """Exchange email, password (and a one-time code with two-factor) for a session token."""
    return await service.login(
        session=session,
        data=data,
        settings=settings,
        limiter=limiter,
        client_address=address,
        client=client,
    )


@router.post(
    "/auth/password-reset", response_model=schemas.Accepted, status_code=status.HTTP_202_ACCEPTED
)
async def request_password_reset(
    data: schemas.PasswordResetIn,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    address: ClientAddress,
) -> schemas.Accepted:
    """Mail a reset link; the answer is the same whether or not the address has an account."""
    detail = await service.request_password_reset(
        session=session,
        settings=settings,
        limiter=limiter,
        email=str(data.email),
        client_address=address,
    )
    return schemas.Accepted(detail=detail)


@router.post("/auth/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_password_reset(
    data: schemas.PasswordResetConfirm, session: SessionDep, cache: CacheDep
) -> Response:
    """Set a new password with a reset link's token; every session is signed out."""
    await service.confirm_password_reset(
        session=session, cache=cache, token=data.token, password=data.password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/verify-email", response_model=schemas.Accepted, status_code=status.HTTP_202_ACCEPTED
)
async def resend_verification(
    user: CurrentUser, session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> schemas.Accepted:
    """Mail a new verification link to the signed-in user's address."""
    detail = await service.resend_verification(
        session=session, settings=settings, limiter=limiter, caller=user
    )
    return schemas.Accepted(detail=detail)


@router.post("/auth/verify-email/confirm", response_model=schemas.Me)
async def confirm_email(
    data: schemas.TokenIn, session: SessionDep, cache: CacheDep, settings: SettingsDep
) -> schemas.Me:
    """Mark the address of a verification link as verified."""
    user = await service.confirm_email(session=session, cache=cache, token=data.token)
    return service.me_view(user, settings)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def delete_login(
    _: CurrentUser, token: TokenDep, session: SessionDep, cache: CacheDep
) -> Response:
    """Revoke the current session token."""
    await service.logout(session=session, cache=cache, token=token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/oauth/{provider}/start", status_code=status.HTTP_302_FOUND)
async def start_oauth_sign_in(
    provider: ProviderName, settings: SettingsDep, cache: CacheDep
) -> RedirectResponse:
    """Send the browser to the provider (state and PKCE challenge included)."""
    url = await oauth.start(settings=settings, cache=cache, name=provider)
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


@router.get("/auth/oauth/{provider}/callback", response_model=schemas.AuthOut)
async def finish_oauth_sign_in(
    provider: ProviderName,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    client: ClientDep,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> schemas.AuthOut:
    """The provider's redirect: a session for the linked, matching or new account."""
    user, token, expires_at = await oauth.callback(
        session=session,
        settings=settings,
        cache=cache,
        name=provider,
        code=code,
        state=state,
        error=error,
        client=client,
    )
    mark_writer(user.id)
    me = service.me_view(user, settings)
    return schemas.AuthOut(user=me, token=token, expires_at=expires_at)


@router.get("/me/oauth/{provider}", response_model=schemas.OAuthLinkRead)
async def read_my_oauth_link(
    provider: ProviderName, user: CurrentUser, session: SessionDep
) -> schemas.OAuthLinkRead:
    """The caller's link to a sign-in provider (never its tokens)."""
    link = await oauth.read_link(session=session, user_id=user.id, name=provider)
    return schemas.OAuthLinkRead.model_validate(link)


@router.delete("/me/oauth/{provider}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_my_oauth_provider(
    provider: ProviderName, user: CurrentUser, session: SessionDep
) -> Response:
    """Unlink a sign-in provider; its stored tokens are deleted."""
    await oauth.unlink(session=session, user_id=user.id, name=provider)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=schemas.Me, response_class=JSONBytes)
async def read_me(
    user: CurrentUser, session: SessionDep, cache: CacheDep, settings: SettingsDep
) -> Response:
    """The signed-in user's profile (with ``email_verified`` and the verified college)."""
    return JSONBytes(
        await service.me_document(session=session, cache=cache, user_id=user.id, settings=settings)
    )


@router.patch("/me", response_model=schemas.Me)
async def update_me(
    data: schemas.ProfileUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.Me:
    """Change profile fields, skills to offer and to learn included."""
    return await service.update_profile(
        session=session, cache=cache, user_id=user.id, data=data, settings=settings
    )


@router.post("/me/email", response_model=schemas.Me)
async def change_my_email(
    data: schemas.EmailChangeIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.Me:
    """Move the account to a new address; it stays unverified until the mailed link is opened."""
    updated = await service.change_email(
        session=session, cache=cache, settings=settings, caller=user, data=data
    )
    return service.me_view(updated, settings)


@router.get("/me/export", response_model=schemas.DataExport, response_class=JSONBytes)
async def export_my_data(user: CurrentUser, session: SessionDep) -> JSONBytes:
    """Everything the caller owns across all modules, as one JSON document."""
    document = await export.export_everything(session=session, user_id=user.id)
    return JSONBytes(
        document,
        headers={"Content-Disposition": 'attachment; filename="skillnest-export.json"'},
    )


@router.get("/me/sessions", response_model=Page[schemas.SessionRead])
async def list_my_sessions(
    user: CurrentUser, session: SessionDep, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[schemas.SessionRead]:
    """The caller's open sessions: created, last seen, address, user agent, current flag."""
    return await service.list_sessions(session=session, caller=user, limit=limit, offset=offset)


@router.delete("/me/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_my_session(
    session_id: Annotated[PathId, Path()],
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
) -> Response:
    """Sign one session out; its token answers 401 from now on."""
    await service.revoke_session(session=session, cache=cache, caller=user, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/me/sessions", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_my_other_sessions(
    user: CurrentUser, session: SessionDep, cache: CacheDep
) -> Response:
    """Sign out every session but the current one."""
    await service.revoke_other_sessions(
        session=session, cache=cache, user_id=user.id, keep_session_id=user.session_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/2fa/setup", response_model=schemas.TwoFactorSetup)
async def set_up_two_factor(
    user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> schemas.TwoFactorSetup:
    """A new TOTP secret for an authenticator app; two-factor stays off until enabled."""
    doc = await twofactor.setup(session=session, settings=settings, user_id=user.id)
    return schemas.TwoFactorSetup(**doc)


@router.post("/me/2fa/enable", response_model=schemas.RecoveryCodes)
async def enable_two_factor(
    data: schemas.CodeIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
) -> schemas.RecoveryCodes:
    """Turn two-factor on with a first code; returns 10 single-use recovery codes, once."""
    codes = await twofactor.enable(
        session=session, settings=settings, user_id=user.id, code=data.code
    )
    await service.invalidate_user(session=session, cache=cache, user_id=user.id)
    return schemas.RecoveryCodes(recovery_codes=codes)


@router.post("/me/2fa/disable", status_code=status.HTTP_204_NO_CONTENT)
async def disable_two_factor(
    data: schemas.TwoFactorDisable,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
) -> Response:
    """Turn two-factor off with the password and a one-time or recovery code."""
    await twofactor.disable(
        session=session, settings=settings, user_id=user.id, password=data.password, code=data.code
    )
    await service.invalidate_user(session=session, cache=cache, user_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    data: schemas.AccountDeleteIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    storage: StorageDep,
) -> Response:
    """Delete the account and, by cascade, everything it owns (its avatar files too)."""
    await service.delete_account(
        session=session, cache=cache, storage=storage, caller=user, password=data.password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_my_password(
    data: schemas.PasswordChangeIn, user: CurrentUser, session: SessionDep, cache: CacheDep
) -> Response:
    """Change the password; every other session is revoked."""
    await service.change_password(session=session, cache=cache, caller=user, data=data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/{user_id}", response_model=schemas.PublicUser)
async def read_user(user_id: PathId, session: ReadSessionDep) -> schemas.PublicUser:
    """A user's public profile (never the email or any hash)."""
    return await service.public_profile(session=session, user_id=user_id)


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
async def stream_my_events(
    user: CurrentUser, hub: HubDep, settings: SettingsDep, request: Request
) -> EventSourceResponse:
    """Server-sent events for the signed-in user (new messages, notifications, help...)."""
    # Help names its people by pseudonyms only: it publishes to channels derived from them.
    channels = help_service.event_channels(settings=settings, user_id=user.id)
    events = stream_user_events(hub, user.id, request.is_disconnected, channels)
    return EventSourceResponse(events, ping=15)


@router.get("/admin/users", response_model=Page[schemas.Me])
async def list_accounts(
    _: AdminUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.Me]:
    """Every account, paginated (administrators only)."""
    return await service.list_users(session=session, limit=limit, offset=offset)


# --- hot routes (core.hot): the same answers without FastAPI's dependency solving -----------


async def hot_read_me(request: Request) -> Response:
    """``GET /me``: the bearer token resolved (near cache first), the cached profile bytes."""
    platform: Platform = request.app.state.platform
    token = plain_bearer_token(request.scope)
    near = service.near_me_document(cache=platform.cache, token=token) if token else None
    if near is not None:
        mark_writer(near[0])  # as user_from_token does
        return JSONBytes(near[1])
    token = await get_token(await get_bearer_token(request, await bearer(request)))
    async with request_session(request) as session:
        user = await user_from_token(session=session, cache=platform.cache, token=token)
        body = await service.me_document(
            session=session, cache=platform.cache, user_id=user.id, settings=platform.settings
        )
    return JSONBytes(body)


async def hot_read_user(request: Request) -> Response | None:
    """``GET /users/{user_id}``: one pre-built statement through the driver, no transaction."""
    platform: Platform = request.app.state.platform
    user_id = plain_id(request.path_params["user_id"], MAX_ID)
    if user_id is None or platform.db.replicas:
        return None  # the documented route validates odd input and picks a replica
    row = await request_fetch_one(request, service.PUBLIC_PROFILE_READ, {"user_id": user_id})
    return JSONBytes(service.public_profile_bytes(row))


HOT_ROUTES: dict[tuple[str, str], HotEndpoint] = {
    ("GET", "/me"): hot_read_me,
    ("GET", "/users/{user_id}"): hot_read_user,
}
