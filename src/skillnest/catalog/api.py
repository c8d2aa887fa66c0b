"""HTTP routes of the catalog: seed 004's REST API, plus GraphQL at ``/graphql``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import lru_cache, partial
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, FastAPI, Path, Query, Request, Response, status
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from skillnest.accounts.deps import (
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    OptionalUser,
    ReadSessionDep,
)
from skillnest.catalog import schemas, service
from skillnest.catalog.ranking import SuggestQuery, build_query
from skillnest.core.cache import Cache
from skillnest.core.deps import (
    CacheDep,
    ClientAddress,
    LimiterDep,
    SessionDep,
    request_fetch_all,
    request_session,
)
from skillnest.core.hot import HotEndpoint
from skillnest.core.pages import Limit, Offset, Page
from skillnest.core.responses import JSONBytes

router = APIRouter(tags=["catalog"])

Ecosystem = Literal["npm", "pypi"]
SkillId = Annotated[
    str, Path(max_length=schemas.MAX_SKILL_REF, description="A skill's `skill_id` or uuid.")
]
PackagePath = Annotated[str, Path(max_length=schemas.MAX_PACKAGE_NAME)]


_SUGGEST_PARAMS = frozenset({"packages", "packages[]", "installed_skills", "limit"})


def _valid_query(data: dict[str, Any]) -> SuggestQuery | None:
    """The query of a request ``SuggestIn`` accepts; None when the full route must answer.

    ``SuggestIn`` is the one statement of the limits: what it refuses here goes to the full
    route, which answers with the problem (or the 400 of an empty question).
    """
    try:
        request = schemas.SuggestIn.model_validate(data)
    except ValidationError:
        return None
    query = build_query(request.packages or [], request.installed_skills or [], limit=request.limit)
    return None if query.is_empty else query


@lru_cache(maxsize=16_384)
def _query_from_query_string(query_string: str) -> SuggestQuery | None:
    params = QueryParams(query_string)
    if not params.keys() <= _SUGGEST_PARAMS:
        return None
    lists = {name: params.getlist(name) for name in ("packages", "packages[]", "installed_skills")}
    if any(len(values) > schemas.MAX_QUERY_PACKAGES for values in lists.values()):
        return None  # the route's own limit per parameter (a problem, not an answer)
    data: dict[str, Any] = {
        "packages": lists["packages"] + lists["packages[]"],
        "installed_skills": lists["installed_skills"],
    }
    if "limit" in params:
        data["limit"] = params.getlist("limit")[-1]  # as FastAPI reads a repeated scalar
    return _valid_query(data)


@lru_cache(maxsize=4_096)
def _query_from_body(body: bytes) -> SuggestQuery | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return _valid_query(document) if isinstance(document, dict) else None


async def _anonymous_suggest_query(request: Request) -> SuggestQuery | None:
    """The query of an anonymous suggest request, memoised on its raw text."""
    if "authorization" in request.headers or SESSION_COOKIE in request.cookies:
        return None  # a signed-in caller's disabled skills shape the answer
    if request.method == "GET":
        return _query_from_query_string(request.scope["query_string"].decode("latin-1"))
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return None
    body = await request.body()
    # Only small bodies are memoised; a bigger one takes the full route.
    return _query_from_body(body) if len(body) <= 65_536 else None


def _computations(request: Request) -> asyncio.Semaphore:
    """The app's limit on uncached answers computed at once: one per kept pool connection.

    Beyond it, a burst of new questions would take overflow connections, which the pool
    opens and closes per request (a new server process and unprepared statements each time);
    waiting for a kept connection is cheaper.
    """
    state = request.app.state
    gate: asyncio.Semaphore | None = getattr(state, "suggest_computations", None)
    if gate is None:
        gate = asyncio.Semaphore(state.platform.db.settings.db_pool_size)
        state.suggest_computations = gate
    return gate


async def _compute(request: Request, cache: Cache, query: SuggestQuery) -> bytes:
    """A new anonymous answer: one statement outside transactions, or a unit of work.

    With installed skills the answer takes two reads that must agree (the installed skills'
    packages, then the ranking), so they share a unit of work.
    """
    if query.installed:
        async with request_session(request) as session:
            return await service.store_suggestions(session=session, cache=cache, query=query)
    return await service.store_anonymous_suggestions(
        fetch_all=partial(request_fetch_all, request),
        dialect=request.app.state.platform.db.dialect,
        cache=cache,
        query=query,
    )


class CacheFirstRoute(APIRoute):
    """A suggest route that answers an anonymous question without dependency resolution.

    A repeated question is answered with the bytes the cache holds under its key; a new one
    is computed by the same service code as the full route (see :func:`_compute`) and
    stored. The parameter and dependency resolution, which cost more than a cache read, are
    skipped either way. Anything unusual (a bearer token or session cookie, an unknown
    parameter, a value the route or ``SuggestIn`` refuses) takes the normal route. GET
    requests usually reach :func:`_cache_first` earlier, as a hot route.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the cache lookup."""
        handler = super().get_route_handler()

        async def cache_first(request: Request) -> Response:
            answer = await _cache_first(request)
            return answer if answer is not None else await handler(request)

        return cache_first


async def _cache_first(request: Request) -> Response | None:
    """An anonymous question's answer from the cache, or computed and stored; else None."""
    query = await _anonymous_suggest_query(request)
    if query is None:
        return None
    cache: Cache = request.app.state.platform.cache
    hit = await service.cached_suggestions(cache=cache, query=query)
    if hit is not None:
        return JSONBytes(hit)
    async with _computations(request):
        body = await _compute(request, cache, query)
    return JSONBytes(body)


