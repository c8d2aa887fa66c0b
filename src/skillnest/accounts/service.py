"""Accounts rules: sign-up, login, sessions, profile, admins and demo users."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from skillnest.accounts import avatar, recovery, rules, schemas, twofactor
from skillnest.accounts.caching import college_cache_key as college_cache_key
from skillnest.accounts.caching import invalidate_user as invalidate_user
from skillnest.accounts.caching import me_cache_key as me_cache_key
from skillnest.accounts.caching import session_cache_key
from skillnest.accounts.caching import user_tag as user_tag
from skillnest.accounts.models import OAuthProvider, User, UserSession
from skillnest.core import metrics, security
from skillnest.core.cache import TTL, Cache, get_json, set_json
from skillnest.core.db import DriverStatement, get_owned_or_404, is_postgres, is_sqlite_busy
from skillnest.core.errors import Conflict, NotFound, Unauthorized, conflict_on_integrity
from skillnest.core.logs import note_user
from skillnest.core.pages import Page, page_of
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.storage import Storage, delete_prefix_after_commit
from skillnest.exchange import service as exchange
from skillnest.settings import Settings

log = logging.getLogger("skillnest.accounts")

INVALID_LOGIN = "Email or password is incorrect."
EMAIL_TAKEN = "An account with this email already exists."
USER_AGENT_CHARS = 255


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a request came from, recorded on the sessions it opens."""

    address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class AuthUser:
    """The caller of a request, as resolved from its bearer token."""

    id: int
    is_admin: bool
    session_id: int


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; store and look them up lower-cased."""
    return email.strip().lower()


async def get_user_by_email(*, session: AsyncSession, email: str) -> User | None:
    """Case-insensitive, indexed lookup by email."""
    result = await session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    )
    return result.scalar_one_or_none()


async def get_user(*, session: AsyncSession, user_id: int) -> User:
    """A user by id, or NotFound."""
    return await get_owned_or_404(session, User, user_id, detail="No such user.")


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
        raise Conflict(EMAIL_TAKEN)
    user = User(
        name=data.name,
        email=email,
        password_hash=await security.hash_password_async(data.password),
        is_admin=is_admin,
        **profile,
    )
    # Added inside the savepoint so that a failed insert leaves nothing pending behind;
    # a concurrent sign-up with the same email is a conflict.
    async with conflict_on_integrity(session, EMAIL_TAKEN):
        session.add(user)
        await session.flush()
    return user


async def open_session(
    *, session: AsyncSession, user: User, settings: Settings, client: ClientInfo | None = None
) -> tuple[str, datetime]:
    """Start a login session; return the bearer token (shown once) and its expiry."""
    client = client or ClientInfo()
    token = security.new_session_token()
    now = datetime.now(UTC)
    expires_at = now + timedelta(days=settings.session_days)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=security.token_digest(token),
            expires_at=expires_at,
            last_seen_at=now,
            ip_address=client.address,
            user_agent=(client.user_agent or "")[:USER_AGENT_CHARS] or None,
        )
    )
    user.last_active_at = now
    await session.flush()
    return token, expires_at


def auth_out(user: User, token: str, expires_at: datetime, settings: Settings) -> schemas.AuthOut:
    """The answer of a sign-up or a login: the account and its new session token."""
    return schemas.AuthOut(user=me_view(user, settings), token=token, expires_at=expires_at)


async def signup(
    *,
    session: AsyncSession,
    data: schemas.SignupIn,
    settings: Settings,
    client: ClientInfo | None = None,
) -> schemas.AuthOut:
    """Create an account, mail a verification link and log it in."""
    rules.check_password(data.password, email=str(data.email), name=data.name, field="password")
    user = await create_user(session=session, data=data)
    await recovery.send_verification(session=session, settings=settings, user=user)
    token, expires_at = await open_session(
        session=session, user=user, settings=settings, client=client
    )
    return auth_out(user, token, expires_at, settings)


async def login(
    *,
    session: AsyncSession,
    data: schemas.LoginIn,
    settings: Settings,
    limiter: RateLimiter,
    client_address: str,
    client: ClientInfo | None = None,
) -> schemas.AuthOut:
    """Check credentials (and the second factor) and open a session.

    Failures, a wrong one-time code included, count toward the limits per account and per
    address; a missing code when two-factor is on answers ``otp-required``.
    """
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
    if user.totp_enabled_at is not None:
        if not data.otp:
            raise twofactor.OtpRequired()
        if not await twofactor.accept_code(
            session=session, settings=settings, user=user, code=data.otp
        ):
            await limiter.hit(per_account, "login-account", email)
            await limiter.hit(per_address, "login-address", client_address)
            raise twofactor.OtpRequired("The one-time code is wrong or was already used.")

    if security.needs_rehash(user.password_hash):
        # Legacy Werkzeug/bcrypt hashes (and outdated Argon2 parameters) upgrade at login.
        user.password_hash = await security.hash_password_async(data.password)
    await limiter.clear(per_account, "login-account", email)
    token, expires_at = await open_session(
        session=session, user=user, settings=settings, client=client or ClientInfo(client_address)
    )
    return auth_out(user, token, expires_at, settings)


async def _note_last_seen(session: AsyncSession, session_id: int, now: datetime) -> None:
    # "Last seen" is refreshed whenever the token is resolved from the database (at most once
    # per cache lifetime) and never waits: when another transaction holds the row (first
    # requests of one token at once), that one records the time, the others go on.
    if is_postgres(session):
        free = select(UserSession.id).where(UserSession.id == session_id)
        free = free.with_for_update(skip_locked=True)
        rows = update(UserSession).where(UserSession.id == free.scalar_subquery())
        await session.execute(rows.values(last_seen_at=now))
        return
    # On SQLite a reading transaction cannot start writing while another connection writes
    # or once one has committed since it began ("database is locked" at once, no busy wait).
    statement = update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
    try:
        async with session.begin_nested():
            await session.execute(statement)
    except OperationalError as exc:
        if not is_sqlite_busy(exc):
            raise
        log.info("last seen of session %s not recorded: the database is busy", session_id)


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
    await _note_last_seen(session, row.id, now)
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


def near_me_document(*, cache: Cache, token: str) -> tuple[int, bytes] | None:
    """The caller's id and profile bytes when both are held in this process, else None.

    The repeat ``GET /me``: no await, no session. A session copy is kept near only while its
    evictions are heard (``core.cache.NearCache``), so a revoked token is never answered here;
    anything missing or expired goes the full way (``resolve_token``, ``me_document``).
    """
    raw = cache.peek(session_cache_key(security.token_digest(token)))
    if raw is None:
        return None
    hit = orjson.loads(raw)
    if hit["expires_at"] <= time.time():
        return None
    body = cache.peek(me_cache_key(hit["user_id"]))
    if body is None:
        return None
    metrics.cache_lookup(cache.near_backend, True)  # the session
    metrics.cache_lookup(cache.near_backend, True)  # the profile
    note_user(hit["user_id"])
    return hit["user_id"], body


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
    rules.check_password(data.new_password, email=user.email, name=user.name, field="new_password")
    user.password_hash = await security.hash_password_async(data.new_password)
    await revoke_other_sessions(
        session=session, cache=cache, user_id=user.id, keep_session_id=caller.session_id
    )


async def set_password(*, session: AsyncSession, cache: Cache, user: User, password: str) -> None:
    """Set a password from the CLI and revoke every session of the user."""
    user.password_hash = await security.hash_password_async(password)
    await revoke_other_sessions(session=session, cache=cache, user_id=user.id, keep_session_id=None)


def me_view(user: User, settings: Settings | None = None) -> schemas.Me:
    """The own-profile view of a user, with the verified college domain."""
    me = schemas.Me.model_validate(user)
    if settings is not None:
        me.college_domain = college_domain_of(user, settings)
    return me


async def me_document(
    *, session: AsyncSession, cache: Cache, user_id: int, settings: Settings | None = None
) -> bytes:
    """The caller's profile as ready JSON bytes, cached until the profile changes."""
    key = me_cache_key(user_id)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    user = await get_user(session=session, user_id=user_id)
    doc = me_view(user, settings).model_dump(mode="json")
    return await set_json(cache, key, doc, TTL.SHORT, tags=[user_tag(user_id)])


