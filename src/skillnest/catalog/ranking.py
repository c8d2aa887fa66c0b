"""Suggestion ranking: pure functions shared by the API and the offline ``suggest`` CLI.

Nothing here does I/O. The server feeds :func:`rank_suggestions` the skills its query found
(each with the mappings that matter), the CLI feeds it a whole catalog snapshot; both get the
same answer because the function only ever looks at mappings to the requested packages and to
the packages of installed skills.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
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


@lru_cache(maxsize=65_536)
def _package_keys(raw: str) -> tuple[PackageKey, ...]:
    text = raw.strip()
    prefix, sep, rest = text.partition(":")
    if sep and prefix.lower() in ECOSYSTEM_PREFIXES and rest.strip():
        ecosystem = prefix.lower()
        return (PackageKey(normalise_package(rest, ecosystem), ecosystem),)
    if not text:
        return ()
    return (PackageKey(normalise_npm(text), "npm"), PackageKey(normalise_pypi(text), "pypi"))


def package_keys(raw: str) -> list[PackageKey]:
    """The stored packages a requested name may mean.

    ``npm:x`` and ``pypi:x`` name one ecosystem; a bare name (what the Upskill CLI sends)
    matches either ecosystem, each with its own normalisation.
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


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One ranked skill and why it was suggested."""

    skill: CatalogSkill
    match_type: str
    confidence: float
    packages: tuple[str, ...]

    def document(self, details: Mapping_[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The Upskill JSON shape; ``details`` may supply id, title, description and repo."""
        s = self.skill
        extra = details.get(s.skill_id) if details else None
        if extra is None:
            extra = {"id": s.id, "title": s.title, "description": s.description, "repo": s.repo}
        return {
            "id": extra["id"],
            "name": s.skill_id,
            "title": extra["title"],
            "description": extra["description"],
            "repo": extra["repo"],
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

    def document(self, details: Mapping_[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The response body of ``/api/v1/skills/suggest``.

        The server ranks lean candidates and passes ``details`` (keyed by ``skill_id``) for the
        page it returns; a snapshot's skills carry their own.
        """
        return {
            "skills": [s.document(details) for s in self.suggestions],
            "total": self.total,
            "matched_packages": self.matched_packages,
            "matched_installed_skills": self.matched_installed_skills,
        }


def _qualified(mappings: Iterable[Mapping]) -> tuple[str, ...]:
    return tuple(sorted({qualified_name(m.name, m.ecosystem) for m in mappings}))


def rank_suggestions(skills: Iterable[CatalogSkill], query: SuggestQuery) -> SuggestResult:
    """Rank skills for a query (Upskill's two tiers, then confidence, installs, name).

    Tier 1 (``package_json``): skills mapped to a requested package. Tier 2
    (``installed_skill``): skills sharing a package with an installed skill. Installed and
    excluded skills never appear. Within a tier the best matching mapping's confidence
    ranks first, then installs (descending), then ``skill_id``. ``packages`` of each
    suggestion lists the packages that matched, as in the Upskill API.
    """
    candidates = skills if isinstance(skills, list) else list(skills)
    wanted = query.wanted
    installed_keys: set[tuple[str, str]] = set()
    matched_installed: list[str] = []
    if query.installed:
        for skill in candidates:
            if skill.skill_id in query.installed:
                matched_installed.append(skill.skill_id)
                installed_keys.update((m.name, m.ecosystem) for m in skill.mappings)
    hidden = query.installed | query.excluded

    # (tier, -confidence, -installs, skill_id, skill, matching mappings); one tuple per skill.
    ranked: list[tuple[int, float, int, str, CatalogSkill, list[Mapping]]] = []
    matched_keys: set[tuple[str, str]] = set()
    for skill in candidates:
        if skill.skill_id in hidden:
            continue
        direct = [m for m in skill.mappings if (m.name, m.ecosystem) in wanted]
        if direct:
            matched_keys.update((m.name, m.ecosystem) for m in direct)
            best = max(m.confidence for m in direct)
            ranked.append((1, -best, -skill.installs, skill.skill_id, skill, direct))
            continue
        if installed_keys:
            shared = [m for m in skill.mappings if (m.name, m.ecosystem) in installed_keys]
            if shared:
                best = max(m.confidence for m in shared)
                ranked.append((2, -best, -skill.installs, skill.skill_id, skill, shared))

    ranked.sort(key=itemgetter(0, 1, 2, 3))
    page = [
        Suggestion(
            skill=skill,
            match_type=PACKAGE_JSON if tier == 1 else INSTALLED_SKILL,
            confidence=round(-negative_confidence, 2),
            packages=_qualified(matching),
        )
        for tier, negative_confidence, _, _, skill, matching in ranked[: query.limit]
    ]
    return SuggestResult(
        suggestions=page,
        total=len(ranked),
        matched_packages=sorted(qualified_name(n, e) for n, e in matched_keys),
        matched_installed_skills=sorted(matched_installed),
    )
