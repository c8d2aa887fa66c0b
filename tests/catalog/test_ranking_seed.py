"""Ranking pinned by hand: seed 004's skills and packages, every expected value written out.

Nothing here is computed with the code under test: each answer is the one seed 004 and the
Upskill API describe (tier 1 ``package_json`` before tier 2 ``installed_skill``; within a
tier the best confidence, then installs, then the name; installed skills never suggested).
"""

from __future__ import annotations

from skillnest.catalog.ranking import (
    CatalogSkill,
    Mapping,
    build_query,
    mapping_rows,
    normalise_npm,
    normalise_package,
    normalise_pypi,
    qualified_name,
    rank_rows,
    rank_suggestions,
)


def seed_skill(id_, skill_id, title, description, repo, installs, *mappings):
    return CatalogSkill(
        id=id_,
        skill_id=skill_id,
        title=title,
        description=description,
        repo=repo,
        installs=installs,
        mappings=tuple(Mapping(*m) for m in mappings),
    )


VERCEL = seed_skill(
    "u1",
    "vercel-react-best-practices",
    "Vercel React Best Practices",
    "React and Next.js performance",
    "vercel-labs/agent-skills",
    900,
    ("react", "npm", 1.0),
    ("next", "npm", 0.9),
)
WEB_DESIGN = seed_skill(
    "u2",
    "web-design-guidelines",
    "Web Design Guidelines",
    None,
    "vercel-labs/agent-skills",
    700,
    ("react", "npm", 0.4),
)
UPGRADING_EXPO = seed_skill(
    "u3",
    "upgrading-expo",
    "Upgrading Expo",
    "Expo SDK upgrades",
    "expo/skills",
    300,
    ("expo", "npm", 1.0),
    ("react-native", "npm", 0.7),
)
EXPO_ROUTER = seed_skill(
    "u4",
    "expo-router",
    "Expo Router",
    None,
    "expo/skills",
    500,
    ("expo", "npm", 0.7),
    ("react-native", "npm", 0.7),
)
# More installs than expo-router at the same confidence, but a later name: only the installs
# tie-break puts it first.
NATIVE_UI = seed_skill(
    "u5", "native-ui", "Native UI", None, "expo/skills", 800, ("react-native", "npm", 0.7)
)
DJANGO = seed_skill("u6", "django-helper", "Django", None, "acme/py", 50, ("django", "pypi", 0.875))
BARE = seed_skill("u7", "bare-skill", "Bare", None, "acme/skills", 5)
CATALOG = [VERCEL, WEB_DESIGN, UPGRADING_EXPO, EXPO_ROUTER, NATIVE_UI, DJANGO, BARE]


def test_react_answers_upskills_document_field_by_field():
    result = rank_suggestions(CATALOG, build_query(["React"]))
    assert result.document() == {
        "skills": [
            {
                "id": "u1",
                "name": "vercel-react-best-practices",
                "title": "Vercel React Best Practices",
                "description": "React and Next.js performance",
                "repo": "vercel-labs/agent-skills",
                "installs": 900,
                "packages": ["react"],
                "match_type": "package_json",
                "confidence": 1.0,
            },
            {
                "id": "u2",
                "name": "web-design-guidelines",
                "title": "Web Design Guidelines",
                "description": None,
                "repo": "vercel-labs/agent-skills",
                "installs": 700,
                "packages": ["react"],
                "match_type": "package_json",
                "confidence": 0.4,
            },
        ],
        "total": 2,
        "matched_packages": ["react"],
        "matched_installed_skills": [],
    }


def test_tier_two_breaks_confidence_ties_on_installs():
    result = rank_suggestions(CATALOG, build_query([], ["upgrading-expo"]))
    assert result.document() == {
        "skills": [
            {
                "id": "u5",
                "name": "native-ui",
                "title": "Native UI",
                "description": None,
                "repo": "expo/skills",
                "installs": 800,
                "packages": ["react-native"],
                "match_type": "installed_skill",
                "confidence": 0.7,
            },
            {
                "id": "u4",
                "name": "expo-router",
                "title": "Expo Router",
                "description": None,
                "repo": "expo/skills",
                "installs": 500,
                "packages": ["expo", "react-native"],
                "match_type": "installed_skill",
                "confidence": 0.7,
            },
        ],
        "total": 2,
        "matched_packages": [],
        "matched_installed_skills": ["upgrading-expo"],
    }


