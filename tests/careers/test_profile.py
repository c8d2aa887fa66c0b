"""Career profile, skill score with history, recommendations and skill gaps."""

from __future__ import annotations

from tests.careers.conftest import create_job

API = "/api/v1"


async def test_filling_a_profile_moves_the_skill_score_and_finds_a_matching_job(
    client, person, admin
):
    me = await person(name="Rita Lopes")
    matching = await create_job(
        client,
        admin,
        "match-1",
        required_skills=["Python", "PostgreSQL"],
        company_values=["learning"],
    )
    await create_job(
        client, admin, "other-1", title="Chef", required_skills=["Cooking"], location="Paris"
    )

    start = (await client.get(f"{API}/me/skill-score", headers=me.headers)).json()
    assert start["score"] == 0 and start["history"] == []

    profile = await client.patch(
        f"{API}/me/career/profile",
        headers=me.headers,
        json={
            "headline": "Backend developer",
            "desired_locations": ["Lisbon"],
            "salary_expectation_min": 55000,
            "culture_values": ["learning"],
        },
    )
    assert profile.status_code == 200, profile.text
    for name, level in (("Python", 5), ("PostgreSQL", 4)):
        added = await client.post(
            f"{API}/me/career/skills",
            headers=me.headers,
            json={"name": name, "proficiency_level": level, "years_of_experience": 3},
        )
        assert added.status_code == 201, added.text
    experience = await client.post(
        f"{API}/me/career/experience",
        headers=me.headers,
        json={
            "company": "Acme",
            "title": "Developer",
            "start_date": "2020-01-01",
            "is_current": True,
        },
    )
    assert experience.status_code == 201, experience.text
    education = await client.post(
        f"{API}/me/career/education",
        headers=me.headers,
        json={
            "institution": "Técnico",
            "degree": "BSc Computer Science",
            "start_date": "2015-09-01",
            "end_date": "2019-07-01",
            "gpa": 3.6,
        },
    )
    assert education.status_code == 201, education.text

    score = (await client.get(f"{API}/me/skill-score", headers=me.headers)).json()
    assert score["score"] > 0
    assert score["score"] == round(sum(score["breakdown"].values()), 2)
    assert score["breakdown"]["technical_skills"] == 9.0
    assert score["breakdown"]["education"] > 0 and score["breakdown"]["experience"] > 0
    triggers = [h["trigger"] for h in score["history"]]
    assert triggers == ["education", "experience", "skill", "skill"]  # newest first
    assert [h["score"] for h in score["history"]] == sorted(h["score"] for h in score["history"])[
        ::-1
    ]
    profile_doc = (await client.get(f"{API}/me/career/profile", headers=me.headers)).json()
    assert profile_doc["skill_score"] == score["score"]

    recs = await client.get(f"{API}/jobs/recommendations", headers=me.headers)
    assert recs.status_code == 200, recs.text
    items = recs.json()["items"]
    assert [i["job"]["id"] for i in items] == [matching["id"]]  # the chef job shares no skill
    match = items[0]["match"]
    assert set(match["breakdown"]) == {"skills", "experience", "location", "salary", "culture"}
    assert match["breakdown"]["culture"] == 15 and match["missing_skills"] == []
    assert match["overall_score"] == round(sum(match["breakdown"].values()), 2)

    explained = await client.get(f"{API}/jobs/{matching['id']}/match", headers=me.headers)
    assert explained.status_code == 200
    assert explained.json()["overall_score"] == match["overall_score"]


