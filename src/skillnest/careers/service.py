"""Careers rules and queries: profile, scores, jobs, alerts, applications, documents.

Services flush but never commit; the caller's unit of work does. Scores are pure functions in
``careers.rules``; dialect-specific SQL lives in ``careers.search``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.careers import documents, interview, rules, schemas, search
from skillnest.careers.endorsements import count_endorsements
from skillnest.careers.models import (
    Application,
    ApplicationNote,
    ApplicationTimeline,
    CareerGoal,
    Certification,
    DocumentTemplate,
    DocumentVersion,
    Education,
    Experience,
    GeneratedDocument,
    InterviewPrep,
    Job,
    JobAlert,
    JobAlertDelivery,
    JobMatchScore,
    Notification,
    PortfolioItem,
    PracticeSession,
    SavedJob,
    SkillScoreHistory,
    UserProfile,
    UserSkill,
)
from skillnest.core.cache import TTL, Cache, cache_key, set_json
from skillnest.core.db import Base, is_postgres
from skillnest.core.errors import BadRequest, Conflict, NotFound
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub, publish_after_commit
from skillnest.settings import Settings

log = logging.getLogger("skillnest.careers")

M = TypeVar("M", bound=Base)

JOBS_TAG = "careers:jobs"
RECOMMENDATION_CANDIDATES = 500
HISTORY_LIMIT = 50
ALERT_JOBS_PER_RUN = 50
ALERT_LOOKBACK = timedelta(days=30)
ALERT_INTERVALS = {"instant": timedelta(0), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
CREDENTIAL_VERIFY_LIMIT = "60/minute"


def _now() -> datetime:
    return datetime.now(UTC)


def user_tag(user_id: int) -> str:
    """Cache tag of everything careers derives from one user's profile."""
    return f"careers:user:{user_id}"


def skill_score_key(user_id: int) -> str:
    """Cache key of a user's skill-score document."""
    return cache_key("careers", "user", user_id, "skill-score")


def recommendations_key(user_id: int, limit: int) -> str:
    """Cache key of a user's recommendations."""
    return cache_key("careers", "user", user_id, f"recommendations:{limit}")


def _pseudonym_key(settings: Settings | None) -> str | None:
    return settings.pseudonym_key.get_secret_value() if settings is not None else None


async def _owned(session: AsyncSession, model: type[M], row_id: int, user_id: int) -> M:
    """A row of ``model`` owned by the user, or NotFound (same answer for others' rows)."""
    row = await session.get(model, row_id)
    if row is None or getattr(row, "user_id", None) != user_id:
        raise NotFound(f"No such {model.__tablename__.rstrip('s').replace('_', ' ')}.")
    return row


# --- profile ----------------------------------------------------------------------------


async def ensure_profile(*, session: AsyncSession, user_id: int) -> UserProfile:
    """The user's career profile, created empty on first use."""
    profile = await session.scalar(select(UserProfile).where(UserProfile.user_id == user_id))
    if profile is not None:
        return profile
    profile = UserProfile(user_id=user_id)
    try:
        async with session.begin_nested():
            session.add(profile)
            await session.flush()
    except IntegrityError:  # created concurrently
        profile = await session.scalar(select(UserProfile).where(UserProfile.user_id == user_id))
        if profile is None:
            raise
    return profile


async def get_profile(*, session: AsyncSession, user_id: int) -> UserProfile:
    """The career profile."""
    return await ensure_profile(session=session, user_id=user_id)


