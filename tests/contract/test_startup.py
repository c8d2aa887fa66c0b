"""Startup checks: one line and exit 2 for every configuration or connection error."""

from __future__ import annotations

import pytest

from skillnest import __version__
from tests.contract.conftest import cli_env, skillnest


def test_version():
    result = skillnest("--version", env=cli_env("sqlite:///unused.db"))
    assert result.returncode == 0
    assert result.stdout.strip() == f"skillnest {__version__}"


def test_serve_refuses_an_unmigrated_database(tmp_path):
    result = skillnest("serve", env=cli_env(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "skillnest db upgrade" in lines[0], result.stderr


@pytest.mark.parametrize(
    ("args", "overrides", "expected"),
    [
        (("db", "current"), {"SKILLNEST_DATABASE_URL": "nonsense"}, "SKILLNEST_DATABASE_URL"),
        (("db", "current"), {"SKILLNEST_DATABASE_URL": "bogus://x/y"}, "SKILLNEST_DATABASE_URL"),
        (
            ("db", "upgrade"),
            {"SKILLNEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none"},
            "cannot use the database",
        ),
        (("db", "upgrade", "no_such_revision"), {}, "no_such_revision"),
        (("db", "current"), {"SKILLNEST_LOG_LEVEL": "LOUD"}, "SKILLNEST_LOG_LEVEL"),
        (("serve",), {"SKILLNEST_ENV": "bogus"}, "SKILLNEST_ENV"),
        (("serve",), {"SKILLNEST_SECRET_KEY": "change-me"}, "SKILLNEST_SECRET_KEY"),
    ],
)
def test_configuration_errors_print_one_line_and_exit_2(tmp_path, args, overrides, expected):
    env = cli_env(f"sqlite:///{tmp_path / 'x.db'}")
    env.update(overrides)
    result = skillnest(*args, env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    env = cli_env(f"sqlite:///{tmp_path / 'x.db'}", SKILLNEST_LOG_LEVEL="LOUD")
    result = skillnest("--debug", "db", "current", env=env)
    assert result.returncode != 0 and "Traceback" in result.stderr
