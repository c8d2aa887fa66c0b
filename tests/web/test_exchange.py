"""The exchange in a browser: two people match, chat live, read and rate."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.web.conftest import delete_account, set_skills, sign_up, wait_live

SCRIPT = "<script>window.pwned = 1</script>"


async def test_two_people_match_chat_live_and_rate(people):
    alice = await people.page()
    bob = await people.page(width=375)
    await sign_up(alice, "Alice")
    await set_skills(alice, "Python", "Guitar, Drum")
    await sign_up(bob, "Bob")
    await set_skills(bob, "Guitar, Drums", "python")
    await bob.goto("/settings")
    await bob.get_by_label("About you").fill(f"I play guitar {SCRIPT}")
    await bob.get_by_role("button", name="Save profile").click()
    await expect(bob.get_by_text("Your profile is saved.")).to_be_visible()

    # Alice finds Bob among her matches, with what each teaches the other.
    await alice.goto("/exchange/matches")
    card = alice.locator("article", has=alice.get_by_role("link", name="Bob", exact=True))
    await expect(card).to_contain_text("Teaches you: Guitar")
    await expect(card).to_contain_text("Learns from you: python")
    await expect(card.locator("li.related")).to_have_text("related: Drums ≈ Drum")
    await expect(card.get_by_text(f"I play guitar {SCRIPT}")).to_be_visible()  # text, not markup
    await card.get_by_role("button", name="Chat with Bob").click()
    await alice.wait_for_url(re.compile(r".*/exchange/chats/\d+$"))
    chat_url = alice.url

    # Bob waits on his chat list; Alice's message arrives without a reload.
    await bob.goto("/exchange/chats")
    await wait_live(bob)
    await wait_live(alice)
    nav_badge = bob.locator('nav [data-badge="unread"]')
    await expect(nav_badge).to_be_hidden()
    await alice.get_by_role("textbox", name="Message").fill(f"Guitar for Python? {SCRIPT}")
    await alice.get_by_role("button", name="Send").click()
    await expect(alice.locator("#messages li.mine")).to_have_count(1)
    await expect(alice.get_by_role("textbox", name="Message")).to_have_value("")
    await expect(nav_badge).to_be_visible()
    await expect(nav_badge).to_contain_text("1")
    row = bob.locator("[data-chat-row]")
    await expect(row.locator(".badge")).to_contain_text("1")
    await expect(row).to_contain_text(f"Guitar for Python? {SCRIPT}")
    assert await bob.evaluate("window.pwned") is None

    # Bob opens the chat (it is marked read), and replies; Alice sees both live.
    await row.get_by_role("link").click()
    await expect(bob.locator("#messages li.theirs")).to_have_text(re.compile("Guitar for Python"))
    await expect(nav_badge).to_be_hidden()
    await expect(alice.locator("[data-read-state]")).to_have_text("Read")
    await bob.get_by_role("textbox", name="Message").fill("Deal!")
    await bob.get_by_role("button", name="Send").click()
    await expect(alice.locator("#messages li.theirs")).to_have_text(re.compile("Deal!"))
    assert await alice.evaluate("window.pwned") is None

    # Alice rates the chat once: the form disappears, and stays gone.
    await alice.get_by_label("Rating (1 to 5)").select_option("5")
    await alice.get_by_label("Comment").fill("Patient and clear.")
    await alice.get_by_role("button", name="Rate once").click()
    await expect(alice.get_by_text("You rated this chat 5 / 5.")).to_be_visible()
    await alice.goto(chat_url)
    await expect(alice.get_by_role("button", name="Rate once")).to_have_count(0)
    await expect(alice.get_by_text("You have already rated this chat.")).to_be_visible()

    # Bob's public page shows the rating.
    await alice.get_by_role("link", name="Bob").click()
    await expect(alice.get_by_role("heading", name="Bob")).to_be_visible()
    await expect(alice.locator("main")).to_contain_text("5.0 / 5")
    await expect(alice.locator("main")).to_contain_text("Patient and clear.")

    await delete_account(alice)
    await delete_account(bob)
