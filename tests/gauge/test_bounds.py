"""Gauge lists answer one page shape; ids, offsets and documents are bounded (both backends)."""

from __future__ import annotations

import pytest

from tests.gauge.conftest import gauge_user
from tests.gauge.test_api import contract_body

API = "/api/v1/gauge"
PROBLEM = "application/problem+json"
TOO_BIG = [2**31, 2**70, int("9" * 4000)]


def assert_problem_422(response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_every_gauge_list_is_a_page(client, session):
    _, headers = await gauge_user(client, session, tier="pro")
    contract_ids = []
    for name in ("A", "B", "C"):
        created = await client.post(
            f"{API}/contracts", headers=headers, json=contract_body(name=name)
        )
        contract_ids.append(created.json()["id"])
    for _ in range(3):
        response = await client.post(
            f"{API}/analyses", headers=headers, json={"contract_id": contract_ids[0]}
        )
        assert response.status_code == 201, response.text
    chats = [
        (await client.post(f"{API}/chat/sessions", headers=headers, json={})).json()["id"]
        for _ in range(3)
    ]
    for content in ("one", "two", "three"):
        await client.post(
            f"{API}/chat/sessions/{chats[0]}/messages", headers=headers, json={"content": content}
        )
    for path in (
        "/contracts",
        "/analyses",
        "/chat/sessions",
        f"/chat/sessions/{chats[0]}/messages",
    ):
        first = (await client.get(f"{API}{path}", headers=headers, params={"limit": 2})).json()
        assert set(first) >= {"items", "limit", "offset", "next_offset", "total"}, path
        assert (len(first["items"]), first["limit"], first["offset"]) == (2, 2, 0), path
        assert first["next_offset"] == 2, path
        last = (
            await client.get(f"{API}{path}", headers=headers, params={"limit": 2, "offset": 2})
        ).json()
        assert (len(last["items"]), last["next_offset"]) == (1, None), path
        ids = [item["id"] for item in first["items"] + last["items"]]
        assert len(set(ids)) == 3, path
    analyses = (await client.get(f"{API}/analyses", headers=headers)).json()
    assert analyses["history_days"] == 90 and analyses["since"] is not None


@pytest.mark.parametrize("value", TOO_BIG, ids=["2**31", "2**70", "4000 digits"])
async def test_out_of_range_ids_are_422(client, session, value):
    _, headers = await gauge_user(client, session)
    for method, path in (
        ("GET", f"/contracts/{value}"),
        ("PATCH", f"/contracts/{value}"),
        ("DELETE", f"/contracts/{value}"),
        ("GET", f"/analyses/{value}"),
        ("PATCH", f"/analyses/{value}"),
        ("GET", f"/chat/sessions/{value}"),
        ("DELETE", f"/chat/sessions/{value}"),
        ("GET", f"/chat/sessions/{value}/messages"),
        ("POST", f"/chat/sessions/{value}/messages"),
    ):
        body = {"content": "hi"} if method in ("POST", "PATCH") else None
        response = await client.request(method, f"{API}{path}", headers=headers, json=body)
        assert_problem_422(response)
    for params in ({"offset": value}, {"contract_id": value}):
        assert_problem_422(await client.get(f"{API}/analyses", headers=headers, params=params))
    for path in ("/contracts", "/chat/sessions"):
        response = await client.get(f"{API}{path}", headers=headers, params={"offset": value})
        assert_problem_422(response)
    response = await client.post(f"{API}/analyses", headers=headers, json={"contract_id": value})
    assert_problem_422(response)


async def test_the_largest_id_is_not_found(client, session):
    _, headers = await gauge_user(client, session)
    largest = 2**31 - 1
    assert (await client.get(f"{API}/contracts/{largest}", headers=headers)).status_code == 404
    response = await client.post(f"{API}/analyses", headers=headers, json={"contract_id": largest})
    assert response.status_code == 404
    listing = await client.get(f"{API}/contracts", headers=headers, params={"offset": largest})
    assert listing.status_code == 200 and listing.json()["items"] == []


async def test_admin_tier_route_bounds_its_user_id(client, session):
    _, headers = await gauge_user(client, session, is_admin=True)
    for value in TOO_BIG:
        response = await client.put(
            f"{API}/users/{value}/tier", headers=headers, json={"tier": "pro"}
        )
        assert_problem_422(response)


async def test_documents_are_capped_at_64_kib(client, session):
    _, headers = await gauge_user(client, session)
    small = {"note": "x" * 60_000}
    big = {"note": "x" * 70_000}
    ok = await client.post(f"{API}/analyses", headers=headers, json={"metadata": small})
    assert ok.status_code == 201, ok.text
    assert ok.json()["metadata"] == small
    analysis_id = ok.json()["id"]
    refused = [
        await client.post(f"{API}/analyses", headers=headers, json={"metadata": big}),
        await client.patch(f"{API}/analyses/{analysis_id}", headers=headers, json={"results": big}),
        await client.patch(
            f"{API}/analyses/{analysis_id}", headers=headers, json={"logs": ["x" * 70_000]}
        ),
        await client.post(f"{API}/chat/sessions", headers=headers, json={"metadata": big}),
        await client.post(
            f"{API}/contracts",
            headers=headers,
            json=contract_body(analysis_params={"extra": big}),
        ),
    ]
    chat_id = (await client.post(f"{API}/chat/sessions", headers=headers, json={})).json()["id"]
    refused.append(
        await client.post(
            f"{API}/chat/sessions/{chat_id}/messages",
            headers=headers,
            json={"content": "hi", "components": [big]},
        )
    )
    for response in refused:
        assert_problem_422(response)
        assert "64" in response.text or "65536" in response.text
    stored = await client.get(f"{API}/analyses/{analysis_id}", headers=headers)
    assert stored.json()["results"] is None  # the refused update changed nothing


async def test_a_document_json_cannot_store_is_422(client, session):
    _, headers = await gauge_user(client, session)
    response = await client.post(
        f"{API}/analyses", headers=headers, json={"metadata": {"count": 2**70}}
    )
    assert_problem_422(response)


async def test_nulls_and_numbers_beyond_their_columns_are_422(client, session):
    _, headers = await gauge_user(client, session)
    created = await client.post(f"{API}/contracts", headers=headers, json=contract_body())
    contract_id = created.json()["id"]
    for body in ({"is_active": None}, {"is_default": None}, {"name": None}):
        response = await client.patch(f"{API}/contracts/{contract_id}", headers=headers, json=body)
        assert_problem_422(response)
    too_long = contract_body(analysis_params={"failover_timeout": 2**31})
    assert_problem_422(await client.post(f"{API}/contracts", headers=headers, json=too_long))
    analysis = await client.post(f"{API}/analyses", headers=headers, json={})
    analysis_id = analysis.json()["id"]
    for body in ({"progress": None}, {"status": None}):
        response = await client.patch(f"{API}/analyses/{analysis_id}", headers=headers, json=body)
        assert_problem_422(response)
    still = await client.get(f"{API}/contracts/{contract_id}", headers=headers)
    assert still.json()["is_active"] is True
