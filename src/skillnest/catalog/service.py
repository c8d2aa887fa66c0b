"""Catalog rules: suggestions, skills, packages, search, analytics, preferences and the import.

Caching follows seed 004: ``pkg:skills:{package}`` for an hour, ``skill:{skill_id}`` for 30
minutes, ``query:popular:{hash}`` for 15 minutes. Package listings and skill documents carry
tags naming what they show (``catalog:pkg:{name}``, ``catalog:skill:{skill_id}``); suggest
answers carry ``catalog:queries``. A write drops the tags it touches and every suggest
answer; an import drops everything.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Float, Select, and_, cast, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import dialect
from skillnest.catalog.importer import CatalogData, Progress, read_catalog, registry_url
from skillnest.catalog.models import (
    EVENT_TYPES,
    AnalyticsEvent,
    Package,
    PackageSkillMapping,
    Skill,
    SkillTag,
    SkillVersion,
    Tag,
    UserSkillPreference,
)
from skillnest.catalog.ranking import (
    CatalogSkill,
    MappingRow,
    PackageKey,
    SuggestQuery,
    build_query,
    normalise_package,
    package_keys,
    qualified_name,
    rank_rows,
)
from skillnest.catalog.schemas import MAX_PACKAGES, MappingIn, PreferenceIn, SkillUpdate, TrackIn
from skillnest.core.cache import TTL, Cache, get_json, set_json
from skillnest.core.errors import BadRequest, NotFound
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter

log = logging.getLogger("skillnest.catalog")

PACKAGE_TTL = 60 * 60
SKILL_TTL = 30 * 60
QUERY_TTL = 15 * 60
ALL_TAG = "catalog:all"
QUERIES_TAG = "catalog:queries"
WRITES_KEY = "catalog:writes"
REFRESHED_KEY = "catalog:writes:refreshed"
TRACK_LIMIT = "120/minute"
MAX_METADATA_BYTES = 4096
NO_SUGGEST_INPUT = "At least one 'packages' or 'installed_skills' value is required."


# --- cache keys and invalidation -----------------------------------------------------------


def package_skills_key(package: str) -> str:
    """``pkg:skills:{package}``: ``react`` for npm, ``pypi:requests`` for PyPI."""
    return f"pkg:skills:{package}"


def skill_key(ident: str) -> str:
    """``skill:{skill_id}`` (or the uuid the caller used)."""
    return f"skill:{ident}"


@lru_cache(maxsize=16_384)
def suggest_key(query: SuggestQuery) -> str:
    """``query:popular:{hash_of_packages}``; the hash covers everything the answer depends on."""
    digest = hashlib.sha256(query.cache_fingerprint().encode()).hexdigest()[:32]
    return f"query:popular:{digest}"


def package_tag(name: str) -> str:
    """Tag of the package listings of this name.

    npm and PyPI share it: a write to one drops both listings, which is rare and harmless.
    """
    return f"catalog:pkg:{name}"


def skill_tag(skill_id: str) -> str:
    """Tag of every cache entry that shows or depends on one skill."""
    return f"catalog:skill:{skill_id}"


def preferences_key(user_id: int) -> str:
    """The skills a user disabled."""
    return f"catalog:prefs:{user_id}"


async def invalidate(
    cache: Cache, *, packages: Iterable[str] = (), skills: Iterable[str] = ()
) -> None:
    """Drop every cached answer that depends on these packages (names) or skills.

    Package listings and skill documents go precisely; suggest answers (which may depend on
    any mapping through installed skills) all go: writes are rare, and one tag per answer
    keeps a cache miss cheap.
    """
    await cache.invalidate_tag(QUERIES_TAG)
    for package in set(packages):
        await cache.invalidate_tag(package_tag(package))
    for skill in set(skills):
        await cache.invalidate_tag(skill_tag(skill))
    await _mark_written(cache)


async def invalidate_all(cache: Cache, *, summary_refreshed: bool = False) -> None:
    """Drop every cached catalog answer (after an import)."""
    await cache.invalidate_tag(ALL_TAG)
    await cache.invalidate_tag(QUERIES_TAG)
    await _mark_written(cache, summary_refreshed=summary_refreshed)


async def _mark_written(cache: Cache, *, summary_refreshed: bool = False) -> None:
    # A fresh marker per write; the maintenance job refreshes the summary view when the
    # marker differs from the one it saw at its last refresh.
    marker = uuid.uuid4().hex
    await set_json(cache, WRITES_KEY, marker, int(TTL.SESSION))
    if summary_refreshed:
        await set_json(cache, REFRESHED_KEY, marker, int(TTL.SESSION))


# --- lookups --------------------------------------------------------------------------------


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _skill_match(ident: str) -> Any:
    as_uuid = _as_uuid(ident)
    if as_uuid is not None:
        return (Skill.id == as_uuid) | (Skill.skill_id == ident)
    return Skill.skill_id == ident


async def resolve_skill(
    *, session: AsyncSession, ident: str, include_inactive: bool = False
) -> tuple[uuid.UUID, str]:
    """The uuid and ``skill_id`` of a skill named by either; inactive skills are not found."""
    statement = select(Skill.id, Skill.skill_id).where(_skill_match(ident.strip()))
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
    as_uuid = _as_uuid(name)
    if as_uuid is not None:
        found = await session.scalar(select(Package.id).where(Package.id == as_uuid))
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


# --- suggestions ----------------------------------------------------------------------------


def _mapping_columns() -> Select[Any]:
    return select(
        Skill.skill_id,
        Skill.installs,
        Package.name,
        Package.ecosystem,
        cast(PackageSkillMapping.confidence_score, Float),
    )


async def load_candidates(*, session: AsyncSession, query: SuggestQuery) -> list[MappingRow]:
    """The mapping rows ranking needs: all of installed skills', and those to wanted names.

    Two indexed queries: the installed skills with all their mappings, then every active
    skill's mappings to a requested package name or to a package of an installed skill.
    Titles and descriptions are read afterwards, for the returned page only.
    """
    rows: list[MappingRow] = []
    if query.installed:
        result = await session.execute(
            _mapping_columns()
            .select_from(Skill)
            .outerjoin(PackageSkillMapping, PackageSkillMapping.skill_id == Skill.id)
            .outerjoin(Package, Package.id == PackageSkillMapping.package_id)
            .where(Skill.skill_id.in_(sorted(query.installed)), Skill.is_active.is_(True))
        )
        rows.extend(result.tuples())
    names = {key.name for key in query.wanted}
    names.update(row[2] for row in rows if row[2] is not None)
    if names:
        result = await session.execute(
            _mapping_columns()
            .select_from(Package)
            .join(PackageSkillMapping, PackageSkillMapping.package_id == Package.id)
            .join(Skill, Skill.id == PackageSkillMapping.skill_id)
            .where(dialect.any_of(session, Package.name, sorted(names)), Skill.is_active.is_(True))
        )
        rows.extend(result.tuples())
    return rows


async def _page_details(session: AsyncSession, skill_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Id, title, description and repo of the skills on the returned page."""
    if not skill_ids:
        return {}
    rows = await session.execute(
        select(Skill.skill_id, Skill.id, Skill.title, Skill.description, Skill.repo).where(
            Skill.skill_id.in_(skill_ids)
        )
    )
    return {
        r.skill_id: {
            "id": str(r.id),
            "title": r.title,
            "description": r.description,
            "repo": r.repo,
        }
        for r in rows
    }


