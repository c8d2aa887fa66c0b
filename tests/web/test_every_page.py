"""Every page at 375 and 1280 px: axe-core finds no serious or critical violation, and a
screenshot of each is saved under var/screenshots/<backend>/ (``make screenshots``)."""

from __future__ import annotations

import re

from playwright.async_api import Page

from tests.web.conftest import (
    SCREENSHOTS,
    WIDTHS,
    check_accessibility,
    delete_account,
    set_skills,
    sign_up,
    wait_live,
)

PUBLIC_PAGES = {
    "landing": "/",
    "sign-in": "/signin",
    "sign-up": "/signup",
    "forgot-password": "/forgot-password",
    "reset-password": "/reset-password",
    "verify-email": "/verify-email",
    "not-found": "/no/such/page",
}
SIGNED_IN_PAGES = {
    "home": "/",
    "skills": "/exchange/skills",
    "matches": "/exchange/matches",
    "chats": "/exchange/chats",
    "settings-profile": "/settings",
    "settings-password": "/settings/password",
    "settings-sessions": "/settings/sessions",
    "settings-two-factor": "/settings/two-factor",
    "settings-providers": "/settings/providers",
    "settings-export": "/settings/export",
    "settings-delete": "/settings/delete",
    "help-feed": "/help",
    "help-ask": "/help/ask",
    "help-mine": "/help/mine",
    "help-trust": "/help/trust",
    "help-keys": "/help/keys",
}


async def visit_all(page: Page, pages: dict[str, str], folder: str) -> None:
    """Visit each page at both widths: axe, then a full-page screenshot."""
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            await page.goto(path)
            await check_accessibility(page)
            await page.screenshot(path=SCREENSHOTS / folder / f"{name}-{width}.png", full_page=True)


async def test_every_page_is_accessible_at_both_widths(people, backend):
    folder = backend
    (SCREENSHOTS / folder).mkdir(parents=True, exist_ok=True)
    visitor = await people.page()
    await visit_all(visitor, PUBLIC_PAGES, folder)

    dana = await people.page()
    await sign_up(dana, "Dana")
    await set_skills(dana, "Spanish, Cooking", "Chess")
    eli = await people.page()
    await sign_up(eli, "Eli")
    await set_skills(eli, "Chess", "Spanish")
    await eli.goto("/exchange/matches")
    await eli.get_by_role("button", name="Chat with Dana").click()
    await eli.wait_for_url(re.compile(r".*/exchange/chats/\d+$"))
    await wait_live(eli)
    await eli.get_by_role("textbox", name="Message").fill("Hola! Chess for Spanish?")
    await eli.get_by_role("button", name="Send").click()
    await eli.locator("#messages li.mine").wait_for()
    await dana.goto("/exchange/matches")
    person = await dana.get_by_role("link", name="Eli", exact=True).get_attribute("href")
    await dana.goto("/exchange/chats")
    chat = await dana.locator("[data-chat-row] a").first.get_attribute("href")
    assert person and chat
    await dana.goto("/help/ask")
    await dana.get_by_label("Skills").fill("Chess")
    await dana.get_by_label("What do you need help with?").fill("Which opening first?")
    await dana.get_by_role("button", name="Encrypt and ask").click()
    await dana.wait_for_url(re.compile(r".*/help/requests/[0-9a-f-]{36}$"))
    pages = {**SIGNED_IN_PAGES, "person": person, "chat": chat, "help-request": dana.url}
    await visit_all(dana, pages, folder)

    await delete_account(dana)
    await delete_account(eli)
