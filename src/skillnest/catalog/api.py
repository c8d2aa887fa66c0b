"""HTTP routes of the catalog: seed 004's REST API, plus GraphQL at ``/graphql``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, FastAPI, Query, Request, Response, status
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams

from skillnest.accounts.deps import AdminUser, CurrentUser, OptionalUser
from skillnest.catalog import schemas, service
from skillnest.catalog.ranking import SuggestQuery, build_query
from skillnest.core.cache import Cache
from skillnest.core.deps import CacheDep, ClientAddress, LimiterDep, SessionDep
from skillnest.core.responses import JSONBytes, json_response

router = APIRouter(tags=["catalog"])

Ecosystem = Literal["npm", "pypi"]


_SUGGEST_PARAMS = frozenset({"packages", "packages[]", "installed_skills", "limit"})


def _suggest_values(packages: Any, installed: Any, limit: Any) -> SuggestQuery | None:
    """The query of a well-formed request; None when only full validation can tell."""
    if not isinstance(packages, list) or not isinstance(installed, list):
        return None
    if len(packages) > schemas.MAX_PACKAGES or len(installed) > schemas.MAX_PACKAGES:
        return None
    if not all(isinstance(p, str) and len(p) <= 260 for p in packages):
        return None
    if not all(isinstance(s, str) and len(s) <= 255 for s in installed):
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
        return None
    query = build_query(packages, installed, limit=limit)
    return None if query.is_empty else query


@lru_cache(maxsize=16_384)
def _query_from_query_string(query_string: str) -> SuggestQuery | None:
    params = QueryParams(query_string)
    if not params.keys() <= _SUGGEST_PARAMS:
        return None
    raw_limit = params.get("limit", "10")
    limit = int(raw_limit) if raw_limit.isdigit() and len(raw_limit) < 4 else None
    packages = params.getlist("packages") + params.getlist("packages[]")
    return _suggest_values(packages, params.getlist("installed_skills"), limit)


@lru_cache(maxsize=4_096)
def _query_from_body(body: bytes) -> SuggestQuery | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict) or not document.keys() <= {
        "packages",
        "installed_skills",
        "limit",
    }:
        return None
    return _suggest_values(
        document.get("packages", []),
        document.get("installed_skills", []),
        document.get("limit", 10),
    )


async def _anonymous_suggest_query(request: Request) -> SuggestQuery | None:
    """The query of an anonymous suggest request, memoised on its raw text."""
    if "authorization" in request.headers:
        return None  # a signed-in caller's disabled skills shape the answer
    if request.method == "GET":
        return _query_from_query_string(request.scope["query_string"].decode("latin-1"))
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return None
    body = await request.body()
    return _query_from_body(body) if len(body) <= 65_536 else None


class CacheFirstRoute(APIRoute):
    """A suggest route that answers a repeated anonymous question from the cache first.

    The bytes are those the full route stored under the same key; only the parameter and
    dependency resolution, which cost more than the cache read, are skipped. Anything
    unusual (a bearer token, an unknown parameter, a value the full validation might
    refuse, a cache miss) takes the normal route.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the cache lookup."""
        handler = super().get_route_handler()

        async def cache_first(request: Request) -> Response:
            query = await _anonymous_suggest_query(request)
            if query is not None:
                cache: Cache = request.app.state.platform.cache
                hit = await service.cached_suggestions(cache=cache, query=query)
                if hit is not None:
                    return JSONBytes(hit)
            return await handler(request)

        return cache_first


suggest_router = APIRouter(route_class=CacheFirstRoute)


@suggest_router.get("/skills/suggest", response_model=schemas.SuggestOut, response_class=JSONBytes)
async def read_suggestions(
    session: SessionDep,
    cache: CacheDep,
    user: OptionalUser,
    packages: Annotated[list[str], Query(description="Package names (repeat the parameter).")] = [],  # noqa: B006
    packages_array: Annotated[list[str], Query(alias="packages[]", include_in_schema=False)] = [],  # noqa: B006
    installed_skills: Annotated[list[str], Query()] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """Skills for a project's packages (tier 1) and installed skills (tier 2), ranked."""
    body = await service.suggest_for(
        session=session,
        cache=cache,
        packages=packages + packages_array,
        installed_skills=installed_skills,
        limit=limit,
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
        packages=data.packages,
        installed_skills=data.installed_skills,
        limit=data.limit,
        user_id=user.id if user else None,
    )
    return JSONBytes(body)


router.include_router(suggest_router)


