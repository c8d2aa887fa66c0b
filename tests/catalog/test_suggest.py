"""The suggest API: Upskill-compatible semantics, normalisation, caching, preferences."""

from __future__ import annotations

import orjson

from skillnest.accounts.deps import SESSION_COOKIE
from skillnest.catalog import service
from skillnest.catalog.ranking import build_query
from tests.factories import login, make_user


def names(body):
    return [s["name"] for s in body["skills"]]


async def test_react_and_next_suggest_vercel_best_practices_first(client, catalog):
    response = await client.get("/api/v1/skills/suggest?packages=react&packages=next")
    assert response.status_code == 200
    body = response.json()
    top = body["skills"][0]
    assert top["name"] == "vercel-react-best-practices"
    assert top["match_type"] == "package_json"
    assert top["packages"] == ["next", "react"]
    assert top["confidence"] == 1.0 and top["installs"] == 25500
    assert set(top) == {
        "id", "name", "title", "description", "repo", "installs", "packages", "match_type",
        "confidence",
    }  # fmt: skip
    assert len(body["skills"]) == 10  # the default limit
    assert body["total"] > 10
    assert body["matched_packages"] == ["next", "react"]
    assert body["matched_installed_skills"] == []


async def test_expo_returns_expos_skills(client, catalog):
    body = (await client.get("/api/v1/skills/suggest", params={"packages": "expo"})).json()
    assert body["skills"], body
    assert {s["repo"] for s in body["skills"]} == {"expo/skills"}
    assert all("expo" in s["packages"] for s in body["skills"])