async def compute_suggestions(*, session: AsyncSession, query: SuggestQuery) -> dict[str, Any]:
    """The suggest answer straight from the database (no cache)."""
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    rows = await load_candidates(session=session, query=query)
    result = rank_rows(rows, query)
    details = await _page_details(session, [s.skill_id for s in result.suggestions])
    return result.document(details)


async def cached_suggestions(*, cache: Cache, query: SuggestQuery) -> bytes | None:
    """The cached answer to an anonymous suggest query, if there is one."""
    return await cache.get(suggest_key(query))


async def suggest(*, session: AsyncSession, cache: Cache, query: SuggestQuery) -> bytes:
    """Ranked suggestions as JSON bytes, from the cache when the same question was asked."""
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    key = suggest_key(query)
    hit = await cache.get(key)
    if hit is not None:
        return hit
    rows = await load_candidates(session=session, query=query)
    result = rank_rows(rows, query)
    details = await _page_details(session, [s.skill_id for s in result.suggestions])
    document = result.document(details)
    return await set_json(cache, key, document, QUERY_TTL, [QUERIES_TAG])


async def suggest_for(
    *,
    session: AsyncSession,
    cache: Cache,
    packages: Sequence[str],
    installed_skills: Sequence[str],
    limit: int,
    user_id: int | None = None,
) -> bytes:
    """Suggestions for a request; a signed-in caller's disabled skills are left out."""
    if len(packages) > MAX_PACKAGES or len(installed_skills) > MAX_PACKAGES:
        raise BadRequest(f"At most {MAX_PACKAGES} packages and installed skills.")
    excluded: frozenset[str] = frozenset()
    if user_id is not None:
        excluded = await disabled_skills(session=session, cache=cache, user_id=user_id)
    query = build_query(packages, installed_skills, limit=limit, excluded=excluded)
    return await suggest(session=session, cache=cache, query=query)


