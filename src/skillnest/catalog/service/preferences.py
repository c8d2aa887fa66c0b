"""Per-user skill preferences (disabled skills leave the user's suggestions)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import dialect, schemas
from skillnest.catalog.models import Skill, UserSkillPreference
from skillnest.catalog.schemas import PreferenceIn
from skillnest.catalog.service.caching import preferences_key
from skillnest.catalog.service.lookups import resolve_skill
from skillnest.core.cache import Cache
from skillnest.core.pages import Page, page_of


async def get_preference(
    *, session: AsyncSession, user_id: int, ident: str
) -> schemas.PreferenceOut:
    """The user's preference for a skill, or the defaults when none is stored."""
    skill_uuid, skill_id = await resolve_skill(session=session, ident=ident)
    row = (
        await session.execute(
            select(
                UserSkillPreference.is_enabled,
                UserSkillPreference.preferred_agents,
                UserSkillPreference.preferred_scope,
                UserSkillPreference.updated_at,
            ).where(
                UserSkillPreference.user_id == user_id,
                UserSkillPreference.skill_id == skill_uuid,
            )
        )
    ).one_or_none()
    if row is None:
        return schemas.PreferenceOut(**PreferenceIn().model_dump(), skill_id=skill_id)
    return schemas.PreferenceOut(
        **{**row._mapping, "preferred_agents": row.preferred_agents or []}, skill_id=skill_id
    )


async def put_preference(
    *, session: AsyncSession, cache: Cache, user_id: int, ident: str, data: PreferenceIn
) -> schemas.PreferenceOut:
    """Store the user's preference for a skill (replaces the previous one)."""
    skill_uuid, _ = await resolve_skill(session=session, ident=ident)
    values = {
        "is_enabled": data.is_enabled,
        "preferred_agents": list(dict.fromkeys(a.lower() for a in data.preferred_agents)),
        "preferred_scope": data.preferred_scope,
    }
    insert = dialect.upsert_statement(session, UserSkillPreference)
    await session.execute(
        insert.values(user_id=user_id, skill_id=skill_uuid, **values).on_conflict_do_update(
            index_elements=["user_id", "skill_id"],
            set_={**values, "updated_at": func.current_timestamp()},
        )
    )
    await cache.delete(preferences_key(user_id))
    return await get_preference(session=session, user_id=user_id, ident=str(skill_uuid))


async def list_preferences(
    *, session: AsyncSession, user_id: int, limit: int = 20, offset: int = 0
) -> Page[schemas.PreferenceOut]:
    """The preferences the user stored, by skill id."""
    rows = await session.execute(
        select(
            Skill.skill_id,
            UserSkillPreference.is_enabled,
            UserSkillPreference.preferred_agents,
            UserSkillPreference.preferred_scope,
            UserSkillPreference.updated_at,
        )
        .join(Skill, Skill.id == UserSkillPreference.skill_id)
        .where(UserSkillPreference.user_id == user_id)
        .order_by(Skill.skill_id)
        .limit(limit + 1)
        .offset(offset)
    )
    items = [
        schemas.PreferenceOut(**{**r._mapping, "preferred_agents": r.preferred_agents or []})
        for r in rows
    ]
    return page_of(items, limit=limit, offset=offset)
