"""Pure rules of the career profile: the skill score, skill gaps and credential hashes.

No I/O here: each function takes plain values and is tested on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

# --- skill score ------------------------------------------------------------------------

SKILL_SCORE_WEIGHTS: dict[str, float] = {
    "technical_skills": 30,
    "experience": 25,
    "education": 15,
    "certifications": 15,
    "portfolio": 10,
    "endorsements": 5,
}
"""Seed 003's documented weights; they add up to 100."""

# How much of each input earns the full weight of its component.
FULL_TECHNICAL_POINTS = 30  # e.g. six technical skills at proficiency 5
FULL_EXPERIENCE_YEARS = 10.0
FULL_CERTIFICATIONS = 3
FULL_PORTFOLIO_ITEMS = 3
FULL_ENDORSEMENTS = 10

# Matched against the name padded with spaces: short forms carry their spaces so that they
# only match whole words ("diploma" is not a master's "ma").
DEGREE_LEVELS: list[tuple[tuple[str, ...], float]] = [
    (("phd", "ph.d", "doctor", "doctorate", "dphil", "md", "jd"), 1.0),
    (("master", "msc", "m.sc", "mba", " ma ", "m.a", "meng", "m.eng", " ms "), 0.85),
    (("bachelor", "bsc", "b.sc", " ba ", "b.a", "beng", "b.eng", " bs ", "b.s"), 0.7),
    (("associate",), 0.5),
    (("high school", "secondary", "ged", "diploma"), 0.3),
]
UNKNOWN_DEGREE_LEVEL = 0.5


@dataclass(frozen=True)
class SkillInput:
    """One of the user's skills as the scores see it."""

    name: str
    category: str = "technical"
    proficiency_level: int = 3
    years_of_experience: float = 0.0


@dataclass(frozen=True)
class PeriodInput:
    """A dated stretch (a job or a course of study)."""

    start_date: date
    end_date: date | None = None
    is_current: bool = False


@dataclass(frozen=True)
class EducationInput:
    """A degree with its optional GPA (0-4.0)."""

    degree: str
    gpa: float | None = None


@dataclass(frozen=True)
class CertificationInput:
    """A certification; an expired one no longer counts."""

    issue_date: date
    expiry_date: date | None = None


@dataclass
class SkillScoreInputs:
    """Everything the skill score is computed from."""

    skills: Sequence[SkillInput] = ()
    experience: Sequence[PeriodInput] = ()
    declared_years: float | None = None
    education: Sequence[EducationInput] = ()
    certifications: Sequence[CertificationInput] = ()
    portfolio_items: int = 0
    endorsements: int = 0
    today: date = field(default_factory=date.today)


def experience_years(periods: Iterable[PeriodInput], today: date) -> float:
    """Years worked, counting overlapping jobs once; a current job runs until today."""
    # A past job without an end date has an unknown length: it adds nothing.
    spans = sorted(
        (p.start_date, today if p.is_current else (p.end_date or p.start_date)) for p in periods
    )
    total_days = 0
    current_start: date | None = None
    current_end: date | None = None
    for start, end in spans:
        end = min(max(end, start), today)
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total_days += (current_end - current_start).days
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None and current_end is not None:
        total_days += (current_end - current_start).days
    return round(total_days / 365.25, 1)


def degree_level(degree: str) -> float:
    """A 0-1 level for a degree name (doctorate 1.0 ... high school 0.3)."""
    folded = f" {degree.casefold().strip()} "
    for needles, level in DEGREE_LEVELS:
        if any(needle in folded for needle in needles):
            return level
    return UNKNOWN_DEGREE_LEVEL


def component(value: float) -> float:
    """A fraction clamped to 0..1."""
    return max(0.0, min(1.0, value))


def skill_score(inputs: SkillScoreInputs) -> tuple[float, dict[str, float]]:
    """The 0-100 skill score and the points each component earned.

    - technical skills (30): the sum of the proficiency levels of technical skills, full at 30;
    - experience (25): years worked (overlaps counted once; the profile's declared years when
      no job is listed), full at 10 years;
    - education (15): the highest degree's level, blended 80/20 with its GPA when given;
    - certifications (15): unexpired certifications, full at 3;
    - portfolio (10): portfolio items, full at 3;
    - endorsements (5): ratings received and skill verifications, full at 10.
    """
    technical = sum(s.proficiency_level for s in inputs.skills if s.category == "technical")
    years = (
        experience_years(inputs.experience, inputs.today)
        if inputs.experience
        else float(inputs.declared_years or 0.0)
    )
    education = 0.0
    for entry in inputs.education:
        level = degree_level(entry.degree)
        if entry.gpa is not None:
            level = 0.8 * level + 0.2 * component(entry.gpa / 4.0)
        education = max(education, level)
    active_certs = sum(
        1 for c in inputs.certifications if c.expiry_date is None or c.expiry_date >= inputs.today
    )
    fractions = {
        "technical_skills": component(technical / FULL_TECHNICAL_POINTS),
        "experience": component(years / FULL_EXPERIENCE_YEARS),
        "education": component(education),
        "certifications": component(active_certs / FULL_CERTIFICATIONS),
        "portfolio": component(inputs.portfolio_items / FULL_PORTFOLIO_ITEMS),
        "endorsements": component(inputs.endorsements / FULL_ENDORSEMENTS),
    }
    breakdown = {k: round(SKILL_SCORE_WEIGHTS[k] * v, 2) for k, v in fractions.items()}
    return round(sum(breakdown.values()), 2), breakdown


def fold(values: Iterable[str]) -> dict[str, str]:
    """Non-blank names keyed by their case-folded form (the last spelling wins)."""
    return {v.casefold().strip(): v for v in values if v and v.strip()}


def missing_skills(
    user_skills: Iterable[str], required: Iterable[str], aliases: Mapping[str, str] | None = None
) -> list[str]:
    """Required skills the user does not list (case-insensitive), in the job's order.

    ``aliases`` maps a folded name to its vocabulary term ("js" -> "javascript"): a user who
    lists an alias of a required skill has it.
    """
    same = aliases or {}
    have = {same.get(key, key) for key in fold(user_skills)}
    return [s for key, s in fold(required).items() if same.get(key, key) not in have]


# --- credentials ----------------------------------------------------------------------


def canonical_json(document: dict[str, Any]) -> bytes:
    """Canonical JSON: keys sorted, no whitespace, UTF-8, dates as ISO 8601."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def credential_document(
    *,
    holder_id: int,
    name: str,
    issuing_organization: str,
    issue_date: date,
    expiry_date: date | None,
    credential_id: str | None,
) -> dict[str, Any]:
    """The fields a certification's hash covers."""
    return {
        "credential_id": credential_id,
        "expiry_date": expiry_date,
        "holder_id": holder_id,
        "issue_date": issue_date,
        "issuing_organization": issuing_organization,
        "name": name,
    }


def credential_hash(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a credential document."""
    return hashlib.sha256(canonical_json(document)).hexdigest()