async def test_cached_recommendations_and_score_follow_profile_writes(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "rust-1", required_skills=["Rust", "Go"])
    # With no skills listed the newest jobs are scored; the cached answer is reused...
    items = (await client.get(f"{API}/jobs/recommendations", headers=me.headers)).json()["items"]
    assert [i["job"]["id"] for i in items] == [job["id"]]
    assert items[0]["match"]["missing_skills"] == ["Rust", "Go"]
    first_score = (await client.get(f"{API}/me/skill-score", headers=me.headers)).json()["score"]

    await client.post(
        f"{API}/me/career/skills", headers=me.headers, json={"name": "Rust", "proficiency_level": 3}
    )
    # ...until a profile write makes it stale.
    items = (await client.get(f"{API}/jobs/recommendations", headers=me.headers)).json()["items"]
    assert [i["job"]["id"] for i in items] == [job["id"]]
    assert items[0]["match"]["missing_skills"] == ["Go"]
    assert (await client.get(f"{API}/me/skill-score", headers=me.headers)).json()[
        "score"
    ] > first_score

    # A job change makes its stored match stale: the next read scores it again.
    await client.patch(
        f"{API}/jobs/{job['id']}", headers=admin.headers, json={"required_skills": ["Rust"]}
    )
    explained = (await client.get(f"{API}/jobs/{job['id']}/match", headers=me.headers)).json()
    assert explained["missing_skills"] == []
    items = (await client.get(f"{API}/jobs/recommendations", headers=me.headers)).json()["items"]
    assert items[0]["match"]["missing_skills"] == []


async def test_skill_gaps_name_missing_required_skills(client, person, admin):
    me = await person()
    job = await create_job(client, admin, "gaps-1", required_skills=["Python", "Kubernetes", "Go"])
    await client.post(
        f"{API}/me/career/skills",
        headers=me.headers,
        json={"name": "python", "proficiency_level": 2},
    )
    gaps = await client.get(
        f"{API}/me/skill-gaps", params={"job_id": job["id"]}, headers=me.headers
    )
    assert gaps.status_code == 200
    assert gaps.json()["missing_skills"] == ["Kubernetes", "Go"]
    assert gaps.json()["matching_skills"] == ["Python"]
    missing = await client.get(
        f"{API}/me/skill-gaps", params={"job_id": 999999}, headers=me.headers
    )
    assert missing.status_code == 404


async def test_skill_gaps_and_job_match_use_the_skill_vocabulary(client, person, admin):
    me = await person()
    job = await create_job(
        client, admin, "gaps-vocab", required_skills=["JavaScript", "React", "Go"]
    )
    for name in ("JS", "React Native", "Google Ads"):
        added = await client.post(
            f"{API}/me/career/skills",
            headers=me.headers,
            json={"name": name, "proficiency_level": 3},
        )
        assert added.status_code == 201, added.text
    gaps = (
        await client.get(f"{API}/me/skill-gaps", params={"job_id": job["id"]}, headers=me.headers)
    ).json()
    # "JS" is an alias of JavaScript; React Native is similar to React (still missing); a
    # 2-letter name is never related by similarity ("Go" and "Google Ads").
    assert gaps["matching_skills"] == ["JavaScript"]
    assert gaps["missing_skills"] == ["React", "Go"]
    assert gaps["related_skills"] == [{"required": "React", "have": "React Native"}]
    explained = (await client.get(f"{API}/jobs/{job['id']}/match", headers=me.headers)).json()
    assert explained["matching_skills"] == ["JavaScript"]
    assert explained["missing_skills"] == ["React", "Go"]


async def test_goals_track_skill_gaps(client, person):
    me = await person()
    goal = await client.post(
        f"{API}/me/career/goals",
        headers=me.headers,
        json={"target_role": "Staff Engineer", "required_skills": ["Go", "Leadership"]},
    )
    assert goal.status_code == 201 and goal.json()["skill_gaps"] == ["Go", "Leadership"]
    await client.post(
        f"{API}/me/career/skills", headers=me.headers, json={"name": "Go", "proficiency_level": 3}
    )
    goals = (await client.get(f"{API}/me/career/goals", headers=me.headers)).json()["items"]
    assert goals[0]["skill_gaps"] == ["Leadership"]


