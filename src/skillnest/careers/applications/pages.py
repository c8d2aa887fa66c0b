"""Web pages of applications: the board, timeline, notes, follow-up date, interview practice.

An application's page also holds its interview preparation (questions and answers) and its
practice sessions, timed by a small script that records the session when the timer stops.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillnest.careers.applications import prep, schemas, service
from skillnest.careers.applications import rules as app_rules
from skillnest.core.deps import SessionDep
from skillnest.core.errors import Conflict, DomainError, NotFound
from skillnest.web.forms import FormInvalid, parse
from skillnest.web.security import SignedIn
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
QuestionId = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,255}$")]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=20_000)]
STATUS_LABELS = {s: s.replace("_", " ").capitalize() for s in app_rules.ALL_STATUSES}
PRACTICE_LABELS = {
    "duration": "Duration in seconds",
    "self_rating": "How it went (1 to 5)",
    "question_id": "Question",
}


def minutes(seconds: int | None) -> str:
    """A duration in seconds as m:ss."""
    total = seconds or 0
    return f"{total // 60}:{total % 60:02d}"


# --- the board --------------------------------------------------------------------------


async def _board(
    request: Request, viewer: Any, session: Any, *, error: str | None = None, status_code: int = 200
) -> Response:
    page = await service.list_applications(session=session, user_id=viewer.id, limit=200, offset=0)
    columns: dict[str, list[Any]] = {status: [] for status in app_rules.ALL_STATUSES}
    for item in page.items:
        columns[item.status].append(item)
    context = {"columns": columns, "labels": STATUS_LABELS, "error": error}
    return render(request, "careers/board.html", context, status_code=status_code)


@router.get("/careers/applications", response_class=HTMLResponse)
async def board(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """The application board: a column per status."""
    return await _board(request, viewer, session)


@router.post("/careers/applications/{application_id}/move", response_class=HTMLResponse)
async def move(
    request: Request,
    application_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    status: Short = "",
    back: Short = "board",
) -> Response:
    """Move a card; a move the flow does not allow is refused with the reason."""
    try:
        data = parse(schemas.StatusChange, {"status": status}, {"status": "Status"})
        await service.change_status(
            session=session, user_id=viewer.id, application_id=application_id, data=data
        )
    except (FormInvalid, Conflict) as exc:
        if isinstance(exc, Conflict):
            allowed = ", ".join(STATUS_LABELS[s] for s in exc.extra.get("allowed_transitions", []))
            reason = f"{exc.detail} Allowed from here: {allowed or 'none (final)'}."
        else:
            reason = " ".join(exc.messages)
        if back == "detail":
            return await _detail(
                request, viewer, session, application_id, errors={"move": reason}, status_code=409
            )
        return await _board(request, viewer, session, error=reason, status_code=409)
    target = (
        f"/careers/applications/{application_id}" if back == "detail" else "/careers/applications"
    )
    return RedirectResponse(target, status_code=303)


# --- one application --------------------------------------------------------------------


async def _detail(
    request: Request,
    viewer: Any,
    session: Any,
    application_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    common = {"session": session, "user_id": viewer.id, "application_id": application_id}
    detail = await service.application_detail(**common)
    notes = await service.list_notes(**common, limit=100, offset=0)
    try:
        interview = await prep.get_interview_prep(**common)
        practice = await prep.list_practice_sessions(**common, limit=50, offset=0)
    except NotFound:
        interview, practice = None, None
    questions = {q.id: q.question for q in interview.questions} if interview else {}
    context = {
        "app": detail,
        "notes": notes,
        "labels": STATUS_LABELS,
        "prep": interview,
        "practice": practice,
        "questions": questions,
        "minutes": minutes,
        "errors": errors or {},
    }
    return render(request, "careers/application.html", context, status_code=status_code)


def _back(application_id: int, anchor: str) -> Response:
    return RedirectResponse(f"/careers/applications/{application_id}#{anchor}", status_code=303)


@router.get("/careers/applications/{application_id}", response_class=HTMLResponse)
async def read_application(
    request: Request, application_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """An application: timeline, notes, follow-up date, interview preparation and practice."""
    return await _detail(request, viewer, session, application_id)


@router.post("/careers/applications/{application_id}/notes", response_class=HTMLResponse)
async def add_note(
    application_id: Id, viewer: SignedIn, session: SessionDep, content: Long = ""
) -> Response:
    """Add a note to an application."""
    data = parse(schemas.NoteIn, {"content": content}, {"content": "Note"})
    await service.add_note(
        session=session, user_id=viewer.id, application_id=application_id, data=data
    )
    return _back(application_id, "notes")


@router.post("/careers/applications/{application_id}/follow-up", response_class=HTMLResponse)
async def set_follow_up(
    request: Request,
    application_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    follow_up_date: Short = "",
    action: Short = "save",
) -> Response:
    """Set the follow-up date by hand, or clear it."""
    value = None if action == "clear" else (follow_up_date.strip() or None)
    try:
        data = parse(schemas.FollowUpIn, {"follow_up_date": value}, {"follow_up_date": "Date"})
        await service.set_follow_up(
            session=session, user_id=viewer.id, application_id=application_id, data=data
        )
    except (FormInvalid, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        reason = " ".join(exc.messages) if isinstance(exc, FormInvalid) else str(exc.detail)
        errors = {"follow": reason}
        return await _detail(
            request, viewer, session, application_id, errors=errors, status_code=exc.status
        )
    return _back(application_id, "follow-up")


@router.post("/careers/applications/{application_id}/prep", response_class=HTMLResponse)
async def start_prep(application_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Start preparing for the interview: questions from the job's skills and a bank."""
    try:
        await prep.create_interview_prep(
            session=session,
            user_id=viewer.id,
            application_id=application_id,
            data=schemas.InterviewPrepIn(),
        )
    except Conflict:
        pass  # prepared already (a second click, another tab): show what is there
    return _back(application_id, "prep")


@router.post(
    "/careers/applications/{application_id}/prep/{question_id}", response_class=HTMLResponse
)
async def answer(
    application_id: Id,
    question_id: QuestionId,
    viewer: SignedIn,
    session: SessionDep,
    answer: Long = "",
) -> Response:
    """Save the answer to one interview question."""
    await prep.answer_question(
        session=session,
        user_id=viewer.id,
        application_id=application_id,
        question_id=question_id,
        data=parse(schemas.AnswerIn, {"answer": answer.strip()}),
    )
    return _back(application_id, f"q-{question_id}")


@router.post("/careers/applications/{application_id}/practice", response_class=HTMLResponse)
async def record_practice(
    request: Request,
    application_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    question_id: Short = "",
    duration: Short = "",
    self_rating: Short = "",
    notes: Long = "",
) -> Response:
    """Record a practice session (the timer fills in the duration when it stops)."""
    values = {
        "question_id": question_id or None,
        "duration": duration.strip() or None,
        "self_rating": self_rating or None,
        "notes": notes.strip() or None,
    }
    try:
        data = parse(schemas.PracticeIn, values, PRACTICE_LABELS)
        await prep.add_practice_session(
            session=session, user_id=viewer.id, application_id=application_id, data=data
        )
    except FormInvalid as exc:
        errors = {"practice": " ".join(exc.messages)}
        return await _detail(
            request, viewer, session, application_id, errors=errors, status_code=422
        )
    return _back(application_id, "practice")
