"""Web pages of careers: job search, saved jobs, job alerts, the application board."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillnest.careers.applications import pages as application_pages
from skillnest.careers.applications import schemas as app_schemas
from skillnest.careers.applications import service as applications
from skillnest.careers.documents import pages as document_pages
from skillnest.careers.jobs import alerts, matching
from skillnest.careers.jobs import schemas as job_schemas
from skillnest.careers.jobs import service as jobs
from skillnest.careers.notifications import pages as notification_pages
from skillnest.careers.profile import pages as profile_pages
from skillnest.core.deps import SessionDep
from skillnest.core.errors import DomainError
from skillnest.web.forms import FormInvalid, parse, split_list
from skillnest.web.registry import NavItem
from skillnest.web.security import SignedIn
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])
router.include_router(document_pages.router)
router.include_router(notification_pages.router)
router.include_router(profile_pages.router)
router.include_router(application_pages.router)
badges = notification_pages.badges

NAV = [
    NavItem("Profile", "/careers/profile"),
    NavItem("Jobs", "/careers/jobs"),
    NavItem("Applications", "/careers/applications"),
    NavItem("Documents", "/careers/documents"),
    NavItem("Notifications", "/notifications", badge="notifications"),
]
PAGE_SIZE = 20
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]


# --- jobs -------------------------------------------------------------------------------


@router.get("/careers/jobs", response_class=HTMLResponse)
async def search(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    location: Annotated[str, Query(max_length=100)] = "",
    remote_type: Annotated[str, Query(pattern="^(|remote|hybrid|onsite)$")] = "",
    employment_type: Annotated[str, Query(max_length=50)] = "",
    salary_min: Annotated[str, Query(pattern=r"^\d{0,8}$")] = "",
    skills: Annotated[str, Query(max_length=500)] = "",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """Job search with every filter, one page at a time."""
    page = await jobs.search_jobs(
        session=session,
        q=q or None,
        location=location or None,
        remote_type=remote_type or None,
        employment_type=employment_type or None,
        salary_min=int(salary_min) if salary_min else None,
        skills=split_list(skills) or None,
        limit=PAGE_SIZE,
        offset=offset,
    )
    filters = {
        "q": q,
        "location": location,
        "remote_type": remote_type,
        "employment_type": employment_type,
        "salary_min": salary_min,
        "skills": skills,
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {"page": page, "filters": filters, "query": query}
    return render(request, "careers/jobs.html", context)


@router.get("/careers/jobs/{job_id}", response_class=HTMLResponse)
async def read_job(request: Request, job_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """A job, how well it matches the person, and save / apply."""
    job = await jobs.get_job(session=session, job_id=job_id)
    match = await matching.job_match(session=session, user_id=viewer.id, job_id=job_id)
    tracked = await applications.list_applications(
        session=session, user_id=viewer.id, limit=200, offset=0
    )
    application = next((a for a in tracked.items if a.job_id == job_id), None)
    notice = request.query_params.get("done")
    context = {"job": job, "match": match, "application": application, "notice": notice}
    return render(request, "careers/job.html", context)


@router.post("/careers/jobs/{job_id}/save", response_class=HTMLResponse)
async def save(job_id: Id, viewer: SignedIn, session: SessionDep, notes: Long = "") -> Response:
    """Bookmark a job."""
    data = parse(job_schemas.SaveJobIn, {"notes": notes.strip() or None})
    await jobs.save_job(session=session, user_id=viewer.id, job_id=job_id, data=data)
    return RedirectResponse(f"/careers/jobs/{job_id}?done=saved", status_code=303)


@router.post("/careers/jobs/{job_id}/apply", response_class=HTMLResponse)
async def apply(job_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Track an application as applied; it appears on the board."""
    data = app_schemas.ApplicationIn(job_id=job_id, status="APPLIED")
    created = await applications.create_application(session=session, user_id=viewer.id, data=data)
    return RedirectResponse(f"/careers/applications/{created.id}", status_code=303)


@router.get("/careers/saved", response_class=HTMLResponse)
async def saved_jobs(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The person's saved jobs."""
    page = await jobs.list_saved_jobs(
        session=session, user_id=viewer.id, limit=PAGE_SIZE, offset=offset
    )
    return render(request, "careers/saved.html", {"page": page})


# --- job alerts -------------------------------------------------------------------------


async def _alerts_page(
    request: Request, viewer: Any, session: Any, *, errors: list[str] | None = None
) -> Response:
    page = await alerts.list_alerts(session=session, user_id=viewer.id, limit=50, offset=0)
    status_code = 422 if errors else 200
    context = {"page": page, "errors": errors or []}
    return render(request, "careers/alerts.html", context, status_code=status_code)


@router.get("/careers/alerts", response_class=HTMLResponse)
async def read_alerts(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """The person's job alerts and a form for a new one."""
    return await _alerts_page(request, viewer, session)


@router.post("/careers/alerts", response_class=HTMLResponse)
async def create_alert(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    name: Short = "",
    keywords: Short = "",
    location: Short = "",
    remote_type: Short = "",
    skills: Long = "",
    frequency: Short = "daily",
) -> Response:
    """Create a job alert (at least one criterion)."""
    given = {
        "keywords": keywords.strip(),
        "location": location.strip(),
        "remote_type": remote_type,
        "skills": split_list(skills),
    }
    criteria = {key: value for key, value in given.items() if value}  # an empty box: no criterion
    values = {"name": name.strip(), "frequency": frequency, "criteria": criteria}
    try:
        data = parse(job_schemas.AlertIn, values, {"criteria": "Criteria"})
        await alerts.create_alert(session=session, user_id=viewer.id, data=data)
    except (FormInvalid, DomainError) as exc:
        messages = exc.messages if isinstance(exc, FormInvalid) else [exc.detail or exc.title]
        return await _alerts_page(request, viewer, session, errors=messages)
    return RedirectResponse("/careers/alerts", status_code=303)


@router.post("/careers/alerts/{alert_id}/delete", response_class=HTMLResponse)
async def delete_alert(alert_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Delete a job alert."""
    await alerts.delete_alert(session=session, user_id=viewer.id, alert_id=alert_id)
    return RedirectResponse("/careers/alerts", status_code=303)
