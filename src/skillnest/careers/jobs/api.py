"""HTTP routes of jobs: search, listings, matches, recommendations, saved jobs, alerts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from skillnest.accounts.deps import AdminUser, CurrentUser, ReadSessionDep
from skillnest.careers.jobs import alerts, matching, schemas, service
from skillnest.careers.jobs.matching import RECOMMENDATION_CANDIDATES
from skillnest.core.deps import CacheDep, SessionDep
from skillnest.core.pages import MAX_ID, Limit, Offset, Page, PathId
from skillnest.core.responses import JSONBytes

router = APIRouter(tags=["careers"])

NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED
SALARY_MAX = 100_000_000


@router.get("/jobs", response_model=Page[schemas.JobSummary])
async def search_jobs(
    session: ReadSessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Full-text query")] = None,
    location: Annotated[str | None, Query(max_length=255)] = None,
    remote_type: Literal["remote", "hybrid", "onsite"] | None = None,
    employment_type: Annotated[str | None, Query(max_length=50)] = None,
    salary_min: Annotated[int | None, Query(ge=0, le=SALARY_MAX)] = None,
    skills: Annotated[list[str] | None, Query(max_length=20)] = None,
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
