"""Web pages of accounts: sign up, sign in, sign out and the settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillnest.accounts import schemas, service
from skillnest.accounts.deps import SESSION_COOKIE
from skillnest.core.deps import CacheDep, ClientAddress, PlatformDep, SessionDep, StorageDep
from skillnest.core.errors import Conflict, RateLimited, Unauthorized
from skillnest.web.forms import FormInvalid, parse, safe_next
from skillnest.web.security import MaybeViewer, SignedIn, end_session, start_session
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

Text = Annotated[str, Form(max_length=10_000)]
AFTER_SIGNIN = "/dashboard"  # where a person lands unless a safe `next` says otherwise
LABELS = {"new_password": "New password", "current_password": "Current password"}

# Settings sections; those whose API is not there yet say so on their own page.
SECTIONS = [
    ("Profile", "/settings"),
    ("Password", "/settings/password"),
    ("Sessions", "/settings/sessions"),
    ("Two-factor sign-in", "/settings/two-factor"),
    ("Sign-in providers", "/settings/providers"),
    ("Data export", "/settings/export"),
    ("Delete account", "/settings/delete"),
]
COMING = {
    "/settings/sessions": (
        "Sessions",
        "Here you will see every device signed in to your account and sign any of them out.",
    ),
    "/settings/two-factor": (
        "Two-factor sign-in",
        "Here you will turn on a second step at sign-in with an authenticator app.",
    ),
    "/settings/providers": (
        "Sign-in providers",
        "Here you will link and unlink sign-in with GitHub or Google.",
    ),
    "/settings/export": (
        "Data export",
        "Here you will download everything skillnest holds about you as one file.",
    ),
    "/forgot-password": (
        "Forgot your password?",
        "Soon you will get a reset link by email here. Until then, an administrator can set "
        "a new password for you.",
    ),
    "/reset-password": ("Reset your password", "Soon the link from the reset email opens here."),
    "/verify-email": ("Verify your email", "Soon the link from the verification email opens here."),
}


def _signed_in(request: Request, token: str, expires_at: datetime, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, token, expires_at)
    return response


@router.get("/signup", response_class=HTMLResponse)
async def read_signup(request: Request, viewer: MaybeViewer) -> Response:
    """The sign-up form."""
    if viewer is not None:
        return RedirectResponse("/exchange/skills", status_code=303)
    return render(request, "accounts/signup.html", {"values": {}, "errors": []})


@router.post("/signup", response_class=HTMLResponse)
async def create_signup(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    name: Text = "",
    email: Text = "",
    password: Text = "",
) -> Response:
    """Create an account, sign in and continue to the skills editor."""
    values = {"name": name, "email": email}
    try:
        data = parse(schemas.SignupIn, {"name": name, "email": email, "password": password})
        auth = await service.signup(session=session, data=data, settings=platform.settings)
    except FormInvalid as exc:
        return render(
            request,
            "accounts/signup.html",
            {"values": values, "errors": exc.messages},
            status_code=422,
        )
    except Conflict as exc:
        return render(
            request,
            "accounts/signup.html",
            {"values": values, "errors": [exc.detail]},
            status_code=409,
        )
    return _signed_in(request, auth.token, auth.expires_at, "/exchange/skills")


@router.get("/signin", response_class=HTMLResponse)
async def read_signin(request: Request, viewer: MaybeViewer, next: str = "") -> Response:
    """The sign-in form."""
    target = safe_next(next, AFTER_SIGNIN)
    if viewer is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "accounts/signin.html", {"values": {}, "errors": [], "next": target})


@router.post("/signin", response_class=HTMLResponse)
async def create_signin(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    address: ClientAddress,
    email: Text = "",
    password: Text = "",
    next: Text = "",
) -> Response:
    """Check the credentials (rate limited as in the API) and start a session."""
    target = safe_next(next, AFTER_SIGNIN)
    context = {"values": {"email": email}, "next": target}
    try:
        data = parse(schemas.LoginIn, {"email": email, "password": password})
        auth = await service.login(
            session=session,
            data=data,
            settings=platform.settings,
            limiter=platform.limiter,
            client_address=address,
        )
    except FormInvalid as exc:
        return render(
            request, "accounts/signin.html", {**context, "errors": exc.messages}, status_code=422
        )
    except (Unauthorized, RateLimited) as exc:
        return render(
            request,
            "accounts/signin.html",
            {**context, "errors": [exc.detail]},
            status_code=exc.status,
        )
    return _signed_in(request, auth.token, auth.expires_at, target)


@router.post("/signout")
async def delete_signin(request: Request, session: SessionDep, cache: CacheDep) -> Response:
    """Revoke the session and clear the cookie."""
    viewer = getattr(request.state, "viewer", None)
    token = viewer.token if viewer else request.cookies.get(SESSION_COOKIE)
    if token:
        await service.logout(session=session, cache=cache, token=token)
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


def _settings(
    request: Request, template: str, status_code: int = 200, **context: object
) -> Response:
    return render(
        request,
        template,
        {"sections": SECTIONS, "errors": [], "saved": False, **context},
        status_code=status_code,
    )


@router.get("/settings", response_class=HTMLResponse)
async def read_settings(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """The profile form."""
    user = await service.get_user(session=session, user_id=viewer.id)
    return _settings(request, "accounts/profile.html", user=schemas.Me.model_validate(user))


@router.post("/settings", response_class=HTMLResponse)
async def update_settings(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    name: Text = "",
    pronouns: Text = "",
    bio: Text = "",
    location: Text = "",
    availability: Text = "",
    learning_style: Text = "",
) -> Response:
    """Save the profile fields."""
    fields = {
        "name": name,
        "pronouns": pronouns,
        "bio": bio,
        "location": location,
        "availability": availability,
        "learning_style": learning_style,
    }
    try:
        data = parse(schemas.ProfileUpdate, fields)
    except FormInvalid as exc:
        user = await service.get_user(session=session, user_id=viewer.id)
        shown = schemas.Me.model_validate(user).model_copy(update=fields)
        return _settings(request, "accounts/profile.html", 422, user=shown, errors=exc.messages)
    updated = await service.update_profile(
        session=session, cache=cache, user_id=viewer.id, data=data
    )
    return _settings(request, "accounts/profile.html", user=updated, saved=True)


@router.get("/settings/password", response_class=HTMLResponse)
async def read_password(request: Request, viewer: SignedIn) -> Response:
    """The password change form."""
    return _settings(request, "accounts/password.html")


@router.post("/settings/password", response_class=HTMLResponse)
async def update_password(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    current_password: Text = "",
    new_password: Text = "",
) -> Response:
    """Change the password; every other session is signed out."""
    try:
        data = parse(
            schemas.PasswordChangeIn,
            {"current_password": current_password, "new_password": new_password},
            LABELS,
        )
        caller = service.AuthUser(viewer.id, viewer.is_admin, viewer.session_id)
        await service.change_password(session=session, cache=cache, caller=caller, data=data)
    except FormInvalid as exc:
        return _settings(request, "accounts/password.html", 422, errors=exc.messages)
    except Unauthorized as exc:
        return _settings(request, "accounts/password.html", 401, errors=[exc.detail])
    return _settings(request, "accounts/password.html", saved=True)


@router.get("/settings/delete", response_class=HTMLResponse)
async def read_delete(request: Request, viewer: SignedIn) -> Response:
    """The account deletion form."""
    return _settings(request, "accounts/delete.html")


@router.post("/settings/delete", response_class=HTMLResponse)
async def delete_account(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    storage: StorageDep,
    password: Text = "",
) -> Response:
    """Delete the account after checking the password, then sign out."""
    caller = service.AuthUser(viewer.id, viewer.is_admin, viewer.session_id)
    try:
        await service.delete_account(
            session=session, cache=cache, storage=storage, caller=caller, password=password
        )
    except Unauthorized as exc:
        return _settings(request, "accounts/delete.html", 401, errors=[exc.detail])
    response = RedirectResponse("/?deleted=1", status_code=303)
    end_session(request, response)
    return response


def _coming_page(path: str) -> None:
    title, text = COMING[path]
    back = "/settings" if path.startswith("/settings") else "/signin"

    async def read_coming(request: Request, viewer: MaybeViewer) -> Response:
        return render(
            request,
            "accounts/coming.html",
            {"title": title, "text": text, "back": back, "sections": SECTIONS},
        )

    read_coming.__doc__ = f"{title}: what this page will do."
    router.add_api_route(path, read_coming, methods=["GET"], response_class=HTMLResponse)


for _path in COMING:
    _coming_page(_path)
