"""The skill catalog in a browser: a manifest in, skills with their reasons out."""

from __future__ import annotations

import json

from playwright.async_api import Page, expect

from tests.web.conftest import check_accessibility, delete_account, sign_up

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


async def suggest_from(page: Page) -> None:
    await page.get_by_role("button", name="Suggest skills").click()
    await page.wait_for_load_state()


async def test_a_manifest_gets_skills_with_reasons(people, catalog, tmp_path):
    page = await people.page()
    await page.goto("/catalog")
    await check_accessibility(page)
    await page.get_by_label("Paste it here").fill(json.dumps(NEXT_PACKAGE_JSON, indent=2))
    await suggest_from(page)
    card = page.locator('[data-suggestion="vercel-react-best-practices"]')
    await expect(card.locator("[data-reason]")).to_contain_text("uses next, react")
    await check_accessibility(page)

    # A data-science requirements.txt, uploaded as a file: a skill for its packages.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(DATA_SCIENCE_REQUIREMENTS)
    await page.get_by_label("Paste it here").fill("")
    await page.get_by_label("Or upload the file").set_input_files(requirements)
    await suggest_from(page)
    await expect(page.get_by_label("Manifest")).to_have_value("requirements.txt")
    sklearn = page.locator('[data-suggestion="scikit-learn"] [data-reason]')
    await expect(sklearn).to_contain_text("uses pypi:scikit-learn")

    # A picked folder: the browser sends its manifests only, never node_modules.
    project = tmp_path / "shop"
    for path, text in {
        "web/package.json": json.dumps(NEXT_PACKAGE_JSON),
        "api/requirements.txt": DATA_SCIENCE_REQUIREMENTS,
        "web/node_modules/left-pad/package.json": json.dumps({"dependencies": {"vue": "3"}}),
        "README.md": "# shop",
    }.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    await page.get_by_label("Your project's folder").set_input_files(project)
    picked = page.locator("[data-folder-files]")
    await expect(picked).to_contain_text("shop/web/package.json")
    await expect(picked).to_contain_text("shop/api/requirements.txt")
    await expect(picked.locator("li")).to_have_count(2)
    await suggest_from(page)
    await expect(page.locator("main")).to_contain_text("shop/web/package.json (12 packages)")
    await expect(page.locator("main")).to_contain_text("shop/api/requirements.txt (5 packages)")
    await expect(card.locator("[data-reason]")).to_contain_text("uses next, react")
    await expect(sklearn).to_be_visible()
    await expect(page.locator('[data-suggestion="vue-best-practices"]')).to_have_count(0)

    # Skills installed already bring related ones, said as such.
    await page.get_by_label("Manifest").select_option("requirements.txt")
    await page.get_by_label("Paste it here").fill("")
    await page.get_by_label("Skills you already have installed").fill("dask")
    await suggest_from(page)
    await expect(page.locator("[data-reason]").first).to_contain_text("related, shares pypi:")

    # Broken input is refused with a sentence, never a 500.
    await page.get_by_label("Manifest").select_option("package.json")
    await page.get_by_label("Paste it here").fill("{not json")
    await suggest_from(page)
    await expect(page.get_by_role("alert")).to_contain_text("cannot be read as JSON")

    # Search, then a skill's page with its packages.
    await page.goto("/catalog/skills?q=react")
    await check_accessibility(page)
    await page.get_by_role("link", name="vercel-react-best-practices").first.click()
    await expect(page.get_by_role("heading", name="vercel-react-best-practices")).to_be_visible()
    await expect(page.locator("main table")).to_contain_text("next")
    await check_accessibility(page)


async def test_a_person_switches_a_skill_off_for_their_suggestions(people, catalog):
    page = await people.page()
    await sign_up(page, "Priya")
    await page.goto("/catalog/skills/vercel-react-best-practices")
    await page.get_by_label("Suggest this skill to me").uncheck()
    await page.get_by_label("cursor").check()
    await page.get_by_label("for my user (global)").check()
    await page.get_by_role("button", name="Save preference").click()
    await expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    await page.goto("/catalog/preferences")
    await check_accessibility(page)
    row = page.locator('[data-preference="vercel-react-best-practices"]')
    await expect(row).to_contain_text("cursor")
    await expect(row.locator("[data-enabled]")).to_have_text("no")
    # A skill switched off leaves this person's suggestions.
    await page.goto("/catalog")
    await page.get_by_label("Paste it here").fill(json.dumps(NEXT_PACKAGE_JSON))
    await suggest_from(page)
    await expect(page.locator("[data-suggestion]").first).to_be_visible()
    await expect(page.locator('[data-suggestion="vercel-react-best-practices"]')).to_have_count(0)
    await page.goto("/catalog/preferences")
    await page.get_by_role("button", name="Switch on vercel-react-best-practices").click()
    await expect(row.locator("[data-enabled]")).to_have_text("yes")
    await expect(row).to_contain_text("cursor")
    await delete_account(page)
