"""Applications: the status flow with its timeline, filters and stats, notes, reminders.

The flow itself (which move is allowed, progress) is pure, in ``applications.rules``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.applications import rules, schemas
from skillnest.careers.applications.models import Application, ApplicationNote, ApplicationTimeline
from skillnest.careers.applications.queries import NO_SUCH_APPLICATION, owned_application
from skillnest.careers.documents.models import GeneratedDocument
from skillnest.careers.jobs.models import Job
from skillnest.careers.notifications.service import notify
from skillnest.core.db import get_owned_or_404
from skillnest.core.errors import Conflict, NotFound, conflict_on_integrity
from skillnest.core.pages import Page, page_of
from skillnest.core.realtime import Hub

APPLICATION_COLUMNS = (
    Application.id,
    Application.job_id,
    Job.title.label("job_title"),
    Job.company,
    Application.status,
    Application.applied_date,
    Application.follow_up_date,
    Application.interview_date,
    Application.rejection_reason,
    Application.application_method,
    Application.resume_id,
    Application.cover_letter_id,
    Application.last_updated,
    Application.created_at,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _timeline(application_id: int, event_type: str, description: str, **meta: Any) -> Any:
    return ApplicationTimeline(
        application_id=application_id,
        event_type=event_type,
        description=description,
        metadata_=meta or None,
    )


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


async def _check_document(session: AsyncSession, user_id: int, document_id: int | None) -> None:
    if document_id is not None:
        await get_owned_or_404(
            session,
            GeneratedDocument,
            document_id,
            owner=GeneratedDocument.user_id,
            owner_id=user_id,
            detail="No such generated document.",
        )


async def create_application(
    *, session: AsyncSession, user_id: int, data: schemas.ApplicationIn
) -> schemas.ApplicationDetail:
    """Start tracking an application for a job (saved, or applied right away)."""
    if await session.get(Job, data.job_id) is None:
        raise NotFound("No such job.")
    await _check_document(session, user_id, data.resume_id)
    await _check_document(session, user_id, data.cover_letter_id)
    now = _now()
    application = Application(
        user_id=user_id,
        job_id=data.job_id,
        status=data.status,
        application_method=data.application_method,
        resume_id=data.resume_id,
        cover_letter_id=data.cover_letter_id,
        last_updated=now,
    )
    if data.status == "APPLIED":
        application.applied_date = now
        application.follow_up_date = now.date() + timedelta(days=rules.FOLLOW_UP_DAYS)
    session.add(application)
    async with conflict_on_integrity(session, "You already track an application for this job."):
        await session.flush()
    session.add(
        _timeline(
            application.id,
            "created",
            f"Application created as {_label(data.status)}",
            status=data.status,
        )
    )
    await session.flush()
    return await application_detail(session=session, user_id=user_id, application_id=application.id)


def _application_read(row: Any) -> schemas.ApplicationRead:
    return schemas.ApplicationRead(
        **row,
        progress=rules.progress(row["status"]),
        allowed_transitions=rules.allowed_transitions(row["status"]),
    )


async def _timeline_of(session: AsyncSession, application_id: int) -> list[schemas.TimelineEvent]:
    events = await session.scalars(
        select(ApplicationTimeline)
        .where(ApplicationTimeline.application_id == application_id)
        .order_by(ApplicationTimeline.created_at, ApplicationTimeline.id)
    )
    return [schemas.TimelineEvent.model_validate(e) for e in events]


async def application_detail(
    *, session: AsyncSession, user_id: int, application_id: int
) -> schemas.ApplicationDetail:
    """An application with its timeline."""
    row = (
        (
            await session.execute(
                select(*APPLICATION_COLUMNS)
                .join(Job, Job.id == Application.job_id)
                .where(Application.id == application_id, Application.user_id == user_id)
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(NO_SUCH_APPLICATION)
    return schemas.ApplicationDetail(
        **_application_read(row).model_dump(),
        timeline=await _timeline_of(session, application_id),
    )


async def change_status(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.StatusChange
) -> schemas.ApplicationDetail:
    """Move an application along the status flow (409 for a move the flow does not allow)."""
    application = await owned_application(session, user_id, application_id, lock=True)
    current, target = application.status, data.status
    if not rules.can_transition(current, target):
        raise Conflict(
            f"An application cannot move from {current} to {target}.",
            allowed_transitions=rules.allowed_transitions(current),
        )
    now = _now()
    application.status = target
    application.last_updated = now
    if target == "APPLIED":
        application.applied_date = now
        application.follow_up_date = now.date() + timedelta(days=rules.FOLLOW_UP_DAYS)
    if target == "INTERVIEW_SCHEDULED" and data.interview_date is not None:
        application.interview_date = data.interview_date
    if target == "REJECTED" and data.rejection_reason:
        application.rejection_reason = data.rejection_reason
    meta: dict[str, Any] = {"from": current, "to": target}
    if data.note:
        meta["note"] = data.note
    session.add(
        _timeline(application.id, "status_changed", f"{_label(current)} → {_label(target)}", **meta)
    )
    await session.flush()
    return await application_detail(session=session, user_id=user_id, application_id=application_id)


async def delete_application(*, session: AsyncSession, user_id: int, application_id: int) -> None:
    """Stop tracking an application (its notes, timeline and interview prep go with it)."""
    await session.delete(await owned_application(session, user_id, application_id))
    await session.flush()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


async def list_applications(
    *,
    session: AsyncSession,
    user_id: int,
    statuses: Sequence[str] | None = None,
    applied_from: date | None = None,
    applied_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.ApplicationRead]:
    """The user's applications, most recently updated first, filtered by status and dates."""
    query = (
        select(*APPLICATION_COLUMNS)
        .join(Job, Job.id == Application.job_id)
        .where(Application.user_id == user_id)
    )
    if statuses:
        query = query.where(Application.status.in_(list(statuses)))
    if applied_from is not None:
        query = query.where(Application.applied_date >= _day_start(applied_from))
    if applied_to is not None and applied_to < date.max:  # the last day has no day after it
        query = query.where(Application.applied_date < _day_start(applied_to + timedelta(days=1)))
    query = query.order_by(Application.last_updated.desc(), Application.id.desc())
    rows = (await session.execute(query.limit(limit + 1).offset(offset))).mappings()
    return page_of([_application_read(r) for r in rows], limit=limit, offset=offset)


