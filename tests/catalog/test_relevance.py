"""Relevant suggestions on the real catalog: tooling never justifies a skill, Python ranks
by relevance, the server and the offline ranking agree."""

from __future__ import annotations

import json

from skillnest.catalog.popularity import package_ranks
from skillnest.catalog.project import read_dependencies
from skillnest.catalog.ranking import (
    COMMON_RANK,
    TOOLING,
    build_query,
    counts_as_match,
    rank_suggestions,
)
from skillnest.catalog.snapshot import parse_snapshot

EXPRESS_API = {
    "name": "express-api",
    "dependencies": {"express": "^4.19", "cors": "^2.8", "helmet": "^7", "pg": "^8"},
    "devDependencies": {"jest": "^29", "eslint": "^9", "dotenv": "^16", "supertest": "^7"},
}
DATA_SCIENCE = "numpy==2.1\npandas>=2\nmatplotlib\nscikit-learn\nseaborn\n"
TOOLS = {"jest", "eslint", "dotenv"}


async def suggest_for_project(client, folder, limit=5):
    names = read_dependencies(folder).request_names()
    response = await client.post("/api/v1/skills/suggest", json={"packages": names, "limit": limit})
    assert response.status_code == 200
    return names, response.json()


async def test_express_tooling_never_justifies_a_suggestion(client, catalog, tmp_path):
    (tmp_path / "package.json").write_text(json.dumps(EXPRESS_API))
    _, body = await suggest_for_project(client, tmp_path)
    assert body["skills"], body
    for skill in body["skills"][:5]:
        assert set(skill["packages"]) - TOOLS, skill["name"]
    assert not TOOLS & set(body["matched_packages"])
    # Without the tooling the answer is the same: those three add nothing.
    plain = await client.post(
        "/api/v1/skills/suggest", json={"packages": ["express", "cors", "helmet", "pg"]}
    )
    assert [s["name"] for s in plain.json()["skills"]] == [s["name"] for s in body["skills"]]


async def test_data_science_top_five_are_skills_for_those_packages(client, catalog, tmp_path):
    (tmp_path / "requirements.txt").write_text(DATA_SCIENCE)
    names, body = await suggest_for_project(client, tmp_path)
    top = body["skills"][:5]
    # Skills named after a requested package come first, by the strength of their mappings.
    assert [s["name"] for s in top[:3]] == ["seaborn", "matplotlib", "scikit-learn"]
    wanted = set(names)
    for skill in top:
        assert set(skill["packages"]) <= wanted and skill["packages"], skill
        assert skill["confidence"] >= 0.9, skill  # named in the skill's front matter
    # Not alphabetical: a skill about more of the project's packages outranks one about fewer.
    assert [s["name"] for s in top[3:]] == ["optimize-for-gpu", "dask"]


async def test_offline_and_server_rank_the_same_projects_alike(client, catalog, tmp_path):
    snapshot = await client.get("/api/v1/catalog/snapshot")
    skills, _ = parse_snapshot(snapshot.content, "response")
    for manifest, content in (("package.json", json.dumps(EXPRESS_API)),
                              ("requirements.txt", DATA_SCIENCE)):  # fmt: skip
        folder = tmp_path / manifest.split(".")[0]
        folder.mkdir()
        (folder / manifest).write_text(content)
        names, online = await suggest_for_project(client, folder, limit=20)
        offline = rank_suggestions(skills, build_query(names, limit=20), package_ranks())
        assert offline.document() == online


def test_which_mappings_count():
    ranks = package_ranks()
    assert ranks[("numpy", "pypi")] <= COMMON_RANK < ranks.get(("zarr", "pypi"), COMMON_RANK + 1)
    # A registry's own mapping always counts, even to tooling.
    assert counts_as_match(("jest", "npm"), 1.0, ranks)
    # Tooling: never by inference, whatever the evidence.
    assert "jest" in TOOLING["npm"] and not counts_as_match(("jest", "npm"), 0.9, ranks)
    # A package in a large share of projects: only with front-matter evidence.
    assert counts_as_match(("numpy", "pypi"), 0.9, ranks)
    assert not counts_as_match(("numpy", "pypi"), 0.7, ranks)
    assert not counts_as_match(("react", "npm"), 0.4, ranks)
    # A rarer package counts on any evidence.
    assert counts_as_match(("zarr", "pypi"), 0.4, ranks)
    assert counts_as_match(("not-in-any-list", "npm"), 0.4, ranks)
