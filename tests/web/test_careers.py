"""Careers in a browser: a job seeker fills a profile, finds a job, applies and tracks it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as sync_redis
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers import service as careers
from tests.conftest import redis_url
from tests.web.conftest import (
    People,
    Watch,
    check_accessibility,
    delete_account,
    serve,
    sign_in,
    sign_up,
    wait_live,
)


@pytest.fixture
async def demo_jobs(engine) -> None:
    """The demo job listings, committed so that the server sees them."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await careers.load_demo(session=session)
        await session.commit()


async def add_entry(page, section: str, values: dict[str, str], heading: str) -> None:
    """Fill a section's "Add" form (labels as the schema names them) and wait for the entry."""
    form = page.locator(f"#{section} details.add")
    if await form.get_attribute("open") is None:
        await form.locator("summary").click()
    for label, value in values.items():
        field = form.get_by_label(label, exact=True)
        if value == "check":
            await field.check()
        elif await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    await form.get_by_role("button", name=re.compile("^Add ")).click()
    await expect(page.locator(f'#{section} [data-entry="{heading}"]')).to_be_visible()


async def add_skill(page, name: str, level: str, years: str) -> None:
    values = {"Skill name": name, "Proficiency (1 to 5)": level, "Years": years}
    await add_entry(page, "skills", values, name)


async def fill_profile(page) -> None:
    """Every section of the profile: add, edit in place, a refused entry, delete."""
    await page.goto("/careers/profile")
    await check_accessibility(page)
    before = await page.locator("[data-skill-score]").inner_text()
    await page.get_by_label("Headline").fill("Backend developer <b>bold</b>")
    await page.get_by_label("Desired roles").fill("Backend engineer, Platform engineer")
    await page.get_by_label("Remote work").select_option("hybrid")
    await page.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_label("Headline")).to_have_value("Backend developer <b>bold</b>")
    await add_skill(page, "Python", "4", "3")
    await add_skill(page, "PostgreSQL", "3", "2")
    after = await page.locator("[data-skill-score]").inner_text()
    assert float(after) > float(before)
    assert int(await page.locator("svg.chart").get_attribute("data-points") or 0) >= 2
    # Inline edit, then delete, of a skill.
    await page.get_by_label("Proficiency (1 to 5) of PostgreSQL").fill("5")
    await page.get_by_role("button", name="Save PostgreSQL").click()
    await expect(page.get_by_label("Proficiency (1 to 5) of PostgreSQL")).to_have_value("5")
    await add_skill(page, "Cobol", "1", "0")
    await page.get_by_role("button", name="Delete Cobol").click()
    await expect(page.locator('[data-entry="Cobol"]')).to_have_count(0)

    goal = {"Target role": "Staff engineer", "Required skills": "Python, Kubernetes"}
    await add_entry(page, "goals", goal, "Staff engineer")
    await expect(page.locator('#goals [data-entry="Staff engineer"]')).to_contain_text(
        "skills to learn: Kubernetes"
    )
    cert = {
        "Certification name": "CKA",
        "Issuing organization": "CNCF",
        "Issue date": "2024-05-01",
        "Credential link (URL)": "javascript:alert(1)",
    }
    await add_entry(page, "certifications", cert, "CKA")
    await expect(page.locator('#certifications [data-entry="CKA"] a')).to_have_count(0)
    assert float(await page.locator("[data-skill-score]").inner_text()) > float(after)
    # A period that ends before it starts is refused with the reason; the form keeps its values.
    form = page.locator("#experience details.add")
    await form.locator("summary").click()
    job = {"Company": "Acme", "Title": "Developer", "Start date": "2022-01-01"}
    for label, value in {**job, "End date": "2021-01-01"}.items():
        await form.get_by_label(label, exact=True).fill(value)
    await form.get_by_role("button", name="Add position").click()
    await expect(page.locator("#experience [role=alert]")).to_contain_text("before start_date")
    await expect(form.get_by_label("Company")).to_have_value("Acme")
    await check_accessibility(page)
    await form.get_by_label("End date", exact=True).fill("")
    await add_entry(page, "experience", {"I am here now": "check"}, "Developer, Acme")
    entry = page.locator('#experience [data-entry="Developer, Acme"]')
    await entry.locator("summary").click()
    await entry.get_by_label("Title").fill("Senior developer")
    await entry.get_by_role("button", name="Save Developer, Acme").click()
    await expect(page.locator("#experience")).to_contain_text("Senior developer, Acme")
    await expect(page.locator("#experience")).to_contain_text("Jan 2022 – now")
    school = {"Institution": "Porto University", "Degree": "BSc", "Start date": "2015-09-01"}
    await add_entry(
        page, "education", {**school, "End date": "2019-06-30"}, "BSc, Porto University"
    )
    project = {"Title": "Tiny DB", "Link (URL)": "https://example.org/tiny", "Technologies": "Rust"}
    await add_entry(page, "portfolio", project, "Tiny DB")
    await expect(page.get_by_role("link", name="Link of Tiny DB")).to_have_attribute(
        "href", "https://example.org/tiny"
    )
    entry = page.locator('#portfolio [data-entry="Tiny DB"]')
    await entry.locator("summary").click()
    await entry.get_by_role("button", name="Delete Tiny DB").click()
    await expect(page.locator("#portfolio [data-entry]")).to_have_count(0)
    await check_accessibility(page)


