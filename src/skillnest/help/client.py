"""The client side of anonymous help: an HTTP client and the local key store of the CLI.

Everything secret stays on the user's machine: the session token, each request's key and each
offer's private key live under the config directory (``SKILLNEST_CONFIG_DIR``, else the
per-user config folder, ``~/.config/skillnest`` on Linux) in files only the user can read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions

from skillnest.core.client import (
    DEFAULT_SERVER,
    ApiClient,
    ClientError,
    TokenStore,
    config_dir,
    read_json,
    write_private,
)
from skillnest.help import crypto

__all__ = ["DEFAULT_SERVER", "ClientError", "HelpClient", "KeyStore", "config_dir"]


def _uuid(value: str) -> str:
    """A request id as a file name: only a well-formed UUID, never a path."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise ClientError(f"not a request id: {value!r}") from exc


@dataclass
class KeyStore(TokenStore):
    """Tokens per server, request keys (as requester) and offer keys (as helper)."""

    def _request_path(self, request_id: str) -> Path:
        return self.root / "help" / "requests" / f"{_uuid(request_id)}.json"

    def _offer_path(self, request_id: str) -> Path:
        return self.root / "help" / "offers" / f"{_uuid(request_id)}.json"

    def save_request_key(self, request_id: str, key: bytes, private_key: str | None = None) -> None:
        """Keep the key of a request this user asked (and its key pair's private half)."""
        data = {"key": crypto.b64encode(key)}
        if private_key is not None:
            data["private_key"] = private_key
        write_private(self.root, self._request_path(request_id), data)

    def request_key(self, request_id: str) -> bytes | None:
        """The key of a request this user asked, if it is on this machine."""
        data = read_json(self._request_path(request_id))
        return crypto.b64decode(data["key"]) if data else None

    def request_private_key(self, request_id: str) -> str | None:
        """The private key messages to the asker open with (requests made with one)."""
        data = read_json(self._request_path(request_id))
        return str(data["private_key"]) if data and data.get("private_key") else None

    def save_offer_key(self, request_id: str, offer_id: str, private_key: str) -> None:
        """Keep the private key made for an offer."""
        write_private(
            self.root,
            self._offer_path(request_id),
            {"offer_id": offer_id, "private_key": private_key},
        )

    def offer_key(self, request_id: str) -> str | None:
        """The private key of this user's offer on a request, if any."""
        data = read_json(self._offer_path(request_id))
        return str(data["private_key"]) if data else None

    def forget_request(self, request_id: str) -> None:
        """Delete the keys of a finished request."""
        for path in (self._request_path(request_id), self._offer_path(request_id)):
            path.unlink(missing_ok=True)


class HelpClient(ApiClient):
    """Calls the help endpoints of one server."""

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

    def offer(self, request_id: str, public_key: str, message: str | None = None) -> dict[str, Any]:
        """POST /help/requests/{id}/offers (``message``: ciphertext for the asker)."""
        body = {"public_key": public_key}
        if message is not None:
            body["encrypted_message"] = message
        result: dict[str, Any] = self.call("POST", f"/help/requests/{request_id}/offers", json=body)
        return result

    def say(self, request_id: str, ciphertext: str) -> dict[str, Any]:
        """POST /help/requests/{id}/messages."""
        result: dict[str, Any] = self.call(
            "POST", f"/help/requests/{request_id}/messages", json={"ciphertext": ciphertext}
        )
        return result

    def messages(self, request_id: str) -> list[dict[str, Any]]:
        """GET /help/requests/{id}/messages, every page."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            page = self.call("GET", f"/help/requests/{request_id}/messages", params=params)
            items.extend(page["items"])
            if page["next_cursor"] is None:
                return items
            params["cursor"] = page["next_cursor"]

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


def conversation_keys(store: KeyStore, view: dict[str, Any]) -> tuple[str, str]:
    """This side's private key and the other side's public key of a request's conversation."""
    request_id = str(view["id"])
    if view["role"] == "owner":
        private = store.request_private_key(request_id)
        accepted = [o for o in view.get("offers") or [] if o["status"] == "Accepted"]
        if not accepted:
            raise ClientError("No helper is accepted yet: the conversation opens with acceptance.")
        their_public = accepted[0]["helper_public_key"]
    elif view["role"] == "helper":
        private = store.offer_key(request_id)
        their_public = view.get("asker_public_key")
    else:
        raise ClientError("Only the requester and the accepted helper take part in a conversation.")
    if private is None:
        raise ClientError("The private key of this conversation is not on this machine.")
    if not their_public:
        raise ClientError("This request was made without a key for messages.")
    return private, their_public


def open_message(private_key: str, their_public_key: str, ciphertext: str) -> str:
    """Decrypt an offer message or a message of the conversation."""
    try:
        return crypto.decrypt_message(private_key, their_public_key, ciphertext)
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise ClientError("A message does not decrypt with the keys on this machine.") from exc
