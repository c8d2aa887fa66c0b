"""Outgoing mail: rendered from templates, sent after the commit, retried, never awaited.

With ``SKILLNEST_SMTP_URL`` mails go out through ``aiosmtplib`` (``smtps://`` for implicit
TLS; STARTTLS whenever the server offers it). Without it (the embedded default) each mail is
written to the log and to ``mail_dir`` as an ``.eml`` file, so a local run shows its links.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from skillnest.core.aftercommit import CommitQueue
from skillnest.settings import Settings

log = logging.getLogger("skillnest.mail")

RETRY_BASE_SECONDS = 0.5
_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True, slots=True)
class Mail:
    """One message to one address, with a plain-text and an HTML body."""

    to: str
    subject: str
    text: str
    html: str


@cache
def _templates(package: str) -> Environment:
    return Environment(
        loader=PackageLoader(package, "templates/mail"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_mail(package: str, template: str, *, to: str, subject: str, **context: Any) -> Mail:
    """A mail from ``<package>/templates/mail/<template>.txt`` and ``.html``."""
    env = _templates(package)
    context = {"subject": subject, **context}
    text = env.get_template(f"{template}.txt").render(**context)
    html = env.get_template(f"{template}.html").render(**context)
    return Mail(to=to, subject=subject, text=text, html=html)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """The MIME message: text/plain with a text/html alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> "))
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


async def _deliver_smtp(message: EmailMessage, settings: Settings) -> None:
    assert settings.smtp_url is not None
    url = urlsplit(settings.smtp_url.get_secret_value())
    implicit_tls = url.scheme == "smtps"
    await aiosmtplib.send(
        message,
        hostname=url.hostname or "localhost",
        port=url.port or (465 if implicit_tls else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=implicit_tls,
        # None: STARTTLS when the server offers it, plain otherwise (a local relay).
        start_tls=False if implicit_tls else None,
        timeout=settings.mail_timeout_seconds,
    )


def _write_file(message: EmailMessage, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = directory / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(message.as_bytes())
    return path


async def deliver(mail: Mail, settings: Settings) -> bool:
    """Send one mail now, retrying with backoff; return whether it went out."""
    message = build_message(mail, settings.mail_from)
    if settings.smtp_url is None:
        path = await asyncio.to_thread(_write_file, message, settings.mail_dir)
        # The links, not the body: the log keeps no address or name of the recipient.
        links = " ".join(_LINK.findall(mail.text))
        log.info("mail %r saved to %s; links: %s", mail.subject, path, links or "none")
        return True
    for attempt in range(1, settings.mail_attempts + 1):
        try:
            await _deliver_smtp(message, settings)
            return True
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            if attempt == settings.mail_attempts:
                log.error("mail to %s not sent after %d attempts: %s", mail.to, attempt, exc)
                return False
            log.warning("mail to %s failed (attempt %d): %s", mail.to, attempt, exc)
            await asyncio.sleep(RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    return False


# --- mails that wait for the commit -----------------------------------------------------


def _deliveries(_session: Session, pending: list[Any]) -> Iterator[Coroutine[Any, Any, bool]]:
    return (deliver(mail, settings) for mail, settings in pending)


_AFTER_COMMIT = CommitQueue("mail", _deliveries, "mail not sent", log)


def send_after_commit(session: AsyncSession, settings: Settings, mail: Mail) -> None:
    """Send a mail once the session's transaction has committed, in the background.

    A reset link must never reach anyone for a token the database then rolled back, and the
    request must not wait for an SMTP server (``core.aftercommit``).
    """
    _AFTER_COMMIT.add(session, (mail, settings))


async def drain_mail(timeout: float = 30.0) -> None:
    """Wait for the mails still being sent (at shutdown, and in tests)."""
    await _AFTER_COMMIT.drain(timeout)