async def disabled_skills(*, session: AsyncSession, cache: Cache, user_id: int) -> frozenset[str]:
    """The ``skill_id`` of every skill the user switched off (left out of their suggestions)."""
    key = preferences_key(user_id)
    hit = await get_json(cache, key)
    if hit is not None:
        return frozenset(hit)
    rows = await session.scalars(
        select(Skill.skill_id)
        .join(UserSkillPreference, UserSkillPreference.skill_id == Skill.id)
        .where(UserSkillPreference.user_id == user_id, UserSkillPreference.is_enabled.is_(False))
    )
    disabled = sorted(rows)
    await set_json(cache, key, disabled, int(TTL.MEDIUM))
    return frozenset(disabled)


async def bulk_suggest(*, session: AsyncSession, packages: Sequence[str]) -> dict[str, Any]:
    """For each requested package, its active skills (best mapping first)."""
    wanted: dict[PackageKey, str] = {}
    for raw in packages:
        for key in package_keys(raw):
            wanted.setdefault(key, raw.strip())
    rows = await session.execute(
        select(
            Package.name.label("package"),
            Package.ecosystem,
            Skill.id,
            Skill.skill_id,
            Skill.title,
            Skill.description,
            Skill.repo,
            Skill.installs,
            PackageSkillMapping.confidence_score,
            PackageSkillMapping.mapping_source,
        )
        .select_from(Package)
        .join(PackageSkillMapping, PackageSkillMapping.package_id == Package.id)
        .join(Skill, Skill.id == PackageSkillMapping.skill_id)
        .where(Package.name.in_(sorted({k.name for k in wanted})), Skill.is_active.is_(True))
        .order_by(
            Package.ecosystem,
            Package.name,
            PackageSkillMapping.confidence_score.desc(),
            Skill.installs.desc(),
            Skill.skill_id,
        )
    )
    groups: dict[PackageKey, list[dict[str, Any]]] = {}
    for row in rows:
        key = PackageKey(row.package, row.ecosystem)
        if key in wanted:
            groups.setdefault(key, []).append(_package_skill(row))
    matched_raw = {wanted[key] for key in groups}
    return {
        "packages": [
            {"package": qualified_name(k.name, k.ecosystem), "ecosystem": k.ecosystem, "skills": v}
            for k, v in groups.items()
        ],
        "unmatched": sorted({raw for raw in wanted.values()} - matched_raw),
    }


def _package_skill(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "skill_id": row.skill_id,
        "title": row.title,
        "description": row.description,
        "repo": row.repo,
        "installs": row.installs,
        "confidence_score": float(row.confidence_score),
        "mapping_source": row.mapping_source,
    }


# --- skills and packages --------------------------------------------------------------------


