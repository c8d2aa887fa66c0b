"""GraphQL at /graphql: seed 004's queries on the REST service functions, without N+1."""

from __future__ import annotations

import contextlib

from sqlalchemy import event


@contextlib.contextmanager
def count_statements(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):  # not the test's savepoints
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def graphql(client, query, **variables):
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_the_acceptance_query_answers(client, catalog):
    data = await graphql(
        client, '{ suggestSkills(packages: ["react"]) { skillId title packages { name } } }'
    )
    skills = data["suggestSkills"]
    assert skills[0]["skillId"] == "vercel-react-best-practices"
    assert {p["name"] for p in skills[0]["packages"]} == {"react", "react-dom", "next"}
    rest = (await client.get("/api/v1/skills/suggest?packages=react")).json()
    assert [s["skillId"] for s in skills] == [s["name"] for s in rest["skills"]]


async def test_skill_and_package_queries(client, catalog):
    data = await graphql(
        client,
        """query($id: String!) {
          skill(id: $id) { id skillId repo installs description tags { name } }
          missing: skill(id: "no-such-skill") { skillId }
          package(name: "expo") { name ecosystem skills { skillId packages { name } } }
          numpy: package(name: "numpy", ecosystem: "pypi") { name skills { skillId } }
          nothing: package(name: "no-such-package-xyz") { name }
        }""",
        id="vercel-react-best-practices",
    )
    assert data["skill"]["repo"] == "vercel-labs/agent-skills"
    assert [t["name"] for t in data["skill"]["tags"]] == [
        "best-practices",
        "nextjs",
        "react",
        "vercel",
    ]
    assert data["missing"] is None and data["nothing"] is None
    expo = data["package"]
    assert expo["ecosystem"] == "npm" and len(expo["skills"]) > 10
    assert all("expo" in {p["name"] for p in s["packages"]} for s in expo["skills"])
    assert data["numpy"]["skills"]


async def test_nested_lists_cost_one_query_per_level(client, engine, cache, catalog):
    query = """query($limit: Int!) {
      suggestSkills(packages: ["react", "next", "expo"], limit: $limit) {
        skillId tags { name } packages { name skills { skillId tags { name } } }
      }
    }"""
    with count_statements(engine) as few:
        small = await graphql(client, query, limit=2)
    await cache.invalidate_tag("catalog:all")
    with count_statements(engine) as many:
        large = await graphql(client, query, limit=40)
    assert len(small["suggestSkills"]) == 2 and len(large["suggestSkills"]) == 40
    nested = sum(len(p["skills"]) for s in large["suggestSkills"] for p in s["packages"])
    assert nested > 200  # hundreds of skills resolved...
    assert len(many) == len(few) <= 6, many  # ...by the same handful of statements


async def test_empty_suggest_is_an_error(client, catalog):
    response = await client.post(
        "/graphql", json={"query": "{ suggestSkills(packages: []) { skillId } }"}
    )
    body = response.json()
    assert body["errors"][0]["message"].startswith("At least one")
