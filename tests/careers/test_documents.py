"""Document templates, generated documents, versions and restore."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from skillnest.careers.documents import render as documents
from skillnest.core.errors import BadRequest
from tests.careers.conftest import create_job

API = "/api/v1"
TEMPLATE_NAMES = {
    "Modern Professional Resume",
    "ATS-Friendly Classic Resume",
    "Professional Standard Cover Letter",
    "Enthusiastic Approach Cover Letter",
}


def test_the_migration_seeds_four_valid_templates(sync_engine):
    with sync_engine.connect() as conn:
        rows = conn.execute(text("SELECT name, document_type, spec FROM document_templates")).all()
    assert {r.name for r in rows} == TEMPLATE_NAMES
    assert sorted(r.document_type for r in rows) == [
        "cover_letter",
        "cover_letter",
        "resume",
        "resume",
    ]
    for row in rows:
        spec = row.spec if isinstance(row.spec, dict) else __import__("json").loads(row.spec)
        documents.validate("template spec", spec)


async def _templates(client):
    response = await client.get(f"{API}/document-templates")
    assert response.status_code == 200
    return {t["name"]: t for t in response.json()["items"]}


async def _fill_profile(client, me):
    await client.patch(
        f"{API}/me/career/profile",
        headers=me.headers,
        json={"headline": "Backend developer", "summary": "I build <b>reliable</b> APIs."},
    )
    for name, level in (("Python", 5), ("PostgreSQL", 4), ("Docker", 3)):
        await client.post(
            f"{API}/me/career/skills",
            headers=me.headers,
            json={"name": name, "proficiency_level": level},
        )
    await client.post(
        f"{API}/me/career/experience",
        headers=me.headers,
        json={
            "company": "Acme",
            "title": "Developer",
            "start_date": "2021-02-01",
            "is_current": True,
            "achievements": ["Cut p99 latency by 40%"],
        },
    )
    await client.post(
        f"{API}/me/career/education",
        headers=me.headers,
        json={
            "institution": "Técnico",
            "degree": "BSc",
            "field_of_study": "Computer Science",
            "start_date": "2016-09-01",
            "end_date": "2020-07-01",
            "gpa": 3.5,
        },
    )


async def test_resume_from_modern_template_then_edit_and_restore(client, person):
    me = await person(name="Rita Lopes", location="Lisbon")
    await _fill_profile(client, me)
    modern = (await _templates(client))["Modern Professional Resume"]
    made = await client.post(
        f"{API}/documents", headers=me.headers, json={"template_id": modern["id"]}
    )
    assert made.status_code == 201, made.text
    doc = made.json()
    markdown, html = doc["content"]["markdown"], doc["content"]["html"]
    assert doc["version"] == 1 and doc["document_type"] == "resume"
    assert markdown.startswith("# Rita Lopes")
    for skill in ("Python", "PostgreSQL", "Docker"):
        assert skill in markdown and skill in html
    assert "Cut p99 latency by 40%" in markdown and "GPA 3.50" in markdown
    assert "<h1>Rita Lopes</h1>" in html
    assert "<b>" not in html and "&lt;b&gt;reliable&lt;/b&gt;" in html  # typed HTML stays text
    assert doc["metadata"]["word_count"] > 20

    edited = await client.put(
        f"{API}/documents/{doc['id']}",
        headers=me.headers,
        json={"markdown": "# Rita Lopes\n\nShort version.", "changes": "Shortened"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert edited.json()["content"]["html"] == "<h1>Rita Lopes</h1>\n<p>Short version.</p>\n"

    versions = (
        await client.get(f"{API}/documents/{doc['id']}/versions", headers=me.headers)
    ).json()["items"]
    assert [(v["version"], v["changes"]) for v in versions] == [
        (2, "Shortened"),
        (1, "Generated from Modern Professional Resume"),
    ]
    v1 = (await client.get(f"{API}/documents/{doc['id']}/versions/1", headers=me.headers)).json()
    assert v1["content"]["markdown"] == markdown

    restored = await client.post(
        f"{API}/documents/{doc['id']}/versions/1/restore", headers=me.headers
    )
    assert restored.status_code == 200
    assert restored.json()["version"] == 3
    assert restored.json()["content"] == doc["content"]
    current = (await client.get(f"{API}/documents/{doc['id']}", headers=me.headers)).json()
    assert current["content"]["markdown"] == markdown and current["version"] == 3
    missing = await client.post(
        f"{API}/documents/{doc['id']}/versions/9/restore", headers=me.headers
    )
    assert missing.status_code == 404


async def test_cover_letters_for_a_job_and_every_template_renders(client, person, admin):
    me = await person(name="Sam Doe")
    await _fill_profile(client, me)
    job = await create_job(
        client,
        admin,
        "doc-1",
        title="Platform Engineer",
        company="Harbor",
        required_skills=["Python", "Kubernetes"],
        company_values=["ownership"],
    )
    templates = await _templates(client)
    assert set(templates) == TEMPLATE_NAMES
    for name, template in templates.items():
        made = await client.post(
            f"{API}/documents",
            headers=me.headers,
            json={"template_id": template["id"], "job_id": job["id"]},
        )
        assert made.status_code == 201, (name, made.text)
        body = made.json()
        assert "Sam Doe" in body["content"]["markdown"] or "SAM DOE" in body["content"]["markdown"]
        if template["document_type"] == "cover_letter":
            assert "Harbor" in body["content"]["markdown"]
            assert body["title"] == "Cover letter for Platform Engineer at Harbor"
        assert body["metadata"]["keywords_used"] == ["Python"]
    listed = await client.get(
        f"{API}/documents", headers=me.headers, params={"document_type": "cover_letter"}
    )
    assert len(listed.json()["items"]) == 2
    only = await client.get(f"{API}/document-templates", params={"document_type": "resume"})
    assert {t["name"] for t in only.json()["items"]} == {
        "Modern Professional Resume",
        "ATS-Friendly Classic Resume",
    }


async def test_another_users_documents_answer_404(client, person):
    owner, other = await person(), await person()
    template = (await _templates(client))["ATS-Friendly Classic Resume"]
    doc = (
        await client.post(
            f"{API}/documents", headers=owner.headers, json={"template_id": template["id"]}
        )
    ).json()
    base = f"{API}/documents/{doc['id']}"
    for method, url, body in [
        ("GET", base, None),
        ("PUT", base, {"markdown": "mine now"}),
        ("DELETE", base, None),
        ("GET", f"{base}/versions", None),
        ("GET", f"{base}/versions/1", None),
        ("POST", f"{base}/versions/1/restore", None),
    ]:
        response = await client.request(method, url, headers=other.headers, json=body)
        assert response.status_code == 404, (method, url)
    assert (await client.get(f"{API}/documents", headers=other.headers)).json()["items"] == []
    assert (await client.get(base, headers=owner.headers)).json()["version"] == 1
    unknown = await client.post(
        f"{API}/documents", headers=owner.headers, json={"template_id": 999999}
    )
    assert unknown.status_code == 404


def test_templates_run_in_a_sandbox():
    with pytest.raises(BadRequest):
        documents.render_markdown("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    with pytest.raises(BadRequest):
        documents.render_markdown("{{ missing.value }}", {})
    assert (
        documents.render_markdown("Hi {{ name }}\n\n\n\nBye", {"name": "Ann"}) == "Hi Ann\n\nBye\n"
    )


def test_document_content_is_checked_against_its_json_schema():
    with pytest.raises(BadRequest, match="document content"):
        documents.validate("document content", {"markdown": "x"})
    with pytest.raises(BadRequest, match="template spec at sections/0/type"):
        documents.validate(
            "template spec",
            {"sections": [{"type": "poem", "title": "x", "order": 1, "required": True}]},
        )
    html = documents.markdown_to_html("[click](javascript:alert(1)) <script>x</script>")
    assert 'href="javascript:' not in html and "<script>" not in html
