"""Careers tables (seed 003, GiveMeJobs), one models module per subdomain.

Every table hangs off the shared ``users`` table. Seed 003 calls the user-skill table
``skills``; the catalog owns that name, so here it is ``user_skills``. The seed keeps templates
and generated documents in MongoDB; here they are JSON documents (JSONB on PostgreSQL) in the
same database, validated with JSON Schema before every write (``careers.documents.render``).
This module imports every subdomain's models so that Alembic and ``Base.metadata`` see them.
"""

from __future__ import annotations

from skillnest.careers.applications.models import (
    Application,
    ApplicationNote,
    ApplicationTimeline,
    InterviewPrep,
    PracticeSession,
)
from skillnest.careers.documents.models import DocumentTemplate, DocumentVersion, GeneratedDocument
from skillnest.careers.jobs.models import Job, JobAlert, JobAlertDelivery, JobMatchScore, SavedJob
from skillnest.careers.notifications.models import Notification
from skillnest.careers.profile.models import (
    CareerGoal,
    Certification,
    Education,
    Experience,
    PortfolioItem,
    SkillScoreHistory,
    UserProfile,
    UserSkill,
)

__all__ = [
    "Application",
    "ApplicationNote",
    "ApplicationTimeline",
    "CareerGoal",
    "Certification",
    "DocumentTemplate",
    "DocumentVersion",
    "Education",
    "Experience",
    "GeneratedDocument",
    "InterviewPrep",
    "Job",
    "JobAlert",
    "JobAlertDelivery",
    "JobMatchScore",
    "Notification",
    "PortfolioItem",
    "PracticeSession",
    "SavedJob",
    "SkillScoreHistory",
    "UserProfile",
    "UserSkill",
]
