"""Skills, packages, search, analytics, co-installs, preferences and the snapshot route."""

from __future__ import annotations

from skillnest.catalog.popularity import package_ranks
from skillnest.catalog.ranking import build_query, rank_suggestions
from skillnest.catalog.snapshot import parse_snapshot
from tests.factories import login, make_user


async def test_skill_by_id_or_uuid_with_packages_tags_and_versions(client, catalog):
    response = await client.get("/api/v1/skills/vercel-react-best-practices")
    assert response.status_code == 200
    skill = response.json()
    assert skill["skill_id"] == "vercel-react-best-practices"
    assert skill["repo"] == "vercel-labs/agent-skills"
    assert {p["name"] for p in skill["packages"]} == {"react", "react-dom", "next"}
    assert skill["packages"][0]["mapping_source"] == "manual"
    assert [t["name"] for t in skill["tags"]] == ["best-practices", "nextjs", "react", "vercel"]
    assert skill["versions"][0]["version"] == "b9c8ee0643d87d3c5a953d1e22382ff2ead39229"
    by_uuid = await client.get(f"/api/v1/skills/{skill['id']}")
    assert by_uuid.status_code == 200 and by_uuid.json()["skill_id"] == skill["skill_id"]
    missing = await client.get("/api/v1/skills/no-such-skill")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_package_skills_per_ecosystem(client, catalog):
    react = await client.get("/api/v1/packages/react/skills")
    assert react.status_code == 200
    body = react.json()
    assert body["package"]["name"] == "react" and body["package"]["ecosystem"] == "npm"
    assert body["total"] == len(body["skills"]) > 10
    ranks = [(-s["confidence_score"], -s["installs"]) for s in body["skills"]]
    assert ranks == sorted(ranks)
    scoped = await client.get("/api/v1/packages/@ai-sdk/openai/skills")
    assert scoped.status_code == 200 and scoped.json()["package"]["name"] == "@ai-sdk/openai"
    numpy = await client.get("/api/v1/packages/NumPy/skills", params={"ecosystem": "pypi"})
    assert numpy.status_code == 200
    assert numpy.json()["package"]["npm_url"] == "https://pypi.org/project/numpy/"
    assert (await client.get("/api/v1/packages/numpy/skills")).status_code == 404  # npm default
    assert (await client.get("/api/v1/packages/react/skills?ecosystem=deno")).status_code == 422


async def test_list_filters_sorts_and_pages(client, catalog):
    by_tag = (await client.get("/api/v1/skills", params={"tag": "React", "limit": 100})).json()
    assert by_tag["total"] == len(by_tag["items"]) > 0
    assert all("react" in item["tags"] for item in by_tag["items"])
    by_repo = (
        await client.get("/api/v1/skills", params={"repo": "expo/skills", "limit": 100})
    ).json()
    assert by_repo["total"] > 20 and {i["repo"] for i in by_repo["items"]} == {"expo/skills"}
    installs = [i["installs"] for i in by_repo["items"]]
    assert installs == sorted(installs, reverse=True)
    titles = (
        await client.get(
            "/api/v1/skills", params={"repo": "expo/skills", "sort": "title", "limit": 5}
        )
    ).json()
    assert [i["title"] for i in titles["items"]] == sorted(i["title"] for i in titles["items"])
    page_two = (
        await client.get("/api/v1/skills", params={"repo": "expo/skills", "limit": 5, "offset": 5})
    ).json()
    assert page_two["items"][0]["skill_id"] == by_repo["items"][5]["skill_id"]
    assert (await client.get("/api/v1/skills?sort=random")).status_code == 422


