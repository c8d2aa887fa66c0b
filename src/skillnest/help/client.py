"""The client side of anonymous help: an HTTP client and the local key store of the CLI.

Everything secret stays on the user's machine: the session token, each request's key and each
offer's private key live under the config directory (``SKILLNEST_CONFIG_DIR``, else
``$XDG_CONFIG_HOME/skillnest``, else ``~/.config/skillnest``) in files only the user can read.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nacl.exceptions

from skillnest.help import crypto

DEFAULT_SERVER = "http://127.0.0.1:8000"
TOKEN_ENV = "SKILLNEST_TOKEN"
CONFIG_ENV = "SKILLNEST_CONFIG_DIR"


def config_dir() -> Path:
    """Where the CLI keeps tokens and keys."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "skillnest"


class ClientError(Exception):
    """A request the server refused, or a local problem, worded for the user."""

    def __init__(self, detail: str, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status


def _write_private(root: Path, path: Path, data: dict[str, Any]) -> None:
    """Write JSON readable by the owner only (0600); directories it creates are 0700."""
    relative = path.parent.relative_to(root)
    for directory in [root, *(root / p for p in reversed(relative.parents)), path.parent]:
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=directory == root)
            directory.chmod(0o700)  # whatever the umask
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)
    path.chmod(0o600)


def _uuid(value: str) -> str:
    """A request id as a file name: only a well-formed UUID, never a path."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise ClientError(f"not a request id: {value!r}") from exc


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@dataclass
class KeyStore:
    """Tokens per server, request keys (as requester) and offer keys (as helper)."""

    root: Path

    @property
    def _tokens(self) -> Path:
        return self.root / "tokens.json"

    def save_token(self, server: str, token: str) -> None:
        """Remember the session token for a server."""
        tokens = _read(self._tokens) or {}
        tokens[server] = token
        _write_private(self.root, self._tokens, tokens)

    def token(self, server: str) -> str | None:
        """The token to use: ``SKILLNEST_TOKEN`` if set, else the one saved for the server."""
        if os.environ.get(TOKEN_ENV):
            return os.environ[TOKEN_ENV]
        value = (_read(self._tokens) or {}).get(server)
        return str(value) if value else None

    def forget_token(self, server: str) -> None:
        """Drop the saved token of a server."""
        tokens = _read(self._tokens) or {}
        if tokens.pop(server, None) is not None:
            _write_private(self.root, self._tokens, tokens)

    def _request_path(self, request_id: str) -> Path:
        return self.root / "help" / "requests" / f"{_uuid(request_id)}.json"

    def _offer_path(self, request_id: str) -> Path:
        return self.root / "help" / "offers" / f"{_uuid(request_id)}.json"

    def save_request_key(self, request_id: str, key: bytes) -> None:
        """Keep the key of a request this user asked."""
        _write_private(self.root, self._request_path(request_id), {"key": crypto.b64encode(key)})

    def request_key(self, request_id: str) -> bytes | None:
        """The key of a request this user asked, if it is on this machine."""
        data = _read(self._request_path(request_id))
        return crypto.b64decode(data["key"]) if data else None

    def save_offer_key(self, request_id: str, offer_id: str, private_key: str) -> None:
        """Keep the private key made for an offer."""
        _write_private(
            self.root,
            self._offer_path(request_id),
            {"offer_id": offer_id, "private_key": private_key},
        )

    def offer_key(self, request_id: str) -> str | None:
        """The private key of this user's offer on a request, if any."""
        data = _read(self._offer_path(request_id))
        return str(data["private_key"]) if data else None

    def forget_request(self, request_id: str) -> None:
        """Delete the keys of a finished request."""
        for path in (self._request_path(request_id), self._offer_path(request_id)):
            path.unlink(missing_ok=True)