async def test_installed_skill_only_suggests_its_neighbours(client, catalog):
    response = await client.post(
        "/api/v1/skills/suggest", json={"installed_skills": ["vercel-react-best-practices"]}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["matched_installed_skills"] == ["vercel-react-best-practices"]
    assert "vercel-react-best-practices" not in names(body)
    assert body["skills"] and {s["match_type"] for s in body["skills"]} == {"installed_skill"}
    for skill in body["skills"]:
        assert set(skill["packages"]) <= {"react", "react-dom", "next"}
    assert "web-design-guidelines" in names(body)


async def test_packages_rank_before_installed_skills(client, catalog):
    body = (
        await client.post(
            "/api/v1/skills/suggest",
            json={"packages": ["remotion"], "installed_skills": ["upgrading-expo"], "limit": 100},
        )
    ).json()
    kinds = [s["match_type"] for s in body["skills"]]
    assert kinds[0] == "package_json" and "installed_skill" in kinds
    assert kinds == sorted(kinds, key=lambda k: k != "package_json")
    assert "upgrading-expo" not in names(body)


async def test_empty_request_is_a_problem_400(client, catalog):
    for response in (
        await client.get("/api/v1/skills/suggest"),
        await client.post("/api/v1/skills/suggest", json={"packages": [], "installed_skills": []}),
        await client.post("/api/v1/skills/suggest", json={"packages": ["  "]}),
    ):
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert "packages" in response.json()["detail"]


async def test_limit_bounds(client, catalog):
    assert (
        len(names((await client.get("/api/v1/skills/suggest?packages=react&limit=3")).json())) == 3
    )
    many = (await client.get("/api/v1/skills/suggest?packages=react&limit=100")).json()
    assert len(many["skills"]) == many["total"]
    # As the Upskill API: a larger limit is clamped, a non-positive one means 10.
    clamped = (await client.get("/api/v1/skills/suggest?packages=react&limit=101")).json()
    assert clamped == many
    default = (await client.get("/api/v1/skills/suggest?packages=react&limit=0")).json()
    assert len(default["skills"]) == min(10, many["total"])
    too_many = await client.post("/api/v1/skills/suggest", json={"packages": ["x"] * 1001})
    assert too_many.status_code == 422


async def test_names_are_normalised(client, catalog):
    plain = (await client.get("/api/v1/skills/suggest?packages=react&packages=next")).json()
    shouted = (
        await client.get("/api/v1/skills/suggest", params={"packages[]": [" React ", "NEXT"]})
    ).json()
    assert names(shouted) == names(plain)
    # PEP 503: "pypi:NumPy" and "pypi:numpy" are one PyPI package; a bare name is npm's.
    pypi = (await client.post("/api/v1/skills/suggest", json={"packages": ["pypi:NumPy"]})).json()
    prefixed = (
        await client.post("/api/v1/skills/suggest", json={"packages": ["pypi:numpy"]})
    ).json()
    assert pypi["skills"] and names(pypi) == names(prefixed)
    assert prefixed["matched_packages"] == ["pypi:numpy"]
    for npm_name in ("npm:numpy", "NumPy"):
        answer = await client.post("/api/v1/skills/suggest", json={"packages": [npm_name]})
        assert answer.json()["total"] == 0


async def test_a_bare_npm_name_never_reaches_a_pypi_only_skill(client, catalog):
    bare = (await client.post("/api/v1/skills/suggest", json={"packages": ["redis"]})).json()
    # Only auth0-flask names redis, and only on PyPI: nothing is suggested.
    assert bare["total"] == 0 and bare["matched_packages"] == []


async def test_inactive_skills_never_appear(client, session, cache, catalog):
    admin = await make_user(session, is_admin=True)
    headers = await login(client, admin)
    before = (await client.get("/api/v1/skills/suggest?packages=react&packages=next")).json()
    assert names(before)[0] == "vercel-react-best-practices"
    response = await client.patch(
        "/api/v1/skills/vercel-react-best-practices", headers=headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text
    after = (await client.get("/api/v1/skills/suggest?packages=react&packages=next")).json()
    assert "vercel-react-best-practices" not in names(after)
    assert after["total"] == before["total"] - 1
    assert (await client.get("/api/v1/skills/vercel-react-best-practices")).status_code == 404
    listed = (await client.get("/api/v1/packages/react/skills")).json()
    assert "vercel-react-best-practices" not in [s["skill_id"] for s in listed["skills"]]
    # Installing an inactive skill does not make it known either.
    installed = (
        await client.post(
            "/api/v1/skills/suggest", json={"installed_skills": ["vercel-react-best-practices"]}
        )
    ).json()
    assert installed["matched_installed_skills"] == []


async def test_patch_is_for_admins_only(client, session, catalog):
    user = await make_user(session)
    headers = await login(client, user)
    response = await client.patch(
        "/api/v1/skills/vercel-react-best-practices", headers=headers, json={"is_active": False}
    )
    assert response.status_code == 403
    anonymous = await client.patch("/api/v1/skills/vercel-react-best-practices", json={})
    assert anonymous.status_code == 401


async def test_cached_answers_equal_fresh_ones_and_writes_invalidate(
    client, session, cache, catalog
):
    url = "/api/v1/skills/suggest?packages=react&packages=next&limit=50"
    first = await client.get(url)
    query = build_query(["react", "next"], limit=50)
    assert await cache.get(service.suggest_key(query)) == first.content  # stored as ready bytes
    second = await client.get(url)
    assert second.content == first.content
    fresh = await service.compute_suggestions(session=session, query=query)
    assert orjson.loads(first.content) == fresh.model_dump(mode="json")

    # A new mapping to `next` (admin write) must show up at once.
    admin = await make_user(session, is_admin=True)
    headers = await login(client, admin)
    mapped = await client.put(
        "/api/v1/skills/remotion-best-practices/packages/next",
        headers=headers,
        json={"confidence_score": 0.95, "mapping_source": "manual"},
    )
    assert mapped.status_code == 200, mapped.text
    assert await cache.get(service.suggest_key(query)) is None
    after = (await client.get(url)).json()
    assert "remotion-best-practices" in names(after)
    assert after["total"] == first.json()["total"] + 1
    fresh = await service.compute_suggestions(session=session, query=query)
    assert after == fresh.model_dump(mode="json")

    removed = await client.delete(
        "/api/v1/skills/remotion-best-practices/packages/next", headers=headers
    )
    assert removed.status_code == 204
    assert "remotion-best-practices" not in names((await client.get(url)).json())
    again = await client.delete(
        "/api/v1/skills/remotion-best-practices/packages/next", headers=headers
    )
    assert again.status_code == 404


async def test_a_write_drops_what_it_touches_and_keeps_the_rest(client, session, cache, catalog):
    await client.get("/api/v1/skills/suggest?packages=vue")
    for path in ("/packages/vue/skills", "/packages/react/skills", "/skills/nuxt"):
        assert (await client.get(f"/api/v1{path}")).status_code == 200
    admin = await make_user(session, is_admin=True)
    headers = await login(client, admin)
    await client.patch(
        "/api/v1/skills/vercel-react-best-practices", headers=headers, json={"installs": 1}
    )
    # Listings and documents that show the skill go; the others stay.
    assert await cache.get(service.package_skills_key("react")) is None
    assert await cache.get(service.package_skills_key("vue")) is not None
    assert await cache.get(service.skill_key("nuxt")) is not None
    # Suggest answers may depend on any mapping (through installed skills): all go.
    assert await cache.get(service.suggest_key(build_query(["vue"]))) is None
    react = (await client.get("/api/v1/packages/react/skills")).json()
    changed = next(s for s in react["skills"] if s["skill_id"] == "vercel-react-best-practices")
    assert changed["installs"] == 1


async def test_disabled_skills_leave_only_that_users_suggestions(client, session, catalog):
    user = await make_user(session)
    headers = await login(client, user)
    url = "/api/v1/skills/suggest?packages=react&packages=next"
    assert (
        names((await client.get(url, headers=headers)).json())[0] == "vercel-react-best-practices"
    )
    put = await client.put(
        "/api/v1/me/skill-preferences/vercel-react-best-practices",
        headers=headers,
        json={"is_enabled": False, "preferred_agents": ["Cursor", "cursor", "windsurf"]},
    )
    assert put.status_code == 200, put.text
    assert put.json()["preferred_agents"] == ["cursor", "windsurf"]
    mine = (await client.get(url, headers=headers)).json()
    assert "vercel-react-best-practices" not in names(mine)
    anonymous = (await client.get(url)).json()
    assert names(anonymous)[0] == "vercel-react-best-practices"
    await client.put(
        "/api/v1/me/skill-preferences/vercel-react-best-practices",
        headers=headers,
        json={"is_enabled": True},
    )
    assert (
        names((await client.get(url, headers=headers)).json())[0] == "vercel-react-best-practices"
    )
    bad_token = await client.get(url, headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401


async def test_bulk_suggest_groups_by_package(client, catalog):
    response = await client.post(
        "/api/v1/skills/bulk-suggest", json={"packages": ["react", "pypi:NumPy", "left-pad-xyz"]}
    )
    assert response.status_code == 200
    body = response.json()
    groups = {g["package"]: g for g in body["packages"]}
    assert set(groups) == {"react", "pypi:numpy"}
    react = [s["skill_id"] for s in groups["react"]["skills"]]
    assert "vercel-react-best-practices" in react
    confidences = [s["confidence_score"] for s in groups["react"]["skills"]]
    assert confidences == sorted(confidences, reverse=True)
    assert groups["pypi:numpy"]["ecosystem"] == "pypi"
    assert body["unmatched"] == ["left-pad-xyz"]
    assert (
        await client.post("/api/v1/skills/bulk-suggest", json={"packages": []})
    ).status_code == 422


async def test_repeated_questions_are_answered_from_the_cache_first(client, cache, catalog):
    body = {"packages": ["expo"], "installed_skills": ["upgrading-expo"], "limit": 5}
    first = await client.post("/api/v1/skills/suggest", json=body)
    key = service.suggest_key(build_query(["expo"], ["upgrading-expo"], limit=5))
    assert await cache.get(key) == first.content
    # The stored bytes answer the same question again, in either form.
    await cache.set(key, b'{"marker": true}', 60)
    assert (await client.post("/api/v1/skills/suggest", json=body)).json() == {"marker": True}
    same = "/api/v1/skills/suggest?packages=EXPO&installed_skills=upgrading-expo&limit=5"
    assert (await client.get(same)).json() == {"marker": True}
    # Signed-in callers and invalid values take the full route (auth, validation).
    signed_in = await client.get(same, headers={"Authorization": "Bearer not-a-token"})
    assert signed_in.status_code == 401
    by_cookie = await client.get(same, headers={"Cookie": f"{SESSION_COOKIE}=not-a-token"})
    assert by_cookie.status_code == 401
    # Unusual limits are read as the Upskill API reads them (clamped, or 10).
    clamped = await client.get(same.replace("limit=5", "limit=500"))
    assert clamped.status_code == 200 and clamped.json() != {"marker": True}
    bad = await client.post("/api/v1/skills/suggest", json={**body, "limit": "many"})
    assert bad.status_code == 200 and bad.json() != {"marker": True}


async def test_the_fast_path_takes_its_limits_from_suggest_in(client, cache, catalog):
    body = {"packages": ["expo"], "limit": 3}
    first = await client.post("/api/v1/skills/suggest", json=body)
    key = service.suggest_key(build_query(["expo"], [], limit=3))
    await cache.set(key, b'{"marker": true}', 60)
    # What SuggestIn accepts (a numeric string limit too) is answered from the cache...
    assert (await client.post("/api/v1/skills/suggest", json={**body, "limit": "3"})).json() == {
        "marker": True
    }
    assert first.status_code == 200
    # ...what it refuses is the full route's problem, never a cached answer.
    too_long = {**body, "packages": ["expo", "x" * 261]}
    assert (await client.post("/api/v1/skills/suggest", json=too_long)).status_code == 422
    many = "&".join(f"packages=p{n}" for n in range(1001))
    response = await client.get(f"/api/v1/skills/suggest?{many}&packages=expo&limit=3")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    # The GET route's own limit per parameter holds for a question the cache answers.
    hundred_one = [f"p{n}" for n in range(100)] + ["expo"]
    await cache.set(
        service.suggest_key(build_query(hundred_one, [], limit=3)), b'{"marker": true}', 60
    )
    listed = "&".join(f"packages={name}" for name in hundred_one)
    assert (await client.get(f"/api/v1/skills/suggest?{listed}&limit=3")).status_code == 422
