"""MetaGauge in a browser: a legacy user's first visit, and a contract's whole life."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.gauge import importer
from skillnest.gauge.sample import sample_password, write_sample
from tests.factories import make_user
from tests.gauge.conftest import read_json, write_json
from tests.web import test_shell as shell
from tests.web.conftest import (
    PASSWORD,
    check_accessibility,
    delete_account,
    sign_in,
    sign_up,
    wait_live,
)

RESULTS = {
    "summary": {"transactions": 1200, "uniqueUsers": 310},
    "metrics": {"dau": 42, "retention7d": 0.183},
    "topFunctions": [{"name": "swap", "calls": 900}, {"name": "approve", "calls": 300}],
}


@pytest.fixture
async def legacy_user(engine, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A user of a legacy MetaGauge folder with a finished analysis, imported and committed.

    The folder is the importer tests' synthetic one (seed layout); the user is made an
    active enterprise account, whose unlimited history shows analyses of any age. The
    folder's accounts are deleted afterwards (their gauge rows cascade), as the other
    browser tests delete theirs: the server's database is shared by the whole session.
    """
    folder = tmp_path / "metagauge"
    write_sample(folder, users=4, layout="seed", bcrypt_rounds=4, documents=False)
    users = read_json(folder / "users.json")
    contracts, analyses = read_json(folder / "contracts.json"), read_json(folder / "analyses.json")
    index = next(
        i
        for i, user in enumerate(users)
        if any(a["userId"] == user["id"] and a["status"] == "completed" for a in analyses)
    )
    user = users[index]
    user.update(tier="enterprise", isActive=True)
    write_json(folder / "users.json", users)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        report = await importer.import_metagauge(session=session, data_dir=folder)
        assert report.problems == [] and report.should_commit
        await session.commit()
    yield {
        "email": user["email"].strip().lower(),
        "password": sample_password(index),
        "api_key": user["apiKey"],
        "contracts": [c["name"] for c in contracts if c["userId"] == user["id"]],
        "analyses": [a for a in analyses if a["userId"] == user["id"]],
    }
    emails = [u["email"].strip().lower() for u in users]
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(delete(User).where(func.lower(User.email).in_(emails)))


async def test_a_legacy_user_signs_in_sees_their_data_and_rotates_the_key(people, legacy_user):
    page = await people.page()
    await sign_in(page, legacy_user["email"], legacy_user["password"])
    await page.goto("/gauge")
    await check_accessibility(page)
    await expect(page.locator("main")).to_contain_text("Tier: Enterprise")
    for name in legacy_user["contracts"]:
        await expect(page.locator("[data-contracts]")).to_contain_text(name)
    rows = page.locator("[data-analyses] [data-analysis]")
    await expect(rows).to_have_count(len(legacy_user["analyses"]))

    # A finished analysis reads as tables, its raw JSON folded away.
    done = rows.filter(has=page.locator("[data-status]", has_text="completed")).first
    await done.get_by_role("link").click()
    await expect(page.get_by_role("table", name="Top functions")).to_contain_text("transfer")
    await expect(page.get_by_role("table", name="Metrics")).to_contain_text("Retention7d")
    await expect(page.locator("details pre.json").first).not_to_be_visible()
    await check_accessibility(page)
    await page.goto("/gauge")

    # The key from the legacy files works until it is rotated; the new one is shown once.
    async with httpx.AsyncClient(base_url=people.base_url, timeout=20) as api:  # no session cookie
        old = {"X-API-Key": legacy_user["api_key"]}
        assert (await api.get("/api/v1/gauge/me", headers=old)).status_code == 200
        await page.get_by_role("button", name="Rotate API key").click()
        new = await page.locator("[data-api-key]").inner_text()
        assert len(new) == 64 and new != legacy_user["api_key"]
        await check_accessibility(page)
        await page.goto("/gauge")
        await expect(page.locator("[data-api-key]")).to_have_count(0)
        assert (await api.get("/api/v1/gauge/me", headers=old)).status_code == 401
        assert (await api.get("/api/v1/gauge/me", headers={"X-API-Key": new})).status_code == 200


