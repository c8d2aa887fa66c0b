"""Usage analytics and the co-installs they feed."""

from __future__ import annotations

import orjson
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import schemas
from skillnest.catalog.models import EVENT_TYPES, AnalyticsEvent, Skill
from skillnest.catalog.schemas import TrackIn
from skillnest.catalog.service.lookups import resolve_package, resolve_skill
from skillnest.core.errors import BadRequest, NotFound
from skillnest.core.pages import Page, page_of
from skillnest.core.ratelimit import RateLimiter

TRACK_LIMIT = "120/minute"
MAX_METADATA_BYTES = 4096


async def track_event(
    *,
    session: AsyncSession,
    limiter: RateLimiter,
    data: TrackIn,
    user_id: int | None,
    client_address: str,
) -> schemas.TrackOut:
    """Record a usage event (rate limited per address); 400 on unknown types or ids."""
    await limiter.hit(TRACK_LIMIT, "catalog-track", client_address)
    if data.event_type not in EVENT_TYPES:
        raise BadRequest(f"event_type must be one of {', '.join(EVENT_TYPES)}.")
    if data.metadata is not None and len(orjson.dumps(data.metadata)) > MAX_METADATA_BYTES:
        raise BadRequest(f"metadata is larger than {MAX_METADATA_BYTES} bytes.")
    skill_uuid = None
    if data.skill_id is not None:
        try:
            skill_uuid, _ = await resolve_skill(session=session, ident=data.skill_id)
        except NotFound as exc:
            raise BadRequest(f"Unknown skill_id {data.skill_id!r}.") from exc
    package_uuid = None
    if data.package_id is not None:
        package_uuid = await resolve_package(session=session, name=data.package_id)
        if package_uuid is None:
            raise BadRequest(f"Unknown package_id {data.package_id!r}.")
    event = AnalyticsEvent(
        skill_id=skill_uuid,
        package_id=package_uuid,
        event_type=data.event_type,
        user_id=user_id,
        event_metadata=data.metadata,
    )
    session.add(event)
    await session.flush()
    return schemas.TrackOut(
        id=str(event.id),
        event_type=event.event_type,
        skill_id=str(skill_uuid) if skill_uuid else None,
        package_id=str(package_uuid) if package_uuid else None,
        created_at=event.created_at,
    )


async def related_skills(
    *, session: AsyncSession, ident: str, limit: int = 10, offset: int = 0
) -> Page[schemas.RelatedSkill]:
    """Users who installed this skill also installed these (signed-in installs only)."""
    skill_uuid, _ = await resolve_skill(session=session, ident=ident)
    mine = AnalyticsEvent.__table__.alias("mine")
    theirs = AnalyticsEvent.__table__.alias("theirs")
    co_installs = func.count(theirs.c.user_id.distinct()).label("co_installs")
    rows = await session.execute(
        select(
            Skill.id,
            Skill.skill_id,
            Skill.title,
            Skill.description,
            Skill.repo,
            Skill.installs,
            co_installs,
        )
        .select_from(mine)
        .join(
            theirs,
            and_(
                theirs.c.user_id == mine.c.user_id,
                theirs.c.event_type == "installed",
                theirs.c.skill_id != mine.c.skill_id,
            ),
        )
        .join(Skill, Skill.id == theirs.c.skill_id)
        .where(
            mine.c.event_type == "installed",
            mine.c.skill_id == skill_uuid,
            mine.c.user_id.is_not(None),
            Skill.is_active.is_(True),
        )
        .group_by(
            Skill.id, Skill.skill_id, Skill.title, Skill.description, Skill.repo, Skill.installs
        )
        .order_by(co_installs.desc(), Skill.installs.desc(), Skill.skill_id)
        .limit(limit + 1)
        .offset(offset)
    )
    related = [schemas.RelatedSkill(**{**row._mapping, "id": str(row.id)}) for row in rows]
    return page_of(related, limit=limit, offset=offset)
