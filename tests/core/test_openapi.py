"""The OpenAPI document says what the wire answers."""

from __future__ import annotations

PROBLEM = "application/problem+json"


def operations(document):
    # GraphQL is described by its own schema, not by OpenAPI.
    for path, item in document["paths"].items():
        if path == "/graphql":
            continue
        for method, operation in item.items():
            yield path, method, operation


async def test_every_200_has_its_real_model(client):
    document = (await client.get("/openapi.json")).json()
    for path, method, operation in operations(document):
        ok = operation["responses"].get("200", {}).get("content", {})
        for media_type, body in ok.items():
            if "json" in media_type:
                assert body.get("schema") not in ({}, {"type": "string"}), (method, path)
    health = document["paths"]["/health"]["get"]["responses"]["200"]["content"]
    assert health["application/json"]["schema"]["$ref"].endswith("/Health")


async def test_error_statuses_are_problem_documents(client):
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert {"Problem", "ValidationProblem"} <= set(schemas)
    assert "errors" in schemas["ValidationProblem"]["required"]
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert {"400", "404", "422", "500"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.isdigit() and int(status) >= 400:
                ref = response["content"][PROBLEM]["schema"]["$ref"]
                expected = "ValidationProblem" if status == "422" else "Problem"
                assert ref.endswith(f"/{expected}"), (method, path, status)
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert {"409", "413"} <= set(responses), (method, path)


async def test_authenticated_and_optional_routes(client):
    document = (await client.get("/openapi.json")).json()
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"HTTPBearer": []}] and "401" in me["responses"]
    suggest = document["paths"]["/api/v1/skills/suggest"]["post"]
    assert {} in suggest["security"]  # signing in is optional there
    assert "401" in document["paths"]["/api/v1/auth/login"]["post"]["responses"]


async def test_tags_are_described_and_titles_unique(client):
    document = (await client.get("/openapi.json")).json()
    assert all(tag["description"] for tag in document["tags"])
    titles = [s.get("title", name) for name, s in document["components"]["schemas"].items()]
    assert len(titles) == len(set(titles))
