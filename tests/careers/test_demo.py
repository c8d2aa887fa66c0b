"""The demo loader: idempotent, and the demo user gets a career profile."""

from __future__ import annotations

from sqlalchemy import func, select

from skillnest.careers import service
from skillnest.careers.models import Job, UserProfile, UserSkill
from tests.factories import make_user


async def test_demo_load_is_idempotent_and_fills_the_demo_profile(session):
    existing = await session.scalar(select(func.count()).select_from(Job))
    demo = await session.scalar(
        select(func.count()).select_from(UserProfile)  # nothing hidden in the shared database
    )
    user = await make_user(session, email=service.DEMO_USER_EMAIL, name="Demo User")
    first = await service.load_demo(session=session)
    second = await service.load_demo(session=session)
    assert first == second == "careers: 12 demo jobs in place, 4 document templates"
    demo_jobs = await session.scalar(
        select(func.count()).select_from(Job).where(Job.source == "skillnest-demo")
    )
    assert demo_jobs == 12
    assert await session.scalar(select(func.count()).select_from(Job)) <= existing + 12
    skills = (
        await session.scalars(select(UserSkill.name).where(UserSkill.user_id == user.id))
    ).all()
    assert sorted(skills) == ["Docker", "PostgreSQL", "Python", "SQL"]
    score = await session.scalar(
        select(UserProfile.skill_score).where(UserProfile.user_id == user.id)
    )
    assert score > 0
    assert await session.scalar(select(func.count()).select_from(UserProfile)) == demo + 1