@router.post("/skills/bulk-suggest", response_model=schemas.BulkSuggestOut)
async def create_bulk_suggestions(data: schemas.BulkSuggestIn, session: SessionDep) -> Response:
    """Skills grouped by the package they are mapped to."""
    return json_response(await service.bulk_suggest(session=session, packages=data.packages))


@router.get("/skills", response_model=schemas.SkillPage)
async def list_skills(
    session: SessionDep,
    tag: str | None = None,
    repo: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Full-text search.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    sort: Literal["installs", "title", "created_at", "relevance"] | None = None,
) -> Response:
    """Filter by tag or repo, search title/description/tags, sort and page."""
    page = await service.list_skills(
        session=session, tag=tag, repo=repo, q=q, limit=limit, offset=offset, sort=sort
    )
    return json_response(page)


@router.get("/skills/{skill_id}", response_model=schemas.SkillDetail, response_class=JSONBytes)
async def read_skill(skill_id: str, session: SessionDep, cache: CacheDep) -> Response:
    """A skill (by ``skill_id`` or uuid) with its packages, tags and versions."""
    return JSONBytes(await service.get_skill(session=session, cache=cache, ident=skill_id))


@router.patch("/skills/{skill_id}", response_model=dict[str, object])
async def update_skill(
    skill_id: str, data: schemas.SkillUpdate, _: AdminUser, session: SessionDep, cache: CacheDep
) -> Response:
    """Change a skill (admins); deactivating hides it everywhere."""
    result = await service.update_skill(session=session, cache=cache, ident=skill_id, data=data)
    return json_response(result)


@router.get("/skills/{skill_id}/related", response_model=schemas.RelatedOut)
async def read_related_skills(
    skill_id: str, session: SessionDep, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> Response:
    """Users who installed this skill also installed these."""
    return json_response(await service.related_skills(session=session, ident=skill_id, limit=limit))


@router.put("/skills/{skill_id}/packages/{package_name:path}", response_model=schemas.MappingOut)
async def put_skill_package(
    skill_id: str,
    package_name: str,
    data: schemas.MappingIn,
    _: AdminUser,
    session: SessionDep,
    cache: CacheDep,
) -> Response:
    """Map a skill to a package (admins)."""
    result = await service.put_mapping(
        session=session, cache=cache, ident=skill_id, package=package_name, data=data
    )
    return json_response(result)


@router.delete(
    "/skills/{skill_id}/packages/{package_name:path}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_skill_package(
    skill_id: str,
    package_name: str,
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
    package_name: str, session: SessionDep, cache: CacheDep, ecosystem: Ecosystem = "npm"
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
) -> Response:
    """Record a suggested/installed/viewed event (signed-in installs feed co-installs)."""
    event = await service.track_event(
        session=session,
        limiter=limiter,
        data=data,
        user_id=user.id if user else None,
        client_address=address,
    )
    return json_response(event, status_code=status.HTTP_201_CREATED)


@router.get("/me/skill-preferences", response_model=list[schemas.PreferenceOut])
async def list_my_skill_preferences(user: CurrentUser, session: SessionDep) -> Response:
    """Every skill preference of the signed-in user."""
    return json_response(await service.list_preferences(session=session, user_id=user.id))


@router.get("/me/skill-preferences/{skill_id}", response_model=schemas.PreferenceOut)
async def read_my_skill_preference(
    skill_id: str, user: CurrentUser, session: SessionDep
) -> Response:
    """The signed-in user's preference for a skill (defaults when none is stored)."""
    return json_response(
        await service.get_preference(session=session, user_id=user.id, ident=skill_id)
    )


@router.put("/me/skill-preferences/{skill_id}", response_model=schemas.PreferenceOut)
async def put_my_skill_preference(
    skill_id: str,
    data: schemas.PreferenceIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
) -> Response:
    """Enable or disable a skill for yourself; disabled skills leave your suggestions."""
    preference = await service.put_preference(
        session=session, cache=cache, user_id=user.id, ident=skill_id, data=data
    )
    return json_response(preference)


@router.get("/catalog/snapshot", response_model=schemas.SnapshotOut, response_class=JSONBytes)
async def read_catalog_snapshot(session: SessionDep, cache: CacheDep) -> Response:
    """The whole active catalog, for the CLI's offline mode."""
    return JSONBytes(await service.snapshot_bytes(session=session, cache=cache))


def mount(app: FastAPI) -> None:
    """Serve GraphQL at ``/graphql``."""
    from skillnest.catalog.graphql import graphql_router

    app.include_router(graphql_router(), prefix="/graphql")
