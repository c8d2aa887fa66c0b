"""The career profile: its fields, its list sections, and public credential verification.

Services flush but never commit; the caller's unit of work does. Every profile write ends with
``score.profile_changed`` (new skill score, stale match scores dropped, caches cleared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.careers.profile import queries, rules, schemas, score
from skillnest.careers.profile.models import (
    CareerGoal,
    Certification,
    Education,
    Experience,
    PortfolioItem,
    UserSkill,
)
from skillnest.core.cache import Cache
from skillnest.core.db import get_owned_or_404
from skillnest.core.errors import BadRequest, Conflict, conflict_on_integrity
from skillnest.core.pages import Page, page_of
from skillnest.core.ratelimit import RateLimiter
from skillnest.settings import Settings

R = TypeVar("R", bound=BaseModel)

CREDENTIAL_VERIFY_LIMIT = "60/minute"


def _now() -> datetime:
    return datetime.now(UTC)


# --- profile ----------------------------------------------------------------------------


async def get_profile(*, session: AsyncSession, user_id: int) -> schemas.CareerProfileRead:
    """The career profile (created empty on first use)."""
    profile = await queries.ensure_profile(session=session, user_id=user_id)
    return schemas.CareerProfileRead.model_validate(profile)


async def update_profile(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings | None,
    user_id: int,
    data: schemas.CareerProfileUpdate,
) -> schemas.CareerProfileRead:
    """Apply the sent profile fields; scores follow."""
    profile = await queries.ensure_profile(session=session, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    merged_min = changes.get("salary_expectation_min", profile.salary_expectation_min)
    merged_max = changes.get("salary_expectation_max", profile.salary_expectation_max)
    if merged_min is not None and merged_max is not None and merged_max < merged_min:
        raise BadRequest("salary_expectation_max is below salary_expectation_min.")
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.updated_at = _now()
    await session.flush()
    await score.profile_changed(
        session=session, cache=cache, settings=settings, user_id=user_id, trigger="profile"
    )
    return schemas.CareerProfileRead.model_validate(profile)


# --- sections ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Section(Generic[R]):
    """One list-shaped part of the profile and the shape it is read in."""

    model: type[Any]
    read: type[R]
    trigger: str | None  # what the score history records; None: the score does not depend on it
    order_by: tuple[Any, ...]
    noun: str


GOALS = Section(
    CareerGoal, schemas.GoalRead, None, (CareerGoal.created_at, CareerGoal.id), "career goal"
)
SKILLS = Section(UserSkill, schemas.SkillRead, "skill", (UserSkill.name,), "user skill")
CERTIFICATIONS = Section(
    Certification,
    schemas.CertificationRead,
    "certification",
    (Certification.issue_date.desc(), Certification.id),
    "certification",
)
EXPERIENCE = Section(
    Experience,
    schemas.ExperienceRead,
    "experience",
    (Experience.start_date.desc(), Experience.id),
    "experience",
)
EDUCATION = Section(
    Education,
    schemas.EducationRead,
    "education",
    (Education.start_date.desc(), Education.id),
    "education",
)
PORTFOLIO = Section(
    PortfolioItem,
    schemas.PortfolioRead,
    "portfolio",
    (PortfolioItem.created_at, PortfolioItem.id),
    "portfolio item",
)


def _entries_query(section: Section[Any], user_id: int) -> Any:
    model = section.model
    return select(model).where(model.user_id == user_id).order_by(*section.order_by)


async def list_entries(
    *, session: AsyncSession, user_id: int, section: Section[R], limit: int, offset: int
) -> Page[R]:
    """One page of the user's entries of a profile section."""
    query = _entries_query(section, user_id).limit(limit + 1).offset(offset)
    rows = (await session.scalars(query)).all()
    return page_of([section.read.model_validate(r) for r in rows], limit=limit, offset=offset)


async def all_entries(*, session: AsyncSession, user_id: int, section: Section[R]) -> list[R]:
    """Every entry of a profile section (a profile holds a few dozen at most)."""
    rows = (await session.scalars(_entries_query(section, user_id))).all()
    return [section.read.model_validate(r) for r in rows]