async def skill_document(*, session: AsyncSession, ident: str) -> dict[str, Any]:
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
            .where(_skill_match(ident.strip()), Skill.is_active.is_(True))
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
    document = dict(row._mapping)
    document["id"] = str(row.id)
    document["packages"] = [
        {
            "id": str(p.id),
            "name": p.name,
            "ecosystem": p.ecosystem,
            "confidence_score": float(p.confidence_score),
            "mapping_source": p.mapping_source,
        }
        for p in packages
    ]
    document["tags"] = [{"id": str(t.id), "name": t.name, "category": t.category} for t in tags]
    document["versions"] = [dict(v._mapping) for v in versions]
    return document


async def get_skill(*, session: AsyncSession, cache: Cache, ident: str) -> bytes:
    """``GET /skills/{skillId}`` as cached JSON bytes (``skill:{skill_id}``, 30 minutes)."""
    key = skill_key(ident.strip())
    hit = await cache.get(key)
    if hit is not None:
        return hit
    document = await skill_document(session=session, ident=ident)
    tags = [ALL_TAG, skill_tag(document["skill_id"])]
    return await set_json(cache, key, document, SKILL_TTL, tags)


async def package_skills_document(
    *, session: AsyncSession, name: str, ecosystem: str
) -> dict[str, Any]:
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
    skills = [_package_skill(row) for row in rows]
    return {
        "package": {**package._mapping, "id": str(package.id)},
        "skills": skills,
        "total": len(skills),
    }


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
    tags += [skill_tag(s["skill_id"]) for s in document["skills"]]
    return await set_json(cache, key, document, PACKAGE_TTL, tags)


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
) -> dict[str, Any]:
    """Filter, search and page through active skills."""
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
            return {"items": [], "total": 0, "limit": limit, "offset": offset}
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
    rows = (await session.execute(statement.order_by(*order).limit(limit).offset(offset))).all()
    tags = await _tags_of(session, [row.id for row in rows])
    items = []
    for row in rows:
        item = {k: v for k, v in row._mapping.items() if k != "relevance"}
        item["id"] = str(row.id)
        item["tags"] = tags.get(row.id, [])
        item["relevance"] = (
            round(float(row._mapping["relevance"]), 4) if relevance is not None else None
        )
        items.append(item)
    return {"items": items, "total": int(total or 0), "limit": limit, "offset": offset}


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


async def update_skill(
    *, session: AsyncSession, cache: Cache, ident: str, data: SkillUpdate
) -> dict[str, Any]:
    """Change a skill (admin); every cached answer that shows it is dropped."""
    skill_uuid, skill_id = await resolve_skill(session=session, ident=ident, include_inactive=True)
    skill = await session.get(Skill, skill_uuid)
    assert skill is not None
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(skill, name, value)
    await session.flush()
    await invalidate(cache, packages=await _packages_of(session, skill_uuid), skills=[skill_id])
    return {"id": str(skill.id), "skill_id": skill.skill_id, "is_active": skill.is_active}


async def _packages_of(session: AsyncSession, skill_uuid: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(Package.name, Package.ecosystem)
        .join(PackageSkillMapping, PackageSkillMapping.package_id == Package.id)
        .where(PackageSkillMapping.skill_id == skill_uuid)
    )
    return [r.name for r in rows]


async def put_mapping(
    *, session: AsyncSession, cache: Cache, ident: str, package: str, data: MappingIn
) -> dict[str, Any]:
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
    return {
        "skill_id": skill_id,
        "package": qualified,
        "ecosystem": data.ecosystem,
        "confidence_score": data.confidence_score,
        "mapping_source": data.mapping_source,
    }


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


# --- analytics and co-installs ----------------------------------------------------------------


async def track_event(
    *,
    session: AsyncSession,
    limiter: RateLimiter,
    data: TrackIn,
    user_id: int | None,
    client_address: str,
) -> dict[str, Any]:
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
    return {
        "id": str(event.id),
        "event_type": event.event_type,
        "skill_id": str(skill_uuid) if skill_uuid else None,
        "package_id": str(package_uuid) if package_uuid else None,
        "created_at": event.created_at,
    }


