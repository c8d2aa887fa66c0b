"""Where uploaded files live: a small storage interface, local files by default.

Files are content-addressed (their name carries a digest of their bytes), so they never
change once written and can be served with an immutable cache lifetime.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

MEDIA_URL = "/media"


class Storage(Protocol):
    """What the modules need from a file store."""

    def save(self, name: str, data: bytes) -> str:
        """Store bytes under a relative name; return the URL path that serves them."""
        ...

    def delete(self, name: str) -> None:
        """Remove a stored file (missing files are fine)."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Remove every stored file whose name starts with the prefix."""
        ...


def delete_prefix_after_commit(session: AsyncSession, storage: Storage, prefix: str) -> None:
    """Remove stored files once the transaction that forgot them has committed.

    Deleting first would lose the files of a row that a failed commit keeps.
    """

    def remove(_: Session) -> None:
        storage.delete_prefix(prefix)

    event.listen(session.sync_session, "after_commit", remove, once=True)


class LocalStorage:
    """Files under one directory (``SKILLNEST_MEDIA_DIR``, ``var/media`` by default)."""

    def __init__(self, root: Path, base_url: str = MEDIA_URL) -> None:
        self.root = root
        self.base_url = base_url

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"storage name escapes the media directory: {name!r}")
        return path

    def save(self, name: str, data: bytes) -> str:
        """Write atomically (temporary file, then rename), so readers never see half a file."""
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        return f"{self.base_url}/{name}"

    def delete(self, name: str) -> None:
        """Remove one file."""
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()

    def delete_prefix(self, prefix: str) -> None:
        """Remove the files of a prefix (``avatars/7/`` removes that user's avatars)."""
        directory, _, stem = prefix.rpartition("/")
        folder = self._path(directory) if directory else self.root
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and path.name.startswith(stem):
                    path.unlink(missing_ok=True)


class MediaFiles(StaticFiles):
    """Static files with a year-long immutable cache lifetime (names change with content)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the file, adding the caching header to successful answers."""

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"cache-control", b"public, max-age=31536000, immutable"),
                ]
            await send(message)

        await super().__call__(scope, receive, send_cached)
