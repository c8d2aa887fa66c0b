"""The skill score: its inputs, its refresh after each profile change, its cached document.

The endorsements input comes from the exchange module (ratings received) and the help module
(skill verifications), each through a function the owning module exports.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.jobs.models import JobMatchScore
from skillnest.careers.profile import queries, rules, schemas
from skillnest.careers.profile.models import (
    CareerGoal,
    Certification,
    Education,
    PortfolioItem,
    SkillScoreHistory,
)
from skillnest.core.cache import TTL, Cache, cache_key, set_json
from skillnest.exchange.service import rating_summary
from skillnest.help.service import verification_summary
from skillnest.settings import Settings

HISTORY_LIMIT = 50
SCORE_EPSILON = 0.005


def user_tag(user_id: int) -> str:
    """Cache tag of everything careers derives from one user's profile."""
    return f"careers:user:{user_id}"


def skill_score_key(user_id: int) -> str:
    """Cache key of a user's skill-score document."""
    return cache_key("careers", "user", user_id, "skill-score")


async def count_endorsements(
    *, session: AsyncSession, user_id: int, settings: Settings | None
) -> int:
    """Ratings the user received plus skill verifications of the user (when keys are known)."""
    total = (await rating_summary(session=session, user_id=user_id)).count
    if settings is not None:
        verified = await verification_summary(session=session, settings=settings, user_id=user_id)
        total += verified.count
    return total


async def score_inputs(
    *, session: AsyncSession, user_id: int, settings: Settings | None, today: date | None = None
) -> rules.SkillScoreInputs:
    """Everything the skill score is computed from, read with a few narrow queries."""
    profile = await queries.ensure_profile(session=session, user_id=user_id)
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
        skills=await queries.skill_inputs(session=session, user_id=user_id),
        experience=await queries.experience_periods(session=session, user_id=user_id),
        declared_years=profile.years_of_experience,
        education=[rules.EducationInput(r.degree, r.gpa) for r in education],
        certifications=[
            rules.CertificationInput(r.issue_date, r.expiry_date) for r in certifications
        ],
        portfolio_items=int(portfolio or 0),
        endorsements=await count_endorsements(session=session, user_id=user_id, settings=settings),
        today=today or datetime.now(UTC).date(),
    )


async def refresh_skill_score(
    *, session: AsyncSession, user_id: int, settings: Settings | None, trigger: str
) -> float:
    """Recompute the skill score; a changed value is stored and appended to the history."""
    inputs = await score_inputs(session=session, user_id=user_id, settings=settings)
    score, breakdown = rules.skill_score(inputs)
    profile = await queries.ensure_profile(session=session, user_id=user_id)
    if abs(score - float(profile.skill_score or 0)) >= SCORE_EPSILON:
        profile.skill_score = score
        session.add(
            SkillScoreHistory(user_id=user_id, score=score, trigger=trigger, breakdown=breakdown)
        )
        await session.flush()
    return score


async def refresh_goal_gaps(*, session: AsyncSession, user_id: int) -> None:
    """Recompute the skill gaps of every goal of the user."""
    goals = (await session.scalars(select(CareerGoal).where(CareerGoal.user_id == user_id))).all()
    if goals:
        names = await queries.skill_names(session=session, user_id=user_id)
        for goal in goals:
            goal.skill_gaps = rules.missing_skills(names, goal.required_skills or [])


async def profile_changed(
    *, session: AsyncSession, cache: Cache, settings: Settings | None, user_id: int, trigger: str
) -> None:
    """After a profile write: new skill score, stale match scores dropped, caches cleared."""
    await refresh_skill_score(session=session, user_id=user_id, settings=settings, trigger=trigger)
    await refresh_goal_gaps(session=session, user_id=user_id)
    await session.execute(delete(JobMatchScore).where(JobMatchScore.user_id == user_id))
    await cache.invalidate_tag(user_tag(user_id))


async def skill_score_document(*, session: AsyncSession, cache: Cache, user_id: int) -> bytes:
    """The score, its breakdown and history as ready JSON bytes (cached for an hour)."""
    key = skill_score_key(user_id)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    profile = await queries.ensure_profile(session=session, user_id=user_id)
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
