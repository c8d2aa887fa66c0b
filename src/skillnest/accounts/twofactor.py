"""Two-factor sign-in with time-based one-time codes (RFC 6238) and recovery codes.

The TOTP secret is encrypted at rest; a code is accepted within one step (30 s) either side
of now, and only once: the last accepted step is stored and a code of that step or an
earlier one is refused. Recovery codes are single-use and stored as SHA-256 digests (each
has 50 random bits, so a slow hash would add nothing but latency).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

import pyotp
from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import RecoveryCode, User
from skillnest.core import security
from skillnest.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from skillnest.settings import Settings

ISSUER = "skillnest"
PURPOSE = "totp"
RECOVERY_CODES = 10
VALID_STEPS = (-1, 0, 1)
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l look-alikes


class OtpRequired(Unauthorized):
    """Two-factor sign-in is on and no valid one-time code came with the password."""

    code, title = "otp-required", "One-time code required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail or "This account uses two-factor sign-in: send a one-time code as `otp`."
        )


def new_recovery_code() -> str:
    """A recovery code such as ``k7mqe-2xwpa`` (50 random bits)."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    """Codes compare without spaces, dashes or case."""
    return code.strip().lower().replace("-", "").replace(" ", "")


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose TOTP code is ``code`` (within one step of now), or None."""
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for offset in VALID_STEPS:
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _secret(settings: Settings, user: User) -> str | None:
    if user.totp_secret_encrypted is None:
        return None
    key = settings.secret_key.get_secret_value()
    return security.decrypt_secret(key, user.totp_secret_encrypted, PURPOSE)


async def setup(*, session: AsyncSession, settings: Settings, user_id: int) -> dict[str, Any]:
    """A new secret for the user's authenticator; two-factor stays off until ``enable``."""
    user = await _user(session, user_id)
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on; disable it first.")
    secret = pyotp.random_base32()
    key = settings.secret_key.get_secret_value()
    user.totp_secret_encrypted = security.encrypt_secret(key, secret, PURPOSE)
    user.totp_last_step = None
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"secret": secret, "otpauth_uri": uri}


async def _accept_totp(
    session: AsyncSession, settings: Settings, user: User, code: str, now: datetime
) -> bool:
    secret = _secret(settings, user)
    step = matching_step(secret, code, now) if secret else None
    if step is None:
        return False
    # Conditional update: the same code (or an older one) can never be accepted twice,
    # even by two logins racing each other.
    result = await session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    accepted = bool(result.rowcount == 1)  # type: ignore[attr-defined]
    if accepted:
        user.totp_last_step = step
    return accepted


async def _accept_recovery(session: AsyncSession, user: User, code: str, now: datetime) -> bool:
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == security.token_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def accept_code(*, session: AsyncSession, settings: Settings, user: User, code: str) -> bool:
    """Whether ``code`` is a fresh TOTP code or an unused recovery code (then used up)."""
    normalised = normalise_code(code)
    now = datetime.now(UTC)
    if normalised.isdigit() and len(normalised) == 6:
        return await _accept_totp(session, settings, user, normalised, now)
    if len(normalised) == 10:
        return await _accept_recovery(session, user, normalised, now)
    return False


async def enable(
    *, session: AsyncSession, settings: Settings, user_id: int, code: str
) -> list[str]:
    """Turn two-factor on with a first valid code; return 10 new recovery codes (shown once)."""
    user = await _user(session, user_id)
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on.")
    if user.totp_secret_encrypted is None:
        raise Conflict("Set two-factor up first (POST /me/2fa/setup).")
    normalised = normalise_code(code)
    if not (normalised.isdigit() and len(normalised) == 6) or not await _accept_totp(
        session, settings, user, normalised, datetime.now(UTC)
    ):
        raise BadRequest("The code does not match the authenticator's.")
    user.totp_enabled_at = datetime.now(UTC)
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=security.token_digest(normalise_code(c)))
        for c in codes
    )
    await session.flush()
    return codes


async def disable(
    *, session: AsyncSession, settings: Settings, user_id: int, password: str, code: str
) -> None:
    """Turn two-factor off: needs the password and a valid one-time or recovery code."""
    user = await _user(session, user_id)
    if user.totp_enabled_at is None:
        raise Conflict("Two-factor sign-in is off.")
    if not await security.verify_password_async(password, user.password_hash):
        raise Unauthorized("The password is incorrect.")
    if not await accept_code(session=session, settings=settings, user=user, code=code):
        raise Unauthorized("The one-time code is wrong or was already used.")
    user.totp_enabled_at = None
    user.totp_secret_encrypted = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.flush()