async def related_skills(*, session: AsyncSession, ident: str, limit: int = 10) -> dict[str, Any]:
    """Users who installed this skill also installed these (signed-in installs only)."""
    skill_uuid, skill_id = await resolve_skill(session=session, ident=ident)
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
        .limit(limit)
    )
    related = [{**row._mapping, "id": str(row.id)} for row in rows]
    return {"skill_id": skill_id, "related": related}


# --- preferences ------------------------------------------------------------------------------


async def get_preference(*, session: AsyncSession, user_id: int, ident: str) -> dict[str, Any]:
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
        return {**PreferenceIn().model_dump(), "skill_id": skill_id, "updated_at": None}
    return {**row._mapping, "preferred_agents": row.preferred_agents or [], "skill_id": skill_id}


async def put_preference(
    *, session: AsyncSession, cache: Cache, user_id: int, ident: str, data: PreferenceIn
) -> dict[str, Any]:
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


async def list_preferences(*, session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """Every preference the user stored."""
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
    )
    return [{**r._mapping, "preferred_agents": r.preferred_agents or []} for r in rows]


# --- snapshot ---------------------------------------------------------------------------------


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


# --- import -----------------------------------------------------------------------------------


@dataclass
class Counts:
    """New, changed and unchanged rows of one table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportSummary:
    """What an import did."""

    packages: Counts = field(default_factory=Counts)
    skills: Counts = field(default_factory=Counts)
    mappings: Counts = field(default_factory=Counts)
    tags_new: int = 0
    skill_tags_new: int = 0
    versions_new: int = 0
    summary_refreshed: bool = False
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A human summary, one line per table, then the notes."""
        lines = [
            f"packages: {self.packages}",
            f"skills: {self.skills}",
            f"mappings: {self.mappings}",
            f"tags: {self.tags_new} new; skill tags: {self.skill_tags_new} new; "
            f"versions: {self.versions_new} new",
        ]
        if self.summary_refreshed:
            lines.append("skill_package_summary refreshed")
        return lines + [f"note: {note}" for note in self.notes]


def _no_progress(label: str, total: int) -> Any:
    return lambda n: None


async def import_catalog(
    *, session: AsyncSession, data: CatalogData, progress: Progress = _no_progress
) -> ImportSummary:
    """Upsert a read catalog; running it twice changes nothing the second time.

    Rows are compared with what is stored and only new or changed ones are written, in bulk
    (COPY + ``INSERT ... ON CONFLICT`` on PostgreSQL, executemany on SQLite). Mappings and
    tags not in the data are left alone: the import adds and corrects, it never deletes.
    The caller owns the transaction, so a failure leaves nothing half-written.
    """
    summary = ImportSummary(notes=list(data.notes))
    await _import_packages(session, data, summary, progress)
    skill_ids = await _import_skills(session, data, summary, progress)
    await _import_tags(session, data, skill_ids, summary)
    await _import_mappings(session, data, skill_ids, summary, progress)
    await _import_versions(session, data, skill_ids, summary)
    summary.summary_refreshed = await dialect.refresh_summary(session)
    return summary


async def _import_packages(
    session: AsyncSession, data: CatalogData, summary: ImportSummary, progress: Progress
) -> None:
    existing = {
        PackageKey(r.name, r.ecosystem): (r.description, r.npm_url)
        for r in await session.execute(
            select(Package.name, Package.ecosystem, Package.description, Package.npm_url)
        )
    }
    rows = []
    for key, record in data.packages.items():
        stored = existing.get(key)
        if stored == (record.description, record.npm_url):
            summary.packages.unchanged += 1
            continue
        if stored is None:
            summary.packages.new += 1
        else:
            summary.packages.updated += 1
        rows.append(
            {
                "name": record.name,
                "ecosystem": record.ecosystem,
                "description": record.description,
                "npm_url": record.npm_url,
            }
        )
    advance = progress("packages", len(data.packages))
    for start in range(0, max(len(rows), 1), 10_000):
        chunk = rows[start : start + 10_000]
        await dialect.bulk_upsert(
            session,
            Package,
            chunk,
            key=["name", "ecosystem"],
            update=["description", "npm_url"],
        )
        advance(len(chunk))
    advance(summary.packages.unchanged)


