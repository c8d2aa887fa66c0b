from __future__ import annotations

import pytest

from skillnest.accounts.schemas import SignupIn
from skillnest.careers.profile.schemas import ExperienceIn, ExperienceUpdate
from skillnest.web.forms import FormInvalid, parse, safe_next, split_list
from skillnest.web.inputs import inputs_of, values_of


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/exchange/matches?offset=20", "/exchange/matches?offset=20"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_redirects_stay_on_the_site(target, expected):
    assert safe_next(target) == expected


def test_lists_split_on_commas_and_lines():
    assert split_list("Python, Guitar\nChess,, \n") == ["Python", "Guitar", "Chess"]
    assert split_list("") == []


def test_invalid_forms_read_as_sentences():
    with pytest.raises(FormInvalid) as caught:
        parse(SignupIn, {"name": "", "email": "nope", "password": "short"}, {"name": "Name"})
    messages = caught.value.messages
    assert caught.value.status == 422 and len(messages) == 3
    assert any(m.startswith("Name:") for m in messages)


def test_inputs_follow_the_schema_and_posts_return_to_it():
    inputs = {i.name: i for i in inputs_of(ExperienceIn, {"title": "Job title"})}
    assert inputs["title"].label == "Job title" and inputs["title"].max_length == 255
    assert inputs["company"].required and not inputs["location"].required
    kinds = {name: i.kind for name, i in inputs.items()}
    assert kinds["start_date"] == "date" and kinds["is_current"] == "checkbox"
    assert kinds["description"] == "textarea" and kinds["skills"] == "list"
    assert kinds["achievements"] == "lines"  # sentences, one per line, may hold commas
    form = {
        "company": " Acme ",
        "title": "Dev",
        "start_date": "2022-01-01",
        "location": "",
        "skills": "Python, SQL",
        "achievements": "Cut costs, a lot\nShipped v2",
    }
    created = ExperienceIn.model_validate(values_of(inputs.values(), form, partial=False))
    assert created.skills == ["Python", "SQL"] and created.achievements[0] == "Cut costs, a lot"
    assert created.location is None and created.is_current is False
    update = values_of(inputs.values(), {**form, "is_current": "1"}, partial=True)
    assert update["location"] is None and update["is_current"] is True
    assert ExperienceUpdate.model_validate(update).skills == ["Python", "SQL"]