def _check_period_of(row: Any) -> None:
    if getattr(row, "is_current", False) and row.end_date is not None:
        raise BadRequest("A current entry has no end date.")
    if row.start_date is not None and row.end_date is not None and row.end_date < row.start_date:
        raise BadRequest("end_date is before start_date.")


async def _before_write(
    session: AsyncSession, section: Section[Any], row: Any, user_id: int
) -> None:
    """The checks and derived columns of each section, on the merged row."""
    if section is SKILLS:
        clash = await session.scalar(
            select(UserSkill.id).where(
                UserSkill.user_id == user_id,
                func.lower(UserSkill.name) == row.name.casefold(),
                UserSkill.id != (row.id or 0),
            )
        )
        if clash is not None:
            raise Conflict(f"You already list the skill {row.name!r}.")
    elif section in (EXPERIENCE, EDUCATION, PORTFOLIO):
        _check_period_of(row)
    elif section is CERTIFICATIONS:
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
    elif section is GOALS:
        row.skill_gaps = rules.missing_skills(
            await queries.skill_names(session=session, user_id=user_id), row.required_skills or []
        )


async def _after_write(
    session: AsyncSession,
    cache: Cache,
    settings: Settings | None,
    section: Section[Any],
    user_id: int,
) -> None:
    if section.trigger is not None:
        await score.profile_changed(
            session=session,
            cache=cache,
            settings=settings,
            user_id=user_id,
            trigger=section.trigger,
        )


async def add_entry(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings | None,
    user_id: int,
    section: Section[R],
    data: BaseModel,
) -> R:
    """Add an entry to a profile section; the scores follow."""
    row = section.model(user_id=user_id, **data.model_dump())
    await _before_write(session, section, row, user_id)
    session.add(row)
    async with conflict_on_integrity(session, "This entry clashes with one you already have."):
        await session.flush()
    await _after_write(session, cache, settings, section, user_id)
    return section.read.model_validate(row)


async def _owned_entry(
    session: AsyncSession, section: Section[Any], entry_id: int, user_id: int
) -> Any:
    model = section.model
    return await get_owned_or_404(
        session,
        model,
        entry_id,
        owner=model.user_id,
        owner_id=user_id,
        detail=f"No such {section.noun}.",
    )


async def update_entry(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings | None,
    user_id: int,
    section: Section[R],
    entry_id: int,
    data: BaseModel,
) -> R:
    """Change the sent fields of one of the user's entries."""
    row = await _owned_entry(session, section, entry_id, user_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(row, field, value)
    await _before_write(session, section, row, user_id)
    row.updated_at = _now()
    await session.flush()
    await _after_write(session, cache, settings, section, user_id)
    return section.read.model_validate(row)


async def delete_entry(
    *,
    session: AsyncSession,
    cache: Cache,
    settings: Settings | None,
    user_id: int,
    section: Section[Any],
    entry_id: int,
) -> None:
    """Remove one of the user's entries."""
    await session.delete(await _owned_entry(session, section, entry_id, user_id))
    await session.flush()
    await _after_write(session, cache, settings, section, user_id)


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


async def load_demo_profile(*, session: AsyncSession, user_id: int) -> bool:
    """Give the demo user a small profile unless it lists skills already; True if added."""
    if await queries.skill_names(session=session, user_id=user_id):
        return False
    profile = await queries.ensure_profile(session=session, user_id=user_id)
    profile.headline = "Backend developer"
    profile.desired_locations = ["Lisbon"]
    profile.culture_values = ["learning", "remote-friendly"]
    profile.salary_expectation_min = 50000
    for name, level in (("Python", 4), ("SQL", 3), ("PostgreSQL", 3), ("Docker", 2)):
        session.add(UserSkill(user_id=user_id, name=name, proficiency_level=level))
    session.add(
        Experience(
            user_id=user_id,
            company="Northwind Labs",
            title="Software Developer",
            start_date=date(2021, 3, 1),
            is_current=True,
            description="Builds the APIs of a logistics platform.",
        )
    )
    await session.flush()
    await score.refresh_skill_score(session=session, user_id=user_id, settings=None, trigger="demo")
    return True
