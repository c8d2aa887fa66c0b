"""Suggestion ranking: pure functions shared by the API and the offline ``suggest`` CLI.

Nothing here does I/O. The server feeds :func:`rank_suggestions` the skills its query found
(each with the mappings that matter), the CLI feeds it a whole catalog snapshot; both get the
same answer because the function only ever looks at mappings to the requested packages and to
the packages of installed skills.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

ECOSYSTEM_PREFIXES = ("npm", "pypi")
PACKAGE_JSON = "package_json"
INSTALLED_SKILL = "installed_skill"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100

_PEP503 = re.compile(r"[-_.]+")

MANUAL = 1.0  # a registry's own mapping (Upskill's package-mappings, targetPackages)
STRONG_EVIDENCE = 0.9  # a package named in a skill's front matter
# A package among the COMMON_RANK most used of its ecosystem is in a large share of
# projects: a skill that only mentions it in passing is not about the project.
COMMON_RANK = 1000
# Tools nearly every project has (test runners, linters, formatters, bundlers, env
# loaders): no inferred mapping to them counts, whatever its evidence.
TOOLING: dict[str, frozenset[str]] = {
    "npm": frozenset(
        "jest vitest mocha chai ava jasmine karma eslint prettier tslint stylelint husky "
        "lint-staged nodemon ts-node tsx typescript @types/node vite webpack rollup esbuild "
        "parcel babel-jest @babel/core turbo dotenv cross-env concurrently rimraf".split()
    ),
    "pypi": frozenset(
        "pytest pytest-cov coverage tox nox black ruff flake8 pylint isort mypy pre-commit "
        "setuptools wheel pip twine build python-dotenv".split()
    ),
}


class PackageKey(NamedTuple):
    """A package as stored: normalised name and ecosystem."""

    name: str
    ecosystem: str


class Mapping(NamedTuple):
    """One package a skill is about, with the mapping's confidence (0..1)."""

    name: str
    ecosystem: str
    confidence: float


class CatalogSkill(NamedTuple):
    """A skill as ranking sees it; ``mappings`` may be limited to the relevant packages.

    A named tuple: the server builds thousands per uncached answer.
    """

    id: str | None
    skill_id: str
    title: str
    description: str | None
    repo: str
    installs: int
    mappings: tuple[Mapping, ...] = ()


@dataclass(frozen=True, slots=True)
class SuggestQuery:
    """What the caller asked for, already normalised (see :func:`build_query`)."""

    wanted: frozenset[PackageKey]
    installed: frozenset[str]
    limit: int = DEFAULT_LIMIT
    excluded: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        """Neither packages nor installed skills were given."""
        return not self.wanted and not self.installed

    def cache_fingerprint(self) -> str:
        """A canonical text of the query (the cache key hashes it)."""
        wanted = ",".join(f"{k.ecosystem}:{k.name}" for k in sorted(self.wanted))
        installed = ",".join(sorted(self.installed))
        excluded = ",".join(sorted(self.excluded))
        return f"p={wanted}|i={installed}|x={excluded}|l={self.limit}"


def normalise_npm(name: str) -> str:
    """Lower-case an npm name and drop surrounding space."""
    return name.strip().lower()


def normalise_pypi(name: str) -> str:
    """PEP 503: lower case, runs of ``-``, ``_`` and ``.`` become one ``-``."""
    return _PEP503.sub("-", name.strip()).lower()


def normalise_package(name: str, ecosystem: str) -> str:
    """The stored form of a package name in its ecosystem."""
    return normalise_pypi(name) if ecosystem == "pypi" else normalise_npm(name)


def qualified_name(name: str, ecosystem: str) -> str:
    """``react`` for npm (the default ecosystem), ``pypi:requests`` for PyPI."""
    return name if ecosystem == "npm" else f"{ecosystem}:{name}"


@lru_cache(maxsize=65_536)
def _package_keys(raw: str) -> tuple[PackageKey, ...]:
    text = raw.strip()
    prefix, sep, rest = text.partition(":")
    if sep and prefix.lower() in ECOSYSTEM_PREFIXES and rest.strip():
        ecosystem = prefix.lower()
        return (PackageKey(normalise_package(rest, ecosystem), ecosystem),)
    if not text:
        return ()
    # A bare name is an npm name (what the Upskill CLI sends): it never means a PyPI package.
    return (PackageKey(normalise_npm(text), "npm"),)


