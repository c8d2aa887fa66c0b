"""Job alerts: saved criteria, and their delivery as notifications by the maintenance run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.documents import render
from skillnest.careers.jobs import dialect, schemas
from skillnest.careers.jobs.models import Job, JobAlert, JobAlertDelivery
from skillnest.careers.notifications.service import notify
from skillnest.core.db import get_owned_or_404, is_postgres
from skillnest.core.pages import Page, page_of
from skillnest.core.realtime import Hub

ALERT_JOBS_PER_RUN = 50
ALERT_LOOKBACK = timedelta(days=30)
ALERT_INTERVALS = {"instant": timedelta(0), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
NO_SUCH_ALERT = "No such job alert."


def _criteria(data: schemas.AlertCriteria) -> dict[str, Any]:
    criteria = data.model_dump(exclude_none=True)
    render.validate("job alert criteria", criteria)
    return criteria


async def create_alert(
    *, session: AsyncSession, user_id: int, data: schemas.AlertIn
) -> schemas.AlertRead:
    """Save a job alert."""
    alert = JobAlert(
        user_id=user_id,
        name=data.name,
        criteria=_criteria(data.criteria),
        frequency=data.frequency,
        active=data.active,
    )
    session.add(alert)
    await session.flush()
    return schemas.AlertRead.model_validate(alert)


async def list_alerts(
    *, session: AsyncSession, user_id: int, limit: int, offset: int
) -> Page[schemas.AlertRead]:
    """One page of the user's job alerts, oldest first."""
    rows = await session.scalars(
        select(JobAlert)
        .where(JobAlert.user_id == user_id)
        .order_by(JobAlert.id)
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.AlertRead.model_validate(a) for a in rows]
    return page_of(items, limit=limit, offset=offset)


async def _owned_alert(session: AsyncSession, user_id: int, alert_id: int) -> JobAlert:
    return await get_owned_or_404(
        session, JobAlert, alert_id, owner=JobAlert.user_id, owner_id=user_id, detail=NO_SUCH_ALERT
    )


async def get_alert(*, session: AsyncSession, user_id: int, alert_id: int) -> schemas.AlertRead:
    """One of the user's alerts."""
    return schemas.AlertRead.model_validate(await _owned_alert(session, user_id, alert_id))


async def update_alert(
    *, session: AsyncSession, user_id: int, alert_id: int, data: schemas.AlertUpdate
) -> schemas.AlertRead:
    """Change an alert (a field sent as null stays as it is)."""
    alert = await _owned_alert(session, user_id, alert_id)
    changes = data.model_dump(exclude_unset=True)
    if data.criteria is not None:
        changes["criteria"] = _criteria(data.criteria)
    for field, value in changes.items():
        if value is not None:
            setattr(alert, field, value)
    alert.updated_at = datetime.now(UTC)
    await session.flush()
    return schemas.AlertRead.model_validate(alert)


async def delete_alert(*, session: AsyncSession, user_id: int, alert_id: int) -> None:
    """Remove an alert."""
    await session.delete(await _owned_alert(session, user_id, alert_id))
    await session.flush()


def _alert_query(alert: Any, *, postgres: bool, since: datetime) -> Select[Any]:
    criteria: dict[str, Any] = alert.criteria or {}
    query = select(Job.id, Job.title, Job.company, Job.location).where(
        Job.created_at >= since,
        ~select(JobAlertDelivery.job_id)
        .where(JobAlertDelivery.alert_id == alert.id, JobAlertDelivery.job_id == Job.id)
        .exists(),
        *dialect.job_filters(
            location=criteria.get("location"),
            remote_type=criteria.get("remote_type"),
            employment_type=criteria.get("employment_type"),
            salary_min=criteria.get("salary_min"),
            skills=criteria.get("skills"),
            postgres=postgres,
        ),
    )
    if criteria.get("keywords"):
        query = query.where(dialect.matches_text(criteria["keywords"], postgres=postgres))
    return query.order_by(Job.id).limit(ALERT_JOBS_PER_RUN)


async def deliver_job_alerts(*, session: AsyncSession, hub: Hub, now: datetime) -> int:
    """Notify each due alert's owner of new matching jobs, each job once per alert."""
    postgres = is_postgres(session)
    alerts = (
        await session.execute(
            select(
                JobAlert.id,
                JobAlert.user_id,
                JobAlert.name,
                JobAlert.criteria,
                JobAlert.frequency,
                JobAlert.last_triggered,
                JobAlert.created_at,
            ).where(JobAlert.active.is_(True))
        )
    ).all()
    sent = 0
    for alert in alerts:
        interval = ALERT_INTERVALS.get(alert.frequency, ALERT_INTERVALS["daily"])
        if alert.last_triggered is not None and now - alert.last_triggered < interval:
            continue
        # One second of slack: SQLite stores CURRENT_TIMESTAMP without fractions, so a job
        # made in the alert's second would otherwise compare as older than the alert.
        since = max(alert.created_at, now - ALERT_LOOKBACK) - timedelta(seconds=1)
        jobs = (await session.execute(_alert_query(alert, postgres=postgres, since=since))).all()
        for job in jobs:
            session.add(JobAlertDelivery(alert_id=alert.id, job_id=job.id))
            where = f" in {job.location}" if job.location else ""
            await notify(
                session=session,
                hub=hub,
                user_id=alert.user_id,
                type="job_alert",
                title=f"New job for your alert {alert.name!r}",
                message=f"{job.title} at {job.company}{where}",
                link=f"/api/v1/jobs/{job.id}",
                metadata={"alert_id": alert.id, "job_id": job.id},
            )
            sent += 1
        await session.execute(
            update(JobAlert).where(JobAlert.id == alert.id).values(last_triggered=now)
        )
    return sent
