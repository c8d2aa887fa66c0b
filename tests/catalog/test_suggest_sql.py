"""The SQL ranking over ``suggest_mappings`` answers exactly what ``ranking.rank_rows`` does.

Random small catalogs are written, edited and partly deleted through the ORM (so the
triggers of ``suggest_mappings`` see inserts, updates of mappings, skills and packages, and
cascaded deletes); then for random questions the served answer (``compute_suggestions``,
ranked in SQL) must equal the Python reference: ``rank_rows`` over the candidate rows of
``load_candidates``, with the page's details read from ``skills``. The data is made for ties:
installs 0..2, skill ids that differ in case only or are named after a package in another
spelling, and confidences whose float sums differ where their exact sums are equal
(0.1 + 0.2 against 0.3).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import schemas, service
from skillnest.catalog.models import Package, PackageSkillMapping, Skill, SuggestMapping
from skillnest.catalog.ranking import build_query, is_named_after, rank_rows

# (name, ecosystem): tooling (jest, ruff), common by rank (react, numpy), uncommon, unlisted.
PACKAGES = [
    ("react", "npm"), ("jest", "npm"), ("zod", "npm"), ("next.js", "npm"), ("left-pad", "npm"),
    ("numpy", "pypi"), ("ruff", "pypi"), ("scikit-learn", "pypi"), ("zope-interface", "pypi"),
    ("react", "pypi"),
]  # fmt: skip
RANKS = {("react", "npm"): 3, ("jest", "npm"): 40, ("zod", "npm"): 1500, ("numpy", "pypi"): 2,
         ("scikit-learn", "pypi"): 900, ("zope-interface", "pypi"): 4000}  # fmt: skip
SKILL_IDS = [
    "react", "React", "REACT_", "next_js", "Next..JS", "numpy", "scikit_learn", "zope.Interface",
    "jest", "b", "B", "a-b", "\u00e9clair", "zod helper", " zod",
]  # fmt: skip
CONFIDENCES = [0.1, 0.2, 0.3, 0.4, 0.7, 0.9, 1.0]
ASKED = [
    *(n for n, e in PACKAGES if e == "npm"),
    *(f"pypi:{n}" for n, e in PACKAGES if e == "pypi"),
]

catalogs = st.fixed_dictionaries(
    {
        "skills": st.lists(
            st.tuples(st.integers(0, 2), st.booleans() | st.just(True)),
            min_size=6,
            max_size=len(SKILL_IDS),
        ),
        "mappings": st.lists(
            st.tuples(
                st.integers(0, len(SKILL_IDS) - 1),
                st.integers(0, len(PACKAGES) - 1),
                st.sampled_from(CONFIDENCES),
            ),
            min_size=15,
            max_size=60,
        ),
        # Later edits: installs, activity, a new skill_id, a renamed package, a new
        # confidence, a deleted mapping, skill and package.
        "installs": st.lists(st.tuples(st.integers(0, 14), st.integers(0, 2)), max_size=3),
        "deactivate": st.lists(st.integers(0, 14), max_size=2),
        "rename_skill": st.none() | st.tuples(st.integers(0, 14), st.sampled_from(["zod", "X"])),
        "rename_package": st.none() | st.integers(0, len(PACKAGES) - 1),
        "reweigh": st.lists(
            st.tuples(st.integers(0, 59), st.sampled_from(CONFIDENCES)), max_size=3
        ),
        "unmap": st.lists(st.integers(0, 59), max_size=3),
        "drop_skill": st.none() | st.integers(0, 14),
        "drop_package": st.none() | st.integers(0, len(PACKAGES) - 1),
    }
)
questions = st.lists(
    st.tuples(
        st.just(ASKED) | st.lists(st.sampled_from(ASKED), min_size=2, max_size=8),
        st.lists(st.sampled_from([*SKILL_IDS, "unknown"]), max_size=2),
        st.lists(st.sampled_from(SKILL_IDS), max_size=2),
        st.integers(1, 6),
    ),
    min_size=1,
    max_size=4,
)


async def _write(session: AsyncSession, data: dict[str, Any]) -> None:
    """Write the catalog, then edit it, as the importer and the admin routes would."""
    packages = [Package(name=n, ecosystem=e) for n, e in PACKAGES]
    skills = [
        Skill(skill_id=SKILL_IDS[n], title=f"T{n}", repo="r/r", installs=i, is_active=a)
        for n, (i, a) in enumerate(data["skills"])
    ]
    session.add_all([*packages, *skills])
    await session.flush()
    mappings: list[PackageSkillMapping] = []
    seen: set[tuple[int, int]] = set()
    for n, p, confidence in data["mappings"]:
        s = n % len(skills)
        if (s, p) not in seen:
            seen.add((s, p))
            mapping = PackageSkillMapping(
                package_id=packages[p].id, skill_id=skills[s].id, confidence_score=confidence
            )
            mappings.append(mapping)
    session.add_all(mappings)
    await session.flush()
    for s, installs in data["installs"]:
        if s < len(skills):
            await session.execute(
                update(Skill).where(Skill.id == skills[s].id).values(installs=installs)
            )
    for s in data["deactivate"]:
        if s < len(skills):
            await session.execute(
                update(Skill).where(Skill.id == skills[s].id).values(is_active=False)
            )
    taken = {SKILL_IDS[n] for n in range(len(skills))}
    if data["rename_skill"] and data["rename_skill"][0] < len(skills):
        s, new_id = data["rename_skill"]
        if new_id not in taken:
            await session.execute(
                update(Skill).where(Skill.id == skills[s].id).values(skill_id=new_id)
            )
    if data["rename_package"] is not None:
        await session.execute(
            update(Package)
            .where(Package.id == packages[data["rename_package"]].id)
            .values(name="renamed")
        )
    for m, confidence in data["reweigh"]:
        if m < len(mappings):
            await session.execute(
                update(PackageSkillMapping)
                .where(PackageSkillMapping.id == mappings[m].id)
                .values(confidence_score=confidence)
            )
    for m in data["unmap"]:
        if m < len(mappings):
            await session.execute(
                delete(PackageSkillMapping).where(PackageSkillMapping.id == mappings[m].id)
            )
    if data["drop_skill"] is not None and data["drop_skill"] < len(skills):
        await session.execute(delete(Skill).where(Skill.id == skills[data["drop_skill"]].id))
    if data["drop_package"] is not None:
        await session.execute(
            delete(Package).where(Package.id == packages[data["drop_package"]].id)
        )
    session.expunge_all()


async def _reference(session: AsyncSession, query: Any) -> dict[str, Any]:
    """The answer of the Python ranking over the candidate rows, with the page's details."""
    rows = await service.load_candidates(session=session, query=query)
    result = rank_rows(rows, query, RANKS)
    details = {
        skill_id: {"id": str(ident), "title": title, "description": None, "repo": repo}
        for skill_id, ident, title, repo in await session.execute(
            select(Skill.skill_id, Skill.id, Skill.title, Skill.repo)
        )
    }
    return schemas.SuggestOut.model_validate(result.document(details)).model_dump(mode="json")