async def api_token(base_url: str, email: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as api:
        login = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def fill_competitor(page: Page, row: int, name: str, address: str, chain: str) -> None:
    await page.get_by_label(f"Competitor {row} name").fill(name)
    await page.get_by_label(f"Competitor {row} address").fill(address)
    await page.get_by_label(f"Competitor {row} chain").fill(chain)


async def test_a_contract_is_edited_analysed_live_and_discussed(people):
    page = await people.page()
    email = await sign_up(page, "Gwen")
    headers = await api_token(people.base_url, email)
    await page.goto("/gauge")
    await expect(page.locator("main")).to_contain_text("Tier: Free")
    await page.get_by_label("Contract name").fill("Uniswap <router>")
    await page.get_by_label("Address").fill("0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45")
    await page.get_by_label("Chain").select_option("ethereum")
    await page.get_by_label("RPC endpoint URL").fill("https://eth.example.org/rpc")
    await page.get_by_role("button", name="Add contract").click()
    await page.wait_for_url(re.compile(r".*/gauge/contracts/\d+$"))
    contract_url = page.url
    await expect(page.get_by_role("heading", level=1)).to_have_text("Uniswap <router>")

    # Edit: a competitor, a second chain's endpoint, the analysis parameters.
    await fill_competitor(
        page, 1, "SushiSwap", "0xd9e1cE17f2641f24aE83637ab66a2cca9C378B9F", "ethereum"
    )
    await page.get_by_label("Lisk RPC URLs").fill(
        "https://lisk.example.org/a\nhttps://lisk.example.org/b"
    )
    await page.get_by_label("Whale threshold").fill("50.5")
    await page.get_by_label("csv").uncheck()
    # A competitor without a chain is refused with the row named, the typed values kept.
    await fill_competitor(page, 2, "Curve", "0xbEbc44782C7dB0a1A60Cb6fe97d0b483032FF1C7", "")
    await page.get_by_role("button", name="Save contract").click()
    await expect(page.get_by_role("alert")).to_contain_text("Competitor 2 chain")
    await expect(page.get_by_label("Competitor 2 name")).to_have_value("Curve")
    await page.get_by_label("Competitor 2 chain").fill("ethereum")
    await page.get_by_role("button", name="Save contract").click()
    await expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    await expect(page.get_by_label("Competitor 2 name")).to_have_value("Curve")
    await expect(page.get_by_label("Whale threshold")).to_have_value("50.5")
    await expect(page.get_by_label("csv")).not_to_be_checked()
    async with httpx.AsyncClient(base_url=people.base_url, headers=headers, timeout=20) as api:
        contract_id = int(contract_url.rsplit("/", 1)[1])
        stored = (await api.get(f"/api/v1/gauge/contracts/{contract_id}")).json()
    assert [c["name"] for c in stored["competitors"]] == ["SushiSwap", "Curve"]
    assert stored["rpc_config"]["lisk"] == [
        "https://lisk.example.org/a",
        "https://lisk.example.org/b",
    ]
    assert stored["analysis_params"]["output_formats"] == ["json", "markdown"]

    # An analysis started here follows its runner's reports live, then shows its results.
    await page.get_by_role("button", name="Start an analysis").click()
    await page.wait_for_url(re.compile(r".*/gauge/analyses/\d+$"))
    analysis_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.locator("[data-status]")).to_have_text("pending")
    await wait_live(page)
    async with httpx.AsyncClient(base_url=people.base_url, headers=headers, timeout=20) as api:
        url = f"/api/v1/gauge/analyses/{analysis_id}"
        running = {"status": "running", "progress": 40, "current_step": "fetching transactions"}
        assert (await api.patch(url, json=running)).status_code == 200
        await expect(page.locator("[data-progress]")).to_have_text("40%")
        await expect(page.locator("[data-step]")).to_have_text("fetching transactions")
        assert (
            await api.patch(url, json={"status": "completed", "results": RESULTS})
        ).status_code == 200
    await expect(page.locator("[data-status]")).to_have_text("completed")
    await expect(page.get_by_role("table", name="Top functions")).to_contain_text("swap")
    await expect(page.get_by_role("table", name="Summary")).to_contain_text("1,200")
    await check_accessibility(page)
    await page.goto("/gauge")
    await expect(page.locator("[data-usage]")).to_have_text("1")
    await expect(page.locator(f'[data-analysis="{analysis_id}"] [data-status]')).to_have_text(
        "completed"
    )

    # A chat about the contract: my question appears at once, the answer arrives live.
    await page.goto(contract_url)
    await page.get_by_label("Chat title (optional)").fill("Retention questions")
    await page.get_by_role("button", name="Start a chat").click()
    await page.wait_for_url(re.compile(r".*/gauge/chats/\d+$"))
    chat_id = int(page.url.rsplit("/", 1)[1])
    await wait_live(page)
    await page.get_by_label("Your question").fill("How did <b>retention</b> change?")
    await page.get_by_role("button", name="Ask").click()
    await expect(page.locator('#gauge-messages [data-role="user"]')).to_contain_text(
        "<b>retention</b>"
    )
    await expect(page.get_by_label("Your question")).to_have_value("")
    async with httpx.AsyncClient(base_url=people.base_url, headers=headers, timeout=20) as api:
        answer = {"role": "assistant", "content": "Seven-day retention rose to 18%."}
        sent = await api.post(f"/api/v1/gauge/chat/sessions/{chat_id}/messages", json=answer)
        assert sent.status_code == 201, sent.text
    await expect(page.locator('#gauge-messages [data-role="assistant"]')).to_contain_text(
        "rose to 18%"
    )
    await check_accessibility(page)
    await page.goto(contract_url)
    await expect(page.locator("[data-contract-chats]")).to_contain_text("Retention questions")
    await page.goto("/gauge/chats")
    await expect(page.locator("[data-chats]")).to_contain_text("2 messages")
    await delete_account(page)


async def test_gauge_forms_need_csrf_and_keep_contracts_private(client, session):
    owner, stranger = (await make_user(session)).email, (await make_user(session)).email
    await shell.sign_in(client, owner)
    token = await shell.csrf_of(client, "/gauge")
    quick = {
        "name": "Pool",
        "address": "0xabc",
        "chain": "ethereum",
        "rpc_url": "https://r.example",
    }
    assert (await client.post("/gauge/contracts", data=quick)).status_code == 403
    made = await client.post("/gauge/contracts", data={**quick, "csrf_token": token})
    assert made.status_code == 303
    contract = made.headers["location"]
    refused = await client.post(
        "/gauge/contracts", data={**quick, "chain": "dogechain", "csrf_token": token}
    )
    assert refused.status_code == 422 and "RPC endpoints" in refused.text
    assert (await client.get("/gauge/contracts/99999999999")).status_code == 422

    client.cookies.clear()
    await shell.sign_in(client, stranger)
    token = await shell.csrf_of(client, "/gauge")
    assert (await client.get(contract)).status_code == 404
    for path, data in (
        (contract, {"name": "Mine now"}),
        (f"{contract}/analyses", {}),
        (f"{contract}/delete", {}),
        ("/gauge/chats", {"contract_id": contract.rsplit("/", 1)[1]}),
    ):
        answer = await client.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