# GET suggest as a hot route (core.hot): found by a dictionary lookup before the router,
# which otherwise tries the routes one regex at a time. POST keeps the cache-first route
# (its body, once read here, could not be read again by the route).
HOT_ROUTES: dict[tuple[str, str], HotEndpoint] = {("GET", "/skills/suggest"): _cache_first}


suggest_router = APIRouter(route_class=CacheFirstRoute)


@suggest_router.get("/skills/suggest", response_model=schemas.SuggestOut, response_class=JSONBytes)
async def read_suggestions(
    session: SessionDep,
    cache: CacheDep,
    user: OptionalUser,
    packages: Annotated[
        list[schemas.PackageName],
        Query(max_length=schemas.MAX_QUERY_PACKAGES, description="Package names (repeat it)."),
    ] = [],  # noqa: B006
    packages_array: Annotated[
        list[schemas.PackageName],
        Query(alias="packages[]", max_length=schemas.MAX_QUERY_PACKAGES, include_in_schema=False),
    ] = [],  # noqa: B006
    installed_skills: Annotated[
        list[schemas.SkillRef], Query(max_length=schemas.MAX_QUERY_PACKAGES)
    ] = [],  # noqa: B006
    limit: Annotated[str | None, Query(description=schemas.UPSKILL_LIMIT)] = None,
) -> Response:
    """Skills for a project's packages (tier 1) and installed skills (tier 2), ranked."""
    body = await service.suggest_for(
        session=session,
        cache=cache,
        packages=packages + packages_array,
        installed_skills=installed_skills,
        limit=schemas.upskill_limit(limit),
        user_id=user.id if user else None,
    )
    return JSONBytes(body)


@suggest_router.post("/skills/suggest", response_model=schemas.SuggestOut, response_class=JSONBytes)
async def create_suggestions(
    data: schemas.SuggestIn, session: SessionDep, cache: CacheDep, user: OptionalUser
) -> Response:
    """The same as GET, with a JSON body ``{packages, installed_skills, limit}``."""
    body = await service.suggest_for(
        session=session,
        cache=cache,
        packages=data.packages or [],
        installed_skills=data.installed_skills or [],
        limit=data.limit,
        user_id=user.id if user else None,
    )
    return JSONBytes(body)


router.include_router(suggest_router)


@router.post("/skills/bulk-suggest", response_model=schemas.BulkSuggestOut)
async def create_bulk_suggestions(
    data: schemas.BulkSuggestIn, session: SessionDep
) -> schemas.BulkSuggestOut:
    """Skills grouped by the package they are mapped to."""
    return await service.bulk_suggest(session=session, packages=data.packages)


