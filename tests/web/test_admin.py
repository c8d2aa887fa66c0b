"""The admin UI in a browser: admins only, secrets never shown, every write audited."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import create_engine, text

from tests.web.conftest import (
    PASSWORD,
    SCREENSHOTS,
    WIDTHS,
    check_accessibility,
    delete_account,
    set_skills,
    sign_in,
    sign_up,
    unique_email,
)


def create_admin(settings, email: str) -> None:
    """``skillnest users create-admin`` against the live server's database."""
    env = {
        **os.environ,
        "SKILLNEST_ENV": "test",
        "SKILLNEST_DATABASE_URL": settings.database_url,
        "SKILLNEST_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SKILLNEST_PSEUDONYM_KEY": settings.pseudonym_key.get_secret_value(),
        "SKILLNEST_ADMIN_PASSWORD": PASSWORD,
    }
    if settings.redis_url:
        env["SKILLNEST_REDIS_URL"] = settings.redis_url
    done = subprocess.run(
        [sys.executable, "-m", "skillnest", "users", "create-admin", email, "--name", "Ada"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def audit_rows(settings, table: str) -> list[tuple]:
    engine = create_engine(settings.sync_database_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT admin_id, action, object_pk FROM admin_audit_log "
                        "WHERE table_name = :t"
                    ),
                    {"t": table},
                )
            )
    finally:
        engine.dispose()


def user_id(settings, email: str) -> int:
    engine = create_engine(settings.sync_database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT id FROM users WHERE email = :e"), {"e": email}
                ).scalar_one()
            )
    finally:
        engine.dispose()


async def member_profile(page: Page) -> dict[str, Any]:
    """``GET /api/v1/me`` with the page's session cookie: the cached profile document."""
    response = await page.request.get("/api/v1/me")
    assert response.ok, await response.text()
    profile: dict[str, Any] = await response.json()
    return profile


async def test_admins_browse_and_edit_with_an_audit_trail(people, settings, backend):
    stranger = await people.page()
    await stranger.goto("/admin/")
    await stranger.wait_for_url(re.compile(r".*/signin\?next=/admin/$"))

    member = await people.page()
    member_email = await sign_up(member, "Member")
    await set_skills(member, "Knitting", "")
    response = await member.goto("/admin/users/list")
    assert response is not None and response.status == 403
    await expect(member.get_by_text("The admin pages are for administrators only.")).to_be_visible()

    admin_email = unique_email("ada")
    create_admin(settings, admin_email)
    admin = await people.page()
    await sign_in(admin, admin_email)
    await admin.goto("/admin/")
    await expect(admin.get_by_role("link", name="Users").first).to_be_visible()

    await admin.goto("/admin/users/list")
    await expect(admin.locator("body")).to_contain_text(member_email)
    content = await admin.content()
    assert "password_hash" not in content.lower() and "$argon2" not in content
    await check_accessibility(admin)

    # Edit the member's name: the change is written and audited, and no cached answer
    # shows the old name.
    assert (await member_profile(member))["name"] != "Renamed by an admin"  # cached now
    member_id = str(user_id(settings, member_email))
    await admin.goto(f"/admin/users/edit/{member_id}")
    await admin.locator("input[name=name]").fill("Renamed by an admin")
    await admin.get_by_role("button", name="Save", exact=True).click()
    await admin.wait_for_url(re.compile(r".*/admin/users/(list|details/\d+).*"))
    await member.goto("/settings")
    await expect(member.get_by_label("Name")).to_have_value("Renamed by an admin")
    assert (await member_profile(member))["name"] == "Renamed by an admin"
    await member.goto("/exchange/skills")  # the edit left the other columns alone
    await expect(member.get_by_label("Skills I can teach")).to_have_value("Knitting")
    entries = audit_rows(settings, "users")
    assert any(action == "update" and pk == member_id for _, action, pk in entries), entries
    await admin.goto("/admin/admin_audit_log/list")
    await expect(admin.locator("body")).to_contain_text("Renamed by an admin")
    await check_accessibility(admin)

    # Append-only tables offer no writes; help requests never show their ciphertext.
    for table in ("ratings", "trust_interactions", "anonymous_help_sessions", "user_sessions"):
        await admin.goto(f"/admin/{table}/list")
        await expect(admin.get_by_role("link", name=re.compile("New"))).to_have_count(0)
        content = (await admin.content()).lower()
        assert "encrypted_request" not in content and "token_hash" not in content

    # Every admin page kind at both widths: axe, and a screenshot for `make screenshots`.
    folder = SCREENSHOTS / backend
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "admin-home": "/admin/",
        "admin-users": "/admin/users/list",
        "admin-user": f"/admin/users/details/{member_id}",
        "admin-user-edit": f"/admin/users/edit/{member_id}",
        "admin-help-requests": "/admin/anonymous_help_sessions/list",
        "admin-audit-log": "/admin/admin_audit_log/list",
    }
    for width in WIDTHS:
        await admin.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            await admin.goto(path)
            await check_accessibility(admin)
            await admin.screenshot(path=folder / f"{name}-{width}.png", full_page=True)

    await delete_account(member)
    await admin.set_viewport_size({"width": WIDTHS[-1], "height": 900})
    await delete_account(admin)
