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


# --- relevance: what counts as a match, and the order within tier one ------------------

RANKS = {
    ("numpy", "pypi"): 20,
    ("pandas", "pypi"): 37,
    ("seaborn", "pypi"): 589,
    ("zarr", "pypi"): 1000,  # the last common one
    ("rare", "pypi"): 1001,
    ("express", "npm"): 337,
    ("jest", "npm"): 791,
}


def test_which_mappings_count_as_matches():
    from skillnest.catalog.ranking import COMMON_RANK, MANUAL, STRONG_EVIDENCE, counts_as_match

    assert (MANUAL, STRONG_EVIDENCE, COMMON_RANK) == (1.0, 0.9, 1000)
    # A registry's own mapping counts even to tooling; an inferred one never does.
    assert counts_as_match(("jest", "npm"), 1.0, RANKS)
    assert not counts_as_match(("jest", "npm"), 0.99, {})
    assert not counts_as_match(("pytest", "pypi"), 0.9, {})
    # Tooling is per ecosystem: a PyPI "jest" is not npm's test runner.
    assert counts_as_match(("jest", "pypi"), 0.4, {})
    assert counts_as_match(("jest", "cargo"), 0.4, {})  # an ecosystem without a list
    # Common packages (rank <= 1000) need front-matter evidence (0.9).
    assert counts_as_match(("numpy", "pypi"), 0.9, RANKS)
    assert not counts_as_match(("numpy", "pypi"), 0.89, RANKS)
    assert not counts_as_match(("zarr", "pypi"), 0.4, RANKS)
    assert counts_as_match(("rare", "pypi"), 0.4, RANKS)
    assert counts_as_match(("unlisted", "pypi"), 0.4, RANKS)
    # Without ranks only the tooling list applies.
    assert counts_as_match(("numpy", "pypi"), 0.4, {})
    # A skill named after a common package counts on any evidence; never after tooling.
    assert counts_as_match(("numpy", "pypi"), 0.4, RANKS, named=True)
    assert not counts_as_match(("jest", "npm"), 0.9, RANKS, named=True)


def test_named_after_compares_pep_503_names():
    from skillnest.catalog.ranking import is_named_after

    assert is_named_after("scikit_learn", "scikit-learn")
    assert is_named_after("Zope.Interface", "zope-interface")
    assert not is_named_after("scikit-learn-helper", "scikit-learn")


SCIENCE = [
    skill("plots", 0, ("matplotlib", "pypi", 0.9), ("seaborn", "pypi", 0.9)),
    skill("seaborn", 0, ("seaborn", "pypi", 0.7)),
    skill("gpu", 0, ("numpy", "pypi", 0.9), ("pandas", "pypi", 0.9), ("seaborn", "pypi", 0.9)),
    skill("gif-maker", 0, ("numpy", "pypi", 0.4)),  # a passing mention of a common package
    skill("pandas_helper", 0, ("pandas", "pypi", 0.9)),
    skill("Pandas", 0, ("pandas", "pypi", 0.9)),
    skill("registry", 5, ("pandas", "pypi", 1.0)),
    skill("registry-big", 50, ("numpy", "pypi", 1.0), ("rare", "pypi", 0.4)),
]


def science(packages, ranks=RANKS, **kwargs):
    query = build_query([f"pypi:{p}" for p in packages], **kwargs)
    return rank_suggestions(SCIENCE, query, ranks)


def test_tier_one_groups_registry_then_named_then_inferred():
    result = science(["numpy", "pandas", "matplotlib", "seaborn", "rare"])
    names = [s.skill_id for s in result.suggestions]
    assert names == [
        # registry mappings: installs, then name (Upskill's order)
        "registry-big", "registry",
        # named after a requested package: best confidence, then strength
        "Pandas", "seaborn",
        # inferred: summed strength, then best, then popularity
        "gpu", "plots", "pandas_helper",
    ]  # fmt: skip
    assert "gif-maker" not in names and result.total == 7
    by_name = {s.skill_id: s for s in result.suggestions}
    assert by_name["gpu"].packages == ("pypi:numpy", "pypi:pandas", "pypi:seaborn")
    assert by_name["gpu"].confidence == 0.9 and by_name["seaborn"].confidence == 0.7
    assert by_name["registry-big"].packages == ("pypi:numpy", "pypi:rare")
    assert result.matched_packages == [
        "pypi:matplotlib", "pypi:numpy", "pypi:pandas", "pypi:rare", "pypi:seaborn",
    ]  # fmt: skip


