"""A request's college and the feed's college filter come from a verified academic address."""

from __future__ import annotations

import re
import uuid
from email import message_from_bytes, policy

from sqlalchemy import select

from skillnest.core.mail import drain_mail
from skillnest.help.models import HelpSession
from tests.factories import signup
from tests.help.conftest import request_body


async def verify_by_mail(client, settings, email: str) -> None:
    """Open the verification link mailed to ``email`` (no SMTP here: ``mail_dir/*.eml``)."""
    await drain_mail()
    for path in sorted(settings.mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == email:
            text = message.get_body(preferencelist=("plain",)).get_content()
            token = re.search(r"/verify-email\?token=([\w-]+)", text).group(1)
            response = await client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
            assert response.status_code == 200, response.text
            return
    raise AssertionError(f"no mail to {email}")


async def test_verified_mit_student_posts_with_mit_edu(client, session, settings):
    _, headers = await signup(client, email="ann@mit.edu")
    unverified = await client.post(
        "/api/v1/help/requests", json=request_body(college_domain="mit.edu"), headers=headers
    )
    assert unverified.status_code == 403

    await verify_by_mail(client, settings, "ann@mit.edu")
    me = await client.get("/api/v1/me", headers=headers)
    assert me.json()["email_verified"] is True and me.json()["college_domain"] == "mit.edu"
    created = await client.post(
        "/api/v1/help/requests", json=request_body(college_domain="MIT.edu"), headers=headers
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    stored = await session.scalar(
        select(HelpSession.college_domain).where(HelpSession.id == uuid.UUID(request_id))
    )
    assert stored == "mit.edu"

    mine = await client.get("/api/v1/help/feed", params={"college_domain": "mine"}, headers=headers)
    assert [c["id"] for c in mine.json()["items"]] == [request_id]
    assert mine.json()["items"][0]["college_domain"] == "mit.edu"


async def test_typing_a_college_without_a_verified_address_is_refused(client, people):
    typed = await people(email="bob@mit.edu", email_verified_at=None)
    refused = await client.post(
        "/api/v1/help/requests", json=request_body(college_domain="mit.edu"), headers=typed.headers
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    # Without a college the request goes through, and the public feed stays readable.
    ok = await client.post(
        "/api/v1/help/requests", json=request_body(college_domain=None), headers=typed.headers
    )
    assert ok.status_code == 201
    assert (await client.get("/api/v1/help/feed", headers=typed.headers)).status_code == 200
    filtered = await client.get(
        "/api/v1/help/feed", params={"college_domain": "mit.edu"}, headers=typed.headers
    )
    assert filtered.status_code == 403


async def test_only_ones_own_academic_college(client, people):
    mit = await people(email="cy@mit.edu")
    other = await client.post(
        "/api/v1/help/requests",
        json=request_body(college_domain="harvard.edu"),
        headers=mit.headers,
    )
    assert other.status_code == 403
    not_academic = await people(email="dee@example.org")
    refused = await client.post(
        "/api/v1/help/requests",
        json=request_body(college_domain="mine"),
        headers=not_academic.headers,
    )
    assert refused.status_code == 403
    peek = await client.get(
        "/api/v1/help/feed", params={"college_domain": "harvard.edu"}, headers=mit.headers
    )
    assert peek.status_code == 403
