"""Matching jobs to users: one job's match explained, ranked recommendations, skill gaps.

Scores are pure functions in ``jobs.rules``; computed scores are kept in ``job_match_scores``
until either side changes (``score.profile_changed`` and ``service.jobs_changed`` drop them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.jobs import dialect, rules, schemas
from skillnest.careers.jobs.models import Job, JobMatchScore
from skillnest.careers.jobs.service import JOB_SUMMARY_COLUMNS, JOBS_TAG, NO_SUCH_JOB
from skillnest.careers.profile import queries
from skillnest.careers.profile.rules import experience_years, missing_skills
from skillnest.careers.profile.score import user_tag
from skillnest.careers.profile.service import get_profile
from skillnest.core.bulk import bulk_insert
from skillnest.core.cache import TTL, Cache, cache_key, set_json
from skillnest.core.db import is_postgres
from skillnest.core.errors import NotFound
from skillnest.core.pages import page_of
from skillnest.exchange import service as exchange

RECOMMENDATION_CANDIDATES = 500
JOB_MATCH_COLUMNS = (Job.years_required, Job.company_values)
_STORED = ("overall_score", "breakdown", "matching_skills", "missing_skills", "recommendations")


def recommendations_key(user_id: int, limit: int, offset: int) -> str:
    """Cache key of one page of a user's recommendations."""
    return cache_key("careers", "user", user_id, f"recommendations:{limit}:{offset}")


async def candidate_of(*, session: AsyncSession, user_id: int) -> rules.CandidateInput:
    """The user side of a match."""
    profile = await get_profile(session=session, user_id=user_id)
    experience = await queries.experience_periods(session=session, user_id=user_id)
    years = (
        experience_years(experience, datetime.now(UTC).date())
        if experience
        else float(profile.years_of_experience or 0)
    )
    return rules.CandidateInput(
        skills=await queries.skill_inputs(session=session, user_id=user_id),
        years=years,
        desired_locations=profile.desired_locations,
        remote_preference=profile.remote_preference or "any",
        salary_expectation_min=profile.salary_expectation_min,
        culture_values=profile.culture_values,
    )


def _job_input(row: Any) -> rules.JobInput:
    return rules.JobInput(
        required_skills=list(row["required_skills"] or []),
        years_required=row["years_required"],
        location=row["location"],
        remote_type=row["remote_type"],
        salary_min=row["salary_min"],
        salary_max=row["salary_max"],
        company_values=list(row["company_values"] or []),
    )


def _match_read(job_id: int, result: rules.MatchResult) -> schemas.MatchRead:
    return schemas.MatchRead(
        job_id=job_id,
        overall_score=result.overall_score,
        breakdown=result.breakdown,
        weights=rules.MATCH_WEIGHTS,
        matching_skills=result.matching_skills,
        missing_skills=result.missing_skills,
        recommendations=result.recommendations,
    )


async def _store_matches(
    session: AsyncSession, user_id: int, results: Sequence[tuple[int, rules.MatchResult]]
) -> None:
    rows = [
        {
            "user_id": user_id,
            "job_id": job_id,
            "overall_score": r.overall_score,
            "breakdown": r.breakdown,
            "matching_skills": r.matching_skills,
            "missing_skills": r.missing_skills,
            "recommendations": r.recommendations,
        }
        for job_id, r in results
    ]
    await bulk_insert(
        session,
        JobMatchScore.__table__,  # type: ignore[arg-type]
        rows,
        conflict=("user_id", "job_id"),
        update=_STORED,
        also_set={"updated_at": func.now()},
    )


