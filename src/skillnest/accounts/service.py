"""Accounts rules: sign-up, login, sessions, profile, admins and demo users."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts import avatar, schemas
from skillnest.accounts.models import OAuthProvider, User, UserSession
from skillnest.core import security
from skillnest.core.cache import TTL, Cache, cache_key, get_json, set_json
from skillnest.core.errors import Conflict, NotFound, Unauthorized
from skillnest.core.logs import note_user
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.storage import Storage
from skillnest.exchange.models import Rating
from skillnest.settings import Settings

log = logging.getLogger("skillnest.accounts")

INVALID_LOGIN = "Email or password is incorrect."


@dataclass(frozen=True, slots=True)
class AuthUser:
    """The caller of a request, as resolved from its bearer token."""

    id: int
    is_admin: bool
    session_id: int


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; store and look them up lower-cased."""
    return email.strip().lower()


def session_cache_key(digest: str) -> str:
    """Cache key of a resolved session token."""
    return cache_key("auth", "session", digest)


def me_cache_key(user_id: int) -> str:
    """Cache key of a user's own profile document."""
    return cache_key("accounts", "user", user_id, "me")


def public_cache_key(user_id: int) -> str:
    """Cache key of a user's public profile document."""
    return cache_key("accounts", "user", user_id, "public")


def user_tag(user_id: int) -> str:
    """Cache tag grouping everything derived from one user's profile."""
    return f"user:{user_id}"


async def get_user_by_email(*, session: AsyncSession, email: str) -> User | None:
    """Case-insensitive, indexed lookup by email."""
    result = await session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    )
    return result.scalar_one_or_none()


