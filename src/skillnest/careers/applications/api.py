"""HTTP routes of applications: the flow, stats, timeline, notes, interview preparation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from skillnest.accounts.deps import CurrentUser
from skillnest.careers.applications import prep, schemas, service
from skillnest.core.deps import SessionDep
from skillnest.core.inputs import Day
from skillnest.core.pages import Limit, Offset, Page, PathId

router = APIRouter(tags=["careers"])

NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED
QuestionId = Annotated[str, Path(max_length=255)]


@router.post("/applications", response_model=schemas.ApplicationDetail, status_code=CREATED)
async def create_application(
    data: schemas.ApplicationIn, user: CurrentUser, session: SessionDep
) -> schemas.ApplicationDetail:
    """Track an application for a job, saved or already applied."""
    return await service.create_application(session=session, user_id=user.id, data=data)


@router.get("/applications", response_model=Page[schemas.ApplicationRead])
async def list_applications(
    user: CurrentUser,
    session: SessionDep,
    status_: Annotated[list[schemas.Status] | None, Query(alias="status")] = None,
    applied_from: Day | None = None,
    applied_to: Day | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.ApplicationRead]:
    """The signed-in user's applications, filtered by status and by applied date."""
    return await service.list_applications(
        session=session,
        user_id=user.id,
        statuses=status_,
        applied_from=applied_from,
        applied_to=applied_to,
        limit=limit,
        offset=offset,
    )


@router.get("/applications/stats", response_model=schemas.ApplicationStats)
async def read_application_stats(
    user: CurrentUser, session: SessionDep
) -> schemas.ApplicationStats:
    """Counts per status and the response rate of sent applications."""
    return await service.application_stats(session=session, user_id=user.id)


@router.get("/applications/follow-ups", response_model=Page[schemas.FollowUpRead])
async def list_follow_ups(
    user: CurrentUser,
    session: SessionDep,
    within_days: Annotated[int, Query(ge=0, le=365, description="Upcoming window.")] = 7,
    due_only: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.FollowUpRead]:
    """Open applications to follow up on: due ones (oldest first), then upcoming ones."""
    return await service.list_follow_ups(
        session=session,
        user_id=user.id,
        today=datetime.now(UTC).date(),
        within_days=within_days,
        due_only=due_only,
        limit=limit,
        offset=offset,
    )


@router.get("/me/career/analytics", response_model=schemas.CareerAnalytics)
async def read_career_analytics(
    user: CurrentUser,
    session: SessionDep,
    weeks: Annotated[int, Query(ge=1, le=104, description="Weeks in `per_week`.")] = 12,
) -> schemas.CareerAnalytics:
    """Applications per week, status, source and method; response rate and median response."""
    return await service.career_analytics(
        session=session, user_id=user.id, today=datetime.now(UTC).date(), weeks=weeks
    )