async def job_match(*, session: AsyncSession, user_id: int, job_id: int) -> schemas.MatchRead:
    """Why a job fits the user: the stored score, or a fresh one stored for next time."""
    stored = (
        await session.execute(
            select(*(JobMatchScore.__table__.c[name] for name in _STORED)).where(
                JobMatchScore.user_id == user_id, JobMatchScore.job_id == job_id
            )
        )
    ).one_or_none()
    if stored is not None:
        return _match_read(
            job_id,
            rules.MatchResult(
                float(stored.overall_score),
                dict(stored.breakdown or {}),
                list(stored.matching_skills or []),
                list(stored.missing_skills or []),
                list(stored.recommendations or []),
            ),
        )
    query = select(*JOB_SUMMARY_COLUMNS, *JOB_MATCH_COLUMNS).where(Job.id == job_id)
    row = (await session.execute(query)).mappings().one_or_none()
    if row is None:
        raise NotFound(NO_SUCH_JOB)
    candidate = await candidate_of(session=session, user_id=user_id)
    aliases = await _aliases(session, candidate, [row])
    result = rules.match_score(candidate, _job_input(row), aliases)
    await _store_matches(session, user_id, [(job_id, result)])
    return _match_read(job_id, result)


async def recommendations(
    *, session: AsyncSession, cache: Cache, user_id: int, limit: int = 20, offset: int = 0
) -> bytes:
    """One page of jobs ranked by match score for the user: a ``Page`` as ready JSON bytes.

    Candidates are the most recent jobs that require at least one of the user's skills (the
    most recent jobs when the user lists none); each is scored and those of the page are stored
    in ``job_match_scores`` with their breakdown. Cached for an hour.
    """
    key = recommendations_key(user_id, limit, offset)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    candidate = await candidate_of(session=session, user_id=user_id)
    keys = dialect.skill_keys([s.name for s in candidate.skills])
    # Jobs asking for an alias of one of the user's skills ("js" for "javascript") count too.
    keys += await exchange.equivalent_keys(session=session, keys=keys)
    query = select(*JOB_SUMMARY_COLUMNS, *JOB_MATCH_COLUMNS)
    if keys:
        query = query.where(dialect.has_any_skill(keys, postgres=is_postgres(session)))
    query = query.order_by(Job.posted_at.desc(), Job.id.desc()).limit(RECOMMENDATION_CANDIDATES)
    rows = (await session.execute(query)).mappings().all()
    aliases = await _aliases(session, candidate, rows)
    scored = sorted(
        ((rules.match_score(candidate, _job_input(r), aliases), r) for r in rows),
        key=lambda pair: pair[0].overall_score,
        reverse=True,
    )[offset : offset + limit + 1]
    await _store_matches(session, user_id, [(r["id"], result) for result, r in scored[:limit]])
    items = [
        schemas.Recommendation(
            job=schemas.JobSummary.model_validate(dict(r)), match=_match_read(r["id"], result)
        )
        for result, r in scored
    ]
    doc = page_of(items, limit=limit, offset=offset).model_dump(mode="json")
    return await set_json(cache, key, doc, TTL.MEDIUM, tags=[user_tag(user_id), JOBS_TAG])


async def _aliases(
    session: AsyncSession, candidate: rules.CandidateInput, rows: Sequence[Any]
) -> dict[str, str]:
    """The vocabulary's term of every skill name on either side (one query)."""
    names = [s.name for s in candidate.skills]
    names += [name for row in rows for name in row["required_skills"] or ()]
    return await exchange.canonical_keys(session=session, names=names)


async def skill_gaps(*, session: AsyncSession, user_id: int, job_id: int) -> schemas.SkillGapsRead:
    """The required skills of a job that the user does not list (an alias counts as listed).

    Missing skills with a similar skill on the profile ("React" wanted, "React Native" listed)
    stay missing and are named in ``related_skills``.
    """
    found = (
        await session.execute(select(Job.required_skills).where(Job.id == job_id))
    ).one_or_none()
    if found is None:
        raise NotFound(NO_SUCH_JOB)
    required = list(found.required_skills or [])
    names = await queries.skill_names(session=session, user_id=user_id)
    aliases = await exchange.canonical_keys(session=session, names=[*names, *required])
    missing = missing_skills(names, required, aliases)
    relations = await exchange.relate_skills(session=session, have=names, wanted=missing)
    return schemas.SkillGapsRead(
        job_id=job_id,
        required_skills=required,
        matching_skills=[s for s in required if s not in missing],
        missing_skills=missing,
        related_skills=[
            schemas.RelatedSkill(required=pair.wanted, have=pair.have) for pair in relations.similar
        ],
    )