def college_domain_of(user: User, settings: Settings) -> str | None:
    """The user's college: the academic domain of a verified address, else None."""
    if user.email_verified_at is None:
        return None
    return rules.academic_domain(user.email, settings.academic_domains)


async def verified_college_domain(
    *, session: AsyncSession | AsyncConnection, settings: Settings, user_id: int
) -> str | None:
    """The college domain of a user by id (for the help module; one statement)."""
    row = (
        await session.execute(select(User.email, User.email_verified_at).where(User.id == user_id))
    ).one_or_none()
    if row is None or row.email_verified_at is None:
        return None
    return rules.academic_domain(row.email, settings.academic_domains)


async def update_profile(
    *,
    session: AsyncSession,
    cache: Cache,
    user_id: int,
    data: schemas.ProfileUpdate,
    settings: Settings | None = None,
) -> schemas.Me:
    """Apply the fields present in a PATCH."""
    user = await get_user(session=session, user_id=user_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    user.updated_at = datetime.now(UTC)
    await session.flush()
    await invalidate_user(session=session, cache=cache, user_id=user_id)
    return me_view(user, settings)


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
    await invalidate_user(session=session, cache=cache, user_id=user_id)
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
    await invalidate_user(session=session, cache=cache, user_id=user_id)


async def delete_account(
    *, session: AsyncSession, cache: Cache, storage: Storage, caller: AuthUser, password: str
) -> None:
    """Delete the caller's account after checking the password; cascades remove the rest.

    Its uploaded files (the avatar) go once the deletion has committed.
    """
    user = await get_user(session=session, user_id=caller.id)
    if not await security.verify_password_async(password, user.password_hash):
        raise Unauthorized("The password is incorrect.")
    await revoke_other_sessions(session=session, cache=cache, user_id=user.id, keep_session_id=None)
    await session.execute(delete(User).where(User.id == user.id))
    delete_prefix_after_commit(session, storage, _avatar_prefix(user.id))
    await invalidate_user(session=session, cache=cache, user_id=user.id)


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


# Pre-built once (a hot path): the profile and its rating summary in one statement and one
# round trip, read column by column, never as an ORM entity.
PUBLIC_PROFILE = select(*PUBLIC_COLUMNS, *exchange.rating_columns(User.id)).where(
    User.id == bindparam("user_id")
)
# The same statement through the driver itself, for the hot route (core.db.DriverStatement).
PUBLIC_PROFILE_READ = DriverStatement(PUBLIC_PROFILE)


def _public_user(row: Any) -> schemas.PublicUser:
    if row is None:
        raise NotFound("No such user.")
    doc = dict(row)
    doc["average_rating"] = exchange.rating_average(doc["average_rating"])
    return schemas.PublicUser.model_validate(doc)


async def public_profile(*, session: AsyncSession, user_id: int) -> schemas.PublicUser:
    """A user's public profile with the ratings received (from the exchange module)."""
    result = await session.execute(PUBLIC_PROFILE, {"user_id": user_id})
    return _public_user(result.mappings().one_or_none())


async def public_profile_json(*, connection: AsyncConnection, user_id: int) -> bytes:
    """``public_profile`` as JSON bytes, read through a connection outside any transaction.

    One statement, so it reads one consistent snapshot without a transaction around it.
    """
    row = await PUBLIC_PROFILE_READ.fetch_one(connection, {"user_id": user_id})
    return public_profile_bytes(row)


def public_profile_bytes(row: dict[str, Any] | None) -> bytes:
    """The JSON of a ``PUBLIC_PROFILE`` row (``NotFound`` without one)."""
    return _public_user(row).model_dump_json().encode()


async def set_admin(*, session: AsyncSession, cache: Cache, email: str, is_admin: bool) -> User:
    """Grant or withdraw admin rights; cached sessions are dropped so it applies at once."""
    user = await get_user_by_email(session=session, email=email)
    if user is None:
        raise NotFound(f"No account with email {email}.")
    user.is_admin = is_admin
    await revoke_cached_sessions(session=session, cache=cache, user_id=user.id)
    await invalidate_user(session=session, cache=cache, user_id=user.id)
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


async def list_users(*, session: AsyncSession, limit: int, offset: int) -> Page[schemas.Me]:
    """A page of accounts, oldest first (administrators only), with their total count."""
    total = await session.scalar(select(func.count()).select_from(User)) or 0
    rows = await session.scalars(select(User).order_by(User.id).limit(limit + 1).offset(offset))
    items = [schemas.Me.model_validate(user) for user in rows]
    return page_of(items, limit=limit, offset=offset, total=total)


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
    async with conflict_on_integrity(
        session, f"This {provider} identity is linked to another account."
    ):
        if is_new:
            session.add(link)
        await session.flush()
    return link


def oauth_access_token(*, settings: Settings, link: OAuthProvider) -> str | None:
    """Decrypt the stored access token of an OAuth link."""
    if link.access_token_encrypted is None:
        return None
    return security.decrypt_secret(
        settings.secret_key.get_secret_value(), link.access_token_encrypted, "oauth"
    )


# --- sessions ------------------------------------------------------------------------------


async def list_sessions(
    *, session: AsyncSession, caller: AuthUser, limit: int, offset: int
) -> Page[schemas.SessionRead]:
    """The caller's open sessions, newest first, the current one flagged."""
    open_ = (
        UserSession.user_id == caller.id,
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > datetime.now(UTC),
    )
    total = await session.scalar(select(func.count()).select_from(UserSession).where(*open_))
    rows = await session.scalars(
        select(UserSession)
        .where(*open_)
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    items = [
        schemas.SessionRead.model_validate(row).model_copy(
            update={"current": row.id == caller.session_id}
        )
        for row in rows
    ]
    return page_of(items, limit=limit, offset=offset, total=total or 0)


async def revoke_session(
    *, session: AsyncSession, cache: Cache, caller: AuthUser, session_id: int
) -> None:
    """Revoke one of the caller's sessions (someone else's answers 404, like a missing one)."""
    row = (
        await session.execute(
            select(UserSession.id, UserSession.token_hash).where(
                UserSession.id == session_id,
                UserSession.user_id == caller.id,
                UserSession.revoked_at.is_(None),
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound("No such session.")
    await session.execute(
        update(UserSession).where(UserSession.id == row.id).values(revoked_at=datetime.now(UTC))
    )
    await cache.delete(session_cache_key(row.token_hash))


async def user_sessions_by_email(
    *, session: AsyncSession, cache: Cache, email: str, revoke_all: bool
) -> tuple[User, list[UserSession]]:
    """A user's open sessions for the CLI; with ``revoke_all`` they are revoked first."""
    user = await get_user_by_email(session=session, email=email)
    if user is None:
        raise NotFound(f"No account with email {email}.")
    if revoke_all:
        await revoke_other_sessions(
            session=session, cache=cache, user_id=user.id, keep_session_id=None
        )
    rows = await session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > datetime.now(UTC),
        )
        .order_by(UserSession.created_at.desc())
    )
    return user, list(rows)


# --- password reset and email verification -------------------------------------------

RESET_ACCEPTED = "If an account uses this address, a mail with a reset link is on its way."
RESET_PER_ADDRESS = "20/hour"
RESET_PER_ACCOUNT = "5/hour"
VERIFY_RESENDS = "5/hour"


async def request_password_reset(
    *,
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    email: str,
    client_address: str,
) -> str:
    """Mail a reset link if the address has an account; the answer is the same either way."""
    email = normalise_email(email)
    # Counted per address asked for, known or not, so the limit itself reveals nothing.
    await limiter.hit(RESET_PER_ADDRESS, "reset-address", client_address)
    await limiter.hit(RESET_PER_ACCOUNT, "reset-account", email)
    user = await get_user_by_email(session=session, email=email)
    if user is not None:
        await recovery.send_reset(session=session, settings=settings, user=user)
    return RESET_ACCEPTED


async def confirm_password_reset(
    *, session: AsyncSession, cache: Cache, token: str, password: str
) -> None:
    """Set a new password from a reset link and revoke every session of the user."""
    user = await recovery.consume_token(session=session, token=token, purpose=recovery.RESET)
    rules.check_password(password, email=user.email, name=user.name, field="password")
    user.password_hash = await security.hash_password_async(password)
    # The mail reached its owner: the address is proven too.
    if user.email_verified_at is None:
        user.email_verified_at = datetime.now(UTC)
    await revoke_other_sessions(session=session, cache=cache, user_id=user.id, keep_session_id=None)
    await invalidate_user(session=session, cache=cache, user_id=user.id)


async def resend_verification(
    *, session: AsyncSession, settings: Settings, limiter: RateLimiter, caller: AuthUser
) -> str:
    """Mail a new verification link to the caller's current address."""
    user = await get_user(session=session, user_id=caller.id)
    if user.email_verified_at is not None:
        raise Conflict("This address is already verified.")
    await limiter.hit(VERIFY_RESENDS, "verify-resend", str(user.id))
    await recovery.send_verification(session=session, settings=settings, user=user)
    return f"A verification link is on its way to {user.email}."


async def confirm_email(*, session: AsyncSession, cache: Cache, token: str) -> User:
    """Mark the address of a verification link as verified."""
    user = await recovery.consume_token(session=session, token=token, purpose=recovery.VERIFY)
    user.email_verified_at = datetime.now(UTC)
    await session.flush()
    await invalidate_user(session=session, cache=cache, user_id=user.id)
    return user


async def change_email(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    caller: AuthUser,
    data: schemas.EmailChangeIn,
) -> User:
    """Move the account to a new address, unverified until its mailed link is opened."""
    user = await get_user(session=session, user_id=caller.id)
    if not await security.verify_password_async(data.password, user.password_hash):
        raise Unauthorized("The password is incorrect.")
    email = normalise_email(str(data.email))
    if email == user.email:
        return user
    other = await get_user_by_email(session=session, email=email)
    if other is not None:
        raise Conflict(EMAIL_TAKEN)
    user.email = email
    user.email_verified_at = None
    async with conflict_on_integrity(session, EMAIL_TAKEN):
        await session.flush()
    await recovery.send_verification(session=session, settings=settings, user=user)
    await invalidate_user(session=session, cache=cache, user_id=user.id)
    await revoke_cached_sessions(session=session, cache=cache, user_id=user.id)
    return user
