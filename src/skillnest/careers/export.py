"""The careers data of one user, for the data export."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.models import (
    Application,
    ApplicationNote,
    ApplicationTimeline,
    CareerGoal,
    Certification,
    DocumentVersion,
    Education,
    Experience,
    GeneratedDocument,
    InterviewPrep,
    JobAlert,
    JobAlertDelivery,
    JobMatchScore,
    Notification,
    PortfolioItem,
    PracticeSession,
    SavedJob,
    SkillScoreHistory,
    UserProfile,
    UserSkill,
)
from skillnest.core.export import ids, rows_of

OWNED = {
    "profile": UserProfile,
    "career_goals": CareerGoal,
    "skills": UserSkill,
    "skill_score_history": SkillScoreHistory,
    "certifications": Certification,
    "experience": Experience,
    "education": Education,
    "portfolio_items": PortfolioItem,
    "saved_jobs": SavedJob,
    "job_alerts": JobAlert,
    "job_match_scores": JobMatchScore,
    "applications": Application,
    "interview_prep": InterviewPrep,
    "practice_sessions": PracticeSession,
    "notifications": Notification,
    "documents": GeneratedDocument,
}


async def export_user(*, session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Every careers row the user owns, and the rows hanging off them."""
    data: dict[str, Any] = {}
    for name, model in OWNED.items():
        data[name] = await rows_of(session, model, model.user_id == user_id)  # type: ignore[attr-defined]
    applications = ids(data["applications"])
    data["application_notes"] = await rows_of(
        session, ApplicationNote, ApplicationNote.application_id.in_(applications)
    )
    data["application_timeline"] = await rows_of(
        session, ApplicationTimeline, ApplicationTimeline.application_id.in_(applications)
    )
    data["document_versions"] = await rows_of(
        session, DocumentVersion, DocumentVersion.document_id.in_(ids(data["documents"]))
    )
    data["job_alert_deliveries"] = await rows_of(
        session, JobAlertDelivery, JobAlertDelivery.alert_id.in_(ids(data["job_alerts"]))
    )
    return data
