"""The catalog suggest endpoints accept every request the Upskill API accepts, as it does."""

from __future__ import annotations

import pytest

SUGGEST = "/api/v1/skills/suggest"


@pytest.mark.parametrize("limit", [150, 1000000, 2.5, "150", "abc", 0, -3, None, "", True])
async def test_any_limit_is_accepted(client, limit):
    body = {"packages": ["react"], "installed_skills": None, "limit": limit}
    response = await client.post(SUGGEST, json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {
        "skills",
        "total",
        "matched_packages",
        "matched_installed_skills",
    }


async def test_missing_limit_and_null_lists(client):
    response = await client.post(SUGGEST, json={"installed_skills": ["a/b/c"], "packages": None})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("query", ["limit=150", "limit=abc", "limit=0", "limit=-1", "limit=", ""])
async def test_get_accepts_any_limit(client, query):
    response = await client.get(f"{SUGGEST}?packages=react&{query}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "body",
    [{}, {"packages": [], "installed_skills": []}, {"packages": None, "installed_skills": None}],
)
async def test_400_only_when_both_lists_are_empty(client, body):
    response = await client.post(SUGGEST, json={**body, "limit": 150})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    response = await client.get(f"{SUGGEST}?limit=150")
    assert response.status_code == 400


async def test_limit_150_is_clamped_to_the_catalog_maximum(client, session):
    # Upskill's client asks `--limit 150`; the answer holds at most 100 suggestions.
    response = await client.post(SUGGEST, json={"packages": ["react", "next"], "limit": 150})
    assert response.status_code == 200
    assert len(response.json()["skills"]) <= 100
