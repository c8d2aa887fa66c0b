"""Suggestions (seed 004 and the Upskill API): ranked, cached as ready bytes; bulk suggest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Float, Select, String, any_, bindparam, cast, column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.types import NullType

from skillnest.catalog import schemas
from skillnest.catalog.dialect import SUGGEST_PG, SUGGEST_SQLITE
from skillnest.catalog.models import Package, PackageSkillMapping, Skill, UserSkillPreference
from skillnest.catalog.popularity import package_ranks
from skillnest.catalog.ranking import (
    INSTALLED_SKILL,
    PACKAGE_JSON,
    MappingRow,
    PackageKey,
    SuggestQuery,
    build_query,
    package_keys,
    package_terms,
    qualified_name,
)
from skillnest.catalog.schemas import MAX_PACKAGES
from skillnest.catalog.service.caching import QUERIES_TAG, QUERY_TTL, preferences_key, suggest_key
from skillnest.core.cache import TTL, Cache, get_json, set_json
from skillnest.core.db import UUID, DriverStatement
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
# The SQL ranking, with the skill id typed (SQLite stores it as text).
# Every column in order (the driver path reads them by position), the skill id typed.
_SUGGEST_COLUMNS = [
    column(name, UUID() if name == "id" else NullType())
    for name in ("tier", "skill_id", "installs", "best", "keys", "id", "title", "description",
                 "repo", "total", "matched")
]  # fmt: skip
_SUGGEST_PG = SUGGEST_PG.columns(*_SUGGEST_COLUMNS)
_SUGGEST_SQLITE = SUGGEST_SQLITE.columns(*_SUGGEST_COLUMNS)
FetchAll = Callable[[DriverStatement, dict[str, Any]], Awaitable[list[tuple[Any, ...]]]]
_DRIVER_SUGGEST = {
    "postgresql": DriverStatement(_SUGGEST_PG),
    "sqlite": DriverStatement(_SUGGEST_SQLITE),
}


async def load_candidates(*, session: AsyncSession, query: SuggestQuery) -> list[MappingRow]:
    """The mapping rows ``ranking.rank_rows`` needs: all of installed skills', those to names.

    The reference the SQL ranking is tested against. Two
    indexed queries: the installed skills with all their mappings, then every active
    skill's mappings to a requested package name or to a package of an installed skill.
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


def _indexes(value: Any) -> list[int]:
    """A list of package indexes: an array on PostgreSQL, ``group_concat`` text on SQLite."""
    if value is None:
        return []
    if isinstance(value, str):
        return [int(part) for part in value.split(",")]
    return list(value)


@dataclass
class _Question:
    """A suggest question made ready for the ranking statement (see ``dialect.SUGGEST_PG``)."""

    wanted: list[PackageKey]  # the requested packages, in the order of their indexes
    terms: list[tuple[PackageKey, int, int]]  # each with its gate and popularity rank
    shared: list[tuple[str, str]]  # packages of installed skills not requested
    hidden: list[str]  # skill_ids left out: installed or disabled
    matched_installed: set[str]
    limit: int

    @property
    def asks(self) -> bool:
        """Whether there is anything to rank."""
        return bool(self.wanted or self.shared)

    def parameters(self, dialect_name: str) -> dict[str, Any]:
        """The ranking statement's bound values on this dialect."""
        if dialect_name == "postgresql":
            return {
                "names": [k.name for k in self.wanted],
                "ecosystems": [k.ecosystem for k in self.wanted],
                "gates": [gate for _, gate, _ in self.terms],
                "ranks": [rank for _, _, rank in self.terms],
                "shared_names": [name for name, _ in self.shared],
                "shared_ecosystems": [ecosystem for _, ecosystem in self.shared],
                "hidden": self.hidden,
                "limit": self.limit,
            }
        return {
            "wanted": orjson.dumps([[k.name, k.ecosystem, g, r] for k, g, r in self.terms]),
            "shared": orjson.dumps(self.shared),
            "hidden": orjson.dumps(self.hidden),
            "limit": self.limit,
        }

    def document(self, rows: Sequence[Any]) -> dict[str, Any]:
        """The answer document from the statement's rows (the page, in order)."""
        skills = []
        for tier, skill_id, installs, best, keys, ident, title, description, repo, *_ in rows:
            source = self.wanted if tier == 1 else self.shared
            skills.append(
                {
                    "id": str(ident),
                    "name": skill_id,
                    "title": title,
                    "description": description,
                    "repo": repo,
                    "installs": installs,
                    "packages": sorted({qualified_name(*source[k]) for k in _indexes(keys)}),
                    "match_type": PACKAGE_JSON if tier == 1 else INSTALLED_SKILL,
                    "confidence": best / 100,
                }
            )
        return {
            "skills": skills,
            "total": rows[0][9] if rows else 0,
            "matched_packages": sorted(
                qualified_name(*self.wanted[k]) for k in _indexes(rows[0][10] if rows else None)
            ),
            "matched_installed_skills": sorted(self.matched_installed),
        }


