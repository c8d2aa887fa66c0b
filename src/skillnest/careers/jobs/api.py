"""HTTP routes of jobs: search, listings, matches, recommendations, saved jobs, alerts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import QueryParams

from skillnest.accounts.deps import AdminUser, CurrentUser, ReadSessionDep
from skillnest.careers.jobs import alerts, matching, schemas, search_cache, service
from skillnest.careers.jobs.matching import RECOMMENDATION_CANDIDATES
from skillnest.core.deps import CacheDep, SessionDep, request_read_connection
from skillnest.core.hot import HotEndpoint
from skillnest.core.pages import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT, Limit, Offset, Page, PathId
from skillnest.core.platform import Platform
from skillnest.core.responses import JSONBytes

router = APIRouter(tags=["careers"])

NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED
SALARY_MAX = 100_000_000
Q_MAX, LOCATION_MAX, EMPLOYMENT_TYPE_MAX, SKILLS_MAX = 200, 255, 50, 20
REMOTE_TYPES = ("remote", "hybrid", "onsite")


@router.get("/jobs", response_model=Page[schemas.JobSummary])
async def search_jobs(
    session: ReadSessionDep,
    q: Annotated[str | None, Query(max_length=Q_MAX, description="Full-text query")] = None,
    location: Annotated[str | None, Query(max_length=LOCATION_MAX)] = None,
    remote_type: Literal["remote", "hybrid", "onsite"] | None = None,
    employment_type: Annotated[str | None, Query(max_length=EMPLOYMENT_TYPE_MAX)] = None,
    salary_min: Annotated[int | None, Query(ge=0, le=SALARY_MAX)] = None,
    skills: Annotated[list[str] | None, Query(max_length=SKILLS_MAX)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[schemas.JobSummary]:
    """Search listings by text, location, remote type, employment type, salary and skills."""
    return await service.search_jobs(
        session=session,
        q=q,
        location=location,
        remote_type=remote_type,
        employment_type=employment_type,
        salary_min=salary_min,
        skills=skills,
        limit=limit,
        offset=offset,
    )


@router.post("/jobs", response_model=schemas.JobRead, status_code=CREATED)
async def create_job(
    data: schemas.JobIn, _: AdminUser, session: SessionDep, cache: CacheDep
) -> schemas.JobRead:
    """Add a listing (administrators only)."""
    return await service.create_job(session=session, cache=cache, data=data)


@router.get(
    "/jobs/recommendations",
    response_model=Page[schemas.Recommendation],
    response_class=JSONBytes,
)
async def list_recommendations(
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=RECOMMENDATION_CANDIDATES)] = 0,
) -> JSONBytes:
    """Jobs ranked by match score for the signed-in user, each with its breakdown."""
    return JSONBytes(
        await matching.recommendations(
            session=session, cache=cache, user_id=user.id, limit=limit, offset=offset
        )
    )


@router.get("/jobs/{job_id}", response_model=schemas.JobRead)
async def read_job(job_id: PathId, session: ReadSessionDep) -> schemas.JobRead:
    """A listing in full."""
    return await service.get_job(session=session, job_id=job_id)


@router.patch("/jobs/{job_id}", response_model=schemas.JobRead)
async def update_job(
    job_id: PathId, data: schemas.JobUpdate, _: AdminUser, session: SessionDep, cache: CacheDep
) -> schemas.JobRead:
    """Change a listing (administrators only); match scores are recomputed."""
    return await service.update_job(session=session, cache=cache, job_id=job_id, data=data)


@router.get("/jobs/{job_id}/match", response_model=schemas.MatchRead)
async def read_job_match(
    job_id: PathId, user: CurrentUser, session: SessionDep
) -> schemas.MatchRead:
    """How well a job fits the signed-in user, factor by factor."""
    return await matching.job_match(session=session, user_id=user.id, job_id=job_id)


@router.get("/me/skill-gaps", response_model=schemas.SkillGapsRead)
async def read_skill_gaps(
    job_id: Annotated[int, Query(ge=1, le=MAX_ID)], user: CurrentUser, session: SessionDep
) -> schemas.SkillGapsRead:
    """The skills a job requires that the user does not list."""
    return await matching.skill_gaps(session=session, user_id=user.id, job_id=job_id)


# --- saved jobs -------------------------------------------------------------------------


@router.put("/jobs/{job_id}/save", response_model=schemas.SavedJobRead)
async def save_job(
    job_id: PathId, user: CurrentUser, session: SessionDep, data: schemas.SaveJobIn | None = None
) -> schemas.SavedJobRead:
    """Save a job (saving again replaces the note)."""
    return await service.save_job(
        session=session, user_id=user.id, job_id=job_id, data=data or schemas.SaveJobIn()
    )


@router.delete("/jobs/{job_id}/save", status_code=NO_CONTENT)
async def delete_saved_job(job_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a job from the saved ones."""
    await service.unsave_job(session=session, user_id=user.id, job_id=job_id)
    return Response(status_code=NO_CONTENT)


