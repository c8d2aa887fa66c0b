"""Pure rules of job matching: how well a job fits a candidate, with advice.

No I/O here: each function takes plain values and is tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from skillnest.careers.profile.rules import SkillInput, component, fold

# --- match score ----------------------------------------------------------------------


def _term(name: str, aliases: Mapping[str, str]) -> str:
    key = name.casefold().strip()
    return aliases.get(key, key)


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
    return component(offered / wanted)


def culture_fit(user_values: Iterable[str], job_values: Iterable[str]) -> float:
    """Share of the user's values the job states; 0 when either side is empty."""
    mine, theirs = set(fold(user_values)), set(fold(job_values))
    if not mine or not theirs:
        return 0.0
    return len(mine & theirs) / len(mine)


def match_score(
    candidate: CandidateInput, job: JobInput, aliases: Mapping[str, str] | None = None
) -> MatchResult:
    """How well a job fits a user, 0-100, with the points of each factor.

    - skills (35): share of the required skills the user has (a vocabulary alias counts: see
      ``aliases``, folded name -> term), each weighted by the user's
      proficiency (level 1 counts 60%, each level above adds 10%, level 5 counts fully:
      knowing a skill at all is most of the way); no required skills gives full points;
    - experience (25): the user's years over the years required (full when none required);
    - location (15): remote jobs fit everyone but those who want on-site (half); otherwise a
      desired location must match (half when the user named none);
    - salary (10): the job's top salary over the user's minimum expectation (half if unknown);
    - culture (15): share of the user's values the job states (0 when either side is empty).
    """
    same = aliases or {}
    levels = {_term(s.name, same): s.proficiency_level for s in candidate.skills}
    required = {same.get(key, key): name for key, name in fold(job.required_skills).items()}
    matching = [name for key, name in required.items() if key in levels]
    missing = [name for key, name in required.items() if key not in levels]
    if required:
        earned = sum(0.6 + 0.1 * (min(max(levels[k], 1), 5) - 1) for k in required if k in levels)
        skills_fit = earned / len(required)
    else:
        skills_fit = 1.0
    if job.years_required:
        experience_fit = component(candidate.years / job.years_required)
    else:
        experience_fit = 1.0
    fractions = {
        "skills": component(skills_fit),
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
