"""HTTP routes of careers: profile, scores, jobs, alerts, applications, documents."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from skillnest.accounts.deps import AdminUser, CurrentUser
from skillnest.careers import schemas, service
from skillnest.core.deps import CacheDep, ClientAddress, LimiterDep, SessionDep, SettingsDep
from skillnest.core.responses import JSONBytes, json_response

router = APIRouter(tags=["careers"])

NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]
DocumentType = Literal["resume", "cover_letter"]


# --- career profile ---------------------------------------------------------------------


@router.get("/me/career/profile", response_model=schemas.CareerProfileRead)
async def read_career_profile(user: CurrentUser, session: SessionDep) -> Any:
    """The signed-in user's career profile (created empty on first use)."""
    return await service.get_profile(session=session, user_id=user.id)


@router.patch("/me/career/profile", response_model=schemas.CareerProfileRead)
async def update_career_profile(
    data: schemas.CareerProfileUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Any:
    """Change career profile fields; the skill score and match scores follow."""
    return await service.update_profile(
        session=session, cache=cache, settings=settings, user_id=user.id, data=data
    )


def _section_routes(
    kind: str, path: str, create: type[Any], change: type[Any], read: type[Any], noun: str
) -> None:
    """List, add, change and delete routes of one profile section."""

    async def list_section(user: CurrentUser, session: SessionDep) -> Any:
        return await service.list_entries(session=session, user_id=user.id, kind=kind)

    async def create_section(
        data: Any,
        user: CurrentUser,
        session: SessionDep,
        cache: CacheDep,
        settings: SettingsDep,
    ) -> Any:
        return await service.add_entry(
            session=session, cache=cache, settings=settings, user_id=user.id, kind=kind, data=data
        )

    async def update_section(
        entry_id: int,
        data: Any,
        user: CurrentUser,
        session: SessionDep,
        cache: CacheDep,
        settings: SettingsDep,
    ) -> Any:
        return await service.update_entry(
            session=session,
            cache=cache,
            settings=settings,
            user_id=user.id,
            kind=kind,
            entry_id=entry_id,
            data=data,
        )

    async def delete_section(
        entry_id: int,
        user: CurrentUser,
        session: SessionDep,
        cache: CacheDep,
        settings: SettingsDep,
    ) -> Response:
        await service.delete_entry(
            session=session,
            cache=cache,
            settings=settings,
            user_id=user.id,
            kind=kind,
            entry_id=entry_id,
        )
        return Response(status_code=NO_CONTENT)

    # The payload types are parameters of this factory: resolve the (postponed) annotations.
    create_section.__annotations__["data"] = create
    update_section.__annotations__["data"] = change
    base = f"/me/career/{path}"
    router.add_api_route(
        base,
        list_section,
        methods=["GET"],
        response_model=list[read],  # type: ignore[valid-type]
        name=f"list_{noun}s",
        summary=f"List your {noun.replace('_', ' ')}s",
    )
    router.add_api_route(
        base,
        create_section,
        methods=["POST"],
        response_model=read,
        status_code=CREATED,
        name=f"create_{noun}",
        summary=f"Add a {noun.replace('_', ' ')}",
    )
    router.add_api_route(
        base + "/{entry_id}",
        update_section,
        methods=["PATCH"],
        response_model=read,
        name=f"update_{noun}",
        summary=f"Change a {noun.replace('_', ' ')}",
    )
    router.add_api_route(
        base + "/{entry_id}",
        delete_section,
        methods=["DELETE"],
        status_code=NO_CONTENT,
        name=f"delete_{noun}",
        summary=f"Delete a {noun.replace('_', ' ')}",
    )


_section_routes(
    "goals", "goals", schemas.GoalIn, schemas.GoalUpdate, schemas.GoalRead, "career_goal"
)
_section_routes(
    "skills", "skills", schemas.SkillIn, schemas.SkillUpdate, schemas.SkillRead, "skill"
)
_section_routes(
    "certifications",
    "certifications",
    schemas.CertificationIn,
    schemas.CertificationIn,
    schemas.CertificationRead,
    "certification",
)
_section_routes(
    "experience",
    "experience",
    schemas.ExperienceIn,
    schemas.ExperienceUpdate,
    schemas.ExperienceRead,
    "experience",
)
_section_routes(
    "education",
    "education",
    schemas.EducationIn,
    schemas.EducationUpdate,
    schemas.EducationRead,
    "education",
)
_section_routes(
    "portfolio",
    "portfolio",
    schemas.PortfolioIn,
    schemas.PortfolioUpdate,
    schemas.PortfolioRead,
    "portfolio_item",
)


@router.get("/me/skill-score", response_model=schemas.SkillScoreRead, response_class=JSONBytes)
async def read_skill_score(user: CurrentUser, session: SessionDep, cache: CacheDep) -> Response:
    """The skill score (0-100), its breakdown by component and its history."""
    return JSONBytes(
        await service.skill_score_document(session=session, cache=cache, user_id=user.id)
    )


@router.get("/me/skill-gaps", response_model=schemas.SkillGapsRead)
async def read_skill_gaps(
    job_id: Annotated[int, Query(ge=1)], user: CurrentUser, session: SessionDep
) -> Any:
    """The skills a job requires that the user does not list."""
    return await service.skill_gaps(session=session, user_id=user.id, job_id=job_id)


# --- jobs -------------------------------------------------------------------------------


@router.get("/jobs", response_model=schemas.JobPage)
async def search_jobs(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Full-text query")] = None,
    location: Annotated[str | None, Query(max_length=255)] = None,
    remote_type: Literal["remote", "hybrid", "onsite"] | None = None,
    employment_type: Annotated[str | None, Query(max_length=50)] = None,
    salary_min: Annotated[int | None, Query(ge=0)] = None,
    skills: Annotated[list[str] | None, Query(max_length=20)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    """Search listings by text, location, remote type, employment type, salary and skills."""
    return json_response(
        await service.search_jobs(
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
    )


@router.post("/jobs", response_model=schemas.JobRead, status_code=CREATED)
async def create_job(
    data: schemas.JobIn, _: AdminUser, session: SessionDep, cache: CacheDep
) -> Any:
    """Add a listing (administrators only)."""
    return await service.create_job(session=session, cache=cache, data=data)


@router.get(
    "/jobs/recommendations", response_model=schemas.RecommendationList, response_class=JSONBytes
)
async def list_recommendations(
    user: CurrentUser, session: SessionDep, cache: CacheDep, limit: Limit = 20
) -> Response:
    """Jobs ranked by match score for the signed-in user, each with its breakdown."""
    return JSONBytes(
        await service.recommendations(session=session, cache=cache, user_id=user.id, limit=limit)
    )


@router.get("/jobs/{job_id}", response_model=schemas.JobRead)
async def read_job(job_id: int, session: SessionDep) -> Any:
    """A listing in full."""
    return await service.get_job(session=session, job_id=job_id)


@router.patch("/jobs/{job_id}", response_model=schemas.JobRead)
async def update_job(
    job_id: int, data: schemas.JobUpdate, _: AdminUser, session: SessionDep, cache: CacheDep
) -> Any:
    """Change a listing (administrators only); match scores are recomputed."""
    return await service.update_job(session=session, cache=cache, job_id=job_id, data=data)


@router.get("/jobs/{job_id}/match", response_model=schemas.MatchRead)
async def read_job_match(job_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """How well a job fits the signed-in user, factor by factor."""
    return json_response(await service.job_match(session=session, user_id=user.id, job_id=job_id))


@router.put("/jobs/{job_id}/save", response_model=schemas.SavedJobRead)
async def save_job(
    job_id: int, user: CurrentUser, session: SessionDep, data: schemas.SaveJobIn | None = None
) -> Any:
    """Save a job (saving again replaces the note)."""
    return await service.save_job(
        session=session, user_id=user.id, job_id=job_id, data=data or schemas.SaveJobIn()
    )


@router.delete("/jobs/{job_id}/save", status_code=NO_CONTENT)
async def delete_saved_job(job_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a job from the saved ones."""
    await service.unsave_job(session=session, user_id=user.id, job_id=job_id)
    return Response(status_code=NO_CONTENT)


@router.get("/me/saved-jobs", response_model=list[schemas.SavedJobRead])
async def list_saved_jobs(user: CurrentUser, session: SessionDep) -> Any:
    """The signed-in user's saved jobs, newest first."""
    return await service.list_saved_jobs(session=session, user_id=user.id)


# --- job alerts -------------------------------------------------------------------------


@router.get("/me/job-alerts", response_model=list[schemas.AlertRead])
async def list_job_alerts(user: CurrentUser, session: SessionDep) -> Any:
    """The signed-in user's job alerts."""
    return await service.list_alerts(session=session, user_id=user.id)


@router.post("/me/job-alerts", response_model=schemas.AlertRead, status_code=CREATED)
async def create_job_alert(data: schemas.AlertIn, user: CurrentUser, session: SessionDep) -> Any:
    """Save criteria; new matching jobs become notifications."""
    return await service.create_alert(session=session, user_id=user.id, data=data)


@router.get("/me/job-alerts/{alert_id}", response_model=schemas.AlertRead)
async def read_job_alert(alert_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """One job alert."""
    return await service.get_alert(session=session, user_id=user.id, alert_id=alert_id)


@router.patch("/me/job-alerts/{alert_id}", response_model=schemas.AlertRead)
async def update_job_alert(
    alert_id: int, data: schemas.AlertUpdate, user: CurrentUser, session: SessionDep
) -> Any:
    """Change a job alert."""
    return await service.update_alert(
        session=session, user_id=user.id, alert_id=alert_id, data=data
    )


@router.delete("/me/job-alerts/{alert_id}", status_code=NO_CONTENT)
async def delete_job_alert(alert_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a job alert."""
    await service.delete_alert(session=session, user_id=user.id, alert_id=alert_id)
    return Response(status_code=NO_CONTENT)


# --- applications -----------------------------------------------------------------------


@router.post("/applications", response_model=schemas.ApplicationDetail, status_code=CREATED)
async def create_application(
    data: schemas.ApplicationIn, user: CurrentUser, session: SessionDep
) -> Any:
    """Track an application for a job, saved or already applied."""
    return await service.create_application(session=session, user_id=user.id, data=data)


@router.get("/applications", response_model=list[schemas.ApplicationRead])
async def list_applications(
    user: CurrentUser,
    session: SessionDep,
    status_: Annotated[list[schemas.Status] | None, Query(alias="status")] = None,
    applied_from: date | None = None,
    applied_to: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """The signed-in user's applications, filtered by status and by applied date."""
    return json_response(
        await service.list_applications(
            session=session,
            user_id=user.id,
            statuses=status_,
            applied_from=applied_from,
            applied_to=applied_to,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/applications/stats", response_model=schemas.ApplicationStats)
async def read_application_stats(user: CurrentUser, session: SessionDep) -> Any:
    """Counts per status and the response rate of sent applications."""
    return await service.application_stats(session=session, user_id=user.id)


@router.get("/applications/{application_id}", response_model=schemas.ApplicationDetail)
async def read_application(application_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """An application with its progress and timeline."""
    return await service.application_detail(
        session=session, user_id=user.id, application_id=application_id
    )


@router.post("/applications/{application_id}/status", response_model=schemas.ApplicationDetail)
async def change_application_status(
    application_id: int, data: schemas.StatusChange, user: CurrentUser, session: SessionDep
) -> Any:
    """Move an application along its status flow; a move the flow forbids is 409."""
    return await service.change_status(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


@router.delete("/applications/{application_id}", status_code=NO_CONTENT)
async def delete_application(
    application_id: int, user: CurrentUser, session: SessionDep
) -> Response:
    """Stop tracking an application."""
    await service.delete_application(
        session=session, user_id=user.id, application_id=application_id
    )
    return Response(status_code=NO_CONTENT)


@router.get("/applications/{application_id}/timeline", response_model=list[schemas.TimelineEvent])
async def list_application_timeline(
    application_id: int, user: CurrentUser, session: SessionDep
) -> Any:
    """An application's history, oldest first."""
    return await service.list_timeline(
        session=session, user_id=user.id, application_id=application_id
    )


@router.get("/applications/{application_id}/notes", response_model=list[schemas.NoteRead])
async def list_application_notes(
    application_id: int, user: CurrentUser, session: SessionDep
) -> Any:
    """Notes on an application."""
    return await service.list_notes(session=session, user_id=user.id, application_id=application_id)


@router.post(
    "/applications/{application_id}/notes", response_model=schemas.NoteRead, status_code=CREATED
)
async def create_application_note(
    application_id: int, data: schemas.NoteIn, user: CurrentUser, session: SessionDep
) -> Any:
    """Add a note to an application."""
    return await service.add_note(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


@router.patch("/applications/{application_id}/notes/{note_id}", response_model=schemas.NoteRead)
async def update_application_note(
    application_id: int,
    note_id: int,
    data: schemas.NoteUpdate,
    user: CurrentUser,
    session: SessionDep,
) -> Any:
    """Edit a note."""
    return await service.update_note(
        session=session,
        user_id=user.id,
        application_id=application_id,
        note_id=note_id,
        data=data,
    )


@router.delete("/applications/{application_id}/notes/{note_id}", status_code=NO_CONTENT)
async def delete_application_note(
    application_id: int, note_id: int, user: CurrentUser, session: SessionDep
) -> Response:
    """Delete a note."""
    await service.delete_note(
        session=session, user_id=user.id, application_id=application_id, note_id=note_id
    )
    return Response(status_code=NO_CONTENT)


# --- interview prep ---------------------------------------------------------------------


@router.post(
    "/applications/{application_id}/interview-prep",
    response_model=schemas.InterviewPrepRead,
    status_code=CREATED,
)
async def create_interview_prep(
    application_id: int,
    user: CurrentUser,
    session: SessionDep,
    data: schemas.InterviewPrepIn | None = None,
) -> Any:
    """Questions for the interview, from the job's required skills and a built-in bank."""
    return await service.create_interview_prep(
        session=session,
        user_id=user.id,
        application_id=application_id,
        data=data or schemas.InterviewPrepIn(),
    )


@router.get(
    "/applications/{application_id}/interview-prep", response_model=schemas.InterviewPrepRead
)
async def read_interview_prep(application_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """Questions, answers and tips."""
    return await service.get_interview_prep(
        session=session, user_id=user.id, application_id=application_id
    )


@router.put(
    "/applications/{application_id}/interview-prep/questions/{question_id}/answer",
    response_model=schemas.InterviewPrepRead,
)
async def update_interview_answer(
    application_id: int,
    question_id: Annotated[str, Path(max_length=255)],
    data: schemas.AnswerIn,
    user: CurrentUser,
    session: SessionDep,
) -> Any:
    """Save the answer to one question."""
    return await service.answer_question(
        session=session,
        user_id=user.id,
        application_id=application_id,
        question_id=question_id,
        data=data,
    )


@router.get(
    "/applications/{application_id}/practice-sessions",
    response_model=list[schemas.PracticeRead],
)
async def list_practice_sessions(
    application_id: int, user: CurrentUser, session: SessionDep
) -> Any:
    """Practice sessions for an application, newest first."""
    return await service.list_practice_sessions(
        session=session, user_id=user.id, application_id=application_id
    )


@router.post(
    "/applications/{application_id}/practice-sessions",
    response_model=schemas.PracticeRead,
    status_code=CREATED,
)
async def create_practice_session(
    application_id: int, data: schemas.PracticeIn, user: CurrentUser, session: SessionDep
) -> Any:
    """Record a practice session: duration, self-rating 1-5 and notes."""
    return await service.add_practice_session(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


# --- notifications ----------------------------------------------------------------------


@router.get("/me/notifications", response_model=list[schemas.NotificationRead])
async def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    unread_only: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Notifications, unread first, then newest first."""
    return await service.list_notifications(
        session=session, user_id=user.id, unread_only=unread_only, limit=limit, offset=offset
    )


@router.get("/me/notifications/unread-count", response_model=schemas.UnreadCount)
async def read_unread_count(user: CurrentUser, session: SessionDep) -> Any:
    """How many notifications are unread."""
    return schemas.UnreadCount(unread=await service.unread_count(session=session, user_id=user.id))


@router.post("/me/notifications/read-all", response_model=schemas.Updated)
async def mark_all_notifications_read(user: CurrentUser, session: SessionDep) -> Any:
    """Mark every notification read."""
    return schemas.Updated(updated=await service.mark_all_read(session=session, user_id=user.id))


@router.post("/me/notifications/{notification_id}/read", response_model=schemas.NotificationRead)
async def mark_notification_read(
    notification_id: int, user: CurrentUser, session: SessionDep
) -> Any:
    """Mark one notification read."""
    return await service.mark_read(
        session=session, user_id=user.id, notification_id=notification_id
    )


# --- documents --------------------------------------------------------------------------


@router.get("/document-templates", response_model=list[schemas.TemplateRead])
async def list_document_templates(
    session: SessionDep, document_type: DocumentType | None = None
) -> Any:
    """The resume and cover-letter templates."""
    return await service.list_templates(session=session, document_type=document_type)


@router.post("/documents", response_model=schemas.DocumentRead, status_code=CREATED)
async def create_document(data: schemas.GenerateIn, user: CurrentUser, session: SessionDep) -> Any:
    """Generate a resume or cover letter from a template and the user's profile."""
    return await service.generate_document(session=session, user_id=user.id, data=data)


@router.get("/documents", response_model=list[schemas.DocumentSummary])
async def list_documents(
    user: CurrentUser, session: SessionDep, document_type: DocumentType | None = None
) -> Any:
    """The signed-in user's documents, newest first."""
    return await service.list_documents(
        session=session, user_id=user.id, document_type=document_type
    )


@router.get("/documents/{document_id}", response_model=schemas.DocumentRead)
async def read_document(document_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """A document with its current content."""
    return await service.get_document(session=session, user_id=user.id, document_id=document_id)


@router.put("/documents/{document_id}", response_model=schemas.DocumentRead)
async def update_document(
    document_id: int, data: schemas.DocumentEdit, user: CurrentUser, session: SessionDep
) -> Any:
    """Save new content as the next version."""
    return await service.edit_document(
        session=session, user_id=user.id, document_id=document_id, data=data
    )


@router.delete("/documents/{document_id}", status_code=NO_CONTENT)
async def delete_document(document_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a document and its versions."""
    await service.delete_document(session=session, user_id=user.id, document_id=document_id)
    return Response(status_code=NO_CONTENT)


@router.get("/documents/{document_id}/versions", response_model=list[schemas.VersionSummary])
async def list_document_versions(document_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """Every version of a document, newest first."""
    return await service.list_versions(session=session, user_id=user.id, document_id=document_id)


@router.get("/documents/{document_id}/versions/{version}", response_model=schemas.VersionRead)
async def read_document_version(
    document_id: int, version: int, user: CurrentUser, session: SessionDep
) -> Any:
    """One version of a document with its content."""
    return await service.get_version(
        session=session, user_id=user.id, document_id=document_id, version=version
    )


@router.post(
    "/documents/{document_id}/versions/{version}/restore", response_model=schemas.DocumentRead
)
async def restore_document_version(
    document_id: int, version: int, user: CurrentUser, session: SessionDep
) -> Any:
    """Make an old version current again (saved as a new version)."""
    return await service.restore_version(
        session=session, user_id=user.id, document_id=document_id, version=version
    )


# --- credentials ------------------------------------------------------------------------


@router.get("/credentials/verify/{credential_hash}", response_model=schemas.CredentialVerification)
async def verify_credential(
    credential_hash: Annotated[str, Path(pattern="^[0-9a-fA-F]{64}$")],
    session: SessionDep,
    limiter: LimiterDep,
    address: ClientAddress,
) -> Any:
    """Public: whether a credential exists, the holder's public name and the issue date."""
    return await service.verify_credential(
        session=session, limiter=limiter, client_address=address, credential_hash=credential_hash
    )
