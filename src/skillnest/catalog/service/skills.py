"""Skills and packages: documents cached as ready bytes, admin changes, the snapshot."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_json
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import dialect, schemas
from skillnest.catalog.importer import registry_url
from skillnest.catalog.models import (
    Package,
    PackageSkillMapping,
    Skill,
    SkillTag,
    SkillVersion,
    Tag,
)
from skillnest.catalog.ranking import CatalogSkill, PackageKey, normalise_package, qualified_name
from skillnest.catalog.schemas import MappingIn, SkillUpdate
from skillnest.catalog.service.caching import (
    ALL_TAG,
    PACKAGE_TTL,
    QUERIES_TAG,
    QUERY_TTL,
    SKILL_TTL,
    invalidate,
    package_skills_key,
    package_tag,
    skill_key,
    skill_tag,
)
from skillnest.catalog.service.lookups import resolve_package, resolve_skill, skill_match
from skillnest.catalog.service.suggest import package_skill
from skillnest.core.cache import Cache, set_json
from skillnest.core.errors import BadRequest, NotFound


async def skill_document(*, session: AsyncSession, ident: str) -> schemas.SkillDetail:
    """A skill with its packages, tags and versions (404 if unknown or inactive)."""
    row = (
        await session.execute(
            select(
                Skill.id,
                Skill.skill_id,
                Skill.title,
                Skill.description,
                Skill.repo,
                Skill.installs,
                Skill.source_url,
                Skill.path,
                Skill.license,
                Skill.is_active,
                Skill.created_at,
                Skill.updated_at,
            )
            .where(skill_match(ident.strip()), Skill.is_active.is_(True))
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("No such skill.")
    packages = await session.execute(
        select(
            Package.id,
            Package.name,
            Package.ecosystem,
            PackageSkillMapping.confidence_score,
            PackageSkillMapping.mapping_source,
        )
        .join(PackageSkillMapping, PackageSkillMapping.package_id == Package.id)
        .where(PackageSkillMapping.skill_id == row.id)
        .order_by(PackageSkillMapping.confidence_score.desc(), Package.name, Package.ecosystem)
    )
    tags = await session.execute(
        select(Tag.id, Tag.name, Tag.category)
        .join(SkillTag, SkillTag.tag_id == Tag.id)
        .where(SkillTag.skill_id == row.id)
        .order_by(Tag.name)
    )
    versions = await session.execute(
        select(SkillVersion.version, SkillVersion.changelog, SkillVersion.created_at)
        .where(SkillVersion.skill_id == row.id)
        .order_by(SkillVersion.created_at.desc(), SkillVersion.version)
    )
    return schemas.SkillDetail(
        **{**row._mapping, "id": str(row.id)},
        packages=[
            schemas.SkillPackage(
                id=str(p.id),
                name=p.name,
                ecosystem=p.ecosystem,
                confidence_score=float(p.confidence_score),
                mapping_source=p.mapping_source,
            )
            for p in packages
        ],
        tags=[schemas.TagOut(id=str(t.id), name=t.name, category=t.category) for t in tags],
        versions=[schemas.VersionOut.model_validate(v._mapping) for v in versions],
    )


async def get_skill(*, session: AsyncSession, cache: Cache, ident: str) -> bytes:
    """``GET /skills/{skillId}`` as cached JSON bytes (``skill:{skill_id}``, 30 minutes)."""
    key = skill_key(ident.strip())
    hit = await cache.get(key)
    if hit is not None:
        return hit
    document = await skill_document(session=session, ident=ident)
    return await _cache_model(
        cache, key, document, SKILL_TTL, [ALL_TAG, skill_tag(document.skill_id)]
    )


async def _cache_model(cache: Cache, key: str, model: Any, ttl: int, tags: list[str]) -> bytes:
    """Store a schema's JSON under ``key`` and return the bytes (ready to send)."""
    raw = to_json(model)
    await cache.set(key, raw, ttl, tags)
    return raw


async def package_skills_document(
    *, session: AsyncSession, name: str, ecosystem: str
) -> schemas.PackageSkillsOut:
    """A package and every active skill mapped to it."""
    key = PackageKey(normalise_package(name, ecosystem), ecosystem)
    package = (
        await session.execute(
            select(
                Package.id, Package.name, Package.ecosystem, Package.description, Package.npm_url
            ).where(Package.name == key.name, Package.ecosystem == key.ecosystem)
        )
    ).one_or_none()
    if package is None:
        raise NotFound("No such package.")
    rows = await session.execute(
        select(
            Skill.id,
            Skill.skill_id,
            Skill.title,
            Skill.description,
            Skill.repo,
            Skill.installs,
            PackageSkillMapping.confidence_score,
            PackageSkillMapping.mapping_source,
        )
        .join(PackageSkillMapping, PackageSkillMapping.skill_id == Skill.id)
        .where(PackageSkillMapping.package_id == package.id, Skill.is_active.is_(True))
        .order_by(
            PackageSkillMapping.confidence_score.desc(), Skill.installs.desc(), Skill.skill_id
        )
    )
    skills = [package_skill(row) for row in rows]
    return schemas.PackageSkillsOut(
        package=schemas.PackageOut(**{**package._mapping, "id": str(package.id)}),
        skills=skills,
        total=len(skills),
    )