@router.get("/skills", response_model=Page[schemas.SkillSummary])
async def list_skills(
    session: ReadSessionDep,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    repo: Annotated[str | None, Query(max_length=500)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Full-text search.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Literal["installs", "title", "created_at", "relevance"] | None = None,
) -> Page[schemas.SkillSummary]:
    """Filter by tag or repo, search title/description/tags, sort and page."""
    return await service.list_skills(
        session=session, tag=tag, repo=repo, q=q, limit=limit, offset=offset, sort=sort
    )


@router.get("/skills/{skill_id}", response_model=schemas.SkillDetail, response_class=JSONBytes)
async def read_skill(skill_id: SkillId, session: SessionDep, cache: CacheDep) -> Response:
    """A skill (by ``skill_id`` or uuid) with its packages, tags and versions."""
    return JSONBytes(await service.get_skill(session=session, cache=cache, ident=skill_id))


@router.patch("/skills/{skill_id}", response_model=schemas.SkillState)
async def update_skill(
    skill_id: SkillId,
    data: schemas.SkillUpdate,
    _: AdminUser,
    session: SessionDep,
    cache: CacheDep,
) -> schemas.SkillState:
    """Change a skill (admins); deactivating hides it everywhere."""
    return await service.update_skill(session=session, cache=cache, ident=skill_id, data=data)


@router.get("/skills/{skill_id}/related", response_model=Page[schemas.RelatedSkill])
async def read_related_skills(
    skill_id: SkillId,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Offset = 0,
) -> Page[schemas.RelatedSkill]:
    """Users who installed this skill also installed these, most shared users first."""
    return await service.related_skills(session=session, ident=skill_id, limit=limit, offset=offset)


@router.put("/skills/{skill_id}/packages/{package_name:path}", response_model=schemas.MappingOut)
async def put_skill_package(
    skill_id: SkillId,
    package_name: PackagePath,
    data: schemas.MappingIn,
    _: AdminUser,
    session: SessionDep,
    cache: CacheDep,
) -> schemas.MappingOut:
    """Map a skill to a package (admins)."""
    return await service.put_mapping(
        session=session, cache=cache, ident=skill_id, package=package_name, data=data
    )


@router.delete(
    "/skills/{skill_id}/packages/{package_name:path}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_skill_package(
    skill_id: SkillId,
    package_name: PackagePath,
    _: AdminUser,
    session: SessionDep,
    cache: CacheDep,
    ecosystem: Ecosystem = "npm",
) -> Response:
    """Remove a skill's mapping to a package (admins)."""
    await service.delete_mapping(
        session=session, cache=cache, ident=skill_id, package=package_name, ecosystem=ecosystem
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/packages/{package_name:path}/skills",
    response_model=schemas.PackageSkillsOut,
    response_class=JSONBytes,
)
async def read_package_skills(
    package_name: PackagePath, session: SessionDep, cache: CacheDep, ecosystem: Ecosystem = "npm"
) -> Response:
    """Every active skill mapped to a package."""
    body = await service.get_package_skills(
        session=session, cache=cache, name=package_name, ecosystem=ecosystem
    )
    return JSONBytes(body)


@router.post(
    "/analytics/track", response_model=schemas.TrackOut, status_code=status.HTTP_201_CREATED
)
async def create_analytics_event(
    data: schemas.TrackIn,
    session: SessionDep,
    limiter: LimiterDep,
    address: ClientAddress,
    user: OptionalUser,
) -> schemas.TrackOut:
    """Record a suggested/installed/viewed event (signed-in installs feed co-installs)."""
    return await service.track_event(
        session=session,
        limiter=limiter,
        data=data,
        user_id=user.id if user else None,
        client_address=address,
    )


@router.get("/me/skill-preferences", response_model=Page[schemas.PreferenceOut])
async def list_my_skill_preferences(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, offset: Offset = 0
) -> Page[schemas.PreferenceOut]:
    """The signed-in user's skill preferences, by skill id."""
    return await service.list_preferences(
        session=session, user_id=user.id, limit=limit, offset=offset
    )


@router.get("/me/skill-preferences/{skill_id}", response_model=schemas.PreferenceOut)
async def read_my_skill_preference(
    skill_id: SkillId, user: CurrentUser, session: SessionDep
) -> schemas.PreferenceOut:
    """The signed-in user's preference for a skill (defaults when none is stored)."""
    return await service.get_preference(session=session, user_id=user.id, ident=skill_id)


@router.put("/me/skill-preferences/{skill_id}", response_model=schemas.PreferenceOut)
async def put_my_skill_preference(
    skill_id: SkillId,
    data: schemas.PreferenceIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
) -> schemas.PreferenceOut:
    """Enable or disable a skill for yourself; disabled skills leave your suggestions."""
    return await service.put_preference(
        session=session, cache=cache, user_id=user.id, ident=skill_id, data=data
    )


@router.get("/catalog/snapshot", response_model=schemas.SnapshotOut, response_class=JSONBytes)
async def read_catalog_snapshot(session: SessionDep, cache: CacheDep) -> Response:
    """The whole active catalog, for the CLI's offline mode."""
    return JSONBytes(await service.snapshot_bytes(session=session, cache=cache))


def mount(app: FastAPI) -> None:
    """Serve GraphQL at ``/graphql``."""
    from skillnest.catalog.graphql import graphql_router

    app.include_router(graphql_router(), prefix="/graphql")
