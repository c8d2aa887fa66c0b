"""Pure rules of the careers module: skill score, match score, application flow, hashes.

No I/O here: each function takes plain values and is tested on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
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

DEGREE_LEVELS: list[tuple[tuple[str, ...], float]] = [
    (("phd", "ph.d", "doctor", "doctorate", "dphil", "md", "jd"), 1.0),
    (("master", "msc", "m.sc", "mba", "ma ", "m.a", "meng", "m.eng", "ms "), 0.85),
    (("bachelor", "bsc", "b.sc", "ba ", "b.a", "beng", "b.eng", "bs ", "b.s"), 0.7),
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


def _component(value: float) -> float:
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
            level = 0.8 * level + 0.2 * _component(entry.gpa / 4.0)
        education = max(education, level)
    active_certs = sum(
        1 for c in inputs.certifications if c.expiry_date is None or c.expiry_date >= inputs.today
    )
    fractions = {
        "technical_skills": _component(technical / FULL_TECHNICAL_POINTS),
        "experience": _component(years / FULL_EXPERIENCE_YEARS),
        "education": _component(education),
        "certifications": _component(active_certs / FULL_CERTIFICATIONS),
        "portfolio": _component(inputs.portfolio_items / FULL_PORTFOLIO_ITEMS),
        "endorsements": _component(inputs.endorsements / FULL_ENDORSEMENTS),
    }
    breakdown = {k: round(SKILL_SCORE_WEIGHTS[k] * v, 2) for k, v in fractions.items()}
    return round(sum(breakdown.values()), 2), breakdown


# --- match score ----------------------------------------------------------------------

MATCH_WEIGHTS: dict[str, float] = {
    "skills": 35,
    "experience": 25,
    "location": 15,
    "salary": 10,
    "culture": 15,
}
"""The match weights of the issue; they add up to 100."""


@dataclass
class CandidateInput:
    """The user side of a match."""

    skills: Sequence[SkillInput] = ()
    years: float = 0.0
    desired_locations: Sequence[str] = ()
    remote_preference: str = "any"
    salary_expectation_min: int | None = None
    culture_values: Sequence[str] = ()


@dataclass
class JobInput:
    """The job side of a match."""

    required_skills: Sequence[str] = ()
    years_required: int | None = None
    location: str | None = None
    remote_type: str = "onsite"
    salary_min: int | None = None
    salary_max: int | None = None
    company_values: Sequence[str] = ()


@dataclass
class MatchResult:
    """A match score with its explanation."""

    overall_score: float
    breakdown: dict[str, float]
    matching_skills: list[str]
    missing_skills: list[str]
    recommendations: list[str]


def _fold(values: Iterable[str]) -> dict[str, str]:
    return {v.casefold().strip(): v for v in values if v and v.strip()}


def missing_skills(user_skills: Iterable[str], required: Iterable[str]) -> list[str]:
    """Required skills the user does not list (case-insensitive), in the job's order."""
    have = set(_fold(user_skills))
    return [s for key, s in _fold(required).items() if key not in have]


def _location_fit(candidate: CandidateInput, job: JobInput) -> float:
    preference = candidate.remote_preference or "any"
    if job.remote_type == "remote":
        return 0.5 if preference == "onsite" else 1.0
    wanted = [w.casefold() for w in candidate.desired_locations if w.strip()]
    place = (job.location or "").casefold()
    in_place = bool(place) and any(w in place or place in w for w in wanted)
    if preference == "remote":
        return 0.5 if job.remote_type == "hybrid" and in_place else 0.0
    if in_place:
        return 1.0
    return 0.5 if not wanted else 0.0


def _salary_fit(candidate: CandidateInput, job: JobInput) -> float:
    wanted = candidate.salary_expectation_min
    offered = job.salary_max or job.salary_min
    if not wanted or not offered:
        return 0.5  # unknown on either side: neither a plus nor a minus
    return _component(offered / wanted)


def culture_fit(user_values: Iterable[str], job_values: Iterable[str]) -> float:
    """Share of the user's values the job states; 0 when either side is empty."""
    mine, theirs = set(_fold(user_values)), set(_fold(job_values))
    if not mine or not theirs:
        return 0.0
    return len(mine & theirs) / len(mine)


