"""Accounts fixtures: a real SMTP server on a loopback port, and an app that mails to it."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from skillnest.core.cache import Cache
from skillnest.core.db import Database
from skillnest.core.mail import drain_mail
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
from skillnest.settings import Settings

PUBLIC_URL = "https://skillnest.test"


class Inbox:
    """Collects every message the SMTP server accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    async def received(self) -> list[EmailMessage]:
        """Every message so far, once the mails being sent have gone out."""
        await drain_mail()
        return list(self.messages)

    async def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to one recipient."""
        return [m for m in await self.received() if m["To"] == address]


def link_token(message: EmailMessage, path: str) -> str:
    """The token of the ``{PUBLIC_URL}/<path>?token=...`` link in a mail's text body."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = re.search(
        re.escape(f"{PUBLIC_URL}/{path}?token=") + r"([A-Za-z0-9_\-]+)", body.get_content()
    )
    assert match, body.get_content()
    return match.group(1)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on a loopback port for the length of a test."""
    handler = Inbox()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, inbox: Inbox) -> Settings:
    """The backend's settings, mailing through the test SMTP server."""
    return settings.model_copy(
        update={
            "smtp_url": SecretStr(f"smtp://127.0.0.1:{inbox.port}"),
            "public_url": PUBLIC_URL,
            "mail_from": "skillnest <no-reply@skillnest.test>",
        }
    )


@pytest.fixture
async def platform(
    mail_settings: Settings, engine: AsyncEngine, cache: Cache, hub: Hub, limiter: RateLimiter
) -> AsyncIterator[Platform]:
    """The platform of the accounts tests: every mail goes to the test SMTP server."""
    yield Platform(
        settings=mail_settings,
        db=Database(mail_settings, engine),
        cache=cache,
        hub=hub,
        limiter=limiter,
    )
    # A mail still going out (a signup's welcome, say) must not outlive the test's loop.
    await drain_mail()