async def get_user(*, session: AsyncSession, user_id: int) -> User:
    """A user by id, or NotFound."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


async def create_user(
    *,
    session: AsyncSession,
    data: schemas.SignupIn,
    is_admin: bool = False,
    **profile: Any,
) -> User:
    """Create an account with an Argon2id password hash."""
    email = normalise_email(str(data.email))
    if await get_user_by_email(session=session, email=email) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(
        name=data.name,
        email=email,
        password_hash=await security.hash_password_async(data.password),
        is_admin=is_admin,
        **profile,
    )
    try:
        # Added inside the savepoint so that a failed insert leaves nothing pending behind.
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:  # a concurrent sign-up won the race
        raise Conflict("An account with this email already exists.") from exc
    return user


async def open_session(
    *, session: AsyncSession, user: User, settings: Settings
) -> tuple[str, datetime]:
    """Start a login session; return the bearer token (shown once) and its expiry."""
    token = security.new_session_token()
    expires_at = datetime.now(UTC) + timedelta(days=settings.session_days)
    session.add(
        UserSession(user_id=user.id, token_hash=security.token_digest(token), expires_at=expires_at)
    )
    user.last_active_at = datetime.now(UTC)
    await session.flush()
    return token, expires_at


async def signup(
    *, session: AsyncSession, data: schemas.SignupIn, settings: Settings
) -> tuple[User, str, datetime]:
    """Create an account and log it in."""
    user = await create_user(session=session, data=data)
    token, expires_at = await open_session(session=session, user=user, settings=settings)
    return user, token, expires_at


async def login(
    *,
    session: AsyncSession,
    data: schemas.LoginIn,
    settings: Settings,
    limiter: RateLimiter,
    client_address: str,
) -> tuple[User, str, datetime]:
    """Check credentials (rate limited per account and per address) and open a session."""
    email = normalise_email(str(data.email))
    window = settings.login_window_minutes
    per_account = f"{settings.login_failures_per_account}/{window} minutes"
    per_address = f"{settings.login_failures_per_address}/{window} minutes"
    await limiter.check(per_account, "login-account", email)
    await limiter.check(per_address, "login-address", client_address)

    user = await get_user_by_email(session=session, email=email)
    ok = await security.verify_password_async(data.password, user.password_hash if user else None)
    if user is None or not ok:
        await limiter.hit(per_account, "login-account", email)
        await limiter.hit(per_address, "login-address", client_address)
        raise Unauthorized(INVALID_LOGIN)

    if security.needs_rehash(user.password_hash):
        # Legacy Werkzeug/bcrypt hashes (and outdated Argon2 parameters) upgrade at login.
        user.password_hash = await security.hash_password_async(data.password)
    await limiter.clear(per_account, "login-account", email)
    token, expires_at = await open_session(session=session, user=user, settings=settings)
    return user, token, expires_at


async def resolve_token(*, session: AsyncSession, cache: Cache, token: str) -> AuthUser | None:
    """The user behind a bearer token, from the cache or one indexed query."""
    digest = security.token_digest(token)
    key = session_cache_key(digest)
    hit = await get_json(cache, key)
    now = datetime.now(UTC)
    if hit is not None:
        if hit["expires_at"] > now.timestamp():
            note_user(hit["user_id"])
            return AuthUser(hit["user_id"], hit["is_admin"], hit["session_id"])
        await cache.delete(key)
        return None
    row = (
        await session.execute(
            select(UserSession.id, UserSession.user_id, UserSession.expires_at, User.is_admin)
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.token_hash == digest,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
        )
    ).one_or_none()
    if row is None:
        return None
    expires_at = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    ttl = min(int(TTL.SHORT), int((expires_at - now).total_seconds()))
    if ttl > 0:
        doc = {
            "user_id": row.user_id,
            "is_admin": row.is_admin,
            "session_id": row.id,
            "expires_at": expires_at.timestamp(),
        }
        await set_json(cache, key, doc, ttl, tags=[user_tag(row.user_id)])
    note_user(row.user_id)
    return AuthUser(row.user_id, row.is_admin, row.id)


async def logout(*, session: AsyncSession, cache: Cache, token: str) -> None:
    """Revoke the session of this token."""
    digest = security.token_digest(token)
    await session.execute(
        update(UserSession)
        .where(UserSession.token_hash == digest, UserSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    await cache.delete(session_cache_key(digest))


async def revoke_other_sessions(
    *, session: AsyncSession, cache: Cache, user_id: int, keep_session_id: int | None
) -> list[str]:
    """Revoke every session of the user except one; return the revoked digests."""
    query = select(UserSession.id, UserSession.token_hash).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    rows = (await session.execute(query)).all()
    if rows:
        await session.execute(
            update(UserSession)
            .where(UserSession.id.in_([r.id for r in rows]))
            .values(revoked_at=datetime.now(UTC))
        )
        await cache.delete(*(session_cache_key(r.token_hash) for r in rows))
    return [r.token_hash for r in rows]


async def change_password(
    *,
    session: AsyncSession,
    cache: Cache,
    caller: AuthUser,
    data: schemas.PasswordChangeIn,
) -> None:
    """Change the password and revoke every other session of the user."""
    user = await get_user(session=session, user_id=caller.id)
    if not await security.verify_password_async(data.current_password, user.password_hash):
        raise Unauthorized("The current password is incorrect.")
    user.password_hash = await security.hash_password_async(data.new_password)
    await revoke_other_sessions(
        session=session, cache=cache, user_id=user.id, keep_session_id=caller.session_id
    )


async def set_password(*, session: AsyncSession, cache: Cache, user: User, password: str) -> None:
    """Set a password from the CLI and revoke every session of the user."""
    user.password_hash = await security.hash_password_async(password)
    await revoke_other_sessions(session=session, cache=cache, user_id=user.id, keep_session_id=None)


async def me_document(*, session: AsyncSession, cache: Cache, user_id: int) -> bytes:
    """The caller's profile as ready JSON bytes, cached until the profile changes."""
    key = me_cache_key(user_id)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    user = await get_user(session=session, user_id=user_id)
    doc = schemas.Me.model_validate(user).model_dump(mode="json")
    return await set_json(cache, key, doc, TTL.SHORT, tags=[user_tag(user_id)])