def match_score(candidate: CandidateInput, job: JobInput) -> MatchResult:
    """How well a job fits a user, 0-100, with the points of each factor.

    - skills (35): share of the required skills the user has, each weighted by the user's
      proficiency (level 1 counts 60%, each level above adds 10%, level 5 counts fully:
      knowing a skill at all is most of the way); no required skills gives full points;
    - experience (25): the user's years over the years required (full when none required);
    - location (15): remote jobs fit everyone but those who want on-site (half); otherwise a
      desired location must match (half when the user named none);
    - salary (10): the job's top salary over the user's minimum expectation (half if unknown);
    - culture (15): share of the user's values the job states (0 when either side is empty).
    """
    levels = {s.name.casefold().strip(): s.proficiency_level for s in candidate.skills}
    required = _fold(job.required_skills)
    matching = [name for key, name in required.items() if key in levels]
    missing = [name for key, name in required.items() if key not in levels]
    if required:
        earned = sum(0.6 + 0.1 * (min(max(levels[k], 1), 5) - 1) for k in required if k in levels)
        skills_fit = earned / len(required)
    else:
        skills_fit = 1.0
    if job.years_required:
        experience_fit = _component(candidate.years / job.years_required)
    else:
        experience_fit = 1.0
    fractions = {
        "skills": _component(skills_fit),
        "experience": experience_fit,
        "location": _location_fit(candidate, job),
        "salary": _salary_fit(candidate, job),
        "culture": culture_fit(candidate.culture_values, job.company_values),
    }
    breakdown = {k: round(MATCH_WEIGHTS[k] * v, 2) for k, v in fractions.items()}
    advice: list[str] = []
    if missing:
        advice.append(f"Learn or add to your profile: {', '.join(missing[:5])}.")
    if fractions["experience"] < 1.0 and job.years_required:
        advice.append(
            f"The role asks for {job.years_required} years of experience; "
            f"you list {candidate.years:g}."
        )
    if (
        fractions["salary"] < 1.0
        and candidate.salary_expectation_min
        and (job.salary_max or job.salary_min)
    ):
        advice.append("The salary range is below your expectation.")
    if fractions["location"] == 0.0:
        advice.append("The location does not match your preferences.")
    return MatchResult(
        overall_score=round(sum(breakdown.values()), 2),
        breakdown=breakdown,
        matching_skills=matching,
        missing_skills=missing,
        recommendations=advice,
    )


# --- applications ---------------------------------------------------------------------

STATUS_FLOW = (
    "SAVED",
    "APPLIED",
    "SCREENING",
    "INTERVIEW_SCHEDULED",
    "INTERVIEW_COMPLETED",
    "OFFER_RECEIVED",
    "ACCEPTED",
)
CLOSING_STATUSES = ("REJECTED", "WITHDRAWN")
FINAL_STATUSES = frozenset({"ACCEPTED", *CLOSING_STATUSES})
ALL_STATUSES = (*STATUS_FLOW, *CLOSING_STATUSES)
PROGRESS = dict(zip(STATUS_FLOW, (10, 25, 40, 55, 70, 90, 100), strict=True))
FOLLOW_UP_DAYS = 14
REMINDER_INTERVAL_DAYS = 7
RESPONDED_STATUSES = frozenset(
    {
        "SCREENING",
        "INTERVIEW_SCHEDULED",
        "INTERVIEW_COMPLETED",
        "OFFER_RECEIVED",
        "ACCEPTED",
        "REJECTED",
    }
)


def can_transition(current: str, target: str) -> bool:
    """Whether an application may move from ``current`` to ``target``.

    Forward one step along SAVED → APPLIED → ... → ACCEPTED, or to REJECTED or WITHDRAWN
    from any state that is not final. Nothing leaves a final state.
    """
    if current in FINAL_STATUSES or current == target:
        return False
    if target in CLOSING_STATUSES:
        return True
    if current in STATUS_FLOW and target in STATUS_FLOW:
        return STATUS_FLOW.index(target) == STATUS_FLOW.index(current) + 1
    return False


def allowed_transitions(current: str) -> list[str]:
    """Every status an application in ``current`` may move to."""
    return [s for s in ALL_STATUSES if can_transition(current, s)]


def progress(status: str) -> int:
    """Progress percentage of a status; a closed application (rejected, withdrawn) is done."""
    return PROGRESS.get(status, 100)


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
