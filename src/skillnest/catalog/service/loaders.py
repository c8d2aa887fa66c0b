"""Batch loads for the GraphQL data loaders: one query per field, whatever the list size."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import schemas
from skillnest.catalog.models import Package, PackageSkillMapping, Skill, SkillTag, Tag
from skillnest.catalog.service.lookups import as_uuid
from skillnest.catalog.service.suggest import package_skill

ModelT = TypeVar("ModelT", bound=BaseModel)


async def _grouped_by_owner(
    session: AsyncSession,
    keys: Sequence[str],
    query: Callable[[list[uuid.UUID]], Select[Any]],
    document: Callable[[Any], ModelT],
) -> list[list[ModelT]]:
    """Run one query for every key at once; return each key's documents in the order of keys.

    ``query`` receives the keys as UUIDs and must select an ``owner`` column.
    """
    found: dict[str, list[ModelT]] = {key: [] for key in keys}
    uuids = [u for u in (as_uuid(key) for key in keys) if u is not None]
    for row in await session.execute(query(uuids)):
        found[str(row.owner)].append(document(row))
    return [found[key] for key in keys]


async def packages_of_skills(
    *, session: AsyncSession, skill_ids: Sequence[str]
) -> list[list[schemas.PackageOut]]:
    """The packages of each skill (by uuid), in the order of ``skill_ids``."""
    return await _grouped_by_owner(
        session,
        skill_ids,
        lambda uuids: (
            select(
                PackageSkillMapping.skill_id.label("owner"),
                Package.id,
                Package.name,
                Package.ecosystem,
                Package.description,
                Package.npm_url,
            )
            .join(Package, Package.id == PackageSkillMapping.package_id)
            .where(PackageSkillMapping.skill_id.in_(uuids))
            .order_by(PackageSkillMapping.confidence_score.desc(), Package.name)
        ),
        lambda row: schemas.PackageOut(
            id=str(row.id),
            name=row.name,
            ecosystem=row.ecosystem,
            description=row.description,
            npm_url=row.npm_url,
        ),
    )


async def tags_of_skills(
    *, session: AsyncSession, skill_ids: Sequence[str]
) -> list[list[schemas.TagOut]]:
    """The tags of each skill (by uuid), in the order of ``skill_ids``."""
    return await _grouped_by_owner(
        session,
        skill_ids,
        lambda uuids: (
            select(SkillTag.skill_id.label("owner"), Tag.id, Tag.name, Tag.category)
            .join(Tag, Tag.id == SkillTag.tag_id)
            .where(SkillTag.skill_id.in_(uuids))
            .order_by(Tag.name)
        ),
        lambda row: schemas.TagOut(id=str(row.id), name=row.name, category=row.category),
    )


async def skills_of_packages(
    *, session: AsyncSession, package_ids: Sequence[str]
) -> list[list[schemas.PackageSkill]]:
    """The active skills of each package (by uuid), best mapping first."""
    return await _grouped_by_owner(
        session,
        package_ids,
        lambda uuids: (
            select(
                PackageSkillMapping.package_id.label("owner"),
                Skill.id,
                Skill.skill_id,
                Skill.title,
                Skill.description,
                Skill.repo,
                Skill.installs,
                PackageSkillMapping.confidence_score,
                PackageSkillMapping.mapping_source,
            )
            .join(Skill, Skill.id == PackageSkillMapping.skill_id)
            .where(PackageSkillMapping.package_id.in_(uuids), Skill.is_active.is_(True))
            .order_by(
                PackageSkillMapping.confidence_score.desc(), Skill.installs.desc(), Skill.skill_id
            )
        ),
        package_skill,
    )
