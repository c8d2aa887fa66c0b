"""The pure ranking function shared by the API and the offline CLI."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skillnest.catalog.ranking import (
    INSTALLED_SKILL,
    PACKAGE_JSON,
    CatalogSkill,
    Mapping,
    PackageKey,
    build_query,
    mapping_rows,
    package_keys,
    rank_rows,
    rank_suggestions,
)


def skill(skill_id, installs, *mappings, repo="acme/skills"):
    return CatalogSkill(
        id=None,
        skill_id=skill_id,
        title=skill_id.title(),
        description=None,
        repo=repo,
        installs=installs,
        mappings=tuple(Mapping(n, e, c) for n, e, c in mappings),
    )


CATALOG = [
    skill("react-a", 10, ("react", "npm", 0.9)),
    skill("react-b", 500, ("react", "npm", 0.4), ("next", "npm", 0.9)),
    skill("react-c", 500, ("react", "npm", 0.4)),
    skill("router", 50, ("react-router", "npm", 1.0), ("react", "npm", 0.7)),
    skill("django", 99, ("django", "pypi", 0.9)),
    skill("unrelated", 10_000, ("vue", "npm", 1.0)),
]


def test_package_names_are_normalised_per_ecosystem():
    assert package_keys("  React ") == [PackageKey("react", "npm")]
    assert package_keys("pypi:Django_REST.framework") == [
        PackageKey("django-rest-framework", "pypi")
    ]
    assert package_keys("npm:@Scope/Pkg") == [PackageKey("@scope/pkg", "npm")]
    assert package_keys("   ") == []
    # An unknown prefix is part of the name (npm allows no colon; it simply matches nothing).
    assert package_keys("foo:bar")[0] == PackageKey("foo:bar", "npm")


def test_tier_one_ranks_by_confidence_then_installs_then_name():
    result = rank_suggestions(CATALOG, build_query(["React", "next"]))
    names = [s.skill_id for s in result.suggestions]
    # Best confidence first (react-b's 0.9 via next ties react-a, more installs win), then
    # router's 0.7, then react-c's 0.4.
    assert names == ["react-b", "react-a", "router", "react-c"]
    assert {s.match_type for s in result.suggestions} == {PACKAGE_JSON}
    assert result.suggestions[0].packages == ("next", "react")
    assert result.matched_packages == ["next", "react"]
    assert result.total == 4


def test_tier_two_comes_after_tier_one_and_installed_skills_are_excluded():
    result = rank_suggestions(CATALOG, build_query(["react-router"], ["react-a"]))
    documents = result.document()["skills"]
    assert [(d["name"], d["match_type"]) for d in documents] == [
        ("router", PACKAGE_JSON),
        ("react-b", INSTALLED_SKILL),
        ("react-c", INSTALLED_SKILL),
    ]
    assert "react-a" not in [d["name"] for d in documents]
    assert result.matched_installed_skills == ["react-a"]
    # Tier two's confidence is that of the shared package.
    assert documents[1]["confidence"] == 0.4


def test_limit_total_and_exclusions():
    query = build_query(["react"], limit=2, excluded=["react-a"])
    result = rank_suggestions(CATALOG, query)
    assert [s.skill_id for s in result.suggestions] == ["router", "react-b"]
    assert result.total == 3
    assert build_query(["react"], limit=1000).limit == 100


def test_pypi_names_match_only_pypi_when_prefixed():
    prefixed = rank_suggestions(CATALOG, build_query(["pypi:Django"]))
    assert [s.skill_id for s in prefixed.suggestions] == ["django"]
    assert rank_suggestions(CATALOG, build_query(["npm:django"])).total == 0
    # A bare name is an npm name: it never reaches a PyPI-only skill.
    assert rank_suggestions(CATALOG, build_query(["Django"])).total == 0


def test_rows_and_whole_skills_rank_alike():
    query = build_query(["react", "next"], ["router"], limit=3)
    rows = mapping_rows(CATALOG)
    assert rank_rows(rows, query).suggestions == rank_suggestions(CATALOG, query).suggestions
    # Row order does not matter.
    assert rank_rows(rows[::-1], query).document({}) == rank_rows(rows, query).document({})


def test_unknown_installed_skills_are_not_reported():
    result = rank_suggestions(CATALOG, build_query([], ["nope"]))
    assert result.total == 0 and result.matched_installed_skills == []


# The server hands ranking only the skills its indexed query finds, with only the relevant
# mappings; the CLI hands it the whole catalog. Both must rank identically.

names = st.sampled_from(["a", "b", "c", "d", "e", "f"])
ecosystems = st.sampled_from(["npm", "pypi"])
mappings = st.lists(
    st.tuples(names, ecosystems, st.sampled_from([0.4, 0.7, 0.9, 1.0])),
    max_size=4,
    unique_by=lambda m: (m[0], m[1]),
)
catalogs = st.lists(st.tuples(st.integers(0, 3), mappings), min_size=1, max_size=12).map(
    lambda rows: [skill(f"s{i}", installs, *m) for i, (installs, m) in enumerate(rows)]
)


def server_candidates(catalog, query):
    installed = [s for s in catalog if s.skill_id in query.installed]
    relevant = set(query.wanted) | {
        PackageKey(m.name, m.ecosystem) for s in installed for m in s.mappings
    }
    names_ = {k.name for k in relevant}
    found = {}
    for s in catalog:
        kept = tuple(m for m in s.mappings if m.name in names_)
        if kept:
            found[s.skill_id] = CatalogSkill(
                s.id, s.skill_id, s.title, s.description, s.repo, s.installs, kept
            )
    found.update({s.skill_id: s for s in installed})
    return list(found.values())


@settings(max_examples=200, deadline=None)
@given(
    catalog=catalogs,
    wanted=st.lists(st.sampled_from(["a", "b", "pypi:c", "npm:d", "E"]), max_size=3),
    installed=st.lists(st.sampled_from([f"s{i}" for i in range(12)]), max_size=2),
    limit=st.integers(1, 5),
)
def test_ranking_a_relevant_subset_equals_ranking_the_whole_catalog(
    catalog, wanted, installed, limit
):
    query = build_query(wanted, installed, limit=limit)
    whole = rank_suggestions(catalog, query).document()
    subset = rank_suggestions(server_candidates(catalog, query), query).document()
    assert whole == subset