async def test_entries_are_validated(client, person):
    me = await person()
    url = f"{API}/me/career/experience"
    base = {"company": "Acme", "title": "Dev", "start_date": "2020-01-01"}
    ended_before = await client.post(
        url, headers=me.headers, json=base | {"end_date": "2019-01-01"}
    )
    assert ended_before.status_code == 422
    current_with_end = await client.post(
        url, headers=me.headers, json=base | {"is_current": True, "end_date": "2021-01-01"}
    )
    assert current_with_end.status_code == 422
    ok = await client.post(url, headers=me.headers, json=base | {"end_date": "2021-01-01"})
    assert ok.status_code == 201
    broken = await client.patch(
        f"{url}/{ok.json()['id']}", headers=me.headers, json={"is_current": True}
    )
    assert broken.status_code == 400  # current with an end date, after merging with what is stored
    gpa = await client.post(
        f"{API}/me/career/education",
        headers=me.headers,
        json={"institution": "X", "degree": "BSc", "start_date": "2015-01-01", "gpa": 4.3},
    )
    assert gpa.status_code == 422
    level = await client.post(
        f"{API}/me/career/skills", headers=me.headers, json={"name": "Go", "proficiency_level": 6}
    )
    assert level.status_code == 422
    category = await client.post(
        f"{API}/me/career/skills",
        headers=me.headers,
        json={"name": "Go", "proficiency_level": 2, "category": "magic"},
    )
    assert category.status_code == 422


async def test_a_skill_is_listed_once_whatever_its_case(client, person):
    me = await person()
    url = f"{API}/me/career/skills"
    assert (
        await client.post(url, headers=me.headers, json={"name": "Python", "proficiency_level": 3})
    ).status_code == 201
    again = await client.post(
        url, headers=me.headers, json={"name": "PYTHON", "proficiency_level": 4}
    )
    assert again.status_code == 409
    assert len((await client.get(url, headers=me.headers)).json()["items"]) == 1


async def test_another_users_entries_answer_404(client, person):
    owner, other = await person(), await person()
    skill = await client.post(
        f"{API}/me/career/skills",
        headers=owner.headers,
        json={"name": "Go", "proficiency_level": 3},
    )
    skill_id = skill.json()["id"]
    url = f"{API}/me/career/skills/{skill_id}"
    assert (
        await client.patch(url, headers=other.headers, json={"proficiency_level": 1})
    ).status_code == 404
    assert (await client.delete(url, headers=other.headers)).status_code == 404
    assert (await client.get(f"{API}/me/career/skills", headers=other.headers)).json()[
        "items"
    ] == []
    assert (await client.delete(url, headers=owner.headers)).status_code == 204
    assert (await client.delete(url, headers=owner.headers)).status_code == 404


async def test_career_routes_need_a_login(client):
    assert (await client.get(f"{API}/me/career/profile")).status_code == 401
    assert (await client.get(f"{API}/me/skill-score")).status_code == 401
    assert (await client.get(f"{API}/jobs/recommendations")).status_code == 401


async def test_recommendations_are_a_page_in_match_order(client, person, admin):
    me = await person()
    await client.post(
        f"{API}/me/career/skills", headers=me.headers, json={"name": "Go", "proficiency_level": 5}
    )
    best = await create_job(client, admin, "go-best", required_skills=["Go"])
    half = await create_job(client, admin, "go-half", required_skills=["Go", "Rust"])
    url = f"{API}/jobs/recommendations"
    first = (await client.get(url, headers=me.headers, params={"limit": 1})).json()
    assert [i["job"]["id"] for i in first["items"]] == [best["id"]]
    assert (first["limit"], first["offset"], first["next_offset"]) == (1, 0, 1)
    second = (await client.get(url, headers=me.headers, params={"limit": 1, "offset": 1})).json()
    assert [i["job"]["id"] for i in second["items"]] == [half["id"]]
    assert second["next_offset"] is None
    beyond = await client.get(url, headers=me.headers, params={"offset": 501})
    assert beyond.status_code == 422
