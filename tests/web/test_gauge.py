"""MetaGauge in a browser: contracts, usage and a key shown once."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.web.conftest import check_accessibility, delete_account, sign_up


async def test_a_gauge_user_adds_a_contract_and_rotates_the_api_key(people):
    page = await people.page()
    await sign_up(page, "Gwen")
    await page.goto("/gauge")
    await check_accessibility(page)
    await expect(page.locator("main")).to_contain_text("Tier: Free")
    await page.get_by_label("Contract name").fill("Uniswap <router>")
    await page.get_by_label("Address").fill("0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45")
    await page.get_by_label("Chain").fill("ethereum")
    await page.get_by_label("RPC endpoint URL").fill("https://eth.example.org/rpc")
    await page.get_by_role("button", name="Add contract").click()
    await expect(page.locator("[data-contracts]")).to_contain_text("Uniswap <router>")

    await page.get_by_role("button", name="Create API key").click()
    first = await page.locator("[data-api-key]").inner_text()
    assert len(first) >= 20
    await check_accessibility(page)
    await page.get_by_role("button", name="Rotate API key").click()
    second = await page.locator("[data-api-key]").inner_text()
    assert second != first
    # Shown once: a fresh look at the page does not show it again.
    await page.goto("/gauge")
    await expect(page.locator("[data-api-key]")).to_have_count(0)
    await expect(page.get_by_text("You have an API key.")).to_be_visible()
    # The new key works on the API, the old one no longer does.
    async with httpx.AsyncClient(base_url=people.base_url) as api:  # no session cookie
        me = await api.get("/api/v1/gauge/me", headers={"X-API-Key": second})
        old = await api.get("/api/v1/gauge/me", headers={"X-API-Key": first})
    assert me.status_code == 200 and old.status_code == 401
    await delete_account(page)