class HelpClient:
    """Calls the skillnest API of one server."""

    def __init__(self, server: str, token: str | None, timeout: float = 10.0) -> None:
        self.server = server.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> HelpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; problem+json answers become ``ClientError``."""
        try:
            response = self._http.request(method, "/api/v1" + path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach {self.server}: {exc}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("detail") or body.get("title") or response.text
                if body.get("errors"):
                    detail += " " + "; ".join(
                        f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in body["errors"]
                    )
            except ValueError:
                detail = response.text or response.reason_phrase
            raise ClientError(f"{detail} (HTTP {response.status_code})", response.status_code)
        return response.json() if response.content else None

    def login(self, email: str, password: str) -> str:
        """Log in and return the session token."""
        body = self.call("POST", "/auth/login", json={"email": email, "password": password})
        return str(body["token"])

    def ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST /help/requests."""
        result: dict[str, Any] = self.call("POST", "/help/requests", json=payload)
        return result

    def feed(self, params: dict[str, Any]) -> dict[str, Any]:
        """GET /help/feed."""
        result: dict[str, Any] = self.call("GET", "/help/feed", params=params)
        return result

    def request(self, request_id: str) -> dict[str, Any]:
        """GET /help/requests/{id}."""
        result: dict[str, Any] = self.call("GET", f"/help/requests/{request_id}")
        return result

    def mine(self) -> list[dict[str, Any]]:
        """GET /help/mine, every page."""
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = self.call("GET", "/help/mine", params={"limit": 100, "offset": offset})
            items.extend(page["items"])
            offset = page["next_offset"]
        return items

    def offer(self, request_id: str, public_key: str) -> dict[str, Any]:
        """POST /help/requests/{id}/offers."""
        result: dict[str, Any] = self.call(
            "POST", f"/help/requests/{request_id}/offers", json={"public_key": public_key}
        )
        return result

    def accept(self, request_id: str, offer_id: str, sealed_key: str) -> dict[str, Any]:
        """POST /help/requests/{id}/accept."""
        result: dict[str, Any] = self.call(
            "POST",
            f"/help/requests/{request_id}/accept",
            json={"offer_id": offer_id, "sealed_key": sealed_key},
        )
        return result

    def set_status(self, request_id: str, status: str, **rating: int) -> dict[str, Any]:
        """PATCH /help/requests/{id}/status."""
        result: dict[str, Any] = self.call(
            "PATCH", f"/help/requests/{request_id}/status", json={"status": status, **rating}
        )
        return result

    def trust(self) -> dict[str, Any]:
        """GET /help/trust/me."""
        result: dict[str, Any] = self.call("GET", "/help/trust/me")
        return result

    def verify(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST /help/verifications."""
        result: dict[str, Any] = self.call("POST", "/help/verifications", json=payload)
        return result

    def verifications(self, user_id: int) -> dict[str, Any]:
        """GET /users/{id}/verifications."""
        result: dict[str, Any] = self.call("GET", f"/users/{user_id}/verifications")
        return result


def read_plaintext(store: KeyStore, view: dict[str, Any]) -> str:
    """Decrypt a request the caller may read: as its owner, or as its accepted helper."""
    request_id = str(view["id"])
    ciphertext = view.get("encrypted_request")
    if not ciphertext:
        raise ClientError("The server holds no content for this request (finished or not yours).")
    if view["role"] == "owner":
        key = store.request_key(request_id)
        if key is None:
            raise ClientError("The key of this request is not on this machine.")
    elif view["role"] == "helper" and view.get("sealed_key"):
        private = store.offer_key(request_id)
        if private is None:
            raise ClientError("The private key of your offer is not on this machine.")
        try:
            key = crypto.open_key(view["sealed_key"], private)
        except nacl.exceptions.CryptoError as exc:
            raise ClientError("The sealed key does not open with your offer's key.") from exc
    else:
        raise ClientError("Only the requester and the accepted helper can read a request.")
    try:
        return crypto.decrypt_request(key, ciphertext)
    except nacl.exceptions.CryptoError as exc:
        raise ClientError("The request does not decrypt with this key (tampered?).") from exc