def package_keys(raw: str) -> list[PackageKey]:
    """The stored packages a requested name may mean.

    ``npm:x`` and ``pypi:x`` name one ecosystem; a bare name (what the Upskill CLI sends)
    is an npm name, so ``redis`` never reaches a PyPI-only skill.
    """
    return list(_package_keys(raw))


def build_query(
    packages: Iterable[str],
    installed_skills: Iterable[str] = (),
    *,
    limit: int = DEFAULT_LIMIT,
    excluded: Iterable[str] = (),
) -> SuggestQuery:
    """Normalise raw request values into a query."""
    wanted = frozenset(key for raw in packages for key in _package_keys(raw))
    installed = frozenset(s.strip() for s in installed_skills if s.strip())
    return SuggestQuery(
        wanted=wanted,
        installed=installed,
        limit=max(1, min(int(limit), MAX_LIMIT)),
        excluded=frozenset(excluded),
    )


# One mapping of one skill, as the server's query returns it: skill_id, installs, package
# name, ecosystem, confidence (the last three None for a skill without mappings).
MappingRow = tuple[str, int, str | None, str | None, float | None]


def mapping_rows(skills: Iterable[CatalogSkill]) -> list[MappingRow]:
    """Whole skills (a snapshot) as the rows :func:`rank_rows` ranks."""
    rows: list[MappingRow] = []
    for skill in skills:
        if not skill.mappings:
            rows.append((skill.skill_id, skill.installs, None, None, None))
        rows.extend((skill.skill_id, skill.installs, *m) for m in skill.mappings)
    return rows


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One ranked skill and why it was suggested."""

    skill_id: str
    installs: int
    match_type: str
    confidence: float
    packages: tuple[str, ...]

    def document(self, details: Mapping_[str, dict[str, Any]]) -> dict[str, Any]:
        """The Upskill JSON shape; ``details`` supply id, title, description and repo."""
        extra = details.get(self.skill_id) or {}
        return {
            "id": extra.get("id"),
            "name": self.skill_id,
            "title": extra.get("title", self.skill_id),
            "description": extra.get("description"),
            "repo": extra.get("repo", ""),
            "installs": self.installs,
            "packages": list(self.packages),
            "match_type": self.match_type,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class SuggestResult:
    """The ranked page and what matched."""

    suggestions: list[Suggestion]
    total: int
    matched_packages: list[str]
    matched_installed_skills: list[str]
    details: Mapping_[str, dict[str, Any]] = field(default_factory=dict)

    def document(self, details: Mapping_[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The response body of ``/api/v1/skills/suggest``.

        The server ranks bare mapping rows and passes ``details`` (keyed by ``skill_id``) for
        the page it returns; ranking whole skills keeps their own.
        """
        chosen = self.details if details is None else details
        return {
            "skills": [s.document(chosen) for s in self.suggestions],
            "total": self.total,
            "matched_packages": self.matched_packages,
            "matched_installed_skills": self.matched_installed_skills,
        }


def counts_as_match(
    key: tuple[str, str],
    confidence: float,
    ranks: Mapping_[tuple[str, str], int],
    named: bool = False,
) -> bool:
    """Whether a mapping to a requested package may justify a suggestion.

    A registry's own mapping always does; an inferred one never to project tooling, and to
    a package in a large share of projects only with front-matter evidence or when the
    skill is ``named`` after the package.
    """
    if confidence >= MANUAL:
        return True
    if key[0] in TOOLING.get(key[1], ()):
        return False
    if named or confidence >= STRONG_EVIDENCE:
        return True
    return ranks.get(key, COMMON_RANK + 1) > COMMON_RANK


