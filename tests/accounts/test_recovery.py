"""Mail through a real SMTP server: verification at sign-up, password reset links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from skillnest.accounts.models import UserToken
from skillnest.core.mail import drain_mail
from tests.accounts.conftest import link_token
from tests.factories import PASSWORD, login, make_user, signup

NEW_PASSWORD = "a brand new passphrase"


async def test_signup_mails_a_link_that_verifies(client, inbox):
    user, headers = await signup(client, email="vera@example.org")
    assert user["email_verified"] is False
    [mail] = await inbox.to("vera@example.org")
    assert mail["Subject"] == "Confirm your email address for skillnest"
    assert mail.get_body(preferencelist=("html",)) is not None
    token = link_token(mail, "verify-email")

    confirmed = await client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    me = await client.get("/api/v1/me", headers=headers)
    assert me.json()["email_verified"] is True
    assert me.json()["email_verified_at"] is not None

    again = await client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    assert again.status_code == 400
    assert again.headers["content-type"] == "application/problem+json"
    resend = await client.post("/api/v1/auth/verify-email", headers=headers)
    assert resend.status_code == 409


async def test_resend_voids_the_older_link(client, inbox):
    _, headers = await signup(client, email="resend@example.org")
    resend = await client.post("/api/v1/auth/verify-email", headers=headers)
    assert resend.status_code == 202
    first, second = await inbox.to("resend@example.org")
    old = await client.post(
        "/api/v1/auth/verify-email/confirm", json={"token": link_token(first, "verify-email")}
    )
    assert old.status_code == 400
    new = await client.post(
        "/api/v1/auth/verify-email/confirm", json={"token": link_token(second, "verify-email")}
    )
    assert new.status_code == 200


async def test_email_change_needs_a_new_verification(client, inbox):
    _, headers = await signup(client, email="mover@example.org")
    first = link_token((await inbox.to("mover@example.org"))[0], "verify-email")
    moved = await client.post(
        "/api/v1/me/email",
        json={"email": "moved@example.org", "password": PASSWORD},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["email_verified"] is False
    # The link sent to the old address no longer verifies anything.
    stale = await client.post("/api/v1/auth/verify-email/confirm", json={"token": first})
    assert stale.status_code == 400
    [mail] = await inbox.to("moved@example.org")
    ok = await client.post(
        "/api/v1/auth/verify-email/confirm", json={"token": link_token(mail, "verify-email")}
    )
    assert ok.status_code == 200
    assert ok.json()["email"] == "moved@example.org"


async def test_reset_for_an_unknown_email_answers_alike_and_sends_nothing(client, session, inbox):
    user = await make_user(session)
    email = user.email
    known = await client.post("/api/v1/auth/password-reset", json={"email": email})
    unknown = await client.post("/api/v1/auth/password-reset", json={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.headers["content-type"] == unknown.headers["content-type"]
    received = await inbox.received()
    assert [m["To"] for m in received] == [email]


async def test_reset_link_works_once_and_revokes_every_session(client, session, inbox):
    user = await make_user(session)
    email = user.email
    first = await login(client, user)
    second = await login(client, user)
    await client.post("/api/v1/auth/password-reset", json={"email": email})
    [mail] = await inbox.to(email)
    assert mail["Subject"] == "Reset your skillnest password"
    token = link_token(mail, "reset-password")

    done = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    for headers in (first, second):
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    old = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert new.status_code == 200

    reuse = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "yet another one!"}
    )
    assert reuse.status_code == 400


async def test_reset_link_expires_after_thirty_minutes(client, session, inbox):
    user = await make_user(session)
    email, user_id = user.email, user.id
    await client.post("/api/v1/auth/password-reset", json={"email": email})
    token = link_token((await inbox.to(email))[0], "reset-password")
    row = (
        await session.execute(select(UserToken).where(UserToken.user_id == user_id))
    ).scalar_one()
    assert row.token_hash != token and len(row.token_hash) == 64  # stored hashed
    lifetime = row.expires_at - row.created_at
    assert timedelta(minutes=29) < lifetime <= timedelta(minutes=31)
    # Thirty minutes later: move the token's expiry into the past.
    await session.execute(
        update(UserToken)
        .where(UserToken.id == row.id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    expired = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert expired.status_code == 400


async def test_a_newer_reset_link_voids_the_older(client, session, inbox):
    user = await make_user(session)
    email = user.email
    for _ in range(2):
        await client.post("/api/v1/auth/password-reset", json={"email": email})
    first, second = await inbox.to(email)
    older = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": link_token(first, "reset-password"), "password": NEW_PASSWORD},
    )
    assert older.status_code == 400
    newer = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": link_token(second, "reset-password"), "password": NEW_PASSWORD},
    )
    assert newer.status_code == 204


async def test_reset_requests_are_rate_limited_per_account(client, session, inbox):
    user = await make_user(session)
    statuses = [
        (await client.post("/api/v1/auth/password-reset", json={"email": user.email})).status_code
        for _ in range(6)
    ]
    assert statuses == [202] * 5 + [429]
    await drain_mail()


async def test_a_refused_signup_sends_no_mail(client, inbox):
    # The refused second sign-up (duplicate email) must not mail the address again.
    await signup(client, email="once@example.org")
    again = await client.post(
        "/api/v1/auth/signup",
        json={"name": "Twice", "email": "once@example.org", "password": "long enough pw"},
    )
    assert again.status_code == 409
    assert len(await inbox.to("once@example.org")) == 1
