"""Finding a skill or a package by any of its names."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog.models import Package, Skill
from skillnest.catalog.ranking import PackageKey, normalise_package, package_keys
from skillnest.core.errors import NotFound


def as_uuid(value: str) -> uuid.UUID | None:
    """The UUID ``value`` spells, or None."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def skill_match(ident: str) -> Any:
    """The condition matching a skill by ``skill_id`` or uuid."""
    parsed = as_uuid(ident)
    if parsed is not None:
        return (Skill.id == parsed) | (Skill.skill_id == ident)
    return Skill.skill_id == ident


async def resolve_skill(
    *, session: AsyncSession, ident: str, include_inactive: bool = False
) -> tuple[uuid.UUID, str]:
    """The uuid and ``skill_id`` of a skill named by either; inactive skills are not found."""
    statement = select(Skill.id, Skill.skill_id).where(skill_match(ident.strip()))
    if not include_inactive:
        statement = statement.where(Skill.is_active.is_(True))
    row = (await session.execute(statement.limit(1))).one_or_none()
    if row is None:
        raise NotFound("No such skill.")
    return row.id, row.skill_id


async def resolve_package(
    *, session: AsyncSession, name: str, ecosystem: str | None = None
) -> uuid.UUID | None:
    """A package by uuid, ``name`` (npm), ``pypi:name`` or ``name`` + ecosystem."""
    parsed = as_uuid(name)
    if parsed is not None:
        found = await session.scalar(select(Package.id).where(Package.id == parsed))
        if found is not None:
            return found
    keys = package_keys(name)
    if ecosystem is not None and ":" not in name:
        keys = [PackageKey(normalise_package(name, ecosystem), ecosystem)]
    elif len(keys) > 1:
        keys = keys[:1]  # a bare name is an npm package unless said otherwise
    if not keys:
        return None
    key = keys[0]
    return await session.scalar(
        select(Package.id).where(Package.name == key.name, Package.ecosystem == key.ecosystem)
    )
