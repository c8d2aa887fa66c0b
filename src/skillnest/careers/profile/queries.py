"""Narrow reads of the career profile that several careers services build on (never routes).

They return rules inputs and plain values; ``ensure_profile`` returns the profile row, for the
profile services of this package to change.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.profile import rules
from skillnest.careers.profile.models import Experience, UserProfile, UserSkill


async def ensure_profile(*, session: AsyncSession, user_id: int) -> UserProfile:
    """The user's career profile row, created empty on first use."""
    query = select(UserProfile).where(UserProfile.user_id == user_id)
    profile = await session.scalar(query)
    if profile is not None:
        return profile
    profile = UserProfile(user_id=user_id)
    # Not a conflict: a concurrent request created it first, so read that one.
    try:
        async with session.begin_nested():
            session.add(profile)
            await session.flush()
    except IntegrityError:
        profile = await session.scalar(query)
        if profile is None:
            raise
    return profile


async def skill_names(*, session: AsyncSession, user_id: int) -> list[str]:
    """The names of the user's skills."""
    rows = await session.scalars(select(UserSkill.name).where(UserSkill.user_id == user_id))
    return list(rows)


async def skill_inputs(*, session: AsyncSession, user_id: int) -> list[rules.SkillInput]:
    """The user's skills as the scores see them."""
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


async def experience_periods(*, session: AsyncSession, user_id: int) -> list[rules.PeriodInput]:
    """The periods of the user's jobs."""
    rows = await session.execute(
        select(Experience.start_date, Experience.end_date, Experience.is_current).where(
            Experience.user_id == user_id
        )
    )
    return [rules.PeriodInput(r.start_date, r.end_date, r.is_current) for r in rows]
