"""Sign-in with OAuth 2.0 / OpenID Connect providers, through Authlib's async client.

``start`` sends the browser to the provider with a fresh ``state`` and a PKCE challenge (and an
OIDC ``nonce``), remembered in the cache for ten minutes; ``callback`` accepts the code once,
for the provider that issued that state, exchanges it with the PKCE verifier, checks the ID
token's signature, issuer, audience and nonce, and signs the person in: by an existing link,
by linking to the account of the same verified address, or with a new account. Provider
tokens are stored encrypted (``service.link_oauth_provider``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts import schemas, service
from skillnest.accounts.models import OAuthProvider, User
from skillnest.core import security
from skillnest.core.cache import Cache, get_json, set_json
from skillnest.core.errors import BadRequest, Conflict, DomainError, NotFound
from skillnest.settings import OAuthClient, Settings

STATE_TTL = 600
HTTP_TIMEOUT = 10.0
OIDC_SCOPE = "openid email profile"
BAD_STATE = "The sign-in state is unknown, used or expired: start again."
_metadata_cache: dict[str, dict[str, Any]] = {}


class ProviderUnavailable(DomainError):
    """The sign-in provider could not be reached or answered nonsense."""

    status, code, title = 503, "provider-unavailable", "Sign-in provider unavailable"


@dataclass(frozen=True, slots=True)
class Provider:
    """A configured provider with its endpoints."""

    name: str
    client: OAuthClient
    endpoints: dict[str, Any]

    @property
    def is_oidc(self) -> bool:
        """OpenID Connect (ID tokens, nonce) rather than plain OAuth 2.0 (GitHub)."""
        return self.client.server_metadata_url is not None

    @property
    def scope(self) -> str:
        """The scopes asked for."""
        return OIDC_SCOPE if self.is_oidc else "read:user user:email"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx2.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(url)
            response.raise_for_status()
            data = response.json()
    except (httpx2.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"Could not read {url}.") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url} is not a JSON object.")
    return data


async def get_provider(settings: Settings, name: str) -> Provider:
    """A configured provider, its OIDC metadata read once per process."""
    client = settings.oauth.get(name)
    if client is None:
        raise NotFound(f"No sign-in provider named {name}.")
    url = client.server_metadata_url
    if url is None:
        if name != "github":
            raise NotFound(f"No sign-in provider named {name}.")
        return Provider(name, client, github_endpoints(client))
    if url not in _metadata_cache:
        _metadata_cache[url] = await _get_json(url)
    return Provider(name, client, _metadata_cache[url])


def github_endpoints(client: OAuthClient) -> dict[str, str]:
    """GitHub's OAuth 2.0 endpoints (it has no OpenID Connect discovery)."""
    web, api = client.github_url.rstrip("/"), client.api_url.rstrip("/")
    return {
        "authorization_endpoint": f"{web}/login/oauth/authorize",
        "token_endpoint": f"{web}/login/oauth/access_token",
        "userinfo_endpoint": f"{api}/user",
        "emails_endpoint": f"{api}/user/emails",
    }


def redirect_uri(settings: Settings, name: str) -> str:
    """Where the provider sends the browser back."""
    return f"{settings.public_url}/api/v1/auth/oauth/{name}/callback"


def _client(settings: Settings, provider: Provider) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client.client_id,
        client_secret=provider.client.client_secret.get_secret_value(),
        scope=provider.scope,
        redirect_uri=redirect_uri(settings, provider.name),
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


def state_key(state: str) -> str:
    """Cache key of a pending sign-in (the state is never stored in clear)."""
    return f"auth:oauth-state:{security.token_digest(state)}"


async def start(*, settings: Settings, cache: Cache, name: str) -> str:
    """The provider's authorisation URL, with a fresh state, PKCE challenge and nonce."""
    provider = await get_provider(settings, name)
    state, verifier, nonce = (secrets.token_urlsafe(32) for _ in range(3))
    extra = {"nonce": nonce} if provider.is_oidc else {}
    async with _client(settings, provider) as client:
        url, _ = client.create_authorization_url(
            provider.endpoints["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            **extra,
        )
    pending = {"provider": name, "verifier": verifier, "nonce": nonce}
    await set_json(cache, state_key(state), pending, STATE_TTL)
    return str(url)


async def _jwks(provider: Provider) -> KeySet:
    url = provider.endpoints.get("jwks_uri")
    if not url:
        raise ProviderUnavailable("The provider publishes no signing keys.")
    return KeySet.import_key_set(await _get_json(url))  # type: ignore[arg-type]


async def _oidc_identity(
    client: AsyncOAuth2Client, provider: Provider, token: dict[str, Any], nonce: str
) -> Identity:
    id_token = token.get("id_token")
    if not id_token:
        raise BadRequest("The provider returned no ID token.")
    try:
        decoded = jwt.decode(id_token, await _jwks(provider))
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": str(provider.endpoints.get("issuer"))},
            aud={"essential": True, "value": provider.client.client_id},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True},
            exp={"essential": True},
        ).validate(decoded.claims)
    except JoseError as exc:
        raise BadRequest(f"The ID token is not valid: {exc.description or exc.error}") from exc
    claims = dict(decoded.claims)
    if provider.endpoints.get("userinfo_endpoint"):
        info = await _fetch(client, provider.endpoints["userinfo_endpoint"])
        if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: a different sub is ignored
            claims.update(info)
    return Identity(
        subject=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=claims.get("email_verified") is True,
        name=claims.get("name"),
    )


