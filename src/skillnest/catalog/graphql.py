"""Seed 004's GraphQL alternative at ``/graphql``, on the same service functions as REST.

Nested lists (a skill's packages and tags, a package's skills) go through per-request data
loaders, so a query costs one SQL statement per field level, never one per item.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
import strawberry
from fastapi import Request
from pydantic import BaseModel
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.types import Info

from skillnest.catalog import service
from skillnest.catalog.ranking import build_query
from skillnest.core.cache import Cache
from skillnest.core.deps import SessionDep
from skillnest.core.errors import NotFound

Loader = DataLoader[str, list[dict[str, Any]]]


class CatalogContext(BaseContext):
    """Per-request session, cache and data loaders."""

    def __init__(self, session: Any, cache: Cache) -> None:
        super().__init__()
        self.session = session
        self.cache = cache
        # One AsyncSession cannot run two statements at once; loaders of sibling fields
        # fire in the same tick, so they take turns.
        lock = asyncio.Lock()

        def batched(
            fn: Callable[..., Awaitable[Sequence[Sequence[BaseModel]]]], arg: str
        ) -> Loader:
            async def load(keys: Sequence[str]) -> list[list[dict[str, Any]]]:
                async with lock:
                    groups = await fn(session=session, **{arg: list(keys)})
                # The types below are built from documents, as from the cached bytes.
                return [[item.model_dump() for item in group] for group in groups]

            return DataLoader(load_fn=load)

        self.packages = batched(service.packages_of_skills, "skill_ids")
        self.tags = batched(service.tags_of_skills, "skill_ids")
        self.skills = batched(service.skills_of_packages, "package_ids")


CatalogInfo = Info[CatalogContext, None]


@strawberry.type
class Tag:
    """A label on skills."""

    id: strawberry.ID
    name: str
    category: str | None


@strawberry.type
class Package:
    """An npm or PyPI package."""

    id: strawberry.ID
    name: str
    ecosystem: str
    description: str | None
    preloaded_skills: strawberry.Private[list[dict[str, Any]] | None] = None

    @strawberry.field(description="Active skills mapped to this package, best mapping first.")
    async def skills(self, info: CatalogInfo) -> list[Skill]:
        """The package's skills."""
        rows = self.preloaded_skills
        if rows is None:
            rows = await info.context.skills.load(str(self.id))
        return [Skill.from_document(row) for row in rows]

    @classmethod
    def from_document(
        cls, doc: dict[str, Any], skills: list[dict[str, Any]] | None = None
    ) -> Package:
        """Build from a service document."""
        return cls(
            id=strawberry.ID(doc["id"]),
            name=doc["name"],
            ecosystem=doc["ecosystem"],
            description=doc.get("description"),
            preloaded_skills=skills,
        )


@strawberry.type
class Skill:
    """An agent skill."""

    id: strawberry.ID
    skill_id: str
    title: str
    description: str
    repo: str
    installs: int
    match_type: str | None = strawberry.field(
        default=None, description="package_json or installed_skill (suggestSkills only)."
    )
    confidence: float | None = None

    @strawberry.field
    async def packages(self, info: CatalogInfo) -> list[Package]:
        """Packages this skill is about."""
        return [Package.from_document(p) for p in await info.context.packages.load(str(self.id))]

    @strawberry.field
    async def tags(self, info: CatalogInfo) -> list[Tag]:
        """Tags of this skill."""
        rows = await info.context.tags.load(str(self.id))
        return [
            Tag(id=strawberry.ID(t["id"]), name=t["name"], category=t["category"]) for t in rows
        ]

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Skill:
        """Build from a service document (suggestion, package skill or skill detail)."""
        return cls(
            id=strawberry.ID(doc["id"]),
            skill_id=doc.get("skill_id") or doc["name"],
            title=doc["title"],
            description=doc.get("description") or "",
            repo=doc["repo"],
            installs=doc["installs"],
            match_type=doc.get("match_type"),
            confidence=doc.get("confidence"),
        )


@strawberry.type
class Query:
    """Seed 004's queries."""

    @strawberry.field(description="Ranked suggestions, as GET /api/v1/skills/suggest.")
    async def suggest_skills(
        self,
        info: CatalogInfo,
        packages: list[str],
        installed_skills: list[str] | None = None,
        limit: int = 10,
    ) -> list[Skill]:
        """Skills for a set of packages."""
        query = build_query(packages, installed_skills or [], limit=limit)
        raw = await service.suggest(
            session=info.context.session, cache=info.context.cache, query=query
        )
        return [Skill.from_document(doc) for doc in orjson.loads(raw)["skills"]]

    @strawberry.field(description="A skill by skill_id or uuid.")
    async def skill(self, info: CatalogInfo, id: str) -> Skill | None:  # noqa: A002 - seed's name
        """One skill, or null."""
        try:
            raw = await service.get_skill(
                session=info.context.session, cache=info.context.cache, ident=id
            )
        except NotFound:
            return None
        return Skill.from_document(orjson.loads(raw))

    @strawberry.field(description="A package by name (npm unless ecosystem says pypi).")
    async def package(self, info: CatalogInfo, name: str, ecosystem: str = "npm") -> Package | None:
        """One package with its skills, or null."""
        try:
            raw = await service.get_package_skills(
                session=info.context.session,
                cache=info.context.cache,
                name=name,
                ecosystem=ecosystem if ecosystem in ("npm", "pypi") else "npm",
            )
        except NotFound:
            return None
        document = orjson.loads(raw)
        return Package.from_document(document["package"], skills=document["skills"])


schema = strawberry.Schema(query=Query)


async def get_context(session: SessionDep, request: Request) -> CatalogContext:
    """The GraphQL context of one request."""
    return CatalogContext(session, request.app.state.platform.cache)


def graphql_router() -> GraphQLRouter[CatalogContext, None]:
    """The router serving ``/graphql`` (GraphiQL on GET from a browser)."""
    return GraphQLRouter(schema, context_getter=get_context, tags=["catalog"])