async def invalidate_user(*, cache: Cache, user_id: int) -> None:
    """Drop every cached document derived from a user's profile."""
    await cache.delete(me_cache_key(user_id), public_cache_key(user_id))


async def update_profile(
    *, session: AsyncSession, cache: Cache, user_id: int, data: schemas.ProfileUpdate
) -> User:
    """Apply the fields present in a PATCH."""
    user = await get_user(session=session, user_id=user_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    user.updated_at = datetime.now(UTC)
    await session.flush()
    await invalidate_user(cache=cache, user_id=user_id)
    return user


def _avatar_prefix(user_id: int) -> str:
    return f"avatars/{user_id}/"


async def set_avatar(
    *, session: AsyncSession, cache: Cache, storage: Storage, user_id: int, data: bytes
) -> schemas.AvatarOut:
    """Store a new profile picture (256 and 64 px) and point ``image_url`` at it."""
    avatar.check_size(len(data))
    # Decoding and resizing a photo takes a good part of a second: keep it off the event loop.
    digest, images = await asyncio.to_thread(avatar.render_avatar, data)
    user = await get_user(session=session, user_id=user_id)
    prefix = _avatar_prefix(user_id)
    # Earlier pictures go first; the new names are content-addressed and never collide.
    storage.delete_prefix(prefix)
    urls = {
        size: storage.save(f"{prefix}{digest}-{size}.webp", body) for size, body in images.items()
    }
    user.image_url = urls[256]
    user.updated_at = datetime.now(UTC)
    await session.flush()
    await invalidate_user(cache=cache, user_id=user_id)
    return schemas.AvatarOut(image_url=urls[256], image_small_url=urls[64])


async def delete_avatar(
    *, session: AsyncSession, cache: Cache, storage: Storage, user_id: int
) -> None:
    """Remove the profile picture (files and ``image_url``)."""
    user = await get_user(session=session, user_id=user_id)
    storage.delete_prefix(_avatar_prefix(user_id))
    user.image_url = None
    user.updated_at = datetime.now(UTC)
    await session.flush()
    await invalidate_user(cache=cache, user_id=user_id)


async def delete_account(
    *, session: AsyncSession, cache: Cache, caller: AuthUser, password: str
) -> None:
    """Delete the caller's account after checking the password; cascades remove the rest."""
    user = await get_user(session=session, user_id=caller.id)
    if not await security.verify_password_async(password, user.password_hash):
        raise Unauthorized("The password is incorrect.")
    await revoke_other_sessions(session=session, cache=cache, user_id=user.id, keep_session_id=None)
    await session.execute(delete(User).where(User.id == user.id))
    await invalidate_user(cache=cache, user_id=user.id)


PUBLIC_COLUMNS = (
    User.id,
    User.name,
    User.pronouns,
    User.bio,
    User.location,
    User.availability,
    User.learning_style,
    User.skills_to_offer,
    User.skills_to_learn,
    User.image_url,
    User.created_at,
)


async def public_profile(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """A user's public profile with the average and count of ratings received, in one query.

    Read column by column (a hot path), never as an ORM entity.
    """
    received = (Rating.rated_id == User.id,)
    average = select(func.avg(Rating.rating)).where(*received).scalar_subquery()
    count = select(func.count()).where(*received).scalar_subquery()
    query = select(
        *PUBLIC_COLUMNS, average.label("average_rating"), count.label("rating_count")
    ).where(User.id == user_id)
    row = (await session.execute(query)).mappings().one_or_none()
    if row is None:
        raise NotFound("No such user.")
    profile = dict(row)
    profile["skills_to_offer"] = profile["skills_to_offer"] or []
    profile["skills_to_learn"] = profile["skills_to_learn"] or []
    if profile["average_rating"] is not None:
        profile["average_rating"] = round(float(profile["average_rating"]), 2)
    return profile


async def set_admin(*, session: AsyncSession, cache: Cache, email: str, is_admin: bool) -> User:
    """Grant or withdraw admin rights; cached sessions are dropped so it applies at once."""
    user = await get_user_by_email(session=session, email=email)
    if user is None:
        raise NotFound(f"No account with email {email}.")
    user.is_admin = is_admin
    await revoke_cached_sessions(session=session, cache=cache, user_id=user.id)
    await invalidate_user(cache=cache, user_id=user.id)
    return user


async def revoke_cached_sessions(*, session: AsyncSession, cache: Cache, user_id: int) -> None:
    """Forget cached token lookups of a user so the next request re-reads the database."""
    rows = await session.execute(
        select(UserSession.token_hash).where(UserSession.user_id == user_id)
    )
    await cache.delete(*(session_cache_key(h) for h in rows.scalars()))


DEMO_PASSWORD = "skillnest-demo"
DEMO_USERS: list[dict[str, Any]] = [
    {
        "name": "Demo User",
        "email": "demo@skillnest.dev",
        "pronouns": "they/them",
        "bio": "Explores every corner of skillnest.",
        "location": "Lisbon, Portugal",
        "skills_to_offer": ["Python", "SQL"],
        "skills_to_learn": ["Guitar", "Spanish"],
    },
    {
        "name": "Ada Admin",
        "email": "admin@skillnest.dev",
        "bio": "Keeps the platform running.",
        "skills_to_offer": ["PostgreSQL"],
        "skills_to_learn": ["Rust"],
        "is_admin": True,
    },
]


async def load_demo(*, session: AsyncSession) -> str:
    """Create the demo accounts that do not exist yet (idempotent)."""
    created = 0
    for entry in DEMO_USERS:
        if await get_user_by_email(session=session, email=entry["email"]) is not None:
            continue
        profile = {k: v for k, v in entry.items() if k not in ("name", "email", "is_admin")}
        await create_user(
            session=session,
            data=schemas.SignupIn(name=entry["name"], email=entry["email"], password=DEMO_PASSWORD),
            is_admin=entry.get("is_admin", False),
            **profile,
        )
        created += 1
    return (
        f"accounts: {created} demo users created, {len(DEMO_USERS) - created} already there "
        f"(log in as demo@skillnest.dev / {DEMO_PASSWORD})"
    )


async def list_users(*, session: AsyncSession, limit: int, offset: int) -> schemas.UserPage:
    """A page of accounts, oldest first (administrators only)."""
    total = await session.scalar(select(func.count()).select_from(User)) or 0
    rows = await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    items = [schemas.Me.model_validate(user) for user in rows]
    return schemas.UserPage(items=items, total=total, limit=limit, offset=offset)


async def link_oauth_provider(
    *,
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    provider: str,
    provider_user_id: str,
    access_token: str | None,
    refresh_token: str | None = None,
    token_expires_at: datetime | None = None,
) -> OAuthProvider:
    """Link (or refresh) an OAuth identity; its tokens are stored encrypted."""
    key = settings.secret_key.get_secret_value()
    link = await session.scalar(
        select(OAuthProvider).where(
            OAuthProvider.user_id == user_id, OAuthProvider.provider == provider
        )
    )
    is_new = link is None
    if link is None:
        link = OAuthProvider(user_id=user_id, provider=provider, provider_user_id=provider_user_id)
    elif link.provider_user_id != provider_user_id:
        raise Conflict(f"This account is already linked to another {provider} identity.")
    link.access_token_encrypted = (
        security.encrypt_secret(key, access_token, "oauth") if access_token else None
    )
    link.refresh_token_encrypted = (
        security.encrypt_secret(key, refresh_token, "oauth") if refresh_token else None
    )
    link.token_expires_at = token_expires_at
    try:
        async with session.begin_nested():
            if is_new:
                session.add(link)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"This {provider} identity is linked to another account.") from exc
    return link


def oauth_access_token(*, settings: Settings, link: OAuthProvider) -> str | None:
    """Decrypt the stored access token of an OAuth link."""
    if link.access_token_encrypted is None:
        return None
    return security.decrypt_secret(
        settings.secret_key.get_secret_value(), link.access_token_encrypted, "oauth"
    )
