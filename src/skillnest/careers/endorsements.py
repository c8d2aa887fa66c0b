"""The "endorsements" input of the skill score: ratings and skill verifications on skillnest.

Ratings belong to the exchange module (table ``ratings``, seed 001: ``rated_id`` is the rated
user) and skill verifications to the help module (table ``skill_verifications``, seed 000:
``user_hash`` is the keyed pseudonym of the verified user). Either module may be absent from a
deployment, so each table is counted only when it exists (checked once per database).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import column

from skillnest.core.security import keyed_pseudonym

RATINGS = table("ratings", column("rated_id"))
SKILL_VERIFICATIONS = table("skill_verifications", column("user_hash"))
# The HMAC purpose under which the help module pseudonymises user ids (keep in step with it).
VERIFICATION_SUBJECT_PURPOSE = "user"

_existing_tables: dict[str, frozenset[str]] = {}


def verification_subject(pseudonym_key: str, user_id: int) -> str:
    """The ``user_hash`` under which a user's skill verifications are stored."""
    return keyed_pseudonym(pseudonym_key, VERIFICATION_SUBJECT_PURPOSE, user_id)


async def _tables(session: AsyncSession) -> frozenset[str]:
    bind = session.get_bind()
    key = str(bind.engine.url) if hasattr(bind, "engine") else str(id(bind))
    found = _existing_tables.get(key)
    if found is None:

        def probe(sync_session: Any) -> frozenset[str]:
            inspector = inspect(sync_session.connection())
            return frozenset(
                name for name in ("ratings", "skill_verifications") if inspector.has_table(name)
            )

        found = await session.run_sync(probe)
        _existing_tables[key] = found
    return found


def forget_tables() -> None:
    """Drop the memo of which tables exist (after a migration, in tests)."""
    _existing_tables.clear()


async def count_endorsements(
    *, session: AsyncSession, user_id: int, pseudonym_key: str | None
) -> int:
    """Ratings the user received plus skill verifications of the user; 0 for absent tables."""
    present = await _tables(session)
    total = 0
    if "ratings" in present:
        total += int(
            await session.scalar(
                select(func.count()).select_from(RATINGS).where(RATINGS.c.rated_id == user_id)
            )
            or 0
        )
    if "skill_verifications" in present and pseudonym_key:
        subject = verification_subject(pseudonym_key, user_id)
        total += int(
            await session.scalar(
                select(func.count())
                .select_from(SKILL_VERIFICATIONS)
                .where(SKILL_VERIFICATIONS.c.user_hash == subject)
            )
            or 0
        )
    return total