def test_pypi_packages_are_qualified_and_confidence_has_two_decimals():
    result = rank_suggestions(CATALOG, build_query(["Django"]))
    (only,) = result.document()["skills"]
    assert (only["name"], only["packages"], only["confidence"]) == (
        "django-helper",
        ["pypi:django"],
        0.88,
    )
    assert result.matched_packages == ["pypi:django"]


def test_a_limit_of_one_returns_one_and_counts_all():
    # vercel-react-best-practices and upgrading-expo both match at 1.0; 900 installs beat 300.
    result = rank_suggestions(CATALOG, build_query(["react", "expo"], limit=1))
    assert [s.skill_id for s in result.suggestions] == ["vercel-react-best-practices"]
    assert result.total == 4
    assert build_query(["react"], limit=0).limit == 1
    assert build_query(["react"], limit=100).limit == 100


def test_an_installed_skill_without_packages_is_still_matched():
    result = rank_suggestions(CATALOG, build_query([], ["bare-skill"]))
    assert (result.total, result.matched_installed_skills) == (0, ["bare-skill"])
    assert mapping_rows([BARE, WEB_DESIGN]) == [
        ("bare-skill", 5, None, None, None),
        ("web-design-guidelines", 700, "react", "npm", 0.4),
    ]


def test_any_iterable_of_rows_or_skills_ranks_the_same():
    query = build_query(["next"], ["upgrading-expo"])
    rows = mapping_rows(CATALOG)
    expected = ["vercel-react-best-practices", "native-ui", "expo-router"]
    assert [s.skill_id for s in rank_rows(iter(rows), query).suggestions] == expected
    from_generator = rank_suggestions((s for s in CATALOG), query)
    assert [d["title"] for d in from_generator.document()["skills"]] == [
        "Vercel React Best Practices",
        "Native UI",
        "Expo Router",
    ]


def test_rows_take_the_details_the_server_passes():
    result = rank_rows(mapping_rows(CATALOG), build_query(["react"]))
    details = {
        "web-design-guidelines": {
            "id": "uuid-2",
            "title": "Guidelines",
            "description": "Design",
            "repo": "vercel-labs/agent-skills",
        }
    }
    first, second = result.document(details)["skills"]
    # Without details a suggestion falls back to its name and an empty repo.
    assert (first["id"], first["title"], first["description"], first["repo"]) == (
        None,
        "vercel-react-best-practices",
        None,
        "",
    )
    assert (second["id"], second["title"], second["description"], second["repo"]) == (
        "uuid-2",
        "Guidelines",
        "Design",
        "vercel-labs/agent-skills",
    )
    assert result.document()["skills"][1]["title"] == "web-design-guidelines"


def test_the_cache_fingerprint_is_canonical():
    query = build_query(
        ["React", "pypi:Django"],
        [" upgrading-expo ", "", "bare-skill"],
        limit=5,
        excluded=["native-ui", "expo-router"],
    )
    assert query.cache_fingerprint() == (
        "p=pypi:django,npm:react,pypi:react|i=bare-skill,upgrading-expo|x=expo-router,native-ui|l=5"
    )
    assert build_query([], []).is_empty
    assert not build_query(["react"]).is_empty
    assert not build_query([], ["upgrading-expo"]).is_empty


def test_names_are_normalised_and_qualified():
    assert normalise_npm("  @Vercel/Analytics ") == "@vercel/analytics"
    assert normalise_pypi(" Django_REST..Framework ") == "django-rest-framework"
    assert normalise_package("Zope.Interface", "pypi") == "zope-interface"
    assert normalise_package(" Zope.Interface", "npm") == "zope.interface"
    assert qualified_name("requests", "pypi") == "pypi:requests"
    assert qualified_name("react", "npm") == "react"