# ASCII only, as both databases fold (SQLite's lower() knows no other letters): package
# names are ASCII, so no other letter could ever make a skill named after one.
_ASCII_SPACE = " \t\n\r\x0b\x0c"
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@lru_cache(maxsize=131_072)
def name_key(name: str) -> str:
    """PEP 503 in ASCII: trimmed, runs of ``-``, ``_`` and ``.`` made one ``-``, lower case.

    Memoised: ranking compares each candidate's id with its packages. The ``named`` column
    of ``suggest_mappings`` is this comparison, made in SQL by migration ``0012_suggest2``.
    """
    return _PEP503.sub("-", name.strip(_ASCII_SPACE)).translate(_ASCII_LOWER)


# What an inferred mapping to a requested package needs to count (see counts_as_match).
_MANUAL_ONLY = "manual only"  # project tooling: only a registry's own mapping counts
_NEEDS_EVIDENCE = "evidence"  # a common package: front-matter evidence or a skill named after it
_ANY = "any"


def _gate(key: tuple[str, str], ranks: Mapping_[tuple[str, str], int]) -> str:
    """The part of :func:`counts_as_match` that depends on the package alone."""
    if key[0] in TOOLING.get(key[1], ()):
        return _MANUAL_ONLY
    return _NEEDS_EVIDENCE if ranks.get(key, COMMON_RANK + 1) <= COMMON_RANK else _ANY


# The gates as the SQL ranking numbers them (see dialect.SUGGEST_PG).
_GATE_CODES = {_ANY: 0, _NEEDS_EVIDENCE: 1, _MANUAL_ONLY: 2}


def package_terms(
    query: SuggestQuery, ranks: Mapping_[tuple[str, str], int]
) -> list[tuple[PackageKey, int, int]]:
    """Per requested package, in a stable order: its gate code and its popularity rank.

    What :func:`rank_rows` decides per package, handed to the SQL ranking: 0 any mapping
    counts, 1 only front-matter evidence or a skill named after it, 2 only a registry's own
    mapping; the rank is :func:`_relevance`'s (``COMMON_RANK * 100`` when unlisted).
    """
    return [
        (key, _GATE_CODES[_gate(key, ranks)], ranks.get(key, COMMON_RANK * 100))
        for key in sorted(query.wanted)
    ]


def is_named_after(skill_id: str, package: str) -> bool:
    """Whether a skill's id is the package's name (compared the PEP 503 way)."""
    return name_key(skill_id) == name_key(package)


def _relevance(
    skill_id: str,
    found: list[tuple[str, str]],
    strengths: list[float],
    ranks: Mapping_[tuple[str, str], int],
) -> tuple[int, float, float, int]:
    """(group, first key, second key, popularity) of a tier-1 skill; smaller ranks first.

    Group 0: a registry's own mapping (Upskill's order: installs, then name). Group 1: the
    skill is named after a requested package. Group 2: inferred, by the summed strength of
    its mappings, then the best one. Popularity (the most used matched package) breaks ties.
    """
    best = max(strengths)
    if best >= MANUAL:
        return 0, 0.0, 0.0, 0
    # In hundredths, as stored (NUMERIC(3,2)): an exact sum, whatever the order of the rows.
    strength = round(sum(strengths) * 100)
    popularity = min(ranks.get(k, COMMON_RANK * 100) for k in found)  # found is never empty
    if any(is_named_after(skill_id, name) for name, _ in found):
        return 1, -best, -strength, popularity
    return 2, -strength, -best, popularity


