"""HTTP routes of careers: the router of each subdomain, in one careers router."""

from __future__ import annotations

from fastapi import APIRouter

from skillnest.careers.applications.api import router as applications
from skillnest.careers.documents.api import router as documents
from skillnest.careers.jobs.api import HOT_ROUTES as JOBS_HOT_ROUTES
from skillnest.careers.jobs.api import router as jobs
from skillnest.careers.notifications.api import router as notifications
from skillnest.careers.profile.api import router as profile

router = APIRouter()
for part in (profile, jobs, applications, notifications, documents):
    router.include_router(part)

# Lean endpoints in front of documented routes (core.hot), keyed by method and path.
HOT_ROUTES = {**JOBS_HOT_ROUTES}
