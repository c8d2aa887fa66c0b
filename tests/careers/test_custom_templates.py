"""Users' own document templates: private, checked like the built-in ones, rendered with limits."""

from __future__ import annotations

import pytest

from tests.careers.test_documents import _fill_profile, _templates

API = "/api/v1"
SPEC = {
    "sections": [
        {"type": "header", "title": "Header", "order": 1, "required": True},
        {"type": "skills", "title": "Toolbox", "order": 2, "required": True},
        {"type": "experience", "title": "Work", "order": 3, "required": False},
    ],
    "styling": {
        "fontFamily": "Georgia",
        "fontSize": 10,
        "colors": {"primary": "#aa3300", "secondary": "#555555", "text": "#111111"},
        "layout": "sidebar",
    },
}
BODY = """# {{ user.name }}

## Work
{% for e in experience %}
### {{ e.title }} at {{ e.company }}
{% endfor %}
## Toolbox
{% for s in skills %}
- {{ s.name }} ({{ s.level }}){% endfor %}
"""


def _template(**overrides):
    return {
        "name": "My sidebar resume",
        "document_type": "resume",
        "description": "Skills on the side.",
        "body": BODY,
        "spec": SPEC,
        **overrides,
    }


async def _create(client, who, **overrides):
    return await client.post(
        f"{API}/document-templates", headers=who.headers, json=_template(**overrides)
    )


async def test_own_template_is_private_and_generates_documents(client, person):
    me, other = await person(name="Rita Lopes"), await person()
    created = await _create(client, me)
    assert created.status_code == 201, created.text
    mine = created.json()
    assert mine["built_in"] is False and "user_id" not in mine
    tid = mine["id"]

    listed = (await client.get(f"{API}/document-templates", headers=me.headers)).json()["items"]
    assert [t["built_in"] for t in listed] == [True, True, True, True, False]
    assert listed[-1]["id"] == tid
    for viewer in ({"headers": other.headers}, {}):
        others = (await client.get(f"{API}/document-templates", **viewer)).json()["items"]
        assert tid not in {t["id"] for t in others} and len(others) == 4
    assert (await client.get(f"{API}/document-templates/{tid}", headers=me.headers)).json() == mine
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "Stolen"}} if method == "patch" else {}
        answer = await client.request(
            method, f"{API}/document-templates/{tid}", headers=other.headers, **kwargs
        )
        assert answer.status_code == 404, method
    stolen = await client.post(f"{API}/documents", headers=other.headers, json={"template_id": tid})
    assert stolen.status_code == 404

    await _fill_profile(client, me)
    made = await client.post(f"{API}/documents", headers=me.headers, json={"template_id": tid})
    assert made.status_code == 201, made.text
    markdown = made.json()["content"]["markdown"]
    assert markdown.startswith("# Rita Lopes\n")
    assert "- Python (Expert)" in markdown and "### Developer at Acme" in markdown

    # The template's sidebar layout and colours shape the export.
    page = await client.get(
        f"{API}/documents/{made.json()['id']}/export",
        params={"format": "html"},
        headers=me.headers,
    )
    assert '<aside class="sidebar"><h2>Toolbox</h2>' in page.text
    assert '<div class="main"><h2>Work</h2>' in page.text
    assert "color: #aa3300" in page.text and '"DejaVu Serif"' in page.text

    # Deleting the template leaves the document it made.
    assert (
        await client.delete(f"{API}/document-templates/{tid}", headers=me.headers)
    ).status_code == 204
    assert (
        await client.get(f"{API}/document-templates/{tid}", headers=me.headers)
    ).status_code == (404)
    kept = await client.get(f"{API}/documents/{made.json()['id']}", headers=me.headers)
    assert kept.status_code == 200 and kept.json()["template_id"] is None


async def test_edit_own_template_and_names_are_unique_per_owner(client, person):
    me, other = await person(), await person()
    tid = (await _create(client, me)).json()["id"]
    edited = await client.patch(
        f"{API}/document-templates/{tid}",
        headers=me.headers,
        json={"name": "Renamed", "body": "# {{ user.name }}\n"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Renamed" and edited.json()["body"] == "# {{ user.name }}\n"
    assert edited.json()["spec"] == SPEC
    await _create(client, me, name="Second")
    clash = await client.patch(
        f"{API}/document-templates/{tid}", headers=me.headers, json={"name": "Second"}
    )
    assert clash.status_code == 409
    assert (await _create(client, me, name="Second")).status_code == 409
    assert (await _create(client, other, name="Second")).status_code == 201  # another owner
    # A built-in name is fine for one's own copy.
    assert (await _create(client, me, name="Modern Professional Resume")).status_code == 201
    nulled = await client.patch(
        f"{API}/document-templates/{tid}", headers=me.headers, json={"body": None}
    )
    assert nulled.status_code == 422


async def test_built_in_templates_are_read_only(client, person):
    me = await person()
    modern = (await _templates(client))["Modern Professional Resume"]
    assert modern["built_in"] is True
    url = f"{API}/document-templates/{modern['id']}"
    changed = await client.patch(url, headers=me.headers, json={"name": "Mine now"})
    assert changed.status_code == 403
    assert changed.headers["content-type"] == "application/problem+json"
    assert (await client.delete(url, headers=me.headers)).status_code == 403
    assert (await client.get(url)).json()["name"] == "Modern Professional Resume"
    assert (await client.patch(url, json={"name": "x"})).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "status", "words"),
    [
        ({"spec": {"sections": []}}, 400, "template spec"),
        ({"spec": {**SPEC, "tone": "angry"}}, 400, "template spec"),
        (
            {"spec": {**SPEC, "styling": {"fontFamily": "x; } body { background: url(http://x)"}}},
            400,
            "template spec",
        ),
        ({"body": "{% for s in skills %}unclosed"}, 400, "does not compile"),
        ({"body": "x" * 20_001}, 422, ""),
        ({"document_type": "poem"}, 422, ""),
        ({"extra": 1}, 422, ""),
    ],
)
async def test_templates_are_checked_like_the_built_in_ones(
    client, person, overrides, status, words
):
    me = await person()
    answer = await _create(client, me, **overrides)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"] if words else True


@pytest.mark.parametrize(
    "body",
    [
        "{{ ().__class__.__mro__ }}",
        "{{ 'x' * 1000000000 }}",
        "{{ 'x' | center(100000000) }}",
        "{{ '%0999999999d' | format(1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
        "{% for a in skills %}{% for b in a.name %}{{ b }}{% endfor %}{% endfor %}{{ 1 / 0 }}",
        "{% for a in range(10000) %}{{ user.email * 50 }}{% endfor %}",
        "{% for x in user.name %}{% for y in 5 %}{% endfor %}{% endfor %}",
    ],
)
async def test_a_costly_or_unsafe_template_is_refused_not_run(client, person, body):
    me = await person(name="Rita Lopes")
    created = await _create(client, me, body=body)
    assert created.status_code == 201, created.text
    made = await client.post(
        f"{API}/documents", headers=me.headers, json={"template_id": created.json()["id"]}
    )
    assert made.status_code == 400, made.text
    assert "could not be rendered" in made.json()["detail"]
