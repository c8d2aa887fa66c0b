"""Career profile tables: profile, goals, skills, score history, credentials, history, work."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.careers.columns import user_id_column
from skillnest.core.db import (
    FALSE,
    Base,
    CreatedAt,
    Document,
    StringArray,
    UpdatedAt,
)


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
    user_id: Mapped[int] = user_id_column(unique=True)
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
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class CareerGoal(Base):
    """A target role, with the skills it needs and the gaps left."""

    __tablename__ = "career_goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column()
    target_role: Mapped[str] = mapped_column(String(255), nullable=False)
    target_companies: Mapped[list[str] | None] = mapped_column(StringArray(255))
    target_salary: Mapped[int | None] = mapped_column(Integer)
    timeframe: Mapped[str | None] = mapped_column(String(100))
    required_skills: Mapped[list[str] | None] = mapped_column(StringArray(100))
    skill_gaps: Mapped[list[str] | None] = mapped_column(StringArray(100))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


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
    user_id: Mapped[int] = user_id_column(index=False)  # the unique (user_id, name) index covers it
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(20), server_default="technical", nullable=False)
    proficiency_level: Mapped[int] = mapped_column(Integer, nullable=False)
    years_of_experience: Mapped[float] = mapped_column(
        Numeric(4, 1, asdecimal=False), server_default=text("0"), nullable=False
    )
    endorsements: Mapped[int] = mapped_column(Integer, server_default=text("0"), nullable=False)
    last_used: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class SkillScoreHistory(Base):
    """Each change of a user's skill score, with what triggered it and the breakdown."""

    __tablename__ = "skill_score_history"
    __table_args__ = (Index("ix_skill_score_history_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column(index=False)
    score: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), nullable=False)
    trigger: Mapped[str] = mapped_column(String(50), nullable=False)
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]


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
    user_id: Mapped[int] = user_id_column()
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    issuing_organization: Mapped[str] = mapped_column(String(255), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    credential_id: Mapped[str | None] = mapped_column(String(255))
    credential_url: Mapped[str | None] = mapped_column(Text)
    credential_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


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
    user_id: Mapped[int] = user_id_column(index=False)
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
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


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
    user_id: Mapped[int] = user_id_column(index=False)
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
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class PortfolioItem(Base):
    """A project the user shows off."""

    __tablename__ = "portfolio_items"
    __table_args__ = (Index("ix_portfolio_items_project_type", "project_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column()
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    project_type: Mapped[str | None] = mapped_column(String(50))
    technologies: Mapped[list[str] | None] = mapped_column(StringArray(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    images: Mapped[list[str] | None] = mapped_column(StringArray())
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
