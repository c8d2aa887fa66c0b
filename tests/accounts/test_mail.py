"""core.mail against a real SMTP server: retries, and the file fallback without one."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from pydantic import SecretStr

from skillnest.core.mail import deliver, render_mail
from tests.accounts.conftest import Inbox, free_port

LINK = "https://skillnest.test/verify-email?token=abc123"


def a_mail(to: str = "someone@example.org"):
    return render_mail(
        "skillnest.accounts",
        "verify_email",
        to=to,
        subject="Confirm your email address for skillnest",
        name="Someone <b>",
        email=to,
        hours=48,
        link=LINK,
    )


class Flaky(Inbox):
    """Refuses the first message with a temporary error, then accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        self.attempts += 1
        if self.attempts == 1:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


async def test_a_temporary_failure_is_retried(settings):
    handler = Flaky()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = settings.model_copy(update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}")})
        assert await deliver(a_mail(), smtp) is True
    finally:
        controller.stop()
    assert handler.attempts == 2
    [message] = handler.messages
    assert message.get_body(preferencelist=("plain",)).get_content().count(LINK) == 1
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Someone &lt;b&gt;" in html  # the HTML template escapes what it is given


async def test_an_unreachable_server_gives_up_after_the_attempts(settings, caplog):
    port = free_port()  # nothing listens there
    smtp = settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}"), "mail_attempts": 2}
    )
    with caplog.at_level(logging.WARNING, logger="skillnest.mail"):
        assert await deliver(a_mail(), smtp) is False
    assert "not sent after 2 attempts" in caplog.text


async def test_without_smtp_mails_go_to_files_and_links_to_the_log(settings, tmp_path, caplog):
    local = settings.model_copy(update={"smtp_url": None, "mail_dir": tmp_path / "mail"})
    with caplog.at_level(logging.INFO, logger="skillnest.mail"):
        assert await deliver(a_mail("private.person@example.org"), local) is True
    [path] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "private.person@example.org"
    assert LINK in caplog.text
    assert "private.person" not in caplog.text