@router.get("/me/saved-jobs", response_model=Page[schemas.SavedJobRead])
async def list_saved_jobs(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.SavedJobRead]:
    """The signed-in user's saved jobs, newest first."""
    return await service.list_saved_jobs(
        session=session, user_id=user.id, limit=limit, offset=offset
    )


# --- job alerts -------------------------------------------------------------------------


@router.get("/me/job-alerts", response_model=Page[schemas.AlertRead])
async def list_job_alerts(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.AlertRead]:
    """The signed-in user's job alerts."""
    return await alerts.list_alerts(session=session, user_id=user.id, limit=limit, offset=offset)


@router.post("/me/job-alerts", response_model=schemas.AlertRead, status_code=CREATED)
async def create_job_alert(
    data: schemas.AlertIn, user: CurrentUser, session: SessionDep
) -> schemas.AlertRead:
    """Save criteria; new matching jobs become notifications."""
    return await alerts.create_alert(session=session, user_id=user.id, data=data)


@router.get("/me/job-alerts/{alert_id}", response_model=schemas.AlertRead)
async def read_job_alert(
    alert_id: PathId, user: CurrentUser, session: SessionDep
) -> schemas.AlertRead:
    """One job alert."""
    return await alerts.get_alert(session=session, user_id=user.id, alert_id=alert_id)


@router.patch("/me/job-alerts/{alert_id}", response_model=schemas.AlertRead)
async def update_job_alert(
    alert_id: PathId, data: schemas.AlertUpdate, user: CurrentUser, session: SessionDep
) -> schemas.AlertRead:
    """Change a job alert."""
    return await alerts.update_alert(session=session, user_id=user.id, alert_id=alert_id, data=data)


@router.delete("/me/job-alerts/{alert_id}", status_code=NO_CONTENT)
async def delete_job_alert(alert_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a job alert."""
    await alerts.delete_alert(session=session, user_id=user.id, alert_id=alert_id)
    return Response(status_code=NO_CONTENT)


# --- hot route (core.hot): job search without FastAPI's dependency solving ----------------

_SEARCH_TEXT = {"q": Q_MAX, "location": LOCATION_MAX, "employment_type": EMPLOYMENT_TYPE_MAX}
_SEARCH_NUMBERS = {"salary_min": (0, SALARY_MAX), "limit": (1, MAX_LIMIT), "offset": (0, MAX_ID)}


def _plain_number(text: str, low: int, high: int) -> int | None:
    """Digits in their plain spelling (no sign, space or leading zero) within low..high."""
    if not text.isascii() or not text.isdigit() or len(text) > 10 or text[:1] == "0" != text:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _one(params: QueryParams, name: str) -> tuple[bool, str | None]:
    """(False, None) when the parameter is repeated, else (True, its value or None)."""
    found = params.getlist(name)
    return len(found) <= 1, found[0] if found else None


def _plain_text(text: str | None, limit: int) -> bool:
    return text is None or (len(text) <= limit and "\x00" not in text)


def _plain_search(params: QueryParams) -> service.SearchQuery | None:
    """The search a query string asks for, or None for anything the route should judge.

    Only plain input is read here (each filter at most once, numbers as plain digits, text
    within its bounds); anything else goes to the documented route, which validates it.
    """
    single = {name: _one(params, name) for name in (*_SEARCH_TEXT, *_SEARCH_NUMBERS, "remote_type")}
    if not all(once for once, _ in single.values()):
        return None
    text = {name: single[name][1] for name in _SEARCH_TEXT}
    if not all(_plain_text(text[name], limit) for name, limit in _SEARCH_TEXT.items()):
        return None
    numbers: dict[str, int] = {}
    for name, (low, high) in _SEARCH_NUMBERS.items():
        if (raw := single[name][1]) is not None:
            if (number := _plain_number(raw, low, high)) is None:
                return None
            numbers[name] = number
    remote_type = single["remote_type"][1]
    skills = params.getlist("skills")
    if remote_type not in (None, *REMOTE_TYPES) or len(skills) > SKILLS_MAX:
        return None
    if not all(_plain_text(skill, 100) for skill in skills):
        return None
    return service.SearchQuery(
        q=text["q"],
        location=text["location"],
        remote_type=remote_type,
        employment_type=text["employment_type"],
        salary_min=numbers.get("salary_min"),
        skills=skills or None,
        limit=numbers.get("limit", DEFAULT_LIMIT),
        offset=numbers.get("offset", 0),
    )


async def hot_search_jobs(request: Request) -> Response | None:
    """``GET /jobs``: a cached page (``search_cache``), else one pre-built statement."""
    platform: Platform = request.app.state.platform
    search = _plain_search(request.query_params)
    if search is None or platform.db.replicas:
        return None  # the documented route validates odd input and picks a replica

    async def load() -> bytes:
        async with request_read_connection(request) as connection:
            return await service.search_jobs_json(connection=connection, search=search)

    params = search_cache.search_params(search, postgres=platform.db.dialect == "postgresql")
    return JSONBytes(await search_cache.cached_search(platform.cache, params, load))


HOT_ROUTES: dict[tuple[str, str], HotEndpoint] = {("GET", "/jobs"): hot_search_jobs}
