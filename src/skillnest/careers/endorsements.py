"""The "endorsements" input of the skill score: ratings and skill verifications on skillnest.

Ratings belong to the exchange module (``ratings.rated_id`` is the rated user, seed 001) and
skill verifications to the help module (``skill_verifications.user_hash`` is the keyed
pseudonym of the verified user under the "verification" purpose, seed 000). Both live in the
same database, so one query each counts them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.security import keyed_pseudonym
from skillnest.exchange.models import Rating
from skillnest.help.models import SkillVerification

# The HMAC purpose under which the help module stores the verified user (help.service).
VERIFICATION_SUBJECT_PURPOSE = "verification"


def verification_subject(pseudonym_key: str, user_id: int) -> str:
    """The ``user_hash`` under which a user's skill verifications are stored."""
    return keyed_pseudonym(pseudonym_key, VERIFICATION_SUBJECT_PURPOSE, user_id)


async def count_endorsements(
    *, session: AsyncSession, user_id: int, pseudonym_key: str | None
) -> int:
    """Ratings the user received plus skill verifications of the user."""
    ratings = await session.scalar(
        select(func.count()).select_from(Rating).where(Rating.rated_id == user_id)
    )
    total = int(ratings or 0)
    if pseudonym_key:
        subject = verification_subject(pseudonym_key, user_id)
        verified = await session.scalar(
            select(func.count())
            .select_from(SkillVerification)
            .where(SkillVerification.user_hash == subject)
        )
        total += int(verified or 0)
    return total
