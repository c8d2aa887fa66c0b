"""Out-of-range ids and amounts, and nulls for required columns, answer 422 problem+json."""

from __future__ import annotations

import pytest

from tests.careers.conftest import create_job

API = "/api/v1"
TOO_BIG = 2**31  # one past the largest 32-bit id
LARGEST = 2**31 - 1
PROBLEM = "application/problem+json"


def assert_422(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/jobs/{TOO_BIG}"),
        ("GET", f"/jobs/{TOO_BIG}/match"),
        ("PUT", f"/jobs/{TOO_BIG}/save"),
        ("GET", f"/me/skill-gaps?job_id={TOO_BIG}"),
        ("GET", f"/me/job-alerts/{TOO_BIG}"),
        ("DELETE", f"/me/career/skills/{TOO_BIG}"),
        ("GET", f"/applications/{TOO_BIG}"),
        ("GET", f"/applications/{TOO_BIG}/notes"),
        ("DELETE", f"/applications/1/notes/{TOO_BIG}"),
        ("GET", f"/applications/{TOO_BIG}/interview-prep"),
        ("POST", f"/me/notifications/{TOO_BIG}/read"),
        ("GET", f"/documents/{TOO_BIG}"),
        ("GET", f"/documents/1/versions/{TOO_BIG}"),
        ("GET", f"/jobs?salary_min={TOO_BIG}"),
        ("GET", f"/jobs?offset={TOO_BIG}"),
        ("GET", "/jobs?limit=0"),
        ("GET", "/me/career/goals?limit=101"),
    ],
)
async def test_ids_and_amounts_beyond_their_columns_are_422(client, person, method, path):
    me = await person()
    assert_422(await client.request(method, f"{API}{path}", headers=me.headers))


async def test_the_largest_id_is_accepted_and_simply_not_found(client, person):
    me = await person()
    for path in (f"/jobs/{LARGEST}", f"/applications/{LARGEST}", f"/documents/{LARGEST}"):
        response = await client.get(f"{API}{path}", headers=me.headers)
        assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/applications", {"job_id": TOO_BIG}),
        ("/applications", {"job_id": 1, "resume_id": TOO_BIG}),
        ("/applications", {"job_id": 1, "cover_letter_id": TOO_BIG}),
        ("/documents", {"template_id": TOO_BIG}),
        ("/documents", {"template_id": 1, "job_id": TOO_BIG}),
        ("/me/job-alerts", {"name": "rich", "criteria": {"salary_min": TOO_BIG}}),
        ("/me/career/goals", {"target_role": "CTO", "target_salary": TOO_BIG}),
    ],
)
async def test_ids_and_amounts_in_bodies_beyond_their_columns_are_422(client, person, path, body):
    me = await person()
    assert_422(await client.post(f"{API}{path}", headers=me.headers, json=body))


async def test_a_salary_beyond_its_column_is_422_for_jobs_and_profile(client, person, admin):
    me = await person()
    listing = await client.post(
        f"{API}/jobs",
        headers=admin.headers,
        json={"external_id": "big", "title": "T", "company": "C", "salary_min": TOO_BIG},
    )
    assert_422(listing)
    profile = await client.patch(
        f"{API}/me/career/profile", headers=me.headers, json={"salary_expectation_min": TOO_BIG}
    )
    assert_422(profile)


SECTION_ENTRIES = {
    "experience": {"company": "Acme", "title": "Dev", "start_date": "2020-01-01"},
    "education": {"institution": "Uni", "degree": "BSc", "start_date": "2015-09-01"},
    "portfolio": {"title": "Site"},
    "skills": {"name": "Python", "proficiency_level": 3},
    "goals": {"target_role": "Lead"},
}
NULLED = [
    ("experience", "company"),
    ("experience", "title"),
    ("experience", "start_date"),
    ("experience", "is_current"),
    ("education", "institution"),
    ("education", "degree"),
    ("education", "start_date"),
    ("education", "is_current"),
    ("portfolio", "title"),
    ("skills", "category"),
    ("skills", "proficiency_level"),
    ("skills", "years_of_experience"),
    ("goals", "target_role"),
]


@pytest.mark.parametrize(("section", "field"), NULLED)
async def test_null_for_a_required_column_in_a_patch_is_422(client, person, section, field):
    me = await person()
    url = f"{API}/me/career/{section}"
    made = await client.post(url, headers=me.headers, json=SECTION_ENTRIES[section])
    assert made.status_code == 201, made.text
    entry = f"{url}/{made.json()['id']}"
    response = await client.patch(entry, headers=me.headers, json={field: None})
    assert_422(response)
    assert field in response.text
    # The refused patch left the entry in place.
    assert (await client.get(url, headers=me.headers)).json()["items"][0]["id"] == made.json()["id"]


async def test_nullable_fields_may_still_be_cleared(client, person):
    me = await person()
    url = f"{API}/me/career/experience"
    made = await client.post(
        url, headers=me.headers, json=SECTION_ENTRIES["experience"] | {"location": "Lisbon"}
    )
    cleared = await client.patch(
        f"{url}/{made.json()['id']}", headers=me.headers, json={"location": None}
    )
    assert cleared.status_code == 200 and cleared.json()["location"] is None
    profile = await client.patch(
        f"{API}/me/career/profile", headers=me.headers, json={"remote_preference": None}
    )
    assert_422(profile)


async def test_the_last_possible_day_is_a_valid_date_filter(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "last-day")
    made = await client.post(
        f"{API}/applications", headers=me.headers, json={"job_id": job["id"], "status": "APPLIED"}
    )
    assert made.status_code == 201
    response = await client.get(
        f"{API}/applications",
        headers=me.headers,
        params={"applied_from": "2000-01-01", "applied_to": "9999-12-31"},
    )
    assert response.status_code == 200, response.text
    assert [a["id"] for a in response.json()["items"]] == [made.json()["id"]]