async def _check_table(session: AsyncSession) -> None:
    """Every mapping has its row, carrying what the live tables say."""
    live = {
        row.id: (
            row.skill_ref,
            row.name,
            row.ecosystem,
            row.skill_id,
            row.installs,
            row.is_active,
            round(float(row.confidence) * 100),
            row.named,
        )  # fmt: skip
        for row in await session.execute(
            select(
                PackageSkillMapping.id,
                Skill.id.label("skill_ref"),
                Package.name,
                Package.ecosystem,
                Skill.skill_id,
                Skill.installs,
                Skill.is_active,
                PackageSkillMapping.confidence_score.label("confidence"),
                Skill.skill_id.label("named"),
            )
            .join(Package, Package.id == PackageSkillMapping.package_id)
            .join(Skill, Skill.id == PackageSkillMapping.skill_id)
        )
    }
    live = {k: (*v[:7], is_named_after(v[3], v[1])) for k, v in live.items()}
    stored = {
        m.id: (
            m.skill_ref,
            m.name,
            m.ecosystem,
            m.skill_id,
            m.installs,
            m.is_active,
            m.score,
            m.named,
        )  # fmt: skip
        for m in (await session.scalars(select(SuggestMapping))).all()
    }
    assert stored == live


# Equal strength and best confidence: the skill whose matched package is most used ranks
# first ("b" via zod, rank 1500, before "B" via zope-interface, rank 4000), not the name.
POPULARITY_TIE = {
    "skills": [(1, True)] * 11,
    "mappings": [(9, 2, 0.2), (9, 4, 0.2), (10, 8, 0.2), (10, 4, 0.2)],
    "installs": [],
    "deactivate": [],
    "rename_skill": None,
    "rename_package": None,
    "reweigh": [],
    "unmap": [],
    "drop_skill": None,
    "drop_package": None,
}


@example(data=POPULARITY_TIE, asked=[(ASKED, [], [], 6)])
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=catalogs, asked=questions)
async def test_sql_ranking_equals_the_python_ranking(
    session: AsyncSession, data: dict[str, Any], asked: list[Any]
) -> None:
    savepoint = await session.begin_nested()
    try:
        await _write(session, data)
        await _check_table(session)
        for packages, installed, excluded, limit in asked:
            if not packages and not installed:
                continue
            query = build_query(packages, installed, limit=limit, excluded=excluded)
            served = await service.compute_suggestions(session=session, query=query, ranks=RANKS)
            assert served.model_dump(mode="json") == await _reference(session, query)
    finally:
        await savepoint.rollback()
