"""Job listings: admin writes, full-text search and filters, saved jobs, JSON-lines import."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from skillnest.careers.jobs import importer, service
from skillnest.careers.models import Job
from skillnest.cli import app as cli_app
from tests.careers.conftest import create_job, job_payload

API = "/api/v1"


async def test_only_admins_add_jobs_and_source_external_id_is_unique(client, person, admin):
    me = await person()
    refused = await client.post(f"{API}/jobs", headers=me.headers, json=job_payload("x-1"))
    assert refused.status_code == 403
    assert (await client.post(f"{API}/jobs", json=job_payload("x-1"))).status_code == 401
    job = await create_job(client, admin, "x-1")
    again = await client.post(f"{API}/jobs", headers=admin.headers, json=job_payload("x-1"))
    assert again.status_code == 409
    other_source = await client.post(
        f"{API}/jobs", headers=admin.headers, json=job_payload("x-1", source="elsewhere")
    )
    assert other_source.status_code == 201
    read = await client.get(f"{API}/jobs/{job['id']}")
    assert read.status_code == 200 and read.json()["required_skills"] == ["Python", "PostgreSQL"]
    assert "skill_keys" not in read.json()
    bad_range = await client.post(
        f"{API}/jobs", headers=admin.headers, json=job_payload("x-2", salary_min=9, salary_max=1)
    )
    assert bad_range.status_code == 422


async def _ids(client, **params):
    response = await client.get(f"{API}/jobs", params=params)
    assert response.status_code == 200, response.text
    return [j["id"] for j in response.json()["items"]]


async def test_full_text_search_and_filters(client, admin, session):
    rust = await create_job(
        client,
        admin,
        "s-1",
        title="Embedded Rust Developer",
        company="Ferrous Systems",
        description="Firmware for sensors, written in Rust.",
        required_skills=["Rust", "C"],
        location="Berlin, Germany",
        remote_type="onsite",
        employment_type="full-time",
        salary_min=60000,
        salary_max=80000,
        posted_at="2026-11-03T00:00:00Z",
    )
    data = await create_job(
        client,
        admin,
        "s-2",
        title="Data Engineer",
        company="Bluefin",
        description="Pipelines with Spark; some Rust tooling.",
        required_skills=["Python", "Spark"],
        location="Lisbon, Portugal",
        remote_type="remote",
        employment_type="contract",
        salary_min=40000,
        salary_max=50000,
        posted_at="2026-11-02T00:00:00Z",
    )
    chef = await create_job(
        client,
        admin,
        "s-3",
        title="Head Chef",
        company="Bistro",
        description="Run the kitchen.",
        required_skills=["Cooking"],
        location="Paris, France",
        remote_type="onsite",
        employment_type="full-time",
        salary_min=None,
        salary_max=None,
        posted_at="2026-11-01T00:00:00Z",
    )
    mine = {rust["id"], data["id"], chef["id"]}

    # Both mention Rust; the one with Rust in its title ranks first.
    assert await _ids(client, q="rust") == [rust["id"], data["id"]]
    assert await _ids(client, q="firmware sensors") == [rust["id"]]
    assert await _ids(client, q="kitchens") == [chef["id"]]  # stemming: kitchen(s)
    assert await _ids(client, q="ferrous") == [rust["id"]]  # company names are searched too
    assert await _ids(client, q="nothing-like-this") == []
    assert await _ids(client, q="rust", remote_type="remote") == [data["id"]]
    everything = set(await _ids(client, limit=100))
    assert mine <= everything
    assert set(await _ids(client, location="lisbon", limit=100)) & mine == {data["id"]}
    assert set(await _ids(client, location="%", limit=100)) & mine == set()  # no wildcards
    assert set(await _ids(client, employment_type="full_tim_", limit=100)) & mine == set()
    assert set(await _ids(client, employment_type="Contract", limit=100)) & mine == {data["id"]}
    assert set(await _ids(client, salary_min=55000, limit=100)) & mine == {rust["id"]}
    assert set(await _ids(client, skills=["rust"], limit=100)) & mine == {rust["id"]}
    assert set(await _ids(client, skills=["Rust", "C"], limit=100)) & mine == {rust["id"]}
    assert set(await _ids(client, skills=["Rust", "Python"], limit=100)) & mine == set()

    # Newest first without a text query, with paging.
    page = (await client.get(f"{API}/jobs", params={"q": "rust", "limit": 1})).json()
    assert page["next_offset"] == 1 and len(page["items"]) == 1
    assert "description" not in page["items"][0]

    # The lean endpoint (core.hot) answers as the service does; odd input goes to the route.
    for params in (
        {"q": "rust", "limit": 1, "offset": 1},
        {"q": "  ", "skills": ["Rust", "c", "rust"], "salary_min": 1},
        {"location": "lisbon", "employment_type": "contract", "remote_type": "remote"},
        {},
    ):
        answer = await client.get(f"{API}/jobs", params=params)
        expected = await service.search_jobs(session=session, **params)
        assert answer.json() == expected.model_dump(mode="json"), params
    too_many = "&".join(f"skills=s{i}" for i in range(21))
    for odd in (
        "limit=0",
        "offset=-1",
        "salary_min=1e3",
        "remote_type=",
        "q=" + "x" * 201,
        too_many,
    ):
        assert (await client.get(f"{API}/jobs?{odd}")).status_code == 422, odd

    # The search index follows updates.
    await client.patch(
        f"{API}/jobs/{chef['id']}", headers=admin.headers, json={"title": "Rust Chef"}
    )
    assert chef["id"] in await _ids(client, q="rust")
    assert (await client.patch(f"{API}/jobs/{chef['id']}", json={"title": "x"})).status_code == 401


async def test_saved_jobs(client, person, admin):
    me, other = await person(), await person()
    job = await create_job(client, admin, "save-1")
    saved = await client.put(
        f"{API}/jobs/{job['id']}/save", headers=me.headers, json={"notes": "apply by Friday"}
    )
    assert saved.status_code == 200 and saved.json()["notes"] == "apply by Friday"
    again = await client.put(f"{API}/jobs/{job['id']}/save", headers=me.headers)
    assert again.status_code == 200 and again.json()["notes"] is None
    mine = (await client.get(f"{API}/me/saved-jobs", headers=me.headers)).json()["items"]
    assert [s["job"]["id"] for s in mine] == [job["id"]]
    assert (await client.get(f"{API}/me/saved-jobs", headers=other.headers)).json()["items"] == []
    assert (
        await client.delete(f"{API}/jobs/{job['id']}/save", headers=other.headers)
    ).status_code == 404
    assert (
        await client.delete(f"{API}/jobs/{job['id']}/save", headers=me.headers)
    ).status_code == 204
    assert (await client.put(f"{API}/jobs/999999/save", headers=me.headers)).status_code == 404


def test_reading_json_lines_reports_bad_lines():
    lines = [
        '{"source": "a", "external_id": "1", "title": "T", "company": "C"}',
        "",
        "not json",
        '{"source": "a", "external_id": "2", "company": "C"}',
        '["a list"]',
        '{"source": "a", "external_id": "1", "title": "T2", "company": "C"}',
    ]
    jobs, errors = importer.read_jobs(lines)
    assert [(j.external_id, j.title) for j in jobs] == [("1", "T2")]  # the later line wins
    assert [n for n, _ in errors] == [3, 4, 5]
    assert "title" in errors[1][1]


async def test_upserting_jobs_is_idempotent_on_source_and_external_id(session):
    jobs, errors = importer.read_jobs(importer.DEMO_JOBS.read_text().splitlines())
    assert not errors and len(jobs) == 12
    before = await service.count_jobs(session=session)
    first = await service.upsert_jobs(session=session, jobs=jobs)
    second = await service.upsert_jobs(session=session, jobs=jobs)
    assert sorted(first) == sorted(second)
    assert await service.count_jobs(session=session) == before + 12
    changed = jobs[0].model_copy(update={"title": "Renamed"})
    await service.upsert_jobs(session=session, jobs=[changed])
    title = await session.scalar(
        select(Job.title).where(
            Job.source == changed.source, Job.external_id == changed.external_id
        )
    )
    assert title == "Renamed"
    keys = await session.scalar(select(Job.skill_keys).where(Job.external_id == "demo-001"))
    assert keys == ["python", "postgresql", "fastapi", "docker"]


def test_jobs_import_command_is_idempotent(cli_database, tmp_path):
    runner = CliRunner()
    feed = tmp_path / "jobs.jsonl"
    lines = importer.DEMO_JOBS.read_text().splitlines()
    feed.write_text("\n".join([*lines, "{broken"]) + "\n")
    first = runner.invoke(cli_app, ["jobs", "import", str(feed), "--batch-size", "5"])
    assert first.exit_code == 1  # one line was rejected, and said so
    assert "12 jobs imported: 12 new, 0 updated, 1 rejected" in first.stdout
    assert "line 13" in first.stderr
    feed.write_text("\n".join(lines) + "\n")
    second = runner.invoke(cli_app, ["jobs", "import", str(feed)])
    assert second.exit_code == 0, second.stderr
    assert "12 jobs imported: 0 new, 12 updated, 0 rejected" in second.stdout
    engine = create_engine(cli_database.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Job)) == 12
    engine.dispose()


def test_jobs_import_writes_batches_at_once_yet_the_later_line_wins(cli_database, tmp_path):
    # Batches of 2 lines, written several at a time on PostgreSQL: each listing comes back
    # in the next three batches with a new title, so only the wait for the earlier batch keeps
    # the later line's title; the count adds up across batches finishing in any order.
    lines = []
    for pair in range(5):  # two listings, each in four batches in a row
        for round_ in range(4):
            for n in (2 * pair, 2 * pair + 1):
                record = {"source": "feed", "external_id": str(n), "company": "C"}
                lines.append(json.dumps({**record, "title": f"round {round_}"}))
    for n in range(10, 40):
        lines.append(
            json.dumps({"source": "feed", "external_id": str(n), "title": "T", "company": "C"})
        )
    feed = tmp_path / "jobs.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli_app, ["jobs", "import", str(feed), "--batch-size", "2"])
    assert result.exit_code == 0, result.stderr
    assert "70 jobs imported: 40 new, 30 updated, 0 rejected" in result.stdout
    engine = create_engine(cli_database.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        titles = dict(
            conn.execute(select(Job.external_id, Job.title).where(Job.source == "feed")).all()
        )
    engine.dispose()
    assert len(titles) == 40
    assert {titles[str(n)] for n in range(10)} == {"round 3"}
