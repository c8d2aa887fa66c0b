"""The CLI's side of the REST API: server address, saved session tokens and an HTTP client.

Every command that talks to a server takes ``--server`` (or ``SKILLNEST_SERVER_URL``; the
older ``--api-url`` / ``SKILLNEST_API_URL`` still work) and uses the session token that
``skillnest login`` saved for that server in the user's config directory
(``SKILLNEST_CONFIG_DIR``, else the platform's per-user config folder), or ``SKILLNEST_TOKEN``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import typer

DEFAULT_SERVER = "http://127.0.0.1:8000"
SERVER_ENVS = ["SKILLNEST_SERVER_URL", "SKILLNEST_API_URL"]
TOKEN_ENV = "SKILLNEST_TOKEN"
CONFIG_ENV = "SKILLNEST_CONFIG_DIR"
API_PREFIX = "/api/v1"


def config_dir() -> Path:
    """Where the CLI keeps tokens and keys (``~/.config/skillnest`` on Linux)."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(typer.get_app_dir("skillnest"))


class ClientError(Exception):
    """A request the server refused, or a local problem, worded for the user."""

    def __init__(self, detail: str, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status


def write_private(root: Path, path: Path, data: dict[str, Any]) -> None:
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


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON file of the store, or None if absent."""
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@dataclass
class TokenStore:
    """Session tokens, one per server, in ``tokens.json``."""

    root: Path

    @property
    def _tokens(self) -> Path:
        return self.root / "tokens.json"

    def save_token(self, server: str, token: str) -> None:
        """Remember the session token for a server."""
        tokens = read_json(self._tokens) or {}
        tokens[server] = token
        write_private(self.root, self._tokens, tokens)

    def token(self, server: str) -> str | None:
        """The token to use: ``SKILLNEST_TOKEN`` if set, else the one saved for the server."""
        if os.environ.get(TOKEN_ENV):
            return os.environ[TOKEN_ENV]
        value = (read_json(self._tokens) or {}).get(server)
        return str(value) if value else None

    def forget_token(self, server: str) -> bool:
        """Drop the saved token of a server; whether there was one."""
        tokens = read_json(self._tokens) or {}
        if tokens.pop(server, None) is None:
            return False
        write_private(self.root, self._tokens, tokens)
        return True


def _problem_detail(response: httpx.Response) -> str:
    """One line from a problem+json answer (with the fields a validation error names)."""
    try:
        body = response.json()
        detail = str(body.get("detail") or body.get("title") or response.text)
        if body.get("errors"):
            detail += " " + "; ".join(
                f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in body["errors"]
            )
    except (ValueError, AttributeError):
        detail = response.text or response.reason_phrase
    return f"{detail} (HTTP {response.status_code})"


@dataclass(frozen=True)
class DownloadedFile:
    """A file the API answered with."""

    content: bytes
    media_type: str
    filename: str | None


class ApiClient:
    """Calls the skillnest REST API of one server, with a session token if there is one."""

    def __init__(self, server: str, token: str | None, timeout: float = 10.0) -> None:
        self.server = server.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call under ``/api/v1``; problem+json answers become ``ClientError``."""
        try:
            response = self._http.request(method, API_PREFIX + path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach {self.server}: {exc}") from exc
        if response.status_code >= 400:
            raise ClientError(_problem_detail(response), response.status_code)
        if not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def download(self, path: str, **kwargs: Any) -> DownloadedFile:
        """A file answer of ``GET path`` with its media type and the name the server gave it."""
        try:
            response = self._http.get(API_PREFIX + path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach {self.server}: {exc}") from exc
        if response.status_code >= 400:
            raise ClientError(_problem_detail(response), response.status_code)
        disposition = response.headers.get("content-disposition", "")
        match = re.search(r'filename="([^"/\\]+)"', disposition)
        return DownloadedFile(
            content=response.content,
            media_type=response.headers.get("content-type", "application/octet-stream"),
            filename=match.group(1) if match else None,
        )

    def login(self, email: str, password: str) -> str:
        """Log in and return the session token."""
        body = self.call("POST", "/auth/login", json={"email": email, "password": password})
        return str(body["token"])
