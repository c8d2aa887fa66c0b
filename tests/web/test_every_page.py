"""Every page at 375 and 1280 px: axe-core finds no serious or critical violation, and a
screenshot of each is saved under var/screenshots/<backend>/ (``make screenshots``)."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Page
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.careers import service as careers
from skillnest.careers.applications import prep
from skillnest.careers.applications import schemas as app_schemas
from skillnest.careers.applications import service as applications
from skillnest.careers.jobs.models import Job
from skillnest.careers.profile import schemas as profile_schemas
from skillnest.careers.profile import service as profile
from tests.web.conftest import (
    PASSWORD,
    SCREENSHOTS,
    WIDTHS,
    check_accessibility,
    delete_account,
    set_skills,
    sign_up,
    wait_live,
)
from tests.web.test_gauge import RESULTS

PUBLIC_PAGES = {
    "landing": "/",
    "sign-in": "/signin",
    "sign-up": "/signup",
    "forgot-password": "/forgot-password",
    "reset-password": "/reset-password",
    "verify-email": "/verify-email",
    "not-found": "/no/such/page",
    "catalog-suggest": "/catalog",
    "catalog-skills": "/catalog/skills",
    "catalog-skill": "/catalog/skills/vercel-react-best-practices",
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
    "careers-profile": "/careers/profile",
    "careers-jobs": "/careers/jobs",
    "careers-saved": "/careers/saved",
    "careers-board": "/careers/applications",
    "careers-documents": "/careers/documents",
    "careers-alerts": "/careers/alerts",
    "notifications": "/notifications",
    "dashboard": "/dashboard",
    "gauge": "/gauge",
    "gauge-chats": "/gauge/chats",
    "catalog-preferences": "/catalog/preferences",
    "catalog-skill-signed-in": "/catalog/skills/vercel-react-best-practices",
}


async def visit_all(page: Page, pages: dict[str, str], folder: str) -> None:
    """Visit each page at both widths: axe, then a full-page screenshot."""
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            await page.goto(path)
            await check_accessibility(page)
            await page.screenshot(path=SCREENSHOTS / folder / f"{name}-{width}.png", full_page=True)


async def careers_pages(engine, cache, email: str) -> dict[str, str]:
    """A profile entry per kind, a job, an application with interview preparation."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await careers.load_demo(session=session)
        user_id = await session.scalar(select(User.id).where(func.lower(User.email) == email))
        job_id = await session.scalar(select(Job.id).order_by(Job.id).limit(1))
        assert user_id and job_id
        entries = [
            (profile.SKILLS, profile_schemas.SkillIn(name="Python", proficiency_level=4)),
            (profile.GOALS, profile_schemas.GoalIn(target_role="Staff engineer")),
            (
                profile.EXPERIENCE,
                profile_schemas.ExperienceIn(
                    company="Acme", title="Developer", start_date="2022-01-01", is_current=True
                ),
            ),
        ]
        for section, data in entries:
            await profile.add_entry(
                session=session,
                cache=cache,
                settings=None,
                user_id=user_id,
                section=section,
                data=data,
            )
        application = await applications.create_application(
            session=session,
            user_id=user_id,
            data=app_schemas.ApplicationIn(job_id=job_id, status="APPLIED"),
        )
        common = {"session": session, "user_id": user_id, "application_id": application.id}
        await prep.create_interview_prep(**common, data=app_schemas.InterviewPrepIn())
        await prep.add_practice_session(
            **common, data=app_schemas.PracticeIn(duration=95, self_rating=4)
        )
        await session.commit()
    return {
        "careers-job": f"/careers/jobs/{job_id}",
        "careers-application": f"/careers/applications/{application.id}",
    }


async def gauge_pages(page: Page, base_url: str, email: str) -> dict[str, str]:
    """A contract, a finished analysis of it and a chat about it; their addresses by name."""
    await page.goto("/gauge")
    await page.get_by_label("Contract name").fill("Aave pool")
    await page.get_by_label("Address").fill("0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2")
    await page.get_by_label("RPC endpoint URL").fill("https://eth.example.org/rpc")
    await page.get_by_role("button", name="Add contract").click()
    await page.wait_for_url(re.compile(r".*/gauge/contracts/\d+$"))
    contract = page.url
    await page.get_by_role("button", name="Start an analysis").click()
    await page.wait_for_url(re.compile(r".*/gauge/analyses/\d+$"))
    analysis = page.url
    # The runner reports the results, with the browser's patience (20 s) on a busy machine.
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as api:
        login = {"email": email, "password": PASSWORD}
        token = (await api.post("/api/v1/auth/login", json=login)).json()["token"]
        done = {"status": "completed", "results": RESULTS, "logs": ["fetched", "computed"]}
        url = f"/api/v1/gauge/analyses/{analysis.rsplit('/', 1)[1]}"
        patched = await api.patch(url, json=done, headers={"Authorization": f"Bearer {token}"})
        assert patched.status_code == 200, patched.text
    await page.goto(contract)
    await page.get_by_role("button", name="Start a chat").click()
    await page.wait_for_url(re.compile(r".*/gauge/chats/\d+$"))
    await page.get_by_label("Your question").fill("Which functions are called most?")
    await page.get_by_role("button", name="Ask").click()
    await page.locator("#gauge-messages [data-role=user]").wait_for()
    return {"gauge-contract": contract, "gauge-analysis": analysis, "gauge-chat": page.url}


async def test_every_page_is_accessible_at_both_widths(people, backend, catalog, engine, cache):
    folder = backend
    (SCREENSHOTS / folder).mkdir(parents=True, exist_ok=True)
    visitor = await people.page()
    await visit_all(visitor, PUBLIC_PAGES, folder)

    dana = await people.page()
    dana_email = await sign_up(dana, "Dana")
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
    pages |= await gauge_pages(dana, people.base_url, dana_email)
    pages |= await careers_pages(engine, cache, dana_email)
    await visit_all(dana, pages, folder)

    await delete_account(dana)
    await delete_account(eli)
