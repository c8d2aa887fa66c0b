"""Careers tables (seed 003, GiveMeJobs): profile, skills, jobs, applications, documents.

Every table hangs off the shared ``users`` table. Seed 003 calls the user-skill table
``skills``; the catalog owns that name, so here it is ``user_skills``. The seed keeps templates
and generated documents in MongoDB; here they are JSON documents (JSONB on PostgreSQL) in the
same database, validated with JSON Schema before every write (``careers.documents``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.core.db import (
    FALSE,
    NOW,
    TRUE,
    Base,
    Document,
    StringArray,
    UTCDateTime,
    migration_only,
)

USER_FK = "users.id"


def _user_id(*, unique: bool = False, index: bool = True) -> Mapped[int]:
    return mapped_column(
        ForeignKey(USER_FK, ondelete="CASCADE"),
        nullable=False,
        unique=unique,
        index=index and not unique,
    )


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, server_default=NOW, nullable=False)


def _updated() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, server_default=NOW, onupdate=func.now(), nullable=False)


class UserProfile(Base):
    """A job seeker's career profile, one per user, with the cached skill score."""

    __tablename__ = "user_profiles"
    __table_args__ = (
        CheckConstraint(
            "remote_preference IN ('remote', 'hybrid', 'onsite', 'any')", name="remote_preference"
        ),
        CheckConstraint("years_of_experience >= 0", name="years_of_experience"),
        Index("ix_user_profiles_skill_score", "skill_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(unique=True)
    headline: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    years_of_experience: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    desired_roles: Mapped[list[str] | None] = mapped_column(StringArray(100))
    desired_locations: Mapped[list[str] | None] = mapped_column(StringArray(100))
    remote_preference: Mapped[str] = mapped_column(String(20), server_default="any", nullable=False)
    salary_expectation_min: Mapped[int | None] = mapped_column(Integer)
    salary_expectation_max: Mapped[int | None] = mapped_column(Integer)
    # What the user looks for in a workplace; the culture part of the match score.
    culture_values: Mapped[list[str] | None] = mapped_column(StringArray(100))
    skill_score: Mapped[float] = mapped_column(
        Numeric(5, 2, asdecimal=False), server_default=text("0"), nullable=False
    )
    preferences: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class CareerGoal(Base):
    """A target role, with the skills it needs and the gaps left."""

    __tablename__ = "career_goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id()
    target_role: Mapped[str] = mapped_column(String(255), nullable=False)
    target_companies: Mapped[list[str] | None] = mapped_column(StringArray(255))
    target_salary: Mapped[int | None] = mapped_column(Integer)
    timeframe: Mapped[str | None] = mapped_column(String(100))
    required_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    skill_gaps: Mapped[list[str] | None] = mapped_column(StringArray(100))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class UserSkill(Base):
    """Seed 003's ``skills``: one skill of a user with proficiency 1-5 and years."""

    __tablename__ = "user_skills"
    __table_args__ = (
        UniqueConstraint("user_id", "name"),
        CheckConstraint("proficiency_level BETWEEN 1 AND 5", name="proficiency_level"),
        CheckConstraint("category IN ('technical', 'soft', 'domain')", name="category"),
        CheckConstraint("years_of_experience >= 0", name="years_of_experience"),
        Index("ix_user_skills_name", "name"),
        Index("ix_user_skills_category", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)  # the unique (user_id, name) index covers it
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(20), server_default="technical", nullable=False)
    proficiency_level: Mapped[int] = mapped_column(Integer, nullable=False)
    years_of_experience: Mapped[float] = mapped_column(
        Numeric(4, 1, asdecimal=False), server_default=text("0"), nullable=False
    )
    endorsements: Mapped[int] = mapped_column(Integer, server_default=text("0"), nullable=False)
    last_used: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class SkillScoreHistory(Base):
    """Each change of a user's skill score, with what triggered it and the breakdown."""

    __tablename__ = "skill_score_history"
    __table_args__ = (Index("ix_skill_score_history_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    score: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), nullable=False)
    trigger: Mapped[str] = mapped_column(String(50), nullable=False)
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[datetime] = _created()


class Certification(Base):
    """A professional certification; ``credential_hash`` lets anyone verify it."""

    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint(
            "expiry_date IS NULL OR expiry_date >= issue_date", name="expiry_after_issue"
        ),
        Index("ix_certifications_issue_date", "issue_date"),
        Index("ix_certifications_credential_hash", "credential_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id()
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    issuing_organization: Mapped[str] = mapped_column(String(255), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    credential_id: Mapped[str | None] = mapped_column(String(255))
    credential_url: Mapped[str | None] = mapped_column(Text)
    credential_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Experience(Base):
    """A job held: it starts before it ends, and a current job has no end."""

    __tablename__ = "experience"
    __table_args__ = (
        CheckConstraint(
            "(is_current AND end_date IS NULL) OR "
            "(NOT is_current AND (end_date IS NULL OR end_date >= start_date))",
            name="dates",
        ),
        Index("ix_experience_user_id_start_date", "user_id", "start_date"),
        Index("ix_experience_company", "company"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    company: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Seed 003 calls it ``current``, a reserved word in SQL; ``is_current`` needs no quoting.
    is_current: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    achievements: Mapped[list[str] | None] = mapped_column(StringArray())
    skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    location: Mapped[str | None] = mapped_column(String(255))
    employment_type: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Education(Base):
    """A degree or course of study; GPA on the 0-4.0 scale."""

    __tablename__ = "education"
    __table_args__ = (
        CheckConstraint("gpa IS NULL OR (gpa >= 0 AND gpa <= 4)", name="gpa"),
        CheckConstraint(
            "(is_current AND end_date IS NULL) OR "
            "(NOT is_current AND (end_date IS NULL OR end_date >= start_date))",
            name="dates",
        ),
        Index("ix_education_user_id_start_date", "user_id", "start_date"),
        Index("ix_education_institution", "institution"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    institution: Mapped[str] = mapped_column(String(255), nullable=False)
    degree: Mapped[str] = mapped_column(String(100), nullable=False)
    field_of_study: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    gpa: Mapped[float | None] = mapped_column(Numeric(3, 2, asdecimal=False))
    activities: Mapped[list[str] | None] = mapped_column(StringArray())
    description: Mapped[str | None] = mapped_column(Text)
    credential_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class PortfolioItem(Base):
    """A project the user shows off."""

    __tablename__ = "portfolio_items"
    __table_args__ = (Index("ix_portfolio_items_project_type", "project_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id()
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    project_type: Mapped[str | None] = mapped_column(String(50))
    technologies: Mapped[list[str] | None] = mapped_column(StringArray(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    images: Mapped[list[str] | None] = mapped_column(StringArray())
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Job(Base):
    """A job listing cached from an external source (or added by an admin).

    Full-text search needs objects declared in the migration only: a generated ``tsvector``
    column with a GIN index on PostgreSQL, an FTS5 table kept in step by triggers on SQLite
    (see ``careers.search``).
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint("remote_type IN ('remote', 'hybrid', 'onsite')", name="remote_type"),
        CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_max >= salary_min",
            name="salary_range",
        ),
        Index("ix_jobs_title", "title"),
        Index("ix_jobs_company", "company"),
        Index("ix_jobs_location", "location"),
        Index("ix_jobs_employment_type", "employment_type"),
        Index("ix_jobs_remote_type", "remote_type"),
        # Newest first, read backwards: the order of every job list.
        Index("ix_jobs_posted_at_id", "posted_at", "id"),
        Index("ix_jobs_created_at", "created_at"),
        # Array containment/overlap for the skills filter and recommendation candidates.
        Index("ix_jobs_skill_keys", "skill_keys", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(50), nullable=False)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    company: Mapped[str] = mapped_column(String(255), nullable=False)
    location: Mapped[str | None] = mapped_column(String(255))
    remote_type: Mapped[str] = mapped_column(String(20), server_default="onsite", nullable=False)
    employment_type: Mapped[str | None] = mapped_column(String(50))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    required_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    # required_skills case-folded, for indexed matching; never shown.
    skill_keys: Mapped[list[str] | None] = mapped_column(StringArray(100))
    years_required: Mapped[int | None] = mapped_column(Integer)
    company_values: Mapped[list[str] | None] = mapped_column(StringArray(100))
    experience_level: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(100))
    apply_url: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=NOW, nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class SavedJob(Base):
    """A job a user bookmarked."""

    __tablename__ = "saved_jobs"
    __table_args__ = (UniqueConstraint("user_id", "job_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class JobAlert(Base):
    """Saved search criteria; the maintenance run turns new matching jobs into notifications."""

    __tablename__ = "job_alerts"
    __table_args__ = (
        CheckConstraint("frequency IN ('instant', 'daily', 'weekly')", name="frequency"),
        Index("ix_job_alerts_active_frequency", "active", "frequency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id()
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    criteria: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    frequency: Mapped[str] = mapped_column(String(20), server_default="daily", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    last_triggered: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class JobAlertDelivery(Base):
    """Which job each alert already announced: every job at most once per alert."""

    __tablename__ = "job_alert_deliveries"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("job_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = _created()


class JobMatchScore(Base):
    """A user's match score for a job with its breakdown; deleted when either side changes."""

    __tablename__ = "job_match_scores"
    __table_args__ = (
        UniqueConstraint("user_id", "job_id"),
        Index("ix_job_match_scores_user_id_overall_score", "user_id", "overall_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    overall_score: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), nullable=False)
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(Document)
    matching_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    missing_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    recommendations: Mapped[list[str] | None] = mapped_column(StringArray())
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


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
    user_id: Mapped[int] = _user_id(index=False)
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
    created_at: Mapped[datetime] = _created()


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
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


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
    created_at: Mapped[datetime] = _created()


class InterviewPrep(Base):
    """Interview questions (and the user's answers) for one application."""

    __tablename__ = "interview_prep"
    __table_args__ = (Index("ix_interview_prep_interview_date", "interview_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    user_id: Mapped[int] = _user_id()
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    interview_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(Document, nullable=False)
    company_research: Mapped[dict[str, Any] | None] = mapped_column(Document)
    tips: Mapped[list[str] | None] = mapped_column(StringArray())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


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
    user_id: Mapped[int] = _user_id()
    question_id: Mapped[str | None] = mapped_column(String(255))
    response: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds
    self_rating: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class Notification(Base):
    """A message for a user; also pushed live on ``GET /api/v1/me/events``."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_created_at", "user_id", "read", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str | None] = mapped_column(Text)
    read: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    created_at: Mapped[datetime] = _created()
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DocumentTemplate(Base):
    """A resume or cover-letter template: a Jinja2 Markdown body and a JSON spec."""

    __tablename__ = "document_templates"
    __table_args__ = (
        CheckConstraint("document_type IN ('resume', 'cover_letter')", name="document_type"),
        UniqueConstraint("name"),
        Index("ix_document_templates_document_type", "document_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    document_type: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    spec: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    is_public: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class GeneratedDocument(Base):
    """A resume or cover letter generated for a user; its content is the current version."""

    __tablename__ = "generated_documents"
    __table_args__ = (
        CheckConstraint("document_type IN ('resume', 'cover_letter')", name="document_type"),
        Index("ix_generated_documents_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = _user_id(index=False)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_templates.id", ondelete="SET NULL"), index=True
    )
    document_type: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class DocumentVersion(Base):
    """Every version of a generated document; restoring one writes a new version."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("generated_documents.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    changes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


# Full-text search objects SQLAlchemy cannot model; the migration creates them: the FTS5
# table with its shadow tables (SQLite), the generated tsvector column and its GIN index.
migration_only("jobs_fts*", "ix_jobs_search", "jobs.search_vector")