def test_a_named_skill_needs_its_name_among_the_matches():
    # "Pandas" is named after pandas, which is not asked for here: it ranks as inferred.
    names = [s.skill_id for s in science(["seaborn", "numpy"]).suggestions]
    assert names == ["registry-big", "seaborn", "gpu", "plots"]


def test_the_most_popular_matched_package_breaks_ties():
    catalog = [
        skill("b-rare", 9, ("rare", "pypi", 0.9)),
        skill("a-unlisted", 9, ("unlisted", "pypi", 0.9)),
        skill("c-zarr", 0, ("zarr", "pypi", 0.9)),
        skill("d-zarr", 1, ("zarr", "pypi", 0.9)),
    ]
    query = build_query(["pypi:rare", "pypi:unlisted", "pypi:zarr"])
    names = [s.skill_id for s in rank_suggestions(catalog, query, RANKS).suggestions]
    # zarr (rank 1000) before rare (1001) before a package in no list; installs next.
    assert names == ["d-zarr", "c-zarr", "b-rare", "a-unlisted"]
    # Without ranks: installs, then name.
    plain = [s.skill_id for s in rank_suggestions(catalog, query).suggestions]
    assert plain == ["a-unlisted", "b-rare", "d-zarr", "c-zarr"]


def test_strength_then_best_order_inferred_skills():
    catalog = [
        skill("two-weak", 0, ("rare", "pypi", 0.7), ("other", "pypi", 0.7)),  # 1.4, best .7
        skill("one-strong", 0, ("rare", "pypi", 0.9)),  # 0.9
        skill("mixed", 0, ("rare", "pypi", 0.9), ("other", "pypi", 0.5)),  # 1.4, best .9
    ]
    query = build_query(["pypi:rare", "pypi:other"])
    names = [s.skill_id for s in rank_suggestions(catalog, query, RANKS).suggestions]
    assert names == ["mixed", "two-weak", "one-strong"]


def test_named_skills_order_by_best_then_strength():
    catalog = [
        skill("rare", 0, ("rare", "pypi", 0.7), ("other", "pypi", 0.7)),
        skill("other", 0, ("other", "pypi", 0.9)),
        skill("zarr", 0, ("zarr", "pypi", 0.9), ("rare", "pypi", 0.4)),
    ]
    query = build_query(["pypi:rare", "pypi:other", "pypi:zarr"])
    names = [s.skill_id for s in rank_suggestions(catalog, query, RANKS).suggestions]
    assert names == ["zarr", "other", "rare"]


def test_tooling_alone_justifies_nothing_but_registry_mappings_stay():
    catalog = [
        skill("turnstile", 0, ("jest", "npm", 0.7)),
        skill("auth-express", 0, ("express", "npm", 0.9), ("dotenv", "npm", 0.4)),
        skill("cms", 0, ("express", "npm", 0.4)),
        skill("upskill-jest", 3, ("jest", "npm", 1.0)),
    ]
    result = rank_suggestions(catalog, build_query(["express", "jest", "dotenv"]), RANKS)
    assert [(s.skill_id, s.packages) for s in result.suggestions] == [
        ("upskill-jest", ("jest",)),
        ("auth-express", ("express",)),
    ]
    assert result.matched_packages == ["express", "jest"]
    # An installed skill's tooling still relates skills in tier two.
    shared = rank_suggestions(catalog, build_query([], ["upskill-jest"]), RANKS)
    assert [s.skill_id for s in shared.suggestions] == ["turnstile"]


def test_hidden_skills_add_no_strength():
    query = build_query(["pypi:numpy", "pypi:pandas"], excluded=["gpu", "registry-big"])
    names = [s.skill_id for s in rank_suggestions(SCIENCE, query, RANKS).suggestions]
    assert names == ["registry", "Pandas", "pandas_helper"]


def test_tier_two_orders_by_the_shared_mapping_confidence():
    result = rank_suggestions(CATALOG, build_query([], ["router"]), RANKS)
    assert [(s.skill_id, s.confidence) for s in result.suggestions] == [
        ("react-a", 0.9), ("react-b", 0.4), ("react-c", 0.4),
    ]  # fmt: skip
    assert {s.match_type for s in result.suggestions} == {INSTALLED_SKILL}