async def application_stats(*, session: AsyncSession, user_id: int) -> schemas.ApplicationStats:
    """Counts per status, and the share of sent applications that got an answer."""
    rows = (
        await session.execute(
            select(
                Application.status,
                func.count().label("n"),
                func.count(Application.applied_date).label("applied"),
            )
            .where(Application.user_id == user_id)
            .group_by(Application.status)
        )
    ).all()
    by_status = dict.fromkeys(rules.ALL_STATUSES, 0)
    applied = responded = 0
    for row in rows:
        by_status[row.status] = int(row.n)
        applied += int(row.applied)
        if row.status in rules.RESPONDED_STATUSES:
            responded += int(row.applied)
    return schemas.ApplicationStats(
        total=sum(by_status.values()),
        by_status=by_status,
        applied=applied,
        responded=responded,
        response_rate=round(responded / applied, 3) if applied else 0.0,
    )


async def list_timeline(
    *, session: AsyncSession, user_id: int, application_id: int, limit: int, offset: int
) -> Page[schemas.TimelineEvent]:
    """One page of an application's history, oldest first."""
    await owned_application(session, user_id, application_id)
    events = await session.scalars(
        select(ApplicationTimeline)
        .where(ApplicationTimeline.application_id == application_id)
        .order_by(ApplicationTimeline.created_at, ApplicationTimeline.id)
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.TimelineEvent.model_validate(e) for e in events]
    return page_of(items, limit=limit, offset=offset)


async def send_follow_up_reminders(*, session: AsyncSession, hub: Hub, now: datetime) -> int:
    """Remind users of applications past their follow-up date, at most once a week each."""
    quiet_since = now - timedelta(days=rules.REMINDER_INTERVAL_DAYS)
    due = (
        await session.execute(
            select(Application.id, Application.user_id, Job.title, Job.company)
            .join(Job, Job.id == Application.job_id)
            .where(
                Application.status == "APPLIED",
                Application.follow_up_date <= now.date(),
                (Application.last_reminder_at.is_(None))
                | (Application.last_reminder_at <= quiet_since),
            )
            .order_by(Application.id)
        )
    ).all()
    for row in due:
        await notify(
            session=session,
            hub=hub,
            user_id=row.user_id,
            type="follow_up_reminder",
            title="Time to follow up",
            message=f"You applied to {row.title} at {row.company}; consider following up.",
            link=f"/api/v1/applications/{row.id}",
            metadata={"application_id": row.id},
        )
    if due:
        await session.execute(
            update(Application)
            .where(Application.id.in_([r.id for r in due]))
            .values(last_reminder_at=now)
        )
    return len(due)


# --- notes ------------------------------------------------------------------------------


async def _owned_note(
    session: AsyncSession, user_id: int, application_id: int, note_id: int
) -> ApplicationNote:
    note = await session.scalar(
        select(ApplicationNote)
        .join(Application, Application.id == ApplicationNote.application_id)
        .where(
            ApplicationNote.id == note_id,
            ApplicationNote.application_id == application_id,
            Application.user_id == user_id,
        )
    )
    if note is None:
        raise NotFound("No such note.")
    return note


async def add_note(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.NoteIn
) -> schemas.NoteRead:
    """Add a note to an application."""
    await owned_application(session, user_id, application_id)
    note = ApplicationNote(application_id=application_id, **data.model_dump())
    session.add(note)
    await session.flush()
    return schemas.NoteRead.model_validate(note)


async def list_notes(
    *, session: AsyncSession, user_id: int, application_id: int, limit: int, offset: int
) -> Page[schemas.NoteRead]:
    """One page of an application's notes, oldest first."""
    await owned_application(session, user_id, application_id)
    notes = await session.scalars(
        select(ApplicationNote)
        .where(ApplicationNote.application_id == application_id)
        .order_by(ApplicationNote.created_at, ApplicationNote.id)
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.NoteRead.model_validate(n) for n in notes]
    return page_of(items, limit=limit, offset=offset)


async def update_note(
    *,
    session: AsyncSession,
    user_id: int,
    application_id: int,
    note_id: int,
    data: schemas.NoteUpdate,
) -> schemas.NoteRead:
    """Edit a note (a field sent as null stays as it is)."""
    note = await _owned_note(session, user_id, application_id, note_id)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(note, field, value)
    note.updated_at = _now()
    await session.flush()
    return schemas.NoteRead.model_validate(note)


async def delete_note(
    *, session: AsyncSession, user_id: int, application_id: int, note_id: int
) -> None:
    """Delete a note."""
    await session.delete(await _owned_note(session, user_id, application_id, note_id))
    await session.flush()