async def update_profile(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user_id: int,
    data: schemas.CareerProfileUpdate,
) -> UserProfile:
    """Apply the sent profile fields; scores follow."""
    profile = await ensure_profile(session=session, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    merged_min = changes.get("salary_expectation_min", profile.salary_expectation_min)
    merged_max = changes.get("salary_expectation_max", profile.salary_expectation_max)
    if merged_min is not None and merged_max is not None and merged_max < merged_min:
        raise BadRequest("salary_expectation_max is below salary_expectation_min.")
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.updated_at = _now()
    await session.flush()
    await profile_changed(
        session=session, cache=cache, settings=settings, user_id=user_id, trigger="profile"
    )
    return profile


@dataclass(frozen=True)
class Section:
    """One list-shaped part of the profile."""

    model: type[Base]
    trigger: str
    order_by: tuple[Any, ...]


SECTIONS: dict[str, Section] = {
    "goals": Section(CareerGoal, "goal", (CareerGoal.created_at, CareerGoal.id)),
    "skills": Section(UserSkill, "skill", (UserSkill.name,)),
    "certifications": Section(
        Certification, "certification", (Certification.issue_date.desc(), Certification.id)
    ),
    "experience": Section(Experience, "experience", (Experience.start_date.desc(), Experience.id)),
    "education": Section(Education, "education", (Education.start_date.desc(), Education.id)),
    "portfolio": Section(PortfolioItem, "portfolio", (PortfolioItem.created_at, PortfolioItem.id)),
}


async def list_entries(*, session: AsyncSession, user_id: int, kind: str) -> Sequence[Any]:
    """The user's entries of one profile section."""
    section = SECTIONS[kind]
    model: Any = section.model
    result = await session.scalars(
        select(model).where(model.user_id == user_id).order_by(*section.order_by)
    )
    return result.all()


def _check_period_of(row: Any) -> None:
    if getattr(row, "is_current", False) and row.end_date is not None:
        raise BadRequest("A current entry has no end date.")
    if row.start_date is not None and row.end_date is not None and row.end_date < row.start_date:
        raise BadRequest("end_date is before start_date.")


async def _skill_names(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.scalars(select(UserSkill.name).where(UserSkill.user_id == user_id))
    return list(rows)


async def _before_write(session: AsyncSession, kind: str, row: Any, user_id: int) -> None:
    if kind == "skills":
        clash = await session.scalar(
            select(UserSkill.id).where(
                UserSkill.user_id == user_id,
                func.lower(UserSkill.name) == row.name.casefold(),
                UserSkill.id != (row.id or 0),
            )
        )
        if clash is not None:
            raise Conflict(f"You already list the skill {row.name!r}.")
    elif kind in ("experience", "education", "portfolio"):
        _check_period_of(row)
    elif kind == "certifications":
        row.credential_hash = rules.credential_hash(
            rules.credential_document(
                holder_id=user_id,
                name=row.name,
                issuing_organization=row.issuing_organization,
                issue_date=row.issue_date,
                expiry_date=row.expiry_date,
                credential_id=row.credential_id,
            )
        )
    elif kind == "goals":
        row.skill_gaps = rules.missing_skills(
            await _skill_names(session, user_id), row.required_skills or []
        )


async def add_entry(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user_id: int,
    kind: str,
    data: Any,
) -> Any:
    """Add an entry to a profile section; the scores follow."""
    section = SECTIONS[kind]
    row: Any = section.model(user_id=user_id, **data.model_dump())
    await _before_write(session, kind, row, user_id)
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("This entry clashes with one you already have.") from exc
    if kind != "goals":
        await profile_changed(
            session=session,
            cache=cache,
            settings=settings,
            user_id=user_id,
            trigger=section.trigger,
        )
    return row


async def update_entry(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user_id: int,
    kind: str,
    entry_id: int,
    data: Any,
) -> Any:
    """Change the sent fields of one of the user's entries."""
    section = SECTIONS[kind]
    row: Any = await _owned(session, section.model, entry_id, user_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(row, field, value)
    await _before_write(session, kind, row, user_id)
    row.updated_at = _now()
    await session.flush()
    if kind != "goals":
        await profile_changed(
            session=session,
            cache=cache,
            settings=settings,
            user_id=user_id,
            trigger=section.trigger,
        )
    return row


async def delete_entry(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user_id: int,
    kind: str,
    entry_id: int,
) -> None:
    """Remove one of the user's entries."""
    section = SECTIONS[kind]
    row = await _owned(session, section.model, entry_id, user_id)
    await session.delete(row)
    await session.flush()
    if kind != "goals":
        await profile_changed(
            session=session,
            cache=cache,
            settings=settings,
            user_id=user_id,
            trigger=section.trigger,
        )


# --- skill score ------------------------------------------------------------------------


async def _skill_inputs(session: AsyncSession, user_id: int) -> list[rules.SkillInput]:
    rows = await session.execute(
        select(
            UserSkill.name,
            UserSkill.category,
            UserSkill.proficiency_level,
            UserSkill.years_of_experience,
        ).where(UserSkill.user_id == user_id)
    )
    return [
        rules.SkillInput(r.name, r.category, r.proficiency_level, float(r.years_of_experience or 0))
        for r in rows
    ]


async def _experience_inputs(session: AsyncSession, user_id: int) -> list[rules.PeriodInput]:
    rows = await session.execute(
        select(Experience.start_date, Experience.end_date, Experience.is_current).where(
            Experience.user_id == user_id
        )
    )
    return [rules.PeriodInput(r.start_date, r.end_date, r.is_current) for r in rows]


async def score_inputs(
    *, session: AsyncSession, user_id: int, pseudonym_key: str | None, today: date | None = None
) -> rules.SkillScoreInputs:
    """Everything the skill score is computed from, read with a few narrow queries."""
    profile = await ensure_profile(session=session, user_id=user_id)
    education = await session.execute(
        select(Education.degree, Education.gpa).where(Education.user_id == user_id)
    )
    certifications = await session.execute(
        select(Certification.issue_date, Certification.expiry_date).where(
            Certification.user_id == user_id
        )
    )
    portfolio = await session.scalar(
        select(func.count()).select_from(PortfolioItem).where(PortfolioItem.user_id == user_id)
    )
    return rules.SkillScoreInputs(
        skills=await _skill_inputs(session, user_id),
        experience=await _experience_inputs(session, user_id),
        declared_years=profile.years_of_experience,
        education=[rules.EducationInput(r.degree, r.gpa) for r in education],
        certifications=[
            rules.CertificationInput(r.issue_date, r.expiry_date) for r in certifications
        ],
        portfolio_items=int(portfolio or 0),
        endorsements=await count_endorsements(
            session=session, user_id=user_id, pseudonym_key=pseudonym_key
        ),
        today=today or _now().date(),
    )


async def refresh_skill_score(
    *, session: AsyncSession, user_id: int, pseudonym_key: str | None, trigger: str
) -> float:
    """Recompute the skill score; a changed value is stored and appended to the history.

    Other modules call this when an endorsement input changes (a rating, a verification).
    """
    inputs = await score_inputs(session=session, user_id=user_id, pseudonym_key=pseudonym_key)
    score, breakdown = rules.skill_score(inputs)
    profile = await ensure_profile(session=session, user_id=user_id)
    if abs(score - float(profile.skill_score or 0)) >= 0.005:
        profile.skill_score = score
        session.add(
            SkillScoreHistory(user_id=user_id, score=score, trigger=trigger, breakdown=breakdown)
        )
        await session.flush()
    return score


async def _refresh_goal_gaps(session: AsyncSession, user_id: int) -> None:
    goals = (await session.scalars(select(CareerGoal).where(CareerGoal.user_id == user_id))).all()
    if goals:
        names = await _skill_names(session, user_id)
        for goal in goals:
            goal.skill_gaps = rules.missing_skills(names, goal.required_skills or [])


async def profile_changed(
    *, session: AsyncSession, cache: Cache, settings: Settings | None, user_id: int, trigger: str
) -> None:
    """After a profile write: new skill score, stale match scores dropped, caches cleared."""
    await refresh_skill_score(
        session=session, user_id=user_id, pseudonym_key=_pseudonym_key(settings), trigger=trigger
    )
    await _refresh_goal_gaps(session, user_id)
    await session.execute(delete(JobMatchScore).where(JobMatchScore.user_id == user_id))
    await cache.invalidate_tag(user_tag(user_id))


async def skill_score_document(*, session: AsyncSession, cache: Cache, user_id: int) -> bytes:
    """The score, its breakdown and history as ready JSON bytes (cached for an hour)."""
    key = skill_score_key(user_id)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    profile = await ensure_profile(session=session, user_id=user_id)
    history = (
        await session.execute(
            select(
                SkillScoreHistory.score,
                SkillScoreHistory.trigger,
                SkillScoreHistory.breakdown,
                SkillScoreHistory.created_at,
            )
            .where(SkillScoreHistory.user_id == user_id)
            .order_by(SkillScoreHistory.created_at.desc(), SkillScoreHistory.id.desc())
            .limit(HISTORY_LIMIT)
        )
    ).all()
    breakdown = (
        dict(history[0].breakdown)
        if history and history[0].breakdown
        else dict.fromkeys(rules.SKILL_SCORE_WEIGHTS, 0.0)
    )
    doc = schemas.SkillScoreRead(
        score=float(profile.skill_score or 0),
        breakdown=breakdown,
        weights=rules.SKILL_SCORE_WEIGHTS,
        history=[schemas.ScoreHistoryEntry.model_validate(h) for h in history],
    ).model_dump(mode="json")
    return await set_json(cache, key, doc, TTL.MEDIUM, tags=[user_tag(user_id)])


async def skill_gaps(*, session: AsyncSession, user_id: int, job_id: int) -> schemas.SkillGapsRead:
    """The required skills of a job that the user does not list."""
    required = await session.scalar(select(Job.required_skills).where(Job.id == job_id))
    if required is None and await session.get(Job, job_id) is None:
        raise NotFound("No such job.")
    required = list(required or [])
    missing = rules.missing_skills(await _skill_names(session, user_id), required)
    return schemas.SkillGapsRead(
        job_id=job_id,
        required_skills=required,
        matching_skills=[s for s in required if s not in missing],
        missing_skills=missing,
    )


# --- jobs -------------------------------------------------------------------------------

JOB_SUMMARY_COLUMNS = (
    Job.id,
    Job.title,
    Job.company,
    Job.location,
    Job.remote_type,
    Job.employment_type,
    Job.salary_min,
    Job.salary_max,
    Job.required_skills,
    Job.posted_at,
)
JOB_MATCH_COLUMNS = (Job.years_required, Job.company_values)


def _job_values(data: dict[str, Any]) -> dict[str, Any]:
    if "required_skills" in data:
        data["skill_keys"] = search.skill_keys(data["required_skills"])
    if "posted_at" in data and data["posted_at"] is None:
        del data["posted_at"]  # unknown: the database stamps the time it was added
    return data


async def jobs_changed(
    *, session: AsyncSession, cache: Cache, job_ids: Iterable[int] | None = None
) -> None:
    """After job writes: their stored match scores go, every recommendation list is stale."""
    ids = list(job_ids or [])
    if ids:
        await session.execute(delete(JobMatchScore).where(JobMatchScore.job_id.in_(ids)))
    await cache.invalidate_tag(JOBS_TAG)


async def create_job(*, session: AsyncSession, cache: Cache, data: schemas.JobIn) -> Job:
    """Add a job listing (admins); the (source, external_id) pair is unique."""
    job = Job(**_job_values(data.model_dump()))
    session.add(job)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"A job {data.external_id!r} from source {data.source!r} already exists."
        ) from exc
    await jobs_changed(session=session, cache=cache)
    return job


async def get_job(*, session: AsyncSession, job_id: int) -> Job:
    """A job by id."""
    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


async def update_job(
    *, session: AsyncSession, cache: Cache, job_id: int, data: schemas.JobUpdate
) -> Job:
    """Change a listing (admins); the match scores of the job are recomputed on next read."""
    job = await get_job(session=session, job_id=job_id)
    for field, value in _job_values(data.model_dump(exclude_unset=True)).items():
        if value is None and field in ("title", "company", "remote_type"):
            raise BadRequest(f"{field} cannot be empty.")
        setattr(job, field, value)
    if (
        job.salary_min is not None
        and job.salary_max is not None
        and job.salary_max < job.salary_min
    ):
        raise BadRequest("salary_max is below salary_min.")
    job.updated_at = _now()
    await session.flush()
    await jobs_changed(session=session, cache=cache, job_ids=[job_id])
    return job


def _upsert(session: AsyncSession, table: Any) -> Any:
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(table)


async def upsert_jobs(*, session: AsyncSession, jobs: Sequence[schemas.JobIn]) -> list[int]:
    """Insert or refresh listings keyed by (source, external_id); return their ids."""
    unique = {(j.source, j.external_id): j for j in jobs}  # one row may not be hit twice
    rows = [_job_values(j.model_dump()) for j in unique.values()]
    ids: list[int] = []
    # Rows without posted_at keep the stored one (or get the current time): one statement
    # for each shape, since a multi-row INSERT needs the same columns in every row.
    for dated in (True, False):
        group = [r for r in rows if ("posted_at" in r) == dated]
        if not group:
            continue
        stmt = _upsert(session, Job.__table__).values(group)
        refreshed = {
            c: getattr(stmt.excluded, c) for c in group[0] if c not in ("source", "external_id")
        }
        refreshed["updated_at"] = func.now()
        stmt = stmt.on_conflict_do_update(index_elements=["source", "external_id"], set_=refreshed)
        ids.extend((await session.execute(stmt.returning(Job.id))).scalars())
    if ids:
        await session.execute(delete(JobMatchScore).where(JobMatchScore.job_id.in_(ids)))
    return ids


async def count_jobs(*, session: AsyncSession) -> int:
    """How many listings there are."""
    return int(await session.scalar(select(func.count()).select_from(Job)) or 0)


async def search_jobs(
    *,
    session: AsyncSession,
    q: str | None = None,
    location: str | None = None,
    remote_type: str | None = None,
    employment_type: str | None = None,
    salary_min: int | None = None,
    skills: Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    """Jobs matching the filters, newest first; with a text query, best match first."""
    postgres = is_postgres(session)
    clauses = search.job_filters(
        location=location,
        remote_type=remote_type,
        employment_type=employment_type,
        salary_min=salary_min,
        skills=skills,
        postgres=postgres,
    )
    query: Select[Any]
    if q and q.strip():
        query = search.text_search(JOB_SUMMARY_COLUMNS, clauses, q.strip(), postgres=postgres)
    else:
        query = (
            select(*JOB_SUMMARY_COLUMNS)
            .where(*clauses)
            .order_by(Job.posted_at.desc(), Job.id.desc())
        )
    rows = (await session.execute(query.limit(limit + 1).offset(offset))).mappings().all()
    items = [schemas.JobSummary.model_validate(dict(r)).model_dump(mode="json") for r in rows]
    return {
        "items": items[:limit],
        "limit": limit,
        "offset": offset,
        "has_more": len(items) > limit,
    }


async def save_job(
    *, session: AsyncSession, user_id: int, job_id: int, data: schemas.SaveJobIn
) -> schemas.SavedJobRead:
    """Bookmark a job (saving again updates the note)."""
    job = await get_job(session=session, job_id=job_id)
    saved = await session.scalar(
        select(SavedJob).where(SavedJob.user_id == user_id, SavedJob.job_id == job_id)
    )
    if saved is None:
        saved = SavedJob(user_id=user_id, job_id=job_id, notes=data.notes)
        session.add(saved)
    else:
        saved.notes = data.notes
    await session.flush()
    return schemas.SavedJobRead(
        job=schemas.JobSummary.model_validate(job), notes=saved.notes, saved_at=saved.created_at
    )


async def unsave_job(*, session: AsyncSession, user_id: int, job_id: int) -> None:
    """Remove a bookmark."""
    result = await session.execute(
        delete(SavedJob).where(SavedJob.user_id == user_id, SavedJob.job_id == job_id)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("This job is not saved.")


async def list_saved_jobs(*, session: AsyncSession, user_id: int) -> list[schemas.SavedJobRead]:
    """The user's saved jobs, newest first."""
    rows = (
        await session.execute(
            select(*JOB_SUMMARY_COLUMNS, SavedJob.notes, SavedJob.created_at.label("saved_at"))
            .join(SavedJob, SavedJob.job_id == Job.id)
            .where(SavedJob.user_id == user_id)
            .order_by(SavedJob.created_at.desc(), SavedJob.id.desc())
        )
    ).mappings()
    return [
        schemas.SavedJobRead(
            job=schemas.JobSummary.model_validate(dict(r)), notes=r["notes"], saved_at=r["saved_at"]
        )
        for r in rows
    ]


# --- match scores and recommendations ---------------------------------------------------


async def candidate_of(*, session: AsyncSession, user_id: int) -> rules.CandidateInput:
    """The user side of a match."""
    profile = await ensure_profile(session=session, user_id=user_id)
    experience = await _experience_inputs(session, user_id)
    years = (
        rules.experience_years(experience, _now().date())
        if experience
        else float(profile.years_of_experience or 0)
    )
    return rules.CandidateInput(
        skills=await _skill_inputs(session, user_id),
        years=years,
        desired_locations=list(profile.desired_locations or []),
        remote_preference=profile.remote_preference or "any",
        salary_expectation_min=profile.salary_expectation_min,
        culture_values=list(profile.culture_values or []),
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


def _match_doc(job_id: int, result: rules.MatchResult) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "overall_score": result.overall_score,
        "breakdown": result.breakdown,
        "weights": rules.MATCH_WEIGHTS,
        "matching_skills": result.matching_skills,
        "missing_skills": result.missing_skills,
        "recommendations": result.recommendations,
    }


async def _store_matches(
    session: AsyncSession, user_id: int, results: Sequence[tuple[int, rules.MatchResult]]
) -> None:
    if not results:
        return
    stmt = _upsert(session, JobMatchScore.__table__).values(
        [
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
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "job_id"],
        set_={
            name: getattr(stmt.excluded, name)
            for name in (
                "overall_score",
                "breakdown",
                "matching_skills",
                "missing_skills",
                "recommendations",
            )
        }
        | {"updated_at": func.now()},
    )
    await session.execute(stmt)


async def job_match(*, session: AsyncSession, user_id: int, job_id: int) -> dict[str, Any]:
    """Why a job fits the user: the stored score, or a fresh one stored for next time."""
    stored = (
        await session.execute(
            select(
                JobMatchScore.overall_score,
                JobMatchScore.breakdown,
                JobMatchScore.matching_skills,
                JobMatchScore.missing_skills,
                JobMatchScore.recommendations,
            ).where(JobMatchScore.user_id == user_id, JobMatchScore.job_id == job_id)
        )
    ).one_or_none()
    if stored is not None:
        return _match_doc(
            job_id,
            rules.MatchResult(
                float(stored.overall_score),
                dict(stored.breakdown or {}),
                list(stored.matching_skills or []),
                list(stored.missing_skills or []),
                list(stored.recommendations or []),
            ),
        )
    row = (
        (
            await session.execute(
                select(*JOB_SUMMARY_COLUMNS, *JOB_MATCH_COLUMNS).where(Job.id == job_id)
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("No such job.")
    result = rules.match_score(
        await candidate_of(session=session, user_id=user_id), _job_input(row)
    )
    await _store_matches(session, user_id, [(job_id, result)])
    return _match_doc(job_id, result)


async def recommendations(
    *, session: AsyncSession, cache: Cache, user_id: int, limit: int = 20
) -> bytes:
    """Jobs ranked by match score for the user, as ready JSON bytes (cached for an hour).

    Candidates are the most recent jobs that require at least one of the user's skills (the
    most recent jobs when the user lists none); each is scored and the best are stored in
    ``job_match_scores`` with their breakdown.
    """
    key = recommendations_key(user_id, limit)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    candidate = await candidate_of(session=session, user_id=user_id)
    keys = search.skill_keys([s.name for s in candidate.skills])
    query = select(*JOB_SUMMARY_COLUMNS, *JOB_MATCH_COLUMNS)
    if keys:
        query = query.where(search.has_any_skill(keys, postgres=is_postgres(session)))
    query = query.order_by(Job.posted_at.desc(), Job.id.desc()).limit(RECOMMENDATION_CANDIDATES)
    rows = (await session.execute(query)).mappings().all()
    scored = sorted(
        ((rules.match_score(candidate, _job_input(r)), r) for r in rows),
        key=lambda pair: pair[0].overall_score,
        reverse=True,
    )[:limit]
    await _store_matches(session, user_id, [(r["id"], result) for result, r in scored])
    doc = {
        "items": [
            {
                "job": schemas.JobSummary.model_validate(dict(r)).model_dump(mode="json"),
                "match": _match_doc(r["id"], result),
            }
            for result, r in scored
        ]
    }
    return await set_json(cache, key, doc, TTL.MEDIUM, tags=[user_tag(user_id), JOBS_TAG])


# --- job alerts -------------------------------------------------------------------------


def _criteria(data: schemas.AlertCriteria) -> dict[str, Any]:
    criteria = data.model_dump(exclude_none=True)
    documents.validate("job alert criteria", criteria)
    return criteria


async def create_alert(*, session: AsyncSession, user_id: int, data: schemas.AlertIn) -> JobAlert:
    """Save a job alert."""
    alert = JobAlert(
        user_id=user_id,
        name=data.name,
        criteria=_criteria(data.criteria),
        frequency=data.frequency,
        active=data.active,
    )
    session.add(alert)
    await session.flush()
    return alert


async def list_alerts(*, session: AsyncSession, user_id: int) -> Sequence[JobAlert]:
    """The user's job alerts."""
    result = await session.scalars(
        select(JobAlert).where(JobAlert.user_id == user_id).order_by(JobAlert.id)
    )
    return result.all()


async def get_alert(*, session: AsyncSession, user_id: int, alert_id: int) -> JobAlert:
    """One of the user's alerts."""
    return await _owned(session, JobAlert, alert_id, user_id)


async def update_alert(
    *, session: AsyncSession, user_id: int, alert_id: int, data: schemas.AlertUpdate
) -> JobAlert:
    """Change an alert."""
    alert = await _owned(session, JobAlert, alert_id, user_id)
    changes = data.model_dump(exclude_unset=True)
    if data.criteria is not None:
        changes["criteria"] = _criteria(data.criteria)
    for field, value in changes.items():
        if value is not None:
            setattr(alert, field, value)
    alert.updated_at = _now()
    await session.flush()
    return alert


async def delete_alert(*, session: AsyncSession, user_id: int, alert_id: int) -> None:
    """Remove an alert."""
    await session.delete(await _owned(session, JobAlert, alert_id, user_id))
    await session.flush()


def _alert_query(alert: Any, *, postgres: bool, since: datetime) -> Select[Any]:
    criteria: dict[str, Any] = alert.criteria or {}
    query = select(Job.id, Job.title, Job.company, Job.location).where(
        Job.created_at >= since,
        ~select(JobAlertDelivery.job_id)
        .where(JobAlertDelivery.alert_id == alert.id, JobAlertDelivery.job_id == Job.id)
        .exists(),
        *search.job_filters(
            location=criteria.get("location"),
            remote_type=criteria.get("remote_type"),
            employment_type=criteria.get("employment_type"),
            salary_min=criteria.get("salary_min"),
            skills=criteria.get("skills"),
            postgres=postgres,
        ),
    )
    if criteria.get("keywords"):
        query = query.where(search.matches_text(criteria["keywords"], postgres=postgres))
    return query.order_by(Job.id).limit(ALERT_JOBS_PER_RUN)


async def deliver_job_alerts(*, session: AsyncSession, hub: Hub, now: datetime) -> int:
    """Notify each due alert's owner of new matching jobs, each job once per alert."""
    postgres = is_postgres(session)
    alerts = (
        await session.execute(
            select(
                JobAlert.id,
                JobAlert.user_id,
                JobAlert.name,
                JobAlert.criteria,
                JobAlert.frequency,
                JobAlert.last_triggered,
                JobAlert.created_at,
            ).where(JobAlert.active.is_(True))
        )
    ).all()
    sent = 0
    for alert in alerts:
        interval = ALERT_INTERVALS.get(alert.frequency, ALERT_INTERVALS["daily"])
        if alert.last_triggered is not None and now - alert.last_triggered < interval:
            continue
        # One second of slack: SQLite stores CURRENT_TIMESTAMP without fractions, so a job
        # made in the alert's second would otherwise compare as older than the alert.
        since = max(alert.created_at, now - ALERT_LOOKBACK) - timedelta(seconds=1)
        jobs = (await session.execute(_alert_query(alert, postgres=postgres, since=since))).all()
        for job in jobs:
            session.add(JobAlertDelivery(alert_id=alert.id, job_id=job.id))
            where = f" in {job.location}" if job.location else ""
            await notify(
                session=session,
                hub=hub,
                user_id=alert.user_id,
                type="job_alert",
                title=f"New job for your alert {alert.name!r}",
                message=f"{job.title} at {job.company}{where}",
                link=f"/api/v1/jobs/{job.id}",
                metadata={"alert_id": alert.id, "job_id": job.id},
            )
            sent += 1
        await session.execute(
            update(JobAlert).where(JobAlert.id == alert.id).values(last_triggered=now)
        )
    return sent


# --- notifications ----------------------------------------------------------------------


async def notify(
    *,
    session: AsyncSession,
    hub: Hub,
    user_id: int,
    type: str,
    title: str,
    message: str,
    link: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Notification:
    """Store a notification and push it to the user's live event stream."""
    notification = Notification(
        user_id=user_id, type=type, title=title, message=message, link=link, metadata_=metadata
    )
    session.add(notification)
    await session.flush()
    payload = schemas.NotificationRead.model_validate(notification).model_dump(mode="json")
    # Announced once the transaction commits: never a notification that is rolled back.
    publish_after_commit(session, hub, user_id, "notification.created", payload)
    return notification


async def list_notifications(
    *,
    session: AsyncSession,
    user_id: int,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Notification]:
    """The user's notifications: unread first, then newest first."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read.is_(False))
    result = await session.scalars(
        query.order_by(Notification.read, Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return result.all()


async def unread_count(*, session: AsyncSession, user_id: int) -> int:
    """How many of the user's notifications are unread."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read.is_(False))
        )
        or 0
    )


async def mark_read(*, session: AsyncSession, user_id: int, notification_id: int) -> Notification:
    """Mark one notification read."""
    notification = await _owned(session, Notification, notification_id, user_id)
    if not notification.read:
        notification.read = True
        notification.read_at = _now()
        await session.flush()
    return notification


async def mark_all_read(*, session: AsyncSession, user_id: int) -> int:
    """Mark every unread notification read; return how many changed."""
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read.is_(False))
        .values(read=True, read_at=_now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- applications -----------------------------------------------------------------------


def _timeline(application_id: int, event_type: str, description: str, **meta: Any) -> Any:
    return ApplicationTimeline(
        application_id=application_id,
        event_type=event_type,
        description=description,
        metadata_=meta or None,
    )


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


async def _document_of(session: AsyncSession, user_id: int, document_id: int | None) -> None:
    if document_id is not None:
        await _owned(session, GeneratedDocument, document_id, user_id)


async def create_application(
    *, session: AsyncSession, user_id: int, data: schemas.ApplicationIn
) -> schemas.ApplicationDetail:
    """Start tracking an application for a job (saved, or applied right away)."""
    await get_job(session=session, job_id=data.job_id)
    await _document_of(session, user_id, data.resume_id)
    await _document_of(session, user_id, data.cover_letter_id)
    now = _now()
    application = Application(
        user_id=user_id,
        job_id=data.job_id,
        status=data.status,
        application_method=data.application_method,
        resume_id=data.resume_id,
        cover_letter_id=data.cover_letter_id,
        last_updated=now,
    )
    if data.status == "APPLIED":
        application.applied_date = now
        application.follow_up_date = now.date() + timedelta(days=rules.FOLLOW_UP_DAYS)
    session.add(application)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("You already track an application for this job.") from exc
    session.add(
        _timeline(
            application.id,
            "created",
            f"Application created as {_label(data.status)}",
            status=data.status,
        )
    )
    await session.flush()
    return await application_detail(session=session, user_id=user_id, application_id=application.id)


APPLICATION_COLUMNS = (
    Application.id,
    Application.job_id,
    Job.title.label("job_title"),
    Job.company,
    Application.status,
    Application.applied_date,
    Application.follow_up_date,
    Application.interview_date,
    Application.rejection_reason,
    Application.application_method,
    Application.resume_id,
    Application.cover_letter_id,
    Application.last_updated,
    Application.created_at,
)


def _application_doc(row: Any) -> dict[str, Any]:
    doc = dict(row)
    doc["progress"] = rules.progress(doc["status"])
    doc["allowed_transitions"] = rules.allowed_transitions(doc["status"])
    return doc


async def application_detail(
    *, session: AsyncSession, user_id: int, application_id: int
) -> schemas.ApplicationDetail:
    """An application with its timeline."""
    row = (
        (
            await session.execute(
                select(*APPLICATION_COLUMNS)
                .join(Job, Job.id == Application.job_id)
                .where(Application.id == application_id, Application.user_id == user_id)
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("No such application.")
    timeline = await session.scalars(
        select(ApplicationTimeline)
        .where(ApplicationTimeline.application_id == application_id)
        .order_by(ApplicationTimeline.created_at, ApplicationTimeline.id)
    )
    return schemas.ApplicationDetail(
        **_application_doc(row),
        timeline=[schemas.TimelineEvent.model_validate(e) for e in timeline],
    )


async def change_status(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.StatusChange
) -> schemas.ApplicationDetail:
    """Move an application along the status flow (409 for a move the flow does not allow)."""
    application = await session.scalar(
        select(Application).where(Application.id == application_id).with_for_update()
    )
    if application is None or application.user_id != user_id:
        raise NotFound("No such application.")
    current, target = application.status, data.status
    if not rules.can_transition(current, target):
        allowed = rules.allowed_transitions(current)
        raise Conflict(
            f"An application cannot move from {current} to {target}.",
            allowed_transitions=allowed,
        )
    now = _now()
    application.status = target
    application.last_updated = now
    if target == "APPLIED":
        application.applied_date = now
        application.follow_up_date = now.date() + timedelta(days=rules.FOLLOW_UP_DAYS)
    if target == "INTERVIEW_SCHEDULED" and data.interview_date is not None:
        application.interview_date = data.interview_date
    if target == "REJECTED" and data.rejection_reason:
        application.rejection_reason = data.rejection_reason
    meta: dict[str, Any] = {"from": current, "to": target}
    if data.note:
        meta["note"] = data.note
    session.add(
        _timeline(application.id, "status_changed", f"{_label(current)} → {_label(target)}", **meta)
    )
    await session.flush()
    return await application_detail(session=session, user_id=user_id, application_id=application_id)


async def delete_application(*, session: AsyncSession, user_id: int, application_id: int) -> None:
    """Stop tracking an application (its notes, timeline and interview prep go with it)."""
    await session.delete(await _owned(session, Application, application_id, user_id))
    await session.flush()


async def list_applications(
    *,
    session: AsyncSession,
    user_id: int,
    statuses: Sequence[str] | None = None,
    applied_from: date | None = None,
    applied_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The user's applications, most recently updated first, filtered by status and dates."""
    query = (
        select(*APPLICATION_COLUMNS)
        .join(Job, Job.id == Application.job_id)
        .where(Application.user_id == user_id)
    )
    if statuses:
        query = query.where(Application.status.in_(list(statuses)))
    if applied_from is not None:
        start = datetime.combine(applied_from, datetime.min.time(), UTC)
        query = query.where(Application.applied_date >= start)
    if applied_to is not None:
        end = datetime.combine(applied_to + timedelta(days=1), datetime.min.time(), UTC)
        query = query.where(Application.applied_date < end)
    query = query.order_by(Application.last_updated.desc(), Application.id.desc())
    rows = (await session.execute(query.limit(limit).offset(offset))).mappings()
    return [_application_doc(r) for r in rows]


async def application_stats(*, session: AsyncSession, user_id: int) -> schemas.ApplicationStats:
    """Counts per status, and the share of sent applications that got an answer."""
    rows = (
        await session.execute(
            select(
                Application.status,
                func.count().label("n"),
                func.count(Application.applied_date).label("applied"),
            )
            .where(Application.user_id == user_id)
            .group_by(Application.status)
        )
    ).all()
    by_status = dict.fromkeys(rules.ALL_STATUSES, 0)
    applied = responded = 0
    for row in rows:
        by_status[row.status] = int(row.n)
        applied += int(row.applied)
        if row.status in rules.RESPONDED_STATUSES:
            responded += int(row.applied)
    return schemas.ApplicationStats(
        total=sum(by_status.values()),
        by_status=by_status,
        applied=applied,
        responded=responded,
        response_rate=round(responded / applied, 3) if applied else 0.0,
    )


async def list_timeline(
    *, session: AsyncSession, user_id: int, application_id: int
) -> Sequence[ApplicationTimeline]:
    """An application's history, oldest first."""
    await _owned(session, Application, application_id, user_id)
    result = await session.scalars(
        select(ApplicationTimeline)
        .where(ApplicationTimeline.application_id == application_id)
        .order_by(ApplicationTimeline.created_at, ApplicationTimeline.id)
    )
    return result.all()


async def send_follow_up_reminders(*, session: AsyncSession, hub: Hub, now: datetime) -> int:
    """Remind users of applications past their follow-up date, at most once a week each."""
    quiet_since = now - timedelta(days=rules.REMINDER_INTERVAL_DAYS)
    due = (
        await session.execute(
            select(Application.id, Application.user_id, Job.title, Job.company)
            .join(Job, Job.id == Application.job_id)
            .where(
                Application.status == "APPLIED",
                Application.follow_up_date <= now.date(),
                (Application.last_reminder_at.is_(None))
                | (Application.last_reminder_at <= quiet_since),
            )
            .order_by(Application.id)
        )
    ).all()
    for row in due:
        await notify(
            session=session,
            hub=hub,
            user_id=row.user_id,
            type="follow_up_reminder",
            title="Time to follow up",
            message=f"You applied to {row.title} at {row.company}; consider following up.",
            link=f"/api/v1/applications/{row.id}",
            metadata={"application_id": row.id},
        )
    if due:
        await session.execute(
            update(Application)
            .where(Application.id.in_([r.id for r in due]))
            .values(last_reminder_at=now)
        )
    return len(due)


async def run_maintenance(*, session: AsyncSession, platform: Platform) -> str:
    """Periodic jobs: job alerts, then follow-up reminders."""
    now = _now()
    alerts = await deliver_job_alerts(session=session, hub=platform.hub, now=now)
    reminders = await send_follow_up_reminders(session=session, hub=platform.hub, now=now)
    return f"{alerts} job alert notifications, {reminders} follow-up reminders"


# --- notes ------------------------------------------------------------------------------


async def _owned_note(
    session: AsyncSession, user_id: int, application_id: int, note_id: int
) -> ApplicationNote:
    note = await session.scalar(
        select(ApplicationNote)
        .join(Application, Application.id == ApplicationNote.application_id)
        .where(
            ApplicationNote.id == note_id,
            ApplicationNote.application_id == application_id,
            Application.user_id == user_id,
        )
    )
    if note is None:
        raise NotFound("No such note.")
    return note


async def add_note(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.NoteIn
) -> ApplicationNote:
    """Add a note to an application."""
    await _owned(session, Application, application_id, user_id)
    note = ApplicationNote(application_id=application_id, **data.model_dump())
    session.add(note)
    await session.flush()
    return note


async def list_notes(
    *, session: AsyncSession, user_id: int, application_id: int
) -> Sequence[ApplicationNote]:
    """An application's notes, oldest first."""
    await _owned(session, Application, application_id, user_id)
    result = await session.scalars(
        select(ApplicationNote)
        .where(ApplicationNote.application_id == application_id)
        .order_by(ApplicationNote.created_at, ApplicationNote.id)
    )
    return result.all()


async def update_note(
    *,
    session: AsyncSession,
    user_id: int,
    application_id: int,
    note_id: int,
    data: schemas.NoteUpdate,
) -> ApplicationNote:
    """Edit a note."""
    note = await _owned_note(session, user_id, application_id, note_id)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(note, field, value)
    note.updated_at = _now()
    await session.flush()
    return note


async def delete_note(
    *, session: AsyncSession, user_id: int, application_id: int, note_id: int
) -> None:
    """Delete a note."""
    await session.delete(await _owned_note(session, user_id, application_id, note_id))
    await session.flush()


# --- interview prep ---------------------------------------------------------------------


async def _prep_of(session: AsyncSession, user_id: int, application_id: int) -> InterviewPrep:
    prep = await session.scalar(
        select(InterviewPrep).where(
            InterviewPrep.application_id == application_id, InterviewPrep.user_id == user_id
        )
    )
    if prep is None:
        raise NotFound("No interview preparation for this application.")
    return prep


async def create_interview_prep(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.InterviewPrepIn
) -> InterviewPrep:
    """Questions for an application's interview from the job's skills and the built-in bank."""
    application = await _owned(session, Application, application_id, user_id)
    job = (
        await session.execute(
            select(Job.company, Job.required_skills).where(Job.id == application.job_id)
        )
    ).one()
    prep = InterviewPrep(
        application_id=application_id,
        user_id=user_id,
        job_id=application.job_id,
        interview_date=data.interview_date or application.interview_date,
        questions=interview.build_questions(
            company=job.company, required_skills=list(job.required_skills or [])
        ),
        tips=list(interview.TIPS),
    )
    session.add(prep)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("This application already has interview preparation.") from exc
    return prep


async def get_interview_prep(
    *, session: AsyncSession, user_id: int, application_id: int
) -> InterviewPrep:
    """An application's interview preparation."""
    return await _prep_of(session, user_id, application_id)


async def answer_question(
    *,
    session: AsyncSession,
    user_id: int,
    application_id: int,
    question_id: str,
    data: schemas.AnswerIn,
) -> InterviewPrep:
    """Store the user's answer to one question."""
    prep = await _prep_of(session, user_id, application_id)
    questions = [dict(q) for q in prep.questions]
    for question in questions:
        if question["id"] == question_id:
            question["answer"] = data.answer
            break
    else:
        raise NotFound("No such question.")
    prep.questions = questions  # a new list, so the JSON column is written
    prep.updated_at = _now()
    await session.flush()
    return prep


async def add_practice_session(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.PracticeIn
) -> PracticeSession:
    """Record a practice session."""
    prep = await _prep_of(session, user_id, application_id)
    if data.question_id is not None and data.question_id not in {q["id"] for q in prep.questions}:
        raise NotFound("No such question.")
    practice = PracticeSession(interview_prep_id=prep.id, user_id=user_id, **data.model_dump())
    session.add(practice)
    await session.flush()
    return practice


async def list_practice_sessions(
    *, session: AsyncSession, user_id: int, application_id: int
) -> Sequence[PracticeSession]:
    """Practice sessions for an application, newest first."""
    prep = await _prep_of(session, user_id, application_id)
    result = await session.scalars(
        select(PracticeSession)
        .where(PracticeSession.interview_prep_id == prep.id)
        .order_by(PracticeSession.created_at.desc(), PracticeSession.id.desc())
    )
    return result.all()


# --- documents --------------------------------------------------------------------------


async def list_templates(
    *, session: AsyncSession, document_type: str | None = None
) -> Sequence[DocumentTemplate]:
    """The public document templates."""
    query = select(DocumentTemplate).where(DocumentTemplate.is_public.is_(True))
    if document_type:
        query = query.where(DocumentTemplate.document_type == document_type)
    return (await session.scalars(query.order_by(DocumentTemplate.id))).all()


async def document_context(
    *, session: AsyncSession, user_id: int, job: Job | None
) -> dict[str, Any]:
    """What a template may use: the user, profile, skills, history and the job."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    profile = await ensure_profile(session=session, user_id=user_id)
    skills = sorted(
        await list_entries(session=session, user_id=user_id, kind="skills"),
        key=lambda s: (-s.proficiency_level, s.name.casefold()),
    )
    experience = await list_entries(session=session, user_id=user_id, kind="experience")
    education = await list_entries(session=session, user_id=user_id, kind="education")
    certifications = await list_entries(session=session, user_id=user_id, kind="certifications")
    portfolio = await list_entries(session=session, user_id=user_id, kind="portfolio")
    levels = {1: "Beginner", 2: "Elementary", 3: "Intermediate", 4: "Advanced", 5: "Expert"}
    years = rules.experience_years(
        [rules.PeriodInput(e.start_date, e.end_date, e.is_current) for e in experience],
        _now().date(),
    )
    required = list(job.required_skills or []) if job else []
    return {
        "user": {"name": user.name, "email": user.email, "location": user.location},
        "profile": schemas.CareerProfileRead.model_validate(profile).model_dump(mode="json"),
        "skills": [
            {
                "name": s.name,
                "category": s.category,
                "level": levels.get(s.proficiency_level, ""),
                "proficiency_level": s.proficiency_level,
                "years_of_experience": s.years_of_experience,
            }
            for s in skills
        ],
        "experience": [schemas.ExperienceRead.model_validate(e).model_dump() for e in experience],
        "education": [schemas.EducationRead.model_validate(e).model_dump() for e in education],
        "certifications": [
            schemas.CertificationRead.model_validate(c).model_dump() for c in certifications
        ],
        "portfolio": [schemas.PortfolioRead.model_validate(p).model_dump() for p in portfolio],
        "job": schemas.JobRead.model_validate(job).model_dump() if job else None,
        "matching_skills": [
            s for s in required if s not in rules.missing_skills([k.name for k in skills], required)
        ],
        "years_of_experience": f"{years or float(profile.years_of_experience or 0):g}",
        "today": _now().date().isoformat(),
    }


async def generate_document(
    *, session: AsyncSession, user_id: int, data: schemas.GenerateIn
) -> GeneratedDocument:
    """Fill a template from the user's profile (and the job), store it as version 1."""
    template = await session.get(DocumentTemplate, data.template_id)
    if template is None or not template.is_public:
        raise NotFound("No such template.")
    job = await get_job(session=session, job_id=data.job_id) if data.job_id else None
    context = await document_context(session=session, user_id=user_id, job=job)
    markdown = documents.render_markdown(template.body, context)
    content = documents.content_of(markdown)
    metadata = {
        "word_count": documents.word_count(markdown),
        "keywords_used": documents.keywords_used(
            markdown, list(job.required_skills or []) if job else []
        ),
        "template_name": template.name,
    }
    documents.validate("document metadata", metadata)
    kind = "Resume" if template.document_type == "resume" else "Cover letter"
    title = data.title or (f"{kind} for {job.title} at {job.company}" if job else f"{kind}")
    document = GeneratedDocument(
        user_id=user_id,
        job_id=job.id if job else None,
        template_id=template.id,
        document_type=template.document_type,
        title=title[:255],
        content=content,
        version=1,
        metadata_=metadata,
    )
    session.add(document)
    await session.flush()
    session.add(
        DocumentVersion(
            document_id=document.id,
            version=1,
            content=content,
            changes=f"Generated from {template.name}",
        )
    )
    await session.flush()
    return document


async def list_documents(
    *, session: AsyncSession, user_id: int, document_type: str | None = None
) -> Sequence[GeneratedDocument]:
    """The user's documents, newest first."""
    query = select(GeneratedDocument).where(GeneratedDocument.user_id == user_id)
    if document_type:
        query = query.where(GeneratedDocument.document_type == document_type)
    result = await session.scalars(
        query.order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc())
    )
    return result.all()


async def get_document(
    *, session: AsyncSession, user_id: int, document_id: int
) -> GeneratedDocument:
    """One of the user's documents."""
    return await _owned(session, GeneratedDocument, document_id, user_id)


async def _new_version(
    session: AsyncSession, document: GeneratedDocument, content: dict[str, Any], changes: str
) -> GeneratedDocument:
    version = document.version + 1
    session.add(
        DocumentVersion(document_id=document.id, version=version, content=content, changes=changes)
    )
    document.version = version
    document.content = content
    document.updated_at = _now()
    metadata = dict(document.metadata_ or {"keywords_used": []})
    metadata["word_count"] = documents.word_count(content["markdown"])
    metadata.setdefault("keywords_used", [])
    documents.validate("document metadata", metadata)
    document.metadata_ = metadata
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # another edit took this version number first
        raise Conflict("The document changed meanwhile; reload it and try again.") from exc
    return document


async def _locked_document(
    session: AsyncSession, user_id: int, document_id: int
) -> GeneratedDocument:
    document = await session.scalar(
        select(GeneratedDocument).where(GeneratedDocument.id == document_id).with_for_update()
    )
    if document is None or document.user_id != user_id:
        raise NotFound("No such document.")
    return document


async def edit_document(
    *, session: AsyncSession, user_id: int, document_id: int, data: schemas.DocumentEdit
) -> GeneratedDocument:
    """Save new Markdown as the next version."""
    document = await _locked_document(session, user_id, document_id)
    if data.title:
        document.title = data.title
    return await _new_version(
        session, document, documents.content_of(data.markdown), data.changes or "Edited"
    )


async def list_versions(
    *, session: AsyncSession, user_id: int, document_id: int
) -> Sequence[DocumentVersion]:
    """Every version of a document, newest first (without content)."""
    await _owned(session, GeneratedDocument, document_id, user_id)
    result = await session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document_id)
        .order_by(DocumentVersion.version.desc())
    )
    return result.all()


async def get_version(
    *, session: AsyncSession, user_id: int, document_id: int, version: int
) -> DocumentVersion:
    """One version of a document."""
    await _owned(session, GeneratedDocument, document_id, user_id)
    found = await session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document_id, DocumentVersion.version == version
        )
    )
    if found is None:
        raise NotFound("No such version.")
    return found


async def restore_version(
    *, session: AsyncSession, user_id: int, document_id: int, version: int
) -> GeneratedDocument:
    """Make an old version current again, as a new version (history is never rewritten)."""
    document = await _locked_document(session, user_id, document_id)
    old = await get_version(
        session=session, user_id=user_id, document_id=document_id, version=version
    )
    return await _new_version(session, document, dict(old.content), f"Restored version {version}")


async def delete_document(*, session: AsyncSession, user_id: int, document_id: int) -> None:
    """Delete a document and all its versions."""
    await session.delete(await _owned(session, GeneratedDocument, document_id, user_id))
    await session.flush()


# --- credentials ------------------------------------------------------------------------


async def verify_credential(
    *, session: AsyncSession, limiter: RateLimiter, client_address: str, credential_hash: str
) -> schemas.CredentialVerification:
    """Whether a credential hash is known: only the holder's public name and the issue date."""
    await limiter.hit(CREDENTIAL_VERIFY_LIMIT, "credential-verify", client_address)
    row = (
        await session.execute(
            select(User.name, Certification.issue_date)
            .join(User, User.id == Certification.user_id)
            .where(Certification.credential_hash == credential_hash.lower())
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return schemas.CredentialVerification(valid=False)
    return schemas.CredentialVerification(
        valid=True, holder_name=row.name, issued_on=row.issue_date
    )


# --- demo -------------------------------------------------------------------------------

DEMO_USER_EMAIL = "demo@skillnest.dev"  # created by the accounts demo loader


async def load_demo(*, session: AsyncSession) -> str:
    """Demo jobs from data/careers/demo_jobs.jsonl (idempotent: upserted by external id)."""
    from skillnest.careers.importer import DEMO_JOBS, read_jobs

    jobs, errors = read_jobs(DEMO_JOBS.read_text().splitlines())
    ids = await upsert_jobs(session=session, jobs=jobs)
    templates = await session.scalar(select(func.count()).select_from(DocumentTemplate))
    suffix = f", {len(errors)} rejected" if errors else ""
    demo = await session.scalar(select(User.id).where(User.email == DEMO_USER_EMAIL))
    if demo is not None and not await _skill_names(session, demo):
        profile = await ensure_profile(session=session, user_id=demo)
        profile.headline = "Backend developer"
        profile.desired_locations = ["Lisbon"]
        profile.culture_values = ["learning", "remote-friendly"]
        profile.salary_expectation_min = 50000
        for name, level in (("Python", 4), ("SQL", 3), ("PostgreSQL", 3), ("Docker", 2)):
            session.add(UserSkill(user_id=demo, name=name, proficiency_level=level))
        session.add(
            Experience(
                user_id=demo,
                company="Northwind Labs",
                title="Software Developer",
                start_date=date(2021, 3, 1),
                is_current=True,
                description="Builds the APIs of a logistics platform.",
            )
        )
        await session.flush()
        await refresh_skill_score(session=session, user_id=demo, pseudonym_key=None, trigger="demo")
    return f"careers: {len(ids)} demo jobs in place{suffix}, {templates} document templates"
