"""Fixtures of the careers tests."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Person


@pytest.fixture
async def admin(person) -> Person:  # type: ignore[no-untyped-def]
    """A signed-in administrator."""
    return await person(is_admin=True)


def job_payload(external_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid job for POST /api/v1/jobs."""
    payload: dict[str, Any] = {
        "source": "test",
        "external_id": external_id,
        "title": "Backend Engineer",
        "company": "Acme",
        "location": "Lisbon, Portugal",
        "remote_type": "hybrid",
        "employment_type": "full-time",
        "salary_min": 50000,
        "salary_max": 70000,
        "description": "Build APIs in Python.",
        "required_skills": ["Python", "PostgreSQL"],
        "years_required": 2,
        "company_values": ["learning"],
        "posted_at": "2026-11-01T09:00:00Z",
    }
    payload.update(overrides)
    return payload


async def create_job(
    client: AsyncClient, admin: Person, external_id: str, **overrides: Any
) -> dict[str, Any]:
    """Add a job through the admin API and return it."""
    response = await client.post(
        "/api/v1/jobs", headers=admin.headers, json=job_payload(external_id, **overrides)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
