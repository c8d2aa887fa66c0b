"""The data export: one JSON document of everything a user owns across the modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import (
    OAuthProvider,
    User,
    UserOnboarding,
    UserPreferences,
    UserSession,
)
from skillnest.core.errors import NotFound
from skillnest.core.export import FORMAT, rows_of
from skillnest.modules import MODULES, submodule

# Secrets stay out of an export: they are credentials, not personal data about the user.
SECRET_COLUMNS = ("password_hash", "totp_secret_encrypted", "totp_last_step")


async def export_user(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """The account itself: profile, onboarding, preferences, sessions and linked sign-ins."""
    found = await rows_of(session, User, User.id == user_id, exclude=SECRET_COLUMNS)
    if not found:
        raise NotFound("No such user.")
    profile = found[0]
    return {
        "profile": profile,
        "onboarding": await rows_of(session, UserOnboarding, UserOnboarding.user_id == user_id),
        "preferences": await rows_of(session, UserPreferences, UserPreferences.user_id == user_id),
        "sessions": await rows_of(
            session, UserSession, UserSession.user_id == user_id, exclude=("token_hash",)
        ),
        "oauth_links": await rows_of(
            session,
            OAuthProvider,
            OAuthProvider.user_id == user_id,
            exclude=("access_token_encrypted", "refresh_token_encrypted"),
        ),
    }


async def export_everything(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Every module's ``export.export_user`` for one user, in one document."""
    modules: dict[str, Any] = {}
    for module in MODULES:
        part = submodule(module, "export")
        if part is not None and hasattr(part, "export_user"):
            modules[module] = await part.export_user(session=session, user_id=user_id)
    return {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "user_id": user_id,
        "modules": modules,
    }
