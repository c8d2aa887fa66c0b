"""Reading and merging the real data files (no database)."""

from __future__ import annotations

import json
import shutil

import pytest

from skillnest.catalog.importer import (
    CatalogDataError,
    PackageKey,
    default_data_dir,
    read_catalog,
    skill_name,
)
from skillnest.catalog.snapshot import BUNDLED, read_snapshot


def by_id(data):
    return {s.skill_id: s for s in data.skills}


def test_registry_and_agent_skills_merge(catalog_data):
    skills = by_id(catalog_data)
    assert len(catalog_data.skills) == 337  # 113 registry ids + 240 SKILL.md - 16 in both
    react = skills["vercel-react-best-practices"]
    assert react.installs == 25500
    assert react.path == "skills/react-best-practices/SKILL.md"
    assert react.commit and react.license == "MIT"
    # The registry's target packages are manual 1.0 and beat the inferred evidence.
    assert {k.name: (m.confidence, m.source) for k, m in react.mappings.items()} == {
        "react": (1.0, "manual"),
        "react-dom": (1.0, "manual"),
        "next": (1.0, "manual"),
    }
    assert (
        react.source_url == "https://skills.sh/vercel-labs/agent-skills/vercel-react-best-practices"
    )


def test_duplicate_registry_ids_keep_the_larger_installs_and_are_reported(catalog_data):
    skills = by_id(catalog_data)
    assert skills["better-auth-best-practices"].installs == 1100
    assert skills["create-auth-skill"].installs == 753
    merged = [n for n in catalog_data.notes if "twice" in n]
    assert len(merged) == 2 and "kept 1100" in merged[0]


def test_ids_repeating_across_repos_stay_distinct_with_stable_suffixes(catalog_data):
    skills = by_id(catalog_data)
    assert skills["claude-api"].repo == "anthropics/skills"
    assert skills["claude-api--jezweb"].repo == "jezweb/claude-skills"
    assert skills["skill-creator"].repo == "anthropics/skills"
    assert skills["skill-creator--openai"].path == "skills/.system/skill-creator/SKILL.md"
    assert len({(s.repo, s.path) for s in catalog_data.skills if s.path}) == 240
    # Reading again gives the same ids: they are stable.
    assert [s.skill_id for s in read_catalog(include_package_lists=False).skills] == [
        s.skill_id for s in catalog_data.skills
    ]


def test_evidence_sets_confidence(catalog_data):
    expo = by_id(catalog_data)["expo-tailwind-setup"]
    confidences = {m.confidence for m in expo.mappings.values()}
    assert confidences <= {0.4, 0.7, 0.9, 1.0} and 1.0 in confidences
    sources = {m.source for m in expo.mappings.values()}
    assert sources == {"manual", "inferred"}
    pypi = [k for s in catalog_data.skills for k in s.mappings if k.ecosystem == "pypi"]
    assert PackageKey("numpy", "pypi") in pypi


def test_prose_names_use_the_skill_folder():
    assert skill_name("AI SDK UI", "skills/ai-sdk-ui/SKILL.md") == "ai-sdk-ui"
    assert skill_name("pdf", "skills/whatever/SKILL.md") == "pdf"
    assert skill_name("Nice Name", "SKILL.md") == "nice-name"


def test_package_lists_are_read_and_gaps_are_filled():
    data = read_catalog()
    assert PackageKey("react", "npm") in data.packages
    assert (
        data.packages[PackageKey("react", "npm")].npm_url == "https://www.npmjs.com/package/react"
    )
    assert data.packages[PackageKey("jsonstream", "npm")].npm_url.endswith("/JSONStream")
    assert data.packages[PackageKey("boto3", "pypi")].description
    assert len(data.packages) > 34_985
    assert any("not in the package lists" in n for n in data.notes)


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def test_bad_records_name_the_file_and_the_record(data_copy):
    path = data_copy / "upskill" / "skills-registry.json"
    document = json.loads(path.read_text())
    document["skills"][5]["installs"] = "lots"
    path.write_text(json.dumps(document))
    with pytest.raises(CatalogDataError) as error:
        read_catalog(data_copy, include_package_lists=False)
    message = str(error.value)
    assert "upskill/skills-registry.json" in message and "#5" in message
    assert "installs must be a non-negative integer" in message


def test_bad_package_evidence_is_refused(data_copy):
    path = data_copy / "skills" / "agent-skills.json"
    document = json.loads(path.read_text())
    document[3]["packages"] = [{"name": "react", "ecosystem": "deno", "evidence": "heading"}]
    path.write_text(json.dumps(document))
    with pytest.raises(CatalogDataError, match=r"agent-skills.json, record #3 .*ecosystem 'deno'"):
        read_catalog(data_copy, include_package_lists=False)


def test_missing_and_broken_files(data_copy):
    (data_copy / "upskill" / "package-mappings.json").write_text("{nope")
    with pytest.raises(CatalogDataError, match="package-mappings.json: not valid JSON"):
        read_catalog(data_copy, include_package_lists=False)
    with pytest.raises(CatalogDataError, match="data directory not found"):
        read_catalog(data_copy / "missing")


def test_shipped_snapshot_matches_the_data(catalog_data):
    """The offline fallback inside the package must not drift from data/catalog."""
    shipped, header = read_snapshot(BUNDLED)
    assert header["source"] == "data files"
    assert shipped == catalog_data.catalog_skills()