def _question(
    query: SuggestQuery,
    ranks: Mapping_[tuple[str, str], int] | None = None,
    matched_installed: set[str] | None = None,
    shared: set[tuple[str, str]] | None = None,
) -> _Question:
    """``query`` ready for the ranking statement (with what its installed skills gave)."""
    terms = package_terms(query, package_ranks() if ranks is None else ranks)
    wanted = [key for key, _, _ in terms]
    return _Question(
        wanted=wanted,
        terms=terms,
        shared=sorted((shared or set()) - set(wanted)),
        hidden=sorted(query.installed | query.excluded),
        matched_installed=matched_installed or set(),
        limit=query.limit,
    )


async def _suggest_document(
    conn: AsyncConnection,
    query: SuggestQuery,
    ranks: Mapping_[tuple[str, str], int] | None = None,
) -> dict[str, Any]:
    """The suggest answer as the document the ready bytes are made of.

    Ranked in the database (``dialect.SUGGEST_PG`` / ``SUGGEST_SQLITE`` over
    ``suggest_mappings``), exactly as ``ranking.rank_rows`` ranks the candidate rows of
    :func:`load_candidates` (a property test compares both); only the page crosses over.
    One statement, or two with installed skills.
    """
    matched_installed: set[str] = set()
    shared: set[tuple[str, str]] = set()
    if query.installed:
        result = await conn.execute(_INSTALLED, {"installed": sorted(query.installed)})
        for skill_id, _, name, ecosystem, _ in result:
            matched_installed.add(skill_id)
            if name is not None:
                shared.add((name, ecosystem))
    question = _question(query, ranks, matched_installed, shared)
    rows: Sequence[Any] = ()
    if question.asks:
        name = conn.dialect.name
        statement = _SUGGEST_PG if name == "postgresql" else _SUGGEST_SQLITE
        rows = (await conn.execute(statement, question.parameters(name))).all()
    return question.document(rows)


async def compute_suggestions(
    *,
    session: AsyncSession,
    query: SuggestQuery,
    ranks: Mapping_[tuple[str, str], int] | None = None,
) -> schemas.SuggestOut:
    """The suggest answer straight from the database (no cache); ``ranks``: package popularity."""
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    document = await _suggest_document(await session.connection(), query, ranks)
    return schemas.SuggestOut.model_validate(document)


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
    # The document goes to bytes once, without a model in between; the response-model
    # test checks these bytes against SuggestOut.
    document = await _suggest_document(await session.connection(), query)
    return await set_json(cache, suggest_key(query), document, QUERY_TTL, [QUERIES_TAG])


async def store_anonymous_suggestions(
    *, fetch_all: FetchAll, dialect: str, cache: Cache, query: SuggestQuery
) -> bytes:
    """:func:`store_suggestions` for a question without installed skills (the hot route).

    One statement through the driver outside transactions (``fetch_all``: the route's
    ``request_fetch_all``, ``Database.fetch_all``): no pool checkout and ping, no SQLAlchemy
    execute path, which cost the route's worker about as much CPU as the rest of the request.
    """
    if query.is_empty:
        raise BadRequest(NO_SUGGEST_INPUT)
    assert not query.installed, "installed skills take two reads in one unit of work"
    question = _question(query)
    rows: Sequence[Any] = ()
    if question.asks:
        rows = await fetch_all(_DRIVER_SUGGEST[dialect], question.parameters(dialect))
    document = question.document(rows)
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