SKILL_FIELDS = ("title", "description", "repo", "installs", "source_url", "path", "license")


async def _import_skills(
    session: AsyncSession, data: CatalogData, summary: ImportSummary, progress: Progress
) -> dict[str, uuid.UUID]:
    wanted = [s.skill_id for s in data.skills]
    existing = {
        r.skill_id: tuple(getattr(r, f) for f in SKILL_FIELDS)
        for r in await session.execute(
            select(Skill.skill_id, *(getattr(Skill, f) for f in SKILL_FIELDS)).where(
                Skill.skill_id.in_(wanted)
            )
        )
    }
    rows = []
    for record in data.skills:
        values = {
            "skill_id": record.skill_id,
            "title": record.title,
            "description": record.description,
            "repo": record.repo,
            "installs": record.installs,
            "source_url": record.source_url,
            "path": record.path,
            "license": record.license,
        }
        stored = existing.get(record.skill_id)
        if stored == tuple(values[f] for f in SKILL_FIELDS):
            summary.skills.unchanged += 1
            continue
        if stored is None:
            summary.skills.new += 1
        else:
            summary.skills.updated += 1
        rows.append(values)
    advance = progress("skills", len(data.skills))
    await dialect.bulk_upsert(session, Skill, rows, key=["skill_id"], update=list(SKILL_FIELDS))
    advance(len(data.skills))
    return {
        r.skill_id: r.id
        for r in await session.execute(
            select(Skill.skill_id, Skill.id).where(Skill.skill_id.in_(wanted))
        )
    }


async def _import_tags(
    session: AsyncSession,
    data: CatalogData,
    skill_ids: dict[str, uuid.UUID],
    summary: ImportSummary,
) -> None:
    names = sorted({tag[:100] for s in data.skills for tag in s.tags})
    if not names:
        return
    known = set(await session.scalars(select(Tag.name).where(Tag.name.in_(names))))
    new_tags = [{"name": n} for n in names if n not in known]
    await dialect.bulk_upsert(session, Tag, new_tags, key=["name"])
    summary.tags_new = len(new_tags)
    tag_ids = {
        r.name: r.id
        for r in await session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names)))
    }
    pairs = {(skill_ids[s.skill_id], tag_ids[tag[:100]]) for s in data.skills for tag in s.tags}
    stored = set(
        (r.skill_id, r.tag_id)
        for r in await session.execute(
            select(SkillTag.skill_id, SkillTag.tag_id).where(
                SkillTag.skill_id.in_(list(skill_ids.values()))
            )
        )
    )
    missing = [{"skill_id": s, "tag_id": t} for s, t in sorted(pairs - stored)]
    await dialect.bulk_upsert(session, SkillTag, missing, key=["skill_id", "tag_id"])
    summary.skill_tags_new = len(missing)


async def _import_mappings(
    session: AsyncSession,
    data: CatalogData,
    skill_ids: dict[str, uuid.UUID],
    summary: ImportSummary,
    progress: Progress,
) -> None:
    keys = {key for s in data.skills for key in s.mappings}
    package_ids = {
        PackageKey(r.name, r.ecosystem): r.id
        for r in await session.execute(
            select(Package.name, Package.ecosystem, Package.id).where(
                Package.name.in_(sorted({k.name for k in keys}))
            )
        )
    }
    existing = {
        (r.package_id, r.skill_id): (float(r.confidence_score), r.mapping_source)
        for r in await session.execute(
            select(
                PackageSkillMapping.package_id,
                PackageSkillMapping.skill_id,
                PackageSkillMapping.confidence_score,
                PackageSkillMapping.mapping_source,
            ).where(PackageSkillMapping.skill_id.in_(list(skill_ids.values())))
        )
    }
    rows = []
    for record in data.skills:
        for key, mapping in record.mappings.items():
            pair = (package_ids[key], skill_ids[record.skill_id])
            stored = existing.get(pair)
            if stored == (mapping.confidence, mapping.source):
                summary.mappings.unchanged += 1
                continue
            if stored is None:
                summary.mappings.new += 1
            else:
                summary.mappings.updated += 1
            rows.append(
                {
                    "package_id": pair[0],
                    "skill_id": pair[1],
                    "confidence_score": mapping.confidence,
                    "mapping_source": mapping.source,
                }
            )
    advance = progress("mappings", data.mapping_count)
    await dialect.bulk_upsert(
        session,
        PackageSkillMapping,
        rows,
        key=["package_id", "skill_id"],
        update=["confidence_score", "mapping_source"],
    )
    advance(data.mapping_count)


