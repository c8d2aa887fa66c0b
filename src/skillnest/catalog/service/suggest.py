"""Suggestions (seed 004 and the Upskill API): ranked, cached as ready bytes; bulk suggest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Select, String, any_, bindparam, cast, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import schemas
from skillnest.catalog.models import Package, PackageSkillMapping, Skill, UserSkillPreference
from skillnest.catalog.popularity import package_ranks
from skillnest.catalog.ranking import (
    MappingRow,
    PackageKey,
    SuggestQuery,
    build_query,
    package_keys,
    qualified_name,
    rank_rows,
)
from skillnest.catalog.schemas import MAX_PACKAGES
from skillnest.catalog.service.caching import QUERIES_TAG, QUERY_TTL, preferences_key, suggest_key
from skillnest.core.cache import TTL, Cache, get_json, set_json
from skillnest.core.errors import BadRequest

NO_SUGGEST_INPUT = "At least one 'packages' or 'installed_skills' value is required."


def _mapping_columns() -> Select[Any]:
    return select(
        Skill.skill_id,
        Skill.installs,
        Package.name,
        Package.ecosystem,
        cast(PackageSkillMapping.confidence_score, Float),
    )


# Suggest's statements, built once: Core statements on the session's connection (the ORM
# execute path costs about twice the CPU per row, and an uncached answer reads thousands).
_INSTALLED = (
    _mapping_columns()
    .select_from(Skill)
    .outerjoin(PackageSkillMapping, PackageSkillMapping.skill_id == Skill.id)
    .outerjoin(Package, Package.id == PackageSkillMapping.package_id)
    .where(Skill.skill_id.in_(bindparam("installed", expanding=True)), Skill.is_active.is_(True))
)
_BY_NAME = (
    _mapping_columns()
    .select_from(Package)
    .join(PackageSkillMapping, PackageSkillMapping.package_id == Package.id)
    .join(Skill, Skill.id == PackageSkillMapping.skill_id)
    .where(Skill.is_active.is_(True))
)
# PostgreSQL: one statement text whatever the number of names, so psycopg prepares it once
# per connection (see dialect.any_of); SQLite: IN.
_BY_NAME_PG = _BY_NAME.where(Package.name == any_(bindparam("names", type_=ARRAY(String))))
_BY_NAME_SQLITE = _BY_NAME.where(Package.name.in_(bindparam("names", expanding=True)))
_DETAILS = select(Skill.skill_id, Skill.id, Skill.title, Skill.description, Skill.repo).where(
    Skill.skill_id.in_(bindparam("skill_ids", expanding=True))
)


async def load_candidates(*, session: AsyncSession, query: SuggestQuery) -> list[MappingRow]:
    """The mapping rows ranking needs: all of installed skills', and those to wanted names.

    Two indexed queries: the installed skills with all their mappings, then every active
    skill's mappings to a requested package name or to a package of an installed skill.
    Titles and descriptions are read afterwards, for the returned page only.
    """
    conn = await session.connection()
    rows: list[MappingRow] = []
    if query.installed:
        result = await conn.execute(_INSTALLED, {"installed": sorted(query.installed)})
        rows.extend(result.tuples().all())
    names = {key.name for key in query.wanted}
    names.update(row[2] for row in rows if row[2] is not None)
    if names:
        statement = _BY_NAME_PG if conn.dialect.name == "postgresql" else _BY_NAME_SQLITE
        result = await conn.execute(statement, {"names": sorted(names)})
        rows.extend(result.tuples().all())
    return rows


async def _page_details(session: AsyncSession, skill_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Id, title, description and repo of the skills on the returned page."""
    if not skill_ids:
        return {}
    conn = await session.connection()
    rows = await conn.execute(_DETAILS, {"skill_ids": skill_ids})
    return {
        skill_id: {"id": str(ident), "title": title, "description": description, "repo": repo}
        for skill_id, ident, title, description, repo in rows
    }


async def _suggest_document(session: AsyncSession, query: SuggestQuery) -> dict[str, Any]:
    """The suggest answer as the document the ready bytes are made of."""
    rows = await load_candidates(session=session, query=query)
    result = rank_rows(rows, query, package_ranks())
    details = await _page_details(session, [s.skill_id for s in result.suggestions])
    return result.document(details)


async def compute_suggestions(*, session: AsyncSession, query: SuggestQuery) -> schemas.SuggestOut:
    """The suggest answer straight from the database (no cache)."""
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    return schemas.SuggestOut.model_validate(await _suggest_document(session, query))


async def cached_suggestions(*, cache: Cache, query: SuggestQuery) -> bytes | None:
    """The cached answer to an anonymous suggest query, if there is one."""
    return await cache.get(suggest_key(query))


async def suggest(*, session: AsyncSession, cache: Cache, query: SuggestQuery) -> bytes:
    """Ranked suggestions as JSON bytes, from the cache when the same question was asked."""
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    hit = await cache.get(suggest_key(query))
    if hit is not None:
        return hit
    return await store_suggestions(session=session, cache=cache, query=query)


async def store_suggestions(*, session: AsyncSession, cache: Cache, query: SuggestQuery) -> bytes:
    """Compute an answer the cache did not have, store it and return its JSON bytes."""
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    # The hot path: the document goes to bytes once, without a model in between; the
    # response-model test checks these bytes against SuggestOut.
    document = await _suggest_document(session, query)
    return await set_json(cache, suggest_key(query), document, QUERY_TTL, [QUERIES_TAG])


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


async def bulk_suggest(*, session: AsyncSession, packages: Sequence[str]) -> schemas.BulkSuggestOut:
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
    groups: dict[PackageKey, list[schemas.PackageSkill]] = {}
    for row in rows:
        key = PackageKey(row.package, row.ecosystem)
        if key in wanted:
            groups.setdefault(key, []).append(package_skill(row))
    matched_raw = {wanted[key] for key in groups}
    return schemas.BulkSuggestOut(
        packages=[
            schemas.PackageGroup(
                package=qualified_name(k.name, k.ecosystem), ecosystem=k.ecosystem, skills=v
            )
            for k, v in groups.items()
        ],
        unmatched=sorted({raw for raw in wanted.values()} - matched_raw),
    )


def package_skill(row: Any) -> schemas.PackageSkill:
    """A skill mapped to a package, from a row of skill and mapping columns."""
    return schemas.PackageSkill(
        id=str(row.id),
        skill_id=row.skill_id,
        title=row.title,
        description=row.description,
        repo=row.repo,
        installs=row.installs,
        confidence_score=float(row.confidence_score),
        mapping_source=row.mapping_source,
    )