async def test_full_text_search_ranks_title_description_and_tags(client, catalog):
    found = (await client.get("/api/v1/skills", params={"q": "react native"})).json()
    assert found["total"] > 0
    top = found["items"][0]
    assert "react native" in (top["title"] + " " + (top["description"] or "")).lower()
    relevances = [i["relevance"] for i in found["items"]]
    assert relevances == sorted(relevances, reverse=True)
    # "nextjs" is a tag, not a word of any title: the tag index finds it.
    tagged = (await client.get("/api/v1/skills", params={"q": "nextjs"})).json()
    assert "vercel-react-best-practices" in [i["skill_id"] for i in tagged["items"]]
    # Stemming: "animations" finds "animation".
    stemmed = (await client.get("/api/v1/skills", params={"q": "animations"})).json()
    assert stemmed["total"] > 0
    nothing = (await client.get("/api/v1/skills", params={"q": "zzzqqqxxx"})).json()
    assert nothing == {"items": [], "total": 0, "limit": 20, "offset": 0, "next_offset": None}
    punctuation = await client.get("/api/v1/skills", params={"q": '"( * - :'})
    assert punctuation.status_code == 200 and punctuation.json()["total"] == 0


async def test_track_events(client, session, catalog):
    response = await client.post(
        "/api/v1/analytics/track",
        json={
            "event_type": "suggested",
            "skill_id": "vercel-react-best-practices",
            "package_id": "react",
            "metadata": {"cli": "skillnest", "rank": 1},
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["event_type"] == "suggested" and body["skill_id"] and body["package_id"]
    # An unknown event type fails the schema's enum; unknown ids and big metadata are a 400.
    liked = {"event_type": "liked", "skill_id": "vercel-react-best-practices"}
    assert (await client.post("/api/v1/analytics/track", json=liked)).status_code == 422
    for bad in (
        {"event_type": "viewed", "skill_id": "no-such-skill"},
        {"event_type": "viewed", "package_id": "no-such-package-xyz"},
        {"event_type": "viewed", "metadata": {"blob": "x" * 5000}},
    ):
        refused = await client.post("/api/v1/analytics/track", json=bad)
        assert refused.status_code == 400, bad
        assert refused.headers["content-type"] == "application/problem+json"


async def test_track_is_rate_limited(client, limiter, catalog):
    for _ in range(120):
        await limiter.hit("120/minute", "catalog-track", "203.0.113.7")
    response = await client.post("/api/v1/analytics/track", json={"event_type": "viewed"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_related_skills_come_from_co_installs(client, session, catalog):
    async def install(headers, skill):
        response = await client.post(
            "/api/v1/analytics/track",
            headers=headers,
            json={"event_type": "installed", "skill_id": skill},
        )
        assert response.status_code == 201

    users = [await login(client, await make_user(session)) for _ in range(3)]
    for headers in users:
        await install(headers, "vercel-react-best-practices")
        await install(headers, "web-design-guidelines")
    await install(users[0], "frontend-design")
    await install(users[0], "frontend-design")  # the same user twice counts once
    # Anonymous installs carry no user: they cannot say who also installed what.
    await client.post(
        "/api/v1/analytics/track", json={"event_type": "installed", "skill_id": "seo-audit"}
    )
    related = (await client.get("/api/v1/skills/vercel-react-best-practices/related")).json()
    assert [(r["skill_id"], r["co_installs"]) for r in related["items"]] == [
        ("web-design-guidelines", 3),
        ("frontend-design", 1),
    ]
    assert (related["limit"], related["offset"], related["next_offset"]) == (10, 0, None)
    first = (
        await client.get("/api/v1/skills/vercel-react-best-practices/related", params={"limit": 1})
    ).json()
    assert [r["skill_id"] for r in first["items"]] == ["web-design-guidelines"]
    assert first["next_offset"] == 1
    rest = (
        await client.get(
            "/api/v1/skills/vercel-react-best-practices/related", params={"limit": 1, "offset": 1}
        )
    ).json()
    assert [r["skill_id"] for r in rest["items"]] == ["frontend-design"]
    assert rest["next_offset"] is None
    assert (await client.get("/api/v1/skills/nope/related")).status_code == 404


async def test_preferences_default_store_and_list(client, session, catalog):
    user = await make_user(session)
    headers = await login(client, user)
    default = await client.get("/api/v1/me/skill-preferences/upgrading-expo", headers=headers)
    assert default.status_code == 200
    assert default.json() == {
        "skill_id": "upgrading-expo",
        "is_enabled": True,
        "preferred_agents": [],
        "preferred_scope": "project",
        "updated_at": None,
    }
    stored = await client.put(
        "/api/v1/me/skill-preferences/upgrading-expo",
        headers=headers,
        json={"preferred_scope": "global", "preferred_agents": ["claude"]},
    )
    assert stored.status_code == 200 and stored.json()["preferred_scope"] == "global"
    listed = (await client.get("/api/v1/me/skill-preferences", headers=headers)).json()
    assert [(p["skill_id"], p["preferred_agents"]) for p in listed["items"]] == [
        ("upgrading-expo", ["claude"])
    ]
    assert (listed["limit"], listed["offset"], listed["next_offset"]) == (20, 0, None)
    await client.put(
        "/api/v1/me/skill-preferences/seo-audit", headers=headers, json={"is_enabled": False}
    )
    page = (
        await client.get("/api/v1/me/skill-preferences", headers=headers, params={"limit": 1})
    ).json()
    assert [p["skill_id"] for p in page["items"]] == ["seo-audit"]
    assert page["next_offset"] == 1
    bad_scope = await client.put(
        "/api/v1/me/skill-preferences/upgrading-expo",
        headers=headers,
        json={"preferred_scope": "x"},
    )
    assert bad_scope.status_code == 422
    unknown = await client.put("/api/v1/me/skill-preferences/nope", headers=headers, json={})
    assert unknown.status_code == 404
    assert (await client.get("/api/v1/me/skill-preferences")).status_code == 401


async def test_snapshot_route_ranks_like_the_api(client, catalog):
    response = await client.get("/api/v1/catalog/snapshot")
    assert response.status_code == 200
    skills, header = parse_snapshot(response.content, "response")
    assert header["source"] == "server" and len(skills) == 337
    online = (
        await client.get("/api/v1/skills/suggest?packages=react&packages=next&limit=20")
    ).json()
    query = build_query(["react", "next", "jest", "dotenv"], limit=20)
    offline = rank_suggestions(skills, query, package_ranks()).document()
    assert offline == online


async def test_catalog_inputs_are_bounded(client, session, catalog):
    headers = await login(client, await make_user(session))
    for params in ({"offset": 2**31}, {"offset": -1}, {"limit": 101}, {"limit": 0}):
        response = await client.get("/api/v1/skills", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
    long_id = "x" * 256
    for path in (f"/skills/{long_id}", f"/skills/{long_id}/related"):
        assert (await client.get(f"/api/v1{path}")).status_code == 422, path
    response = await client.get(f"/api/v1/me/skill-preferences/{long_id}", headers=headers)
    assert response.status_code == 422
    response = await client.get(
        "/api/v1/me/skill-preferences", headers=headers, params={"offset": 2**31}
    )
    assert response.status_code == 422
    assert (await client.get(f"/api/v1/packages/{'p' * 261}/skills")).status_code == 422
    assert (await client.get(f"/api/v1/skills/{'x' * 255}")).status_code == 404


async def test_admin_skill_changes_are_bounded(client, session, catalog):
    admin = await login(client, await make_user(session, is_admin=True))
    url = "/api/v1/skills/upgrading-expo"
    for body in ({"installs": 2**31}, {"title": None}, {"installs": None}, {"is_active": None}):
        response = await client.patch(url, headers=admin, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    changed = await client.patch(url, headers=admin, json={"installs": 2**31 - 1})
    assert changed.status_code == 200
    assert changed.json()["skill_id"] == "upgrading-expo" and changed.json()["is_active"] is True