async def prepare_and_practise(page) -> None:
    """On an application: a follow-up date by hand, interview answers, a timed practice."""
    await page.get_by_label("Follow-up date").fill("2031-02-03")
    await page.get_by_role("button", name="Save follow-up date").click()
    await expect(page.locator("[data-follow-up]")).to_contain_text("Monday 03 February 2031")
    await expect(page.locator("[data-timeline]")).to_contain_text("follow_up_date")
    await page.get_by_role("button", name="Prepare for the interview").click()
    first = page.locator("[data-question]").first
    await expect(first).to_contain_text("Tell me about yourself")
    await first.get_by_label("Your answer").fill("Backend developer who <ships>.")
    await first.get_by_role("button", name="Save answer").click()
    await expect(page.get_by_text("1 of ")).to_contain_text("questions answered")
    await expect(first.get_by_label("Your answer")).to_have_value("Backend developer who <ships>.")
    # The timer runs on a paused clock: 65 seconds pass only when the test says so.
    await page.clock.pause_at(datetime.now(UTC) + timedelta(minutes=1))
    await page.get_by_label("Question", exact=True).select_option(index=1)
    await page.get_by_label("How it went (1 to 5)").select_option("4")
    start = page.get_by_role("button", name="Start timer")
    await start.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Stop and record")).to_be_focused()
    await page.clock.run_for(65_000)
    await expect(page.get_by_role("timer")).to_have_text("1:05")
    await page.keyboard.press("Enter")  # the stop button has the focus
    row = page.locator("[data-practice-sessions] tbody tr").first
    await expect(row).to_contain_text("1:05")
    await expect(row).to_contain_text("Tell me about yourself")
    await expect(row).to_contain_text("4 / 5")
    await page.clock.resume()  # axe and the pages' own timers need time to flow again
    await check_accessibility(page)


async def test_job_seeker_profile_search_apply_and_board(people, demo_jobs):
    page = await people.page()
    await page.clock.install()  # the practice timer's clock, moved by hand below
    await sign_up(page, "Jo")
    await fill_profile(page)

    # Search, open the job, see the match breakdown; save it and apply.
    await page.goto("/careers/jobs")
    await page.get_by_label("Keywords").fill("Python")
    await page.get_by_label("Remote").select_option("hybrid")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name="Backend Engineer (Python)").click()
    await expect(page.get_by_role("table", name="Match breakdown")).to_be_visible()
    await expect(page.locator("[data-missing]")).to_contain_text("FastAPI")
    await check_accessibility(page)
    await page.get_by_role("button", name="Save job").click()
    await expect(page.get_by_text("Saved to")).to_be_visible()
    await page.goto("/careers/saved")
    await expect(page.locator("main")).to_contain_text("Backend Engineer (Python)")
    await page.go_back()
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*/careers/applications/\d+$"))
    await expect(page.locator("[data-status]")).to_have_text("Applied")

    # The board: APPLIED -> SCREENING with the keyboard-usable form; an illegal move is refused.
    await page.set_viewport_size({"width": 375, "height": 900})
    await page.goto("/careers/applications")
    await check_accessibility(page)
    card = page.locator('[data-column="APPLIED"] article')
    await card.get_by_label(re.compile("^Move .* to$")).select_option("SCREENING")
    await card.get_by_role("button", name="Move").click()
    card = page.locator('[data-column="SCREENING"] article')
    await expect(card).to_have_count(1)
    await card.get_by_label(re.compile("^Move .* to$")).select_option("ACCEPTED")
    await card.get_by_role("button", name="Move").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("cannot move from SCREENING to ACCEPTED")
    await expect(alert).to_contain_text("Interview scheduled")
    await expect(page.locator('[data-column="SCREENING"] article')).to_have_count(1)
    await check_accessibility(page)

    # The application: the moves on its timeline, and a note.
    await page.locator('[data-column="SCREENING"] article h3 a').click()
    await expect(page.locator("[data-timeline]")).to_contain_text("Applied → Screening")
    await page.get_by_label("New note").fill("Recruiter call on <Monday>")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("[data-notes]")).to_contain_text("Recruiter call on <Monday>")
    await prepare_and_practise(page)

    # A resume from a template: edit it with the live preview, compare, restore version 1.
    await page.goto("/careers/documents")
    await page.get_by_label("Template").select_option(label="Modern Professional Resume (resume)")
    await page.get_by_label("Title (optional)").fill("My resume")
    await page.get_by_role("button", name="Generate").click()
    await page.wait_for_url(re.compile(r".*/careers/documents/\d+$"))
    await expect(page.locator("[data-version]")).to_have_text("1")
    original = await page.get_by_label("Markdown").input_value()
    await page.get_by_label("Markdown").fill("# Jo\n\nShipped **FastAPI** services. <i>x</i>")
    await expect(page.locator("#preview")).not_to_contain_text("Professional Summary")
    await expect(page.locator("#preview strong")).to_have_text("FastAPI")
    await expect(page.locator("#preview i")).to_have_count(0)  # raw HTML stays text
    await page.get_by_label("What changed (optional)").fill("Shorter")
    await page.get_by_role("button", name="Save version").click()
    await expect(page.locator("[data-version]")).to_have_text("2")
    await check_accessibility(page)
    await page.get_by_role("button", name="Compare").click()
    await expect(page.locator("pre.diff ins")).to_contain_text(["Shipped **FastAPI**"])
    await check_accessibility(page)
    await page.go_back()
    await page.get_by_role("button", name="Restore version 1").click()
    await expect(page.locator("[data-version]")).to_have_text("3")
    assert await page.get_by_label("Markdown").input_value() == original
    downloaded: dict[str, bytes] = {}
    for link, extension in (("Markdown", "md"), ("PDF", "pdf")):
        async with page.expect_download() as download:
            await page.get_by_role("link", name=link, exact=True).click()
        saved = await download.value
        assert re.fullmatch(rf"My-resume-\d+\.{extension}", saved.suggested_filename)
        downloaded[extension] = Path(await saved.path()).read_bytes()
    assert downloaded["md"].decode().strip() == original.strip()
    assert downloaded["pdf"].startswith(b"%PDF-")
    await delete_account(page)