def rank_rows(
    rows: Iterable[MappingRow],
    query: SuggestQuery,
    ranks: Mapping_[tuple[str, str], int] | None = None,
) -> SuggestResult:
    """Rank skills for a query (Upskill's two tiers, then relevance, installs, name).

    Tier 1 (``package_json``): skills mapped to a requested package. Tier 2
    (``installed_skill``): skills sharing a package with an installed skill. Installed and
    excluded skills never appear. Within tier 1, see :func:`_relevance` (inferred mappings
    pass :func:`counts_as_match` first); within tier 2 the best mapping's confidence ranks
    first. Then installs (descending), then ``skill_id``. ``packages`` of each suggestion
    lists the packages that matched, as in the Upskill API. ``ranks`` is package popularity
    (``popularity.package_ranks``): the server and the CLI pass the same.

    ``rows`` may be any superset of the mappings that matter (those to requested packages,
    and all mappings of installed skills): others never change the answer, which is why the
    server can rank what its indexed query found and the CLI a whole snapshot.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    wanted = query.wanted
    installed = query.installed
    hidden = installed | query.excluded
    installed_keys: set[tuple[str, str]] = set()
    matched_installed: set[str] = set()
    if installed:
        for skill_id, _, name, ecosystem, _ in rows:
            if skill_id in installed:
                matched_installed.add(skill_id)
                if name is not None:
                    installed_keys.add((name, ecosystem))  # type: ignore[arg-type]

    # Per skill: best confidence, matching keys and installs, for each tier. Plain dicts
    # and locals: this loop runs once per mapping row of an uncached answer.
    ranks = ranks or {}
    gates = {key: _gate(key, ranks) for key in wanted}
    best: dict[str, float] = {}
    strengths: dict[str, list[float]] = {}
    keys: dict[str, list[tuple[str, str]]] = {}
    shared_best: dict[str, float] = {}
    shared_keys: dict[str, list[tuple[str, str]]] = {}
    installs_of: dict[str, int] = {}
    for skill_id, installs, name, ecosystem, confidence in rows:
        if name is None:
            continue
        key: tuple[str, str] = (name, ecosystem)  # type: ignore[assignment]
        gate = gates.get(key)  # type: ignore[call-overload]
        if gate is not None:
            # counts_as_match, with what depends only on the package decided once
            if confidence < MANUAL and (  # type: ignore[operator]
                gate is _MANUAL_ONLY
                or (
                    gate is _NEEDS_EVIDENCE
                    and confidence < STRONG_EVIDENCE  # type: ignore[operator]
                    and not is_named_after(skill_id, name)
                )
            ):
                continue
            target_best, target_keys = best, keys
            if skill_id not in hidden:
                strengths.setdefault(skill_id, []).append(confidence)  # type: ignore[arg-type]
        elif key in installed_keys:
            target_best, target_keys = shared_best, shared_keys
        else:
            continue
        if skill_id in hidden:
            continue
        current = target_best.get(skill_id)
        if current is None:
            target_best[skill_id] = confidence  # type: ignore[assignment]
            target_keys[skill_id] = [key]
            installs_of[skill_id] = installs
        else:
            target_keys[skill_id].append(key)
            if confidence > current:  # type: ignore[operator]
                target_best[skill_id] = confidence  # type: ignore[assignment]

    ranked = [
        (1, *_relevance(s, keys[s], strengths[s], ranks), -installs_of[s], s, c)
        for s, c in best.items()
    ]
    ranked += [
        (2, 0, -c, 0.0, 0, -installs_of[s], s, c) for s, c in shared_best.items() if s not in best
    ]
    ranked.sort()
    matched_keys = {key for found in keys.values() for key in found}
    page = [
        Suggestion(
            skill_id=skill_id,
            installs=-negative_installs,
            match_type=PACKAGE_JSON if tier == 1 else INSTALLED_SKILL,
            confidence=round(confidence, 2),
            packages=tuple(
                sorted(
                    {
                        qualified_name(n, e)
                        for n, e in (keys if tier == 1 else shared_keys)[skill_id]
                    }
                )
            ),
        )
        for tier, _, _, _, _, negative_installs, skill_id, confidence in ranked[: query.limit]
    ]
    return SuggestResult(
        suggestions=page,
        total=len(ranked),
        matched_packages=sorted(qualified_name(n, e) for n, e in matched_keys),
        matched_installed_skills=sorted(matched_installed),
    )


def rank_suggestions(
    skills: Iterable[CatalogSkill],
    query: SuggestQuery,
    ranks: Mapping_[tuple[str, str], int] | None = None,
) -> SuggestResult:
    """Rank whole skills (a catalog snapshot) with :func:`rank_rows`, keeping their details."""
    skills = skills if isinstance(skills, list) else list(skills)
    result = rank_rows(mapping_rows(skills), query, ranks)
    page = {s.skill_id for s in result.suggestions}
    details = {
        s.skill_id: {"id": s.id, "title": s.title, "description": s.description, "repo": s.repo}
        for s in skills
        if s.skill_id in page
    }
    return SuggestResult(
        result.suggestions,
        result.total,
        result.matched_packages,
        result.matched_installed_skills,
        details,
    )
