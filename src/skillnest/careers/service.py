"""Careers as a whole: the demo data and the periodic jobs, over the subdomains' services.

Each subdomain (``profile``, ``jobs``, ``applications``, ``documents``, ``notifications``) has
its own models, schemas, service and routes; this module only runs what spans them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.careers.applications.service import send_follow_up_reminders
from skillnest.careers.documents.models import DocumentTemplate
from skillnest.careers.jobs.alerts import deliver_job_alerts
from skillnest.careers.jobs.importer import DEMO_JOBS, read_jobs
from skillnest.careers.jobs.search_cache import announce_jobs_changed
from skillnest.careers.jobs.service import upsert_jobs
from skillnest.careers.profile.service import load_demo_profile
from skillnest.core.platform import Platform

DEMO_USER_EMAIL = "demo@skillnest.dev"  # created by the accounts demo loader


async def run_maintenance(*, session: AsyncSession, platform: Platform) -> str:
    """Periodic jobs: job alerts, then follow-up reminders."""
    now = datetime.now(UTC)
    alerts = await deliver_job_alerts(session=session, hub=platform.hub, now=now)
    reminders = await send_follow_up_reminders(session=session, hub=platform.hub, now=now)
    return f"{alerts} job alert notifications, {reminders} follow-up reminders"


async def demo_loaded(*, platform: Platform) -> None:
    """After the demo data committed: cached job searches and recommendations are retired."""
    await announce_jobs_changed(platform.cache)


async def load_demo(*, session: AsyncSession) -> str:
    """Demo jobs from data/careers/demo_jobs.jsonl (idempotent: upserted by external id)."""
    jobs, errors = read_jobs(DEMO_JOBS.read_text().splitlines())
    ids = await upsert_jobs(session=session, jobs=jobs)
    templates = await session.scalar(select(func.count()).select_from(DocumentTemplate))
    suffix = f", {len(errors)} rejected" if errors else ""
    demo = await session.scalar(select(User.id).where(User.email == DEMO_USER_EMAIL))
    if demo is not None:
        await load_demo_profile(session=session, user_id=demo)
    return f"careers: {len(ids)} demo jobs in place{suffix}, {templates} document templates"
