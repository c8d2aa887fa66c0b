"""Mailed single-use tokens: password reset links and email verification links.

A token is 256 random bits shown only in the mail; the database keeps its SHA-256 digest.
It works once, until it expires, and only while it is the newest of its kind for the user
(issuing one voids the older ones). A verification token also names the address it was sent
to, so changing the email voids it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User, UserToken
from skillnest.core import security
from skillnest.core.errors import BadRequest
from skillnest.core.mail import render_mail, send_after_commit
from skillnest.settings import Settings

RESET = "password-reset"
VERIFY = "verify-email"
INVALID_LINK = "This link is invalid, was already used or has expired."


async def issue_token(
    *, session: AsyncSession, user: User, purpose: str, lifetime: timedelta
) -> str:
    """A new token for the user; older unused tokens of the same purpose stop working."""
    now = datetime.now(UTC)
    await session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = security.new_session_token()
    session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=security.token_digest(token),
            email=user.email,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return token


async def consume_token(*, session: AsyncSession, token: str, purpose: str) -> User:
    """The user of a valid token, which is used up; ``BadRequest`` otherwise."""
    now = datetime.now(UTC)
    row = (
        await session.execute(
            select(UserToken.id, UserToken.user_id, UserToken.email).where(
                UserToken.token_hash == security.token_digest(token),
                UserToken.purpose == purpose,
                UserToken.used_at.is_(None),
                UserToken.expires_at > now,
            )
        )
    ).one_or_none()
    if row is None:
        raise BadRequest(INVALID_LINK)
    # Conditional update: of two concurrent uses of one token, only one changes the row.
    used = await session.execute(
        update(UserToken)
        .where(UserToken.id == row.id, UserToken.used_at.is_(None))
        .values(used_at=now)
    )
    user = await session.get(User, row.user_id)
    if used.rowcount != 1 or user is None or user.email.lower() != row.email.lower():  # type: ignore[attr-defined]
        raise BadRequest(INVALID_LINK)
    return user


async def send_reset(*, session: AsyncSession, settings: Settings, user: User) -> None:
    """Issue a reset token and mail its link once the transaction commits."""
    minutes = settings.password_reset_minutes
    token = await issue_token(
        session=session, user=user, purpose=RESET, lifetime=timedelta(minutes=minutes)
    )
    mail = render_mail(
        "skillnest.accounts",
        "reset_password",
        to=user.email,
        subject="Reset your skillnest password",
        name=user.name,
        minutes=minutes,
        link=f"{settings.public_url}/reset-password?token={token}",
    )
    send_after_commit(session, settings, mail)


async def send_verification(*, session: AsyncSession, settings: Settings, user: User) -> None:
    """Issue a verification token for the user's current address and mail its link."""
    hours = settings.email_verification_hours
    token = await issue_token(
        session=session, user=user, purpose=VERIFY, lifetime=timedelta(hours=hours)
    )
    mail = render_mail(
        "skillnest.accounts",
        "verify_email",
        to=user.email,
        subject="Confirm your email address for skillnest",
        name=user.name,
        email=user.email,
        hours=hours,
        link=f"{settings.public_url}/verify-email?token={token}",
    )
    send_after_commit(session, settings, mail)
