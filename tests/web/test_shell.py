"""The page shell over HTTP: cookies, CSRF, CSP, error pages, sign-in redirects."""

from __future__ import annotations

import re

from httpx import ASGITransport, AsyncClient

from skillnest.app import create_app
from skillnest.core.deps import get_session
from skillnest.core.platform import Platform
from tests.factories import PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def csrf_of(client: AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def sign_in(client: AsyncClient, email: str) -> None:
    token = await csrf_of(client, "/signin")
    response = await client.post(
        "/signin", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text


async def test_pages_send_a_strict_content_security_policy(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "<script>" not in response.text  # no inline script, only files from /static
    assert all(src.startswith("/static/") for src in re.findall(r'src="([^"]+)"', response.text))


async def test_vendored_assets_are_served_with_their_licences(client):
    for path in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/htmx/LICENSE",
        "/static/vendor/htmx/VERSION",
        "/static/vendor/pico/pico.min.css",
        "/static/vendor/pico/LICENSE.md",
        "/static/app.js",
    ):
        assert (await client.get(path)).status_code == 200, path


async def test_sign_in_sets_an_httponly_lax_cookie_holding_an_api_token(client, session):
    user = await make_user(session)
    await sign_in(client, user.email)
    cookie = next(c for c in client.cookies.jar if c.name == "skillnest_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    assert not cookie.secure  # the public URL of the test settings is http
    # The same token works as the API's bearer token.
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie.value}"})
    assert me.json()["email"] == user.email


async def test_cookie_is_secure_when_the_public_url_is_https(platform, session):
    settings = platform.settings.model_copy(update={"public_url": "https://skillnest.example"})
    secure = Platform(
        settings=settings,
        db=platform.db,
        cache=platform.cache,
        hub=platform.hub,
        limiter=platform.limiter,
    )
    app = create_app(platform=secure)

    async def same_session():  # type: ignore[no-untyped-def]
        yield session

    app.dependency_overrides[get_session] = same_session
    user = await make_user(session)
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="https://test") as http:
        await sign_in(http, user.email)
        cookie = next(c for c in http.cookies.jar if c.name == "skillnest_session")
        assert cookie.secure


async def test_unsafe_page_requests_need_the_csrf_token(client, session):
    user = await make_user(session)
    missing = await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert missing.status_code == 403
    assert missing.headers["content-type"].startswith("text/html")
    await client.get("/signin")  # now the browser has its CSRF cookie
    forged = await client.post(
        "/signin", data={"csrf_token": "0" * 64, "email": user.email, "password": PASSWORD}
    )
    assert forged.status_code == 403
    await sign_in(client, user.email)
    # htmx sends the token in a header; a token from before sign-in no longer fits.
    token = await csrf_of(client, "/settings")
    ok = await client.post("/settings", data={"name": "Renamed"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and "Your profile is saved." in ok.text
    stale = await client.post("/signout", headers={"X-CSRF-Token": "f" * 64})
    assert stale.status_code == 403


async def test_the_api_accepts_the_cookie_only_on_safe_requests(client, session):
    user = await make_user(session)
    await sign_in(client, user.email)
    assert (await client.get("/api/v1/me")).status_code == 200
    # A cross-site form could send the cookie: unsafe API calls need the bearer header.
    patched = await client.patch("/api/v1/me", json={"name": "Mallory"})
    assert patched.status_code == 401


async def test_pages_for_people_send_strangers_to_sign_in(client):
    response = await client.get("/exchange/matches?offset=20")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/exchange/matches%3Foffset%3D20"


async def test_sign_in_never_redirects_off_site(client, session):
    user = await make_user(session)
    token = await csrf_of(client, "/signin")
    response = await client.post(
        "/signin",
        data={
            "csrf_token": token,
            "email": user.email,
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/dashboard"
    response = await client.get("/signin?next=/careers/jobs")  # signed in: straight on
    assert response.headers["location"] == "/careers/jobs"
    response = await client.get("/signin")
    assert response.headers["location"] == "/dashboard"


async def test_errors_are_html_for_pages_and_problem_json_for_the_api(client):
    page = await client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in page.text
    api = await client.get("/api/v1/no/such/route")
    assert api.headers["content-type"] == "application/problem+json"


async def test_wrong_password_shows_the_form_again(client, session):
    user = await make_user(session)
    token = await csrf_of(client, "/signin")
    response = await client.post(
        "/signin", data={"csrf_token": token, "email": user.email, "password": "wrong one"}
    )
    assert response.status_code == 401
    assert "Email or password is incorrect." in response.text


async def test_user_text_is_escaped(client, session):
    user = await make_user(session, bio="<script>alert(1)</script>", skills_to_offer=["<b>x</b>"])
    viewer = await make_user(session)
    await sign_in(client, viewer.email)
    page = await client.get(f"/people/{user.id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text


async def test_pages_still_coming_say_so(client):
    for path in (
        "/forgot-password",
        "/reset-password",
        "/verify-email",
        "/settings/sessions",
        "/settings/two-factor",
        "/settings/providers",
        "/settings/export",
    ):
        page = await client.get(path)
        assert page.status_code == 200 and "Coming soon." in page.text, path


async def test_sign_in_is_rate_limited_as_in_the_api(client, session, platform):
    user = await make_user(session)
    token = await csrf_of(client, "/signin")
    attempts = platform.settings.login_failures_per_account
    for _ in range(attempts):
        wrong = await client.post(
            "/signin", data={"csrf_token": token, "email": user.email, "password": "nope nope"}
        )
        assert wrong.status_code == 401
    blocked = await client.post(
        "/signin", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert "Sign in" in blocked.text  # the form again, with the reason
