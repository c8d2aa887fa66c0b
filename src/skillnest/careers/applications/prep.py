"""Interview preparation for an application: questions, answers, tips, practice sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.applications import interview, schemas
from skillnest.careers.applications.models import InterviewPrep, PracticeSession
from skillnest.careers.applications.queries import owned_application
from skillnest.careers.jobs.models import Job
from skillnest.core.errors import NotFound, conflict_on_integrity
from skillnest.core.pages import Page, page_of

NO_SUCH_QUESTION = "No such question."


async def _prep_of(session: AsyncSession, user_id: int, application_id: int) -> InterviewPrep:
    prep = await session.scalar(
        select(InterviewPrep).where(
            InterviewPrep.application_id == application_id, InterviewPrep.user_id == user_id
        )
    )
    if prep is None:
        raise NotFound("No interview preparation for this application.")
    return prep


async def create_interview_prep(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.InterviewPrepIn
) -> schemas.InterviewPrepRead:
    """Questions for an application's interview from the job's skills and the built-in bank."""
    application = await owned_application(session, user_id, application_id)
    job = (
        await session.execute(
            select(Job.company, Job.required_skills).where(Job.id == application.job_id)
        )
    ).one()
    prep = InterviewPrep(
        application_id=application_id,
        user_id=user_id,
        job_id=application.job_id,
        interview_date=data.interview_date or application.interview_date,
        questions=interview.build_questions(
            company=job.company, required_skills=list(job.required_skills or [])
        ),
        tips=list(interview.TIPS),
    )
    session.add(prep)
    async with conflict_on_integrity(
        session, "This application already has interview preparation."
    ):
        await session.flush()
    return schemas.InterviewPrepRead.model_validate(prep)


async def get_interview_prep(
    *, session: AsyncSession, user_id: int, application_id: int
) -> schemas.InterviewPrepRead:
    """An application's interview preparation."""
    return schemas.InterviewPrepRead.model_validate(
        await _prep_of(session, user_id, application_id)
    )


async def answer_question(
    *,
    session: AsyncSession,
    user_id: int,
    application_id: int,
    question_id: str,
    data: schemas.AnswerIn,
) -> schemas.InterviewPrepRead:
    """Store the user's answer to one question."""
    prep = await _prep_of(session, user_id, application_id)
    questions = [dict(q) for q in prep.questions]
    for question in questions:
        if question["id"] == question_id:
            question["answer"] = data.answer
            break
    else:
        raise NotFound(NO_SUCH_QUESTION)
    prep.questions = questions  # a new list, so the JSON column is written
    prep.updated_at = datetime.now(UTC)
    await session.flush()
    return schemas.InterviewPrepRead.model_validate(prep)


async def add_practice_session(
    *, session: AsyncSession, user_id: int, application_id: int, data: schemas.PracticeIn
) -> schemas.PracticeRead:
    """Record a practice session."""
    prep = await _prep_of(session, user_id, application_id)
    if data.question_id is not None and data.question_id not in {q["id"] for q in prep.questions}:
        raise NotFound(NO_SUCH_QUESTION)
    practice = PracticeSession(interview_prep_id=prep.id, user_id=user_id, **data.model_dump())
    session.add(practice)
    await session.flush()
    return schemas.PracticeRead.model_validate(practice)


async def list_practice_sessions(
    *, session: AsyncSession, user_id: int, application_id: int, limit: int, offset: int
) -> Page[schemas.PracticeRead]:
    """One page of an application's practice sessions, newest first."""
    prep = await _prep_of(session, user_id, application_id)
    rows = await session.scalars(
        select(PracticeSession)
        .where(PracticeSession.interview_prep_id == prep.id)
        .order_by(PracticeSession.created_at.desc(), PracticeSession.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.PracticeRead.model_validate(p) for p in rows]
    return page_of(items, limit=limit, offset=offset)
