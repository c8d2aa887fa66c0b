"""Job listings and what users do with them: saved jobs, alerts, their deliveries, match scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.careers.columns import user_id_column
from skillnest.core.db import (
    NOW,
    TRUE,
    Base,
    CreatedAt,
    Document,
    StringArray,
    UpdatedAt,
    UTCDateTime,
    migration_only,
)


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
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class SavedJob(Base):
    """A job a user bookmarked."""

    __tablename__ = "saved_jobs"
    __table_args__ = (UniqueConstraint("user_id", "job_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column(index=False)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]


class JobAlert(Base):
    """Saved search criteria; the maintenance run turns new matching jobs into notifications."""

    __tablename__ = "job_alerts"
    __table_args__ = (
        CheckConstraint("frequency IN ('instant', 'daily', 'weekly')", name="frequency"),
        Index("ix_job_alerts_active_frequency", "active", "frequency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column()
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    criteria: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    frequency: Mapped[str] = mapped_column(String(20), server_default="daily", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    last_triggered: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class JobAlertDelivery(Base):
    """Which job each alert already announced: every job at most once per alert."""

    __tablename__ = "job_alert_deliveries"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("job_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[CreatedAt]


class JobMatchScore(Base):
    """A user's match score for a job with its breakdown; deleted when either side changes."""

    __tablename__ = "job_match_scores"
    __table_args__ = (
        UniqueConstraint("user_id", "job_id"),
        Index("ix_job_match_scores_user_id_overall_score", "user_id", "overall_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column(index=False)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    overall_score: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), nullable=False)
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(Document)
    matching_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    missing_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    recommendations: Mapped[list[str] | None] = mapped_column(StringArray())
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


# Full-text search objects SQLAlchemy cannot model; the migration creates them: the FTS5
# table with its shadow tables (SQLite), the generated tsvector column and its GIN index.
migration_only("jobs_fts*", "ix_jobs_search", "jobs.search_vector")