@router.patch("/applications/{application_id:digits}", response_model=schemas.ApplicationDetail)
async def update_application(
    application_id: PathId, data: schemas.ApplicationUpdate, user: CurrentUser, session: SessionDep
) -> schemas.ApplicationDetail:
    """Edit an application's method, dates, links, documents or rejection reason."""
    return await service.update_application(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


@router.put("/applications/{application_id}/follow-up", response_model=schemas.ApplicationDetail)
async def set_application_follow_up(
    application_id: PathId, data: schemas.FollowUpIn, user: CurrentUser, session: SessionDep
) -> schemas.ApplicationDetail:
    """Set (or clear, with null) the follow-up date by hand."""
    return await service.set_follow_up(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


@router.get("/applications/{application_id:digits}", response_model=schemas.ApplicationDetail)
async def read_application(
    application_id: PathId, user: CurrentUser, session: SessionDep
) -> schemas.ApplicationDetail:
    """An application with its progress and timeline."""
    return await service.application_detail(
        session=session, user_id=user.id, application_id=application_id
    )


@router.post("/applications/{application_id}/status", response_model=schemas.ApplicationDetail)
async def change_application_status(
    application_id: PathId, data: schemas.StatusChange, user: CurrentUser, session: SessionDep
) -> schemas.ApplicationDetail:
    """Move an application along its status flow; a move the flow forbids is 409."""
    return await service.change_status(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


@router.delete("/applications/{application_id:digits}", status_code=NO_CONTENT)
async def delete_application(
    application_id: PathId, user: CurrentUser, session: SessionDep
) -> Response:
    """Stop tracking an application."""
    await service.delete_application(
        session=session, user_id=user.id, application_id=application_id
    )
    return Response(status_code=NO_CONTENT)


@router.get("/applications/{application_id}/timeline", response_model=Page[schemas.TimelineEvent])
async def list_application_timeline(
    application_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.TimelineEvent]:
    """An application's history, oldest first."""
    return await service.list_timeline(
        session=session,
        user_id=user.id,
        application_id=application_id,
        limit=limit,
        offset=offset,
    )


# --- notes ------------------------------------------------------------------------------


@router.get("/applications/{application_id}/notes", response_model=Page[schemas.NoteRead])
async def list_application_notes(
    application_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.NoteRead]:
    """Notes on an application."""
    return await service.list_notes(
        session=session,
        user_id=user.id,
        application_id=application_id,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/applications/{application_id}/notes", response_model=schemas.NoteRead, status_code=CREATED
)
async def create_application_note(
    application_id: PathId, data: schemas.NoteIn, user: CurrentUser, session: SessionDep
) -> schemas.NoteRead:
    """Add a note to an application."""
    return await service.add_note(
        session=session, user_id=user.id, application_id=application_id, data=data
    )


@router.patch("/applications/{application_id}/notes/{note_id}", response_model=schemas.NoteRead)
async def update_application_note(
    application_id: PathId,
    note_id: PathId,
    data: schemas.NoteUpdate,
    user: CurrentUser,
    session: SessionDep,
) -> schemas.NoteRead:
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
    application_id: PathId, note_id: PathId, user: CurrentUser, session: SessionDep
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
    application_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    data: schemas.InterviewPrepIn | None = None,
) -> schemas.InterviewPrepRead:
    """Questions for the interview, from the job's required skills and a built-in bank."""
    return await prep.create_interview_prep(
        session=session,
        user_id=user.id,
        application_id=application_id,
        data=data or schemas.InterviewPrepIn(),
    )


@router.get(
    "/applications/{application_id}/interview-prep", response_model=schemas.InterviewPrepRead
)
async def read_interview_prep(
    application_id: PathId, user: CurrentUser, session: SessionDep
) -> schemas.InterviewPrepRead:
    """Questions, answers and tips."""
    return await prep.get_interview_prep(
        session=session, user_id=user.id, application_id=application_id
    )


@router.put(
    "/applications/{application_id}/interview-prep/questions/{question_id}/answer",
    response_model=schemas.InterviewPrepRead,
)
async def update_interview_answer(
    application_id: PathId,
    question_id: QuestionId,
    data: schemas.AnswerIn,
    user: CurrentUser,
    session: SessionDep,
) -> schemas.InterviewPrepRead:
    """Save the answer to one question."""
    return await prep.answer_question(
        session=session,
        user_id=user.id,
        application_id=application_id,
        question_id=question_id,
        data=data,
    )


@router.get(
    "/applications/{application_id}/practice-sessions",
    response_model=Page[schemas.PracticeRead],
)
async def list_practice_sessions(
    application_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.PracticeRead]:
    """Practice sessions for an application, newest first."""
    return await prep.list_practice_sessions(
        session=session,
        user_id=user.id,
        application_id=application_id,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/applications/{application_id}/practice-sessions",
    response_model=schemas.PracticeRead,
    status_code=CREATED,
)
async def create_practice_session(
    application_id: PathId, data: schemas.PracticeIn, user: CurrentUser, session: SessionDep
) -> schemas.PracticeRead:
    """Record a practice session: duration, self-rating 1-5 and notes."""
    return await prep.add_practice_session(
        session=session, user_id=user.id, application_id=application_id, data=data
    )
