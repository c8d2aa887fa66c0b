"""Skill verifications: people vouch for each other's skills under keyed pseudonyms.

Other modules (careers' endorsements) read verifications through ``verified_skills`` and
``verification_summary``, never through help's tables or its pseudonym purposes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.accounts.service import AuthUser
from skillnest.core.errors import Forbidden, NotFound, conflict_on_integrity
from skillnest.core.security import keyed_pseudonym
from skillnest.help import schemas
from skillnest.help.models import SkillVerification
from skillnest.settings import Settings

_SPACES = re.compile(r"\s+")


def verification_pseudonym(settings: Settings, user_id: int) -> str:
    """A verified user or a verifier ("verification")."""
    return keyed_pseudonym(settings.pseudonym_key.get_secret_value(), "verification", user_id)


def normalise_skill_name(name: str) -> str:
    """Verified skills group case-insensitively."""
    return _SPACES.sub(" ", name).strip().lower()


# --- skill verification -----------------------------------------------------------------


async def _require_user(session: AsyncSession, user_id: int) -> None:
    if await session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise NotFound("No such user.")


async def verify_skill(
    *,
    session: AsyncSession,
    settings: Settings,
    user: AuthUser,
    data: schemas.VerificationCreate,
) -> schemas.VerificationRead:
    """Vouch for another user's skill; both sides are stored as pseudonyms."""
    if data.user_id == user.id:
        raise Forbidden("Nobody verifies their own skills.")
    await _require_user(session, data.user_id)
    async with conflict_on_integrity(
        session, "You already verified this skill of this user this way."
    ):
        row = (
            await session.execute(
                insert(SkillVerification)
                .values(
                    user_hash=verification_pseudonym(settings, data.user_id),
                    skill_name=normalise_skill_name(data.skill_name),
                    verification_type=data.verification_type,
                    score=data.score,
                    verified_by_hash=verification_pseudonym(settings, user.id),
                    created_at=datetime.now(UTC),
                )
                .returning(
                    SkillVerification.id,
                    SkillVerification.skill_name,
                    SkillVerification.verification_type,
                    SkillVerification.score,
                    SkillVerification.created_at,
                )
            )
        ).one()
    return schemas.VerificationRead.model_validate(row._mapping)


async def verified_skills(
    *, session: AsyncSession, settings: Settings, user_id: int
) -> schemas.UserVerifications:
    """A user's verified skills with counts, average scores and counts per kind.

    Exported: other modules (careers' endorsements) read verifications through this, never
    through help's tables or its pseudonym purposes.
    """
    await _require_user(session, user_id)
    rows = (
        await session.execute(
            select(
                SkillVerification.skill_name,
                SkillVerification.verification_type,
                func.count(),
                func.sum(SkillVerification.score),
            )
            .where(SkillVerification.user_hash == verification_pseudonym(settings, user_id))
            .group_by(SkillVerification.skill_name, SkillVerification.verification_type)
        )
    ).all()
    skills: dict[str, dict[str, Any]] = {}
    for name, kind, count, total in rows:
        entry = skills.setdefault(name, {"skill_name": name, "count": 0, "total": 0, "by_type": {}})
        entry["count"] += int(count)
        entry["total"] += int(total or 0)
        entry["by_type"][kind] = int(count)
    ordered = sorted(skills.values(), key=lambda s: (-s["count"], s["skill_name"]))
    return schemas.UserVerifications(
        user_id=user_id,
        skills=[
            schemas.VerifiedSkill(
                skill_name=s["skill_name"],
                count=s["count"],
                average_score=round(s["total"] / s["count"], 2),
                by_type=s["by_type"],
            )
            for s in ordered
        ],
    )


# --- read by other modules --------------------------------------------------------------


async def verification_summary(
    *, session: AsyncSession, settings: Settings, user_id: int
) -> schemas.VerificationSummary:
    """How many skill verifications a user received (stored under the user's pseudonym)."""
    subject = verification_pseudonym(settings, user_id)
    count = await session.scalar(
        select(func.count())
        .select_from(SkillVerification)
        .where(SkillVerification.user_hash == subject)
    )
    return schemas.VerificationSummary(count=int(count or 0))
