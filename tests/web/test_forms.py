from __future__ import annotations

import pytest

from skillnest.accounts.schemas import SignupIn
from skillnest.web.forms import FormInvalid, parse, safe_next, split_list


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
