"""The catalog data of one user, for the data export."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog.models import AnalyticsEvent, UserSkillPreference
from skillnest.core.export import rows_of


async def export_user(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """The user's skill preferences and the analytics events recorded under their id."""
    return {
        "skill_preferences": await rows_of(
            session, UserSkillPreference, UserSkillPreference.user_id == user_id
        ),
        "analytics": await rows_of(session, AnalyticsEvent, AnalyticsEvent.user_id == user_id),
    }
