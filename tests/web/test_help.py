"""Anonymous help in a browser: sealed in one browser, read in another and by the CLI."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import expect
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from skillnest.cli import app as skillnest_app
from tests.web.conftest import delete_account, sign_up

SECRET = "My foldr on a 10^6 list overflows the stack <script>window.pwned=1</script>"
NOTE = "I debugged space leaks in folds for a year <b>bold</b>"
TALK = ["Which fold do you use, foldl or foldr?", "foldr, on a list of a million Ints"]


def stored_messages(settings) -> list[str]:
    engine = create_engine(settings.sync_database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT ciphertext FROM help_messages ORDER BY id")).all()
    finally:
        engine.dispose()
    return [row[0] for row in rows]


def stored_ciphertext(settings, request_id: str) -> str | None:
    engine = create_engine(settings.sync_database_url)
    try:
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT encrypted_request FROM anonymous_help_sessions WHERE id = :id"),
                {
                    "id": request_id
                    if engine.dialect.name == "postgresql"
                    else uuid.UUID(request_id).hex
                },
            ).scalar_one()
    finally:
        engine.dispose()
    return value


async def test_ask_offer_accept_read_in_the_browser_and_the_cli(people, settings, tmp_path):
    asker = await people.page()
    helper = await people.page(width=375)
    await sign_up(asker, "Asker")
    await sign_up(helper, "Helper")

    # The helper watches the feed filtered by skill.
    await helper.goto("/help?skills=haskell")
    await helper.locator("[data-feed-stream][data-live='1']").wait_for(state="attached")

    await asker.goto("/help/ask")
    await asker.get_by_label("Public title").fill("Stack overflow in a fold")
    await asker.get_by_label("Skills").fill("Haskell, Recursion")
    await asker.get_by_label("Urgency").select_option("3")
    await asker.get_by_label("What do you need help with?").fill(SECRET)
    await asker.get_by_role("button", name="Encrypt and ask").click()
    await asker.wait_for_url(re.compile(r".*/help/requests/[0-9a-f-]{36}$"))
    request_id = asker.url.rsplit("/", 1)[1]
    await expect(asker.locator("[data-plaintext]")).to_have_text(SECRET)  # the owner reads it

    # It appears in the helper's feed without a reload; the server holds ciphertext only.
    card = helper.locator(f'[data-request="{request_id}"]')
    await expect(card).to_contain_text("Stack overflow in a fold")
    ciphertext = stored_ciphertext(settings, request_id)
    assert ciphertext and "foldr" not in ciphertext and "Asker" not in ciphertext

    await card.get_by_role("link").click()
    await helper.get_by_label("A note to the asker (optional, only they can read it)").fill(NOTE)
    await helper.get_by_role("button", name="Offer to help").click()
    await expect(helper.get_by_text("You offered to help (Pending).")).to_be_visible()

    await asker.reload()
    await expect(asker.get_by_text("trust not enough data yet")).to_be_visible()
    await expect(asker.locator("[data-offer-note]")).to_have_text(NOTE)  # decrypted here
    await asker.get_by_role("button", name="Accept this offer").click()
    await expect(asker.locator("[data-status]")).to_have_text("Matched")

    await helper.reload()
    await expect(helper.get_by_text("You are the accepted helper.")).to_be_visible()
    await expect(helper.locator("[data-plaintext]")).to_have_text(SECRET)
    assert await helper.evaluate("window.pwned") is None
    await helper.get_by_role("button", name="Start helping").click()
    await expect(helper.locator("[data-status]")).to_have_text("InProgress")

    # The two talk, each message encrypted in one browser and arriving live in the other.
    await asker.reload()
    for page in (asker, helper):
        await page.locator("[data-help-thread][data-ready='1']").wait_for(state="attached")
        await page.locator("body[data-live-ready='1']").wait_for(state="attached")
    for sender, reader, line in ((helper, asker, TALK[0]), (asker, helper, TALK[1])):
        await sender.get_by_label("Your message").fill(line)
        await sender.get_by_role("button", name="Send encrypted").click()
        await expect(reader.locator("[data-messages] li").last).to_have_text(line)
    for page in (asker, helper):
        await expect(page.locator("[data-messages] li")).to_have_text(TALK)
    await expect(asker.locator("[data-messages] li.mine")).to_have_text([TALK[1]])
    stored = stored_messages(settings)
    assert len(stored) == 2 and not any("fold" in value for value in stored)

    # The helper exports the key pair; the CLI reads the same request with it.
    await helper.goto("/help/keys")
    await expect(helper.locator("[data-key-count]")).to_have_text("This browser holds 1 key.")
    async with helper.expect_download() as download_info:
        await helper.get_by_role("button", name="Export keys to a file").click()
    keys_file = tmp_path / "keys.json"
    await (await download_info.value).save_as(keys_file)
    token = next(
        c["value"] for c in await helper.context.cookies() if c["name"] == "skillnest_session"
    )
    env = {"SKILLNEST_CONFIG_DIR": str(tmp_path / "cli"), "SKILLNEST_TOKEN": token}
    cli = CliRunner()
    server = ["help", "--server", people.base_url]
    imported = cli.invoke(skillnest_app, [*server, "import-keys", str(keys_file)], env=env)
    assert imported.exit_code == 0, imported.output
    read = cli.invoke(skillnest_app, [*server, "read", request_id, "--no-start"], env=env)
    assert read.exit_code == 0, read.output
    assert read.output.strip() == SECRET

    # The asker completes and rates; the helper's score waits for more data.
    await asker.reload()
    await asker.get_by_label("Quality (1 to 10)").fill("9")
    await asker.get_by_label("Minutes of help").fill("30")
    await asker.get_by_role("button", name="Complete and rate").click()
    await expect(asker.locator("[data-status]")).to_have_text("Completed")
    assert stored_ciphertext(settings, request_id) is None  # finished requests keep no text
    await helper.goto("/help/trust")
    await expect(helper.get_by_text("Not enough data yet.")).to_be_visible()

    await delete_account(asker)
    await delete_account(helper)


async def test_a_request_asked_in_the_cli_is_read_in_the_browser(people, tmp_path):
    asker = await people.page()
    helper = await people.page()
    await sign_up(asker, "CliAsker")
    await sign_up(helper, "BrowserHelper")
    token = next(
        c["value"] for c in await asker.context.cookies() if c["name"] == "skillnest_session"
    )
    env = {"SKILLNEST_CONFIG_DIR": str(tmp_path / "cli"), "SKILLNEST_TOKEN": token}
    cli = CliRunner()
    server = ["help", "--server", people.base_url]
    secret = "Asked from a terminal: how do I type a heterogeneous list?"
    asked = cli.invoke(
        skillnest_app,
        [*server, "ask", "--skill", "haskell", "--title", "From the CLI", "--text", secret],
        env=env,
    )
    assert asked.exit_code == 0, asked.output
    request_id = re.search(r"request ([0-9a-f-]{36}) created", asked.output).group(1)

    await helper.goto(f"/help/requests/{request_id}")
    await helper.get_by_role("button", name="Offer to help").click()
    await expect(helper.get_by_text("You offered to help (Pending).")).to_be_visible()
    shown = cli.invoke(skillnest_app, [*server, "show", request_id], env=env)
    offer_id = re.search(r"offer ([0-9a-f-]{36})", shown.output).group(1)
    accepted = cli.invoke(skillnest_app, [*server, "accept", request_id, offer_id], env=env)
    assert accepted.exit_code == 0, accepted.output

    await helper.reload()
    await expect(helper.locator("[data-plaintext]")).to_have_text(secret)

    await delete_account(asker)
    await delete_account(helper)