def skillnest_cli(settings, *args: str, tmp_path) -> str:
    """Run the CLI as its own process on the live server's database and event bus."""
    env = {
        **os.environ,
        "SKILLNEST_ENV": "test",
        "SKILLNEST_DATABASE_URL": settings.database_url,
        "SKILLNEST_REDIS_URL": settings.redis_url,
        "SKILLNEST_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SKILLNEST_PSEUDONYM_KEY": settings.pseudonym_key.get_secret_value(),
        "SKILLNEST_MEDIA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "skillnest", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def redis_settings(settings):
    """The backend's settings with Redis as the event bus: a CLI process reaches the pages."""
    if settings.redis_url:
        return settings
    sync_redis.Redis.from_url(redis_url()).flushdb()  # keys of earlier runs (user ids repeat)
    return settings.model_copy(update={"redis_url": redis_url()})


async def test_job_alert_match_shows_live_after_maintenance_run(browser, redis_settings, tmp_path):
    with serve(redis_settings) as base_url:
        crowd = People(browser, base_url, Watch(base_url))
        try:
            await alert_match_journey(crowd, redis_settings, tmp_path)
            crowd.watch.check()
        finally:
            await crowd.close()


async def alert_match_journey(people, settings, tmp_path) -> None:
    page = await people.page(width=375)
    email = await sign_up(page, "Kim")
    await page.goto("/careers/alerts")
    await page.get_by_label("Alert name").fill("Rust jobs")
    await page.get_by_label("Keywords").fill("Rustacean")
    await page.get_by_label("How often").select_option("instant")
    await page.get_by_role("button", name="Create alert").click()
    await expect(page.locator("[data-alerts]")).to_contain_text("Rust jobs")
    await check_accessibility(page)
    await page.goto("/notifications")
    await wait_live(page)
    badge = page.locator('nav [data-badge="notifications"]')
    await expect(badge).to_be_hidden()

    # A matching job is imported, then `skillnest maintenance run` delivers the alert.
    feed = tmp_path / "jobs.jsonl"
    job = {
        "source": "web-test",
        "external_id": uuid.uuid4().hex,
        "title": "Senior Rustacean",
        "company": "Ferris & Co",
        "remote_type": "remote",
    }
    feed.write_text(json.dumps(job) + "\n")
    skillnest_cli(settings, "careers", "jobs", "import", str(feed), tmp_path=tmp_path)
    report = skillnest_cli(settings, "maintenance", "run", "--json", tmp_path=tmp_path)
    assert "careers" in json.loads(report)
    # No reload: the page got the event from the other process.
    item = page.locator("[data-notification]", has_text="Senior Rustacean")
    await expect(item).to_be_visible()
    await expect(badge).to_contain_text("1")
    await page.reload()
    await check_accessibility(page)
    await page.get_by_role("link", name="Open").first.click()
    await expect(page.get_by_role("heading", name="Senior Rustacean")).to_be_visible()

    # Signing in again lands on the dashboard, which lists the match.
    again = await people.page()
    await sign_in(again, email)
    await expect(again).to_have_url(re.compile(r".*/dashboard$"))
    await expect(again.locator("main")).to_contain_text("Senior Rustacean")
    await check_accessibility(again)
    await page.goto("/notifications")
    await page.get_by_role("button", name="Mark all read").click()
    await expect(page.locator("[data-notifications] .unread")).to_have_count(0)
    await expect(badge).to_be_hidden()
    await page.get_by_role("button", name=re.compile(r"^Delete\b.*Rust jobs")).click()
    await expect(page.locator("[data-notification]")).to_have_count(0)
    await delete_account(page)