async def get_package_skills(
    *, session: AsyncSession, cache: Cache, name: str, ecosystem: str
) -> bytes:
    """``GET /packages/{name}/skills`` as cached JSON bytes (``pkg:skills:{name}``, 1 hour)."""
    normalised = normalise_package(name, ecosystem)
    key = package_skills_key(qualified_name(normalised, ecosystem))
    hit = await cache.get(key)
    if hit is not None:
        return hit
    document = await package_skills_document(session=session, name=name, ecosystem=ecosystem)
    tags = [ALL_TAG, package_tag(normalised)]
    tags += [skill_tag(s.skill_id) for s in document.skills]
    return await _cache_model(cache, key, document, PACKAGE_TTL, tags)


async def update_skill(
    *, session: AsyncSession, cache: Cache, ident: str, data: SkillUpdate
) -> schemas.SkillState:
    """Change a skill (admin); every cached answer that shows it is dropped."""
    skill_uuid, skill_id = await resolve_skill(session=session, ident=ident, include_inactive=True)
    skill = await session.get(Skill, skill_uuid)
    assert skill is not None
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(skill, name, value)
    await session.flush()
    await invalidate(cache, packages=await _packages_of(session, skill_uuid), skills=[skill_id])
    return schemas.SkillState(id=str(skill.id), skill_id=skill.skill_id, is_active=skill.is_active)


async def _packages_of(session: AsyncSession, skill_uuid: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(Package.name, Package.ecosystem)
        .join(PackageSkillMapping, PackageSkillMapping.package_id == Package.id)
        .where(PackageSkillMapping.skill_id == skill_uuid)
    )
    return [r.name for r in rows]


async def put_mapping(
    *, session: AsyncSession, cache: Cache, ident: str, package: str, data: MappingIn
) -> schemas.MappingOut:
    """Map a skill to a package (admin), creating the package if it is new."""
    skill_uuid, skill_id = await resolve_skill(session=session, ident=ident, include_inactive=True)
    name = normalise_package(package, data.ecosystem)
    if not name or len(name) > 255:
        raise BadRequest("Invalid package name.")
    insert = dialect.upsert_statement(session, Package)
    await session.execute(
        insert.values(
            name=name, ecosystem=data.ecosystem, npm_url=registry_url(name, data.ecosystem)
        ).on_conflict_do_nothing(index_elements=["name", "ecosystem"])
    )
    package_uuid = await session.scalar(
        select(Package.id).where(Package.name == name, Package.ecosystem == data.ecosystem)
    )
    insert = dialect.upsert_statement(session, PackageSkillMapping)
    await session.execute(
        insert.values(
            package_id=package_uuid,
            skill_id=skill_uuid,
            confidence_score=data.confidence_score,
            mapping_source=data.mapping_source,
        ).on_conflict_do_update(
            index_elements=["package_id", "skill_id"],
            set_={
                "confidence_score": data.confidence_score,
                "mapping_source": data.mapping_source,
                "updated_at": func.current_timestamp(),
            },
        )
    )
    qualified = qualified_name(name, data.ecosystem)
    await invalidate(cache, packages=[name], skills=[skill_id])
    return schemas.MappingOut(
        skill_id=skill_id,
        package=qualified,
        ecosystem=data.ecosystem,
        confidence_score=data.confidence_score,
        mapping_source=data.mapping_source,
    )


async def delete_mapping(
    *, session: AsyncSession, cache: Cache, ident: str, package: str, ecosystem: str
) -> None:
    """Remove a skill-package mapping (admin)."""
    skill_uuid, skill_id = await resolve_skill(session=session, ident=ident, include_inactive=True)
    package_uuid = await resolve_package(session=session, name=package, ecosystem=ecosystem)
    if package_uuid is None:
        raise NotFound("No such mapping.")
    result: Any = await session.execute(
        delete(PackageSkillMapping).where(
            PackageSkillMapping.skill_id == skill_uuid,
            PackageSkillMapping.package_id == package_uuid,
        )
    )
    if not result.rowcount:
        raise NotFound("No such mapping.")
    name = normalise_package(package, ecosystem)
    await invalidate(cache, packages=[name], skills=[skill_id])


async def refresh_summary(*, session: AsyncSession) -> bool:
    """Refresh ``skill_package_summary`` concurrently (PostgreSQL; False on SQLite)."""
    return await dialect.refresh_summary(session)


async def catalog_snapshot(*, session: AsyncSession) -> list[CatalogSkill]:
    """Every active skill with its mappings (the offline catalog)."""
    return await dialect.catalog_snapshot(session)


async def snapshot_bytes(*, session: AsyncSession, cache: Cache) -> bytes:
    """The snapshot document for the CLI's offline cache, cached like a popular query."""
    from skillnest.catalog.snapshot import snapshot_document

    key = "query:popular:snapshot"
    hit = await cache.get(key)
    if hit is not None:
        return hit
    skills = await catalog_snapshot(session=session)
    document = snapshot_document(skills, "server")
    return await set_json(cache, key, document, QUERY_TTL, [QUERIES_TAG])
