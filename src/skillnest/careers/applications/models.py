"""Applications, their notes and timeline, interview preparation and practice sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.careers.columns import user_id_column
from skillnest.core.db import (
    NOW,
    Base,
    CreatedAt,
    Document,
    StringArray,
    UpdatedAt,
    UTCDateTime,
)


class Application(Base):
    """A job application moving through the status flow (``careers.rules``)."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("user_id", "job_id"),
        CheckConstraint(
            "status IN ('SAVED', 'APPLIED', 'SCREENING', 'INTERVIEW_SCHEDULED', "
            "'INTERVIEW_COMPLETED', 'OFFER_RECEIVED', 'ACCEPTED', 'REJECTED', 'WITHDRAWN')",
            name="status",
        ),
        Index("ix_applications_user_id_status", "user_id", "status"),
        Index("ix_applications_user_id_applied_date", "user_id", "applied_date"),
        Index("ix_applications_user_id_last_updated", "user_id", "last_updated"),
        Index("ix_applications_status", "status"),
        Index("ix_applications_status_follow_up_date", "status", "follow_up_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column(index=False)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(30), server_default="SAVED", nullable=False)
    applied_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, server_default=NOW, nullable=False)
    resume_id: Mapped[int | None] = mapped_column(
        ForeignKey("generated_documents.id", ondelete="SET NULL"), index=True
    )
    cover_letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("generated_documents.id", ondelete="SET NULL"), index=True
    )
    application_method: Mapped[str | None] = mapped_column(String(50))
    follow_up_date: Mapped[date | None] = mapped_column(Date)
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interview_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_details: Mapped[dict[str, Any] | None] = mapped_column(Document)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]


class ApplicationNote(Base):
    """A note the user keeps on an application."""

    __tablename__ = "application_notes"
    __table_args__ = (
        Index("ix_application_notes_application_id_created_at", "application_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)
    note_type: Mapped[str] = mapped_column(String(50), server_default="general", nullable=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class ApplicationTimeline(Base):
    """One event in an application's history, written in the same transaction as the change."""

    __tablename__ = "application_timeline"
    __table_args__ = (
        Index("ix_application_timeline_application_id_created_at", "application_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False
    )
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    created_at: Mapped[CreatedAt]


class InterviewPrep(Base):
    """Interview questions (and the user's answers) for one application."""

    __tablename__ = "interview_prep"
    __table_args__ = (Index("ix_interview_prep_interview_date", "interview_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    user_id: Mapped[int] = user_id_column()
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    interview_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(Document, nullable=False)
    company_research: Mapped[dict[str, Any] | None] = mapped_column(Document)
    tips: Mapped[list[str] | None] = mapped_column(StringArray())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class PracticeSession(Base):
    """One practice run: duration, a 1-5 self-rating and notes."""

    __tablename__ = "practice_sessions"
    __table_args__ = (
        CheckConstraint("self_rating IS NULL OR self_rating BETWEEN 1 AND 5", name="self_rating"),
        CheckConstraint("duration IS NULL OR duration >= 0", name="duration"),
        Index(
            "ix_practice_sessions_interview_prep_id_created_at", "interview_prep_id", "created_at"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interview_prep_id: Mapped[int] = mapped_column(
        ForeignKey("interview_prep.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = user_id_column()
    question_id: Mapped[str | None] = mapped_column(String(255))
    response: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds
    self_rating: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
