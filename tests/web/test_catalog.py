"""The skill catalog in a browser: a manifest in, skills with their reasons out."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import service
from tests.web.conftest import check_accessibility

# What `npx create-next-app@15` writes (TypeScript, ESLint, Tailwind).
NEXT_PACKAGE_JSON = {
    "name": "my-app",
    "version": "0.1.0",
    "private": True,
    "scripts": {"dev": "next dev --turbopack", "build": "next build", "start": "next start"},
    "dependencies": {"react": "^19.0.0", "react-dom": "^19.0.0", "next": "15.1.6"},
    "devDependencies": {
        "typescript": "^5",
        "@types/node": "^20",
        "@types/react": "^19",
        "@types/react-dom": "^19",
        "@tailwindcss/postcss": "^4",
        "tailwindcss": "^4",
        "eslint": "^9",
        "eslint-config-next": "15.1.6",
        "@eslint/eslintrc": "^3",
    },
}
DATA_SCIENCE_REQUIREMENTS = (
    "numpy==2.1.3\npandas>=2.2\nscikit-learn~=1.5\nmatplotlib\n# notebooks\njupyterlab\n"
)


@pytest.fixture
async def catalog(engine) -> None:
    """The shipped catalog, committed so that the server sees it."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await service.load_demo(session=session)
        await session.commit()


async def test_a_manifest_gets_skills_with_reasons(people, catalog, tmp_path):
    page = await people.page()
    await page.goto("/catalog")
    await check_accessibility(page)
    await page.get_by_label("Paste it here").fill(json.dumps(NEXT_PACKAGE_JSON, indent=2))
    await page.get_by_role("button", name="Suggest skills").click()
    card = page.locator('[data-suggestion="vercel-react-best-practices"]')
    await expect(card.locator("[data-reason]")).to_contain_text("uses next, react")
    await check_accessibility(page)

    # A data-science requirements.txt, uploaded as a file.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(DATA_SCIENCE_REQUIREMENTS)
    await page.get_by_label("Paste it here").fill("")
    await page.get_by_label("Or upload the file").set_input_files(requirements)
    await page.get_by_role("button", name="Suggest skills").click()
    await expect(page.get_by_label("Manifest")).to_have_value("requirements.txt")
    assert await page.locator("[data-suggestion]").count() >= 1
    await expect(page.locator("main")).to_contain_text("pypi:")

    # Broken input is refused with a sentence, never a 500.
    await page.get_by_label("Manifest").select_option("package.json")
    await page.get_by_label("Paste it here").fill("{not json")
    await page.get_by_role("button", name="Suggest skills").click()
    await expect(page.get_by_role("alert")).to_contain_text("cannot be read as JSON")

    # Search, then a skill's page with its packages.
    await page.goto("/catalog/skills?q=react")
    await check_accessibility(page)
    await page.get_by_role("link", name="vercel-react-best-practices").first.click()
    await expect(page.get_by_role("heading", name="vercel-react-best-practices")).to_be_visible()
    await expect(page.locator("main table")).to_contain_text("next")
    await check_accessibility(page)