async def _fetch(client: AsyncOAuth2Client, url: str) -> Any:
    try:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()
    except (httpx2.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"Could not read {url}.") from exc


async def _github_identity(client: AsyncOAuth2Client, provider: Provider) -> Identity:
    user = await _fetch(client, provider.endpoints["userinfo_endpoint"])
    emails = await _fetch(client, provider.endpoints["emails_endpoint"])
    primary = next((e for e in emails if e.get("primary") and e.get("verified")), None)
    return Identity(
        subject=str(user["id"]),
        email=primary["email"] if primary else None,
        email_verified=primary is not None,
        name=user.get("name") or user.get("login"),
    )


async def _exchange(
    settings: Settings, provider: Provider, code: str, pending: dict[str, Any]
) -> tuple[Identity, dict[str, Any]]:
    async with _client(settings, provider) as client:
        try:
            token = dict(
                await client.fetch_token(
                    provider.endpoints["token_endpoint"],
                    code=code,
                    code_verifier=pending["verifier"],
                )
            )
        except AuthlibBaseError as exc:
            raise BadRequest(f"The provider refused the code: {exc.description or exc}") from exc
        except httpx2.HTTPError as exc:
            raise ProviderUnavailable("The provider's token endpoint did not answer.") from exc
        if provider.is_oidc:
            identity = await _oidc_identity(client, provider, token, pending["nonce"])
        else:
            identity = await _github_identity(client, provider)
    return identity, token


async def callback(
    *,
    session: AsyncSession,
    settings: Settings,
    cache: Cache,
    name: str,
    code: str | None,
    state: str | None,
    error: str | None,
    client: service.ClientInfo | None = None,
) -> tuple[User, str, datetime]:
    """Finish a sign-in: check the state (once), exchange the code, sign the person in."""
    if error:
        raise BadRequest(f"The provider answered: {error}.")
    if not code or not state:
        raise BadRequest("The callback needs `code` and `state`.")
    key = state_key(state)
    pending = await get_json(cache, key)
    await cache.delete(key)  # single use, whatever happens next
    if pending is None or pending.get("provider") != name:
        raise BadRequest(BAD_STATE)
    provider = await get_provider(settings, name)
    identity, token = await _exchange(settings, provider, code, pending)
    user = await _account_for(session=session, settings=settings, name=name, identity=identity)
    expires_at = token.get("expires_at")
    await service.link_oauth_provider(
        session=session,
        settings=settings,
        user_id=user.id,
        provider=name,
        provider_user_id=identity.subject,
        access_token=token.get("access_token"),
        refresh_token=token.get("refresh_token"),
        token_expires_at=datetime.fromtimestamp(expires_at, UTC) if expires_at else None,
    )
    session_token, session_expires = await service.open_session(
        session=session, user=user, settings=settings, client=client
    )
    return user, session_token, session_expires


async def _account_for(
    *, session: AsyncSession, settings: Settings, name: str, identity: Identity
) -> User:
    """The linked account, the account of the same verified address, or a new one."""
    linked = await session.scalar(
        select(OAuthProvider.user_id).where(
            OAuthProvider.provider == name, OAuthProvider.provider_user_id == identity.subject
        )
    )
    if linked is not None:
        return await service.get_user(session=session, user_id=linked)
    if not identity.email:
        raise BadRequest("The provider shared no email address.")
    existing = await service.get_user_by_email(session=session, email=identity.email)
    if existing is not None:
        # Linking on an unverified address on either side would hand the account to
        # whoever registered that address first.
        if not identity.email_verified or existing.email_verified_at is None:
            raise Conflict(
                "An account with this email exists. Sign in with its password and verify its "
                "address; then signing in with this provider links to it."
            )
        return existing
    return await _new_account(session=session, settings=settings, identity=identity)


async def _new_account(*, session: AsyncSession, settings: Settings, identity: Identity) -> User:
    assert identity.email is not None
    email = service.normalise_email(identity.email)
    name = (identity.name or email.split("@", 1)[0]).strip()[:255] or "New member"
    # No password: a random one nobody knows; "forgot password" sets a real one.
    unusable = security.new_session_token() + security.new_session_token()
    data = schemas.SignupIn(name=name, email=email, password=unusable[:100])
    user = await service.create_user(session=session, data=data)
    if identity.email_verified:
        user.email_verified_at = datetime.now(UTC)
    await session.flush()
    return user


async def read_link(*, session: AsyncSession, user_id: int, name: str) -> OAuthProvider:
    """The caller's link to one provider, or 404."""
    link = await session.scalar(
        select(OAuthProvider).where(
            OAuthProvider.user_id == user_id, OAuthProvider.provider == name
        )
    )
    if link is None:
        raise NotFound(f"No {name} sign-in is linked to this account.")
    return link


async def unlink(*, session: AsyncSession, user_id: int, name: str) -> None:
    """Remove the caller's link to one provider (its stored tokens go with it)."""
    link = await read_link(session=session, user_id=user_id, name=name)
    await session.execute(delete(OAuthProvider).where(OAuthProvider.id == link.id))
