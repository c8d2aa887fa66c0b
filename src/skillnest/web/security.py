"""Cookie sessions and CSRF tokens of the web pages.

The session cookie holds the same opaque token the API hands out, so signing out in one
revokes the other. Every unsafe request from a page carries a CSRF token (a form field or
the ``X-CSRF-Token`` header htmx sends) bound to a random per-browser cookie and to the
session token with the secret key: a cross-site page can neither read nor forge it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response

from skillnest.accounts import service as accounts
from skillnest.accounts.deps import SAFE_METHODS, SESSION_COOKIE
from skillnest.core.deps import CacheDep, SessionDep
from skillnest.core.errors import DomainError, Forbidden
from skillnest.settings import Settings
from skillnest.web.registry import SHELL

CSRF_COOKIE = "skillnest_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person looking at a page."""

    id: int
    name: str
    is_admin: bool
    session_id: int
    token: str

    @property
    def auth(self) -> accounts.AuthUser:
        """The same caller as the API's dependencies would resolve it."""
        return accounts.AuthUser(self.id, self.is_admin, self.session_id)


class SignInRequired(DomainError):
    """A page for signed-in people was asked for without a session: go to sign in."""

    status, code, title = 401, "sign-in-required", "Sign in required"


def settings_of(request: Request) -> Settings:
    """The settings of the running app."""
    settings: Settings = request.app.state.platform.settings
    return settings


def csrf_seed(request: Request) -> str:
    """The browser's CSRF cookie value, created (and set on the response) when missing."""
    seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(CSRF_COOKIE)
    if not seed:
        seed = secrets.token_urlsafe(32)
        request.state.csrf_new = True
    request.state.csrf_seed = seed
    return str(seed)


def csrf_token(request: Request, session_token: str | None = None) -> str:
    """The token pages put in their forms for this browser and session."""
    if session_token is None:
        session_token = getattr(request.state, "session_token", None) or request.cookies.get(
            SESSION_COOKIE, ""
        )
    key = settings_of(request).secret_key.get_secret_value().encode()
    message = f"{csrf_seed(request)}|{session_token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is missing or wrong (403)."""
    if request.method in SAFE_METHODS:
        return
    if not request.cookies.get(CSRF_COOKIE):
        raise Forbidden("This form has expired. Reload the page and try again.")
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, csrf_token(request)):
        raise Forbidden("This form has expired. Reload the page and try again.")


def set_cookies(request: Request, response: Response) -> None:
    """Write the CSRF cookie if this request created it."""
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_seed,
            httponly=True,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
            path="/",
        )


def start_session(request: Request, response: Response, token: str, expires_at: datetime) -> None:
    """Put a fresh session token in the cookie (HttpOnly, SameSite=Lax, Secure on https)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        expires=expires_at,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).secure_cookies,
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).secure_cookies,
        path="/",
    )


async def get_viewer(request: Request, session: SessionDep, cache: CacheDep) -> Viewer | None:
    """The person behind the session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    auth = await accounts.resolve_token(session=session, cache=cache, token=token)
    if auth is None:
        return None
    user = await accounts.get_user(session=session, user_id=auth.id)
    viewer = Viewer(auth.id, user.name, auth.is_admin, auth.session_id, token)
    request.state.viewer = viewer
    request.state.badges = await SHELL.badges(session=session, viewer=viewer)
    return viewer


MaybeViewer = Annotated[Viewer | None, Depends(get_viewer)]


async def require_viewer(viewer: MaybeViewer) -> Viewer:
    """The signed-in person, or a redirect to the sign-in page."""
    if viewer is None:
        raise SignInRequired()
    return viewer


SignedIn = Annotated[Viewer, Depends(require_viewer)]
