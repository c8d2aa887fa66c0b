"""Search and filtered skill lists."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import dialect, schemas
from skillnest.catalog.models import Skill, SkillTag, Tag
from skillnest.core.errors import BadRequest
from skillnest.core.pages import Page, page_of

SORTS = ("installs", "title", "created_at", "relevance")


async def list_skills(
    *,
    session: AsyncSession,
    tag: str | None = None,
    repo: str | None = None,
    q: str | None = None,
    limit: int = 20,
    offset: int = 0,
    sort: str | None = None,
) -> Page[schemas.SkillSummary]:
    """Filter, search and page through active skills (``total`` counts every match)."""
    statement = select(
        Skill.id,
        Skill.skill_id,
        Skill.title,
        Skill.description,
        Skill.repo,
        Skill.installs,
        Skill.source_url,
        Skill.created_at,
    ).where(Skill.is_active.is_(True))
    if tag:
        statement = statement.where(
            Skill.id.in_(
                select(SkillTag.skill_id)
                .join(Tag, Tag.id == SkillTag.tag_id)
                .where(Tag.name == tag.strip().lower())
            )
        )
    if repo:
        statement = statement.where(Skill.repo == repo.strip())
    relevance = None
    if q is not None and q.strip():
        terms = dialect.search_terms(q)
        if not terms:
            return page_of([], limit=limit, offset=offset, total=0)
        statement, relevance = dialect.apply_search(session, statement, terms)
    sort = sort or ("relevance" if relevance is not None else "installs")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}.")
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    order: list[Any] = []
    if sort == "relevance" and relevance is not None:
        order.append(relevance.desc())
    elif sort == "title":
        order.append(Skill.title)
    elif sort == "created_at":
        order.append(Skill.created_at.desc())
    order += [Skill.installs.desc(), Skill.skill_id]
    if relevance is not None:
        statement = statement.add_columns(relevance.label("relevance"))
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1).offset(offset))).all()
    tags = await _tags_of(session, [row.id for row in rows])
    items = []
    for row in rows:
        item = {k: v for k, v in row._mapping.items() if k != "relevance"}
        item["id"] = str(row.id)
        item["tags"] = tags.get(row.id, [])
        item["relevance"] = (
            round(float(row._mapping["relevance"]), 4) if relevance is not None else None
        )
        items.append(schemas.SkillSummary.model_validate(item))
    return page_of(items, limit=limit, offset=offset, total=int(total or 0))


async def _tags_of(session: AsyncSession, skill_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    if not skill_ids:
        return {}
    found: dict[uuid.UUID, list[str]] = {}
    rows = await session.execute(
        select(SkillTag.skill_id, Tag.name)
        .join(Tag, Tag.id == SkillTag.tag_id)
        .where(SkillTag.skill_id.in_(skill_ids))
        .order_by(Tag.name)
    )
    for row in rows:
        found.setdefault(row.skill_id, []).append(row.name)
    return found
