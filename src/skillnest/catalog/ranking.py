"""Suggestion ranking: pure functions shared by the API and the offline ``suggest`` CLI.

Nothing here does I/O. The server feeds :func:`rank_suggestions` the skills its query found
(each with the mappings that matter), the CLI feeds it a whole catalog snapshot; both get the
same answer because the function only ever looks at mappings to the requested packages and to
the packages of installed skills.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

ECOSYSTEM_PREFIXES = ("npm", "pypi")
PACKAGE_JSON = "package_json"
INSTALLED_SKILL = "installed_skill"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100

_PEP503 = re.compile(r"[-_.]+")


class PackageKey(NamedTuple):
    """A package as stored: normalised name and ecosystem."""

    name: str
    ecosystem: str


class Mapping(NamedTuple):
    """One package a skill is about, with the mapping's confidence (0..1)."""

    name: str
    ecosystem: str
    confidence: float


@dataclass(frozen=True, slots=True)
class CatalogSkill:
    """A skill as ranking sees it; ``mappings`` may be limited to the relevant packages."""

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


def package_keys(raw: str) -> list[PackageKey]:
    """The stored packages a requested name may mean.

    ``npm:x`` and ``pypi:x`` name one ecosystem; a bare name (what the Upskill CLI sends)
    matches either ecosystem, each with its own normalisation.
    """
    text = raw.strip()
    prefix, sep, rest = text.partition(":")
    if sep and prefix.lower() in ECOSYSTEM_PREFIXES and rest.strip():
        ecosystem = prefix.lower()
        return [PackageKey(normalise_package(rest, ecosystem), ecosystem)]
    if not text:
        return []
    return [PackageKey(normalise_npm(text), "npm"), PackageKey(normalise_pypi(text), "pypi")]


def build_query(
    packages: Iterable[str],
    installed_skills: Iterable[str] = (),
    *,
    limit: int = DEFAULT_LIMIT,
    excluded: Iterable[str] = (),
) -> SuggestQuery:
    """Normalise raw request values into a query."""
    wanted = frozenset(key for raw in packages for key in package_keys(raw))
    installed = frozenset(s.strip() for s in installed_skills if s.strip())
    return SuggestQuery(
        wanted=wanted,
        installed=installed,
        limit=max(1, min(int(limit), MAX_LIMIT)),
        excluded=frozenset(excluded),
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One ranked skill and why it was suggested."""

    skill: CatalogSkill
    match_type: str
    confidence: float
    packages: tuple[str, ...]

    @property
    def tier(self) -> int:
        """1 for a direct package match, 2 for a match through an installed skill."""
        return 1 if self.match_type == PACKAGE_JSON else 2

    def document(self) -> dict[str, Any]:
        """The Upskill-compatible JSON shape of this suggestion."""
        s = self.skill
        return {
            "id": s.id,
            "name": s.skill_id,
            "title": s.title,
            "description": s.description,
            "repo": s.repo,
            "installs": s.installs,
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

    def document(self) -> dict[str, Any]:
        """The response body of ``/api/v1/skills/suggest``."""
        return {
            "skills": [s.document() for s in self.suggestions],
            "total": self.total,
            "matched_packages": self.matched_packages,
            "matched_installed_skills": self.matched_installed_skills,
        }


def _sort_key(suggestion: Suggestion) -> tuple[int, float, int, str]:
    # Tier, then the best mapping confidence, then popularity, then name (stable output).
    return (
        suggestion.tier,
        -suggestion.confidence,
        -suggestion.skill.installs,
        suggestion.skill.skill_id,
    )


def _best(mappings: Sequence[Mapping]) -> tuple[float, tuple[str, ...]]:
    confidence = round(max(m.confidence for m in mappings), 2)
    names = tuple(sorted({qualified_name(m.name, m.ecosystem) for m in mappings}))
    return confidence, names


def rank_suggestions(skills: Iterable[CatalogSkill], query: SuggestQuery) -> SuggestResult:
    """Rank skills for a query (Upskill's two tiers, then confidence, installs, name).

    Tier 1 (``package_json``): skills mapped to a requested package. Tier 2
    (``installed_skill``): skills sharing a package with an installed skill. Installed and
    excluded skills never appear. ``packages`` of each suggestion lists the packages that
    matched, as in the Upskill API.
    """
    candidates = list(skills)
    installed = [s for s in candidates if s.skill_id in query.installed]
    installed_keys = {PackageKey(m.name, m.ecosystem) for s in installed for m in s.mappings}
    hidden = query.installed | query.excluded

    suggestions: list[Suggestion] = []
    matched_packages: set[str] = set()
    for skill in candidates:
        if skill.skill_id in hidden:
            continue
        direct = [m for m in skill.mappings if PackageKey(m.name, m.ecosystem) in query.wanted]
        if direct:
            confidence, names = _best(direct)
            matched_packages.update(names)
            suggestions.append(Suggestion(skill, PACKAGE_JSON, confidence, names))
            continue
        shared = [m for m in skill.mappings if PackageKey(m.name, m.ecosystem) in installed_keys]
        if shared:
            confidence, names = _best(shared)
            suggestions.append(Suggestion(skill, INSTALLED_SKILL, confidence, names))

    suggestions.sort(key=_sort_key)
    return SuggestResult(
        suggestions=suggestions[: query.limit],
        total=len(suggestions),
        matched_packages=sorted(matched_packages),
        matched_installed_skills=sorted(s.skill_id for s in installed),
    )
