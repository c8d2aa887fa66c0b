from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from skillnest.accounts.models import User, UserSession
from tests.factories import PASSWORD, login, make_user, signup


async def test_signup_login_me_logout(client):
    user, headers = await signup(client, name="Ana", email="Ana@Example.org")
    assert user["email"] == "ana@example.org"
    assert "password_hash" not in user

    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["name"] == "Ana"

    relogin = await client.post(
        "/api/v1/auth/login", json={"email": "ANA@example.org", "password": PASSWORD}
    )
    assert relogin.status_code == 200

    out = await client.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 204
    after = await client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"


async def test_signup_rejects_short_password_and_duplicate_email(client):
    short = await client.post(
        "/api/v1/auth/signup", json={"name": "x", "email": "x@example.org", "password": "1234567"}
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["loc"] == ["body", "password"]

    await signup(client, email="dup@example.org")
    again = await client.post(
        "/api/v1/auth/signup",
        json={"name": "y", "email": "DUP@example.org", "password": "long enough pw"},
    )
    assert again.status_code == 409


async def test_password_rules_allow_unicode_and_no_truncation(client):
    long_password = "ü" * 100 + "end"
    _, headers = await signup(client, email="uni@example.org", password=long_password)
    cut = await client.post(
        "/api/v1/auth/login", json={"email": "uni@example.org", "password": "ü" * 100}
    )
    assert cut.status_code == 401
    too_long = await client.post(
        "/api/v1/auth/signup",
        json={"name": "z", "email": "z@example.org", "password": "a" * 129},
    )
    assert too_long.status_code == 422


async def test_unknown_email_and_wrong_password_answer_alike(client, session):
    user = await make_user(session)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "not the password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_eleven_wrong_passwords_give_429_with_retry_after(client, session):
    user = await make_user(session)
    email = user.email
    statuses = []
    for _ in range(11):
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong-password"}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert int(response.headers["Retry-After"]) > 0
    # Even the right password is refused until the window passes.
    right = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert right.status_code == 429


async def test_werkzeug_hash_logs_in_and_is_rehashed_to_argon2id(client, session):
    legacy = generate_password_hash("legacy-password", method="pbkdf2:sha256")
    user = await make_user(session, password_hash=legacy)
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "legacy-password"}
    )
    assert response.status_code == 200
    stored = await session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")


async def test_scrypt_werkzeug_hash_logs_in(client, session):
    user = await make_user(session, password_hash=generate_password_hash("scrypt-pass"))
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "scrypt-pass"}
    )
    assert response.status_code == 200


async def test_tokens_are_stored_as_digests_only(client, session):
    user, headers = await signup(client)
    token = headers["Authorization"].split()[1]
    digests = (
        await session.scalars(
            select(UserSession.token_hash).where(UserSession.user_id == user["id"])
        )
    ).all()
    assert token not in digests
    assert len(digests) == 1 and len(digests[0]) == 64


async def test_password_change_revokes_other_sessions(client, session):
    user = await make_user(session)
    email = user.email  # a failed request rolls back to the savepoint and expires objects
    first = await login(client, user)
    second = await login(client, user)
    changed = await client.post(
        "/api/v1/me/password",
        headers=first,
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
    )
    assert changed.status_code == 204
    assert (await client.get("/api/v1/me", headers=first)).status_code == 200
    assert (await client.get("/api/v1/me", headers=second)).status_code == 401
    old = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401


async def test_wrong_current_password_is_refused(client, session):
    user = await make_user(session)
    headers = await login(client, user)
    response = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "nope nope", "new_password": "another password"},
    )
    assert response.status_code == 401


async def test_missing_and_garbage_tokens_are_401(client):
    assert (await client.get("/api/v1/me")).status_code == 401
    garbage = await client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert garbage.status_code == 401
