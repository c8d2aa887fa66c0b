"""Pure account rules and settings parsing."""

from __future__ import annotations

import pytest

from skillnest.accounts.rules import academic_domain, password_problem
from skillnest.settings import Settings, oauth_clients_from_env


@pytest.mark.parametrize(
    ("email", "allow", "college"),
    [
        ("ann@mit.edu", [], "mit.edu"),
        ("ann@cs.mit.edu", [], "mit.edu"),
        ("bo@ox.ac.uk", [], "ox.ac.uk"),
        ("bo@maths.ox.ac.uk", [], "ox.ac.uk"),
        ("cy@unsw.edu.au", [], "unsw.edu.au"),
        ("dee@example.org", [], None),
        ("eve@edu.example.com", [], None),
        ("fay@student.uni-wien.at", ["uni-wien.at"], "uni-wien.at"),
        ("gil@uni-wien.at", ["UNI-WIEN.AT"], "uni-wien.at"),
    ],
)
def test_academic_domain(email, allow, college):
    assert academic_domain(email, allow) == college


def test_password_problem_reasons():
    assert password_problem("correct horse battery staple", email="a@b.org") is None
    assert "common" in (password_problem("Qwertyuiop", email="a@b.org") or "")
    assert "email" in (password_problem("xx-jdoe-xx-2024", email="jdoe@b.org") or "")
    assert "name" in (
        password_problem("i am Jonathan!", email="j@b.org", name="Jonathan Doe") or ""
    )
    # Two-letter parts of a name or address refuse nothing on their own.
    assert password_problem("a long jo passphrase", email="jo@b.org", name="Jo Li") is None


def test_oauth_providers_come_from_the_environment(monkeypatch):
    env = {
        "SKILLNEST_OAUTH_GOOGLE_CLIENT_ID": "gid",
        "SKILLNEST_OAUTH_GOOGLE_CLIENT_SECRET": "gsecret",
        "SKILLNEST_OAUTH_GOOGLE_SERVER_METADATA_URL": "https://accounts.google.com/.well-known/openid-configuration",
        "SKILLNEST_OAUTH_GITHUB_CLIENT_ID": "hid",
        "SKILLNEST_OAUTH_GITHUB_CLIENT_SECRET": "hsecret",
        "SKILLNEST_OAUTH_NOTHING": "ignored",
    }
    assert set(oauth_clients_from_env(env)) == {"google", "github"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SKILLNEST_ACADEMIC_DOMAINS", "uni-wien.at, ETH.ch")
    settings = Settings(env="development")
    assert settings.oauth["google"].server_metadata_url.startswith("https://accounts.google")
    assert settings.oauth["github"].client_secret.get_secret_value() == "hsecret"
    assert settings.oauth["github"].api_url == "https://api.github.com"
    assert settings.academic_domains == ["uni-wien.at", "eth.ch"]