async def _import_versions(
    session: AsyncSession,
    data: CatalogData,
    skill_ids: dict[str, uuid.UUID],
    summary: ImportSummary,
) -> None:
    wanted = {(skill_ids[s.skill_id], s.commit): s for s in data.skills if s.commit is not None}
    stored = set(
        (r.skill_id, r.version)
        for r in await session.execute(
            select(SkillVersion.skill_id, SkillVersion.version).where(
                SkillVersion.skill_id.in_(list(skill_ids.values()))
            )
        )
    )
    rows = [
        {
            "skill_id": skill_uuid,
            "version": commit,
            "changelog": f"SKILL.md of {record.repo} at {commit[:7]}: {record.path}",
        }
        for (skill_uuid, commit), record in wanted.items()
        if (skill_uuid, commit) not in stored
    ]
    await dialect.bulk_upsert(session, SkillVersion, rows, key=["skill_id", "version"])
    summary.versions_new = len(rows)


# --- hooks of the platform --------------------------------------------------------------------


async def load_demo(*, session: AsyncSession) -> str:
    """Load the real catalog (idempotent): what ``make run`` serves."""
    summary = await import_catalog(session=session, data=read_catalog())
    return "catalog: " + "; ".join(summary.lines()[:3])


async def run_maintenance(*, session: AsyncSession, platform: Platform) -> str:
    """Refresh ``skill_package_summary`` when catalog writes happened since the last refresh."""
    writes = await get_json(platform.cache, WRITES_KEY)
    refreshed = await get_json(platform.cache, REFRESHED_KEY)
    if writes is None or writes == refreshed:
        return "summary up to date"
    if not await dialect.refresh_summary(session):
        return "no summary view on this database"
    await set_json(platform.cache, REFRESHED_KEY, writes, int(TTL.SESSION))
    return "skill_package_summary refreshed"


# --- batch loads (GraphQL data loaders: one query per field, whatever the list size) ------------


async def _grouped_by_owner(
    session: AsyncSession,
    keys: Sequence[str],
    query: Callable[[list[uuid.UUID]], Select[Any]],
    document: Callable[[Any], dict[str, Any]],
) -> list[list[dict[str, Any]]]:
    """Run one query for every key at once; return each key's documents in the order of keys.

    ``query`` receives the keys as UUIDs and must select an ``owner`` column.
    """
    found: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    uuids = [u for u in (_as_uuid(key) for key in keys) if u is not None]
    for row in await session.execute(query(uuids)):
        found[str(row.owner)].append(document(row))
    return [found[key] for key in keys]


async def packages_of_skills(
    *, session: AsyncSession, skill_ids: Sequence[str]
) -> list[list[dict[str, Any]]]:
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
        lambda row: {
            **{k: v for k, v in row._mapping.items() if k != "owner"},
            "id": str(row.id),
        },
    )


async def tags_of_skills(
    *, session: AsyncSession, skill_ids: Sequence[str]
) -> list[list[dict[str, Any]]]:
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
        lambda row: {"id": str(row.id), "name": row.name, "category": row.category},
    )


async def skills_of_packages(
    *, session: AsyncSession, package_ids: Sequence[str]
) -> list[list[dict[str, Any]]]:
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
        _package_skill,
    )
