"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server.

The server runs in a thread on the backend's migrated test database (PostgreSQL with Redis,
or SQLite), so every page commits for real and live events travel as in production. Each
test gets fresh browser contexts (one per person). Every request the browser makes must
stay on the server's loopback address, and no Content-Security-Policy violation may reach
the console. A failing test leaves a screenshot of each of its pages under
var/screenshots/failures/.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis as sync_redis
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from skillnest.app import create_app
from skillnest.catalog import service as catalog_service
from skillnest.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path("var/screenshots")
WIDTHS = (375, 1280)
PASSWORD = "browser test password"
BLOCKING_IMPACTS = ("serious", "critical")
AXE = Axe()
NO_MAINTENANCE = 10**9  # seconds: the next period boundary is years away


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The app under uvicorn in a thread; yields its base URL."""
    port = free_port()
    # No periodic maintenance: it would race the tests that run the jobs on purpose.
    settings = settings.model_copy(update={"maintenance_seconds": NO_MAINTENANCE})
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        ws="none",
        lifespan="on",
        log_level="warning",
        # As `skillnest serve`: the browser reuses idle connections after uvicorn's 5 s default.
        timeout_keep_alive=settings.keep_alive_seconds,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="browser-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        assert not thread.is_alive()


@pytest.fixture
async def catalog(engine: AsyncEngine) -> None:
    """The shipped skill catalog, committed so that the server sees it."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await catalog_service.load_demo(session=session)
        await session.commit()


@pytest.fixture(scope="session")
def live_url(settings: Settings) -> Iterator[str]:
    """The app under uvicorn in a thread, once per backend; yields its base URL."""
    if settings.redis_url:  # rate limits and caches of earlier runs (user ids repeat)
        sync_redis.Redis.from_url(settings.redis_url).flushdb()
    with serve(settings) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (Playwright never downloads a browser here)."""
    assert Path(CHROMIUM).exists(), "install Chromium with `make browser`"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@dataclass
class Watch:
    """What the browser did that a test must refuse: foreign requests, CSP violations."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    # Requests sent and not yet answered or failed: what a timed-out navigation waited for.
    pending: dict[Any, str] = field(default_factory=dict)

    def check(self) -> None:
        assert not self.foreign, f"requests left the machine: {self.foreign}"
        csp = [m for m in self.console_errors if "Content Security Policy" in m]
        assert not csp, f"CSP violations: {csp}"


@dataclass
class People:
    """Opens one browser context per person; every page is watched."""

    browser: Browser
    base_url: str
    watch: Watch
    contexts: list[BrowserContext] = field(default_factory=list)

    async def page(self, width: int = 1280) -> Page:
        """A fresh person (own cookies) with one page at the given width."""
        context = await self.browser.new_context(
            base_url=self.base_url,
            viewport={"width": width, "height": 900},
            service_workers="block",
        )
        # Generous: on a 2-core machine the other test worker (schemathesis, imports) can
        # starve the browser and the server for seconds; a real hang still fails.
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = await context.new_page()
        page.goto = _tolerating_a_lost_load_event(page)  # type: ignore[method-assign]
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_done)
        page.on("console", self._on_console)
        self.watch.pages.append(page)
        return page

    def _on_request(self, request: Any) -> None:
        url = request.url
        self.watch.pending[request] = f"{request.method} {url} ({time.strftime('%H:%M:%S')})"
        if not (url.startswith(self.base_url) or url.startswith(("data:", "about:", "blob:"))):
            self.watch.foreign.append(url)

    def _on_done(self, request: Any) -> None:
        self.watch.pending.pop(request, None)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.watch.console_errors.append(message.text)

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


def _tolerating_a_lost_load_event(page: Page) -> Any:
    """``page.goto`` that accepts a page whose load event Playwright never reported.

    Under the 2-core CI load, navigations have timed out waiting for "load" with the page
    drawn and every request answered (the failure screenshots and the pending list show
    it). When the navigation reached its path and the document says it is complete, the
    page did load; anything else still fails.
    """
    navigate = page.goto

    async def goto(url: str, **options: Any) -> Any:
        try:
            return await navigate(url, **options)
        except PlaywrightTimeoutError:
            reached = urlsplit(page.url).path == urlsplit(url).path
            if not reached or await page.evaluate("document.readyState") != "complete":
                raise
            print(f"goto {url}: loaded, but its load event was not reported; going on")
            return None

    return goto


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
async def people(browser: Browser, live_url: str, request: pytest.FixtureRequest):
    """Browser contexts for the people of one test; screenshots them if the test fails."""
    crowd = People(browser, live_url, Watch(live_url))
    try:
        yield crowd
        if not request.node.stash.get(FAILED, False):
            crowd.watch.check()
    finally:
        if request.node.stash.get(FAILED, False):
            unanswered = sorted(crowd.watch.pending.values())
            print(f"requests without an answer at the failure ({time.strftime('%H:%M:%S')}):")
            print("\n".join(unanswered) or "none")
            folder = SCREENSHOTS / "failures"
            folder.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            for index, page in enumerate(crowd.watch.pages):
                if not page.is_closed():
                    await page.screenshot(path=folder / f"{name}-{index}.png", full_page=True)
        await crowd.close()


async def check_accessibility(page: Page) -> None:
    """axe-core on the current page: no serious or critical violation."""
    results = await AXE.run(page)
    blocking = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3], v["help"])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{page.url}: {blocking}"


def unique_email(name: str) -> str:
    return f"web-{name.lower()}-{uuid.uuid4().hex[:10]}@example.org"


async def sign_up(page: Page, name: str, email: str | None = None) -> str:
    """Sign up through the form; returns the email."""
    email = email or unique_email(name)
    await page.goto("/signup")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.locator("main").get_by_role("button", name="Sign up").click()
    await page.wait_for_url("**/exchange/skills")
    return email


async def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    await page.goto("/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.locator("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


async def set_skills(page: Page, offer: str, learn: str) -> None:
    await page.goto("/exchange/skills")
    await page.get_by_label("Skills I can teach").fill(offer)
    await page.get_by_label("Skills I want to learn").fill(learn)
    await page.get_by_role("button", name="Save skills").click()
    await page.get_by_text("Your skills are saved.").wait_for()


async def wait_live(page: Page) -> None:
    """Wait until the page's event stream is connected."""
    # A locator, not wait_for_function: polling a string predicate needs eval, which the
    # pages' CSP forbids.
    await page.locator("body[data-live-ready='1']").wait_for(state="attached")


async def delete_account(page: Page) -> None:
    await page.goto("/settings/delete")
    await page.get_by_label("Your password, to confirm").fill(PASSWORD)
    await page.get_by_role("button", name="Delete my account").click()
    await page.wait_for_url(re.compile(r".*/\?deleted=1$"))
