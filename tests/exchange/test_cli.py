"""``skillnest exchange`` commands against an embedded database of their own."""

from __future__ import annotations

import pytest
from alembic import command
from typer.testing import CliRunner

from skillnest.cli import app
from skillnest.ops.service import alembic_config
from skillnest.settings import Settings, get_settings


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SKILLNEST_ENV", "development")
    monkeypatch.setenv("SKILLNEST_DATABASE_URL", url)
    monkeypatch.delenv("SKILLNEST_REDIS_URL", raising=False)
    get_settings.cache_clear()
    command.upgrade(alembic_config(Settings(env="development", database_url=url)), "head")
    yield
    get_settings.cache_clear()


def test_demo_then_matches_and_stats(embedded):
    runner = CliRunner()
    loaded = runner.invoke(app, ["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert "exchange:" in loaded.output

    shown = runner.invoke(app, ["exchange", "matches", "demo@skillnest.dev", "--limit", "3"])
    assert shown.exit_code == 0, shown.output
    assert "Diego Ramírez" in shown.output
    assert "Carol Jensen" not in shown.output

    stats = runner.invoke(app, ["exchange", "stats"])
    assert stats.exit_code == 0, stats.output
    assert "chats: 7" in stats.output and "unread_messages: 2" in stats.output

    unknown = runner.invoke(app, ["exchange", "matches", "nobody@example.org"])
    assert unknown.exit_code == 1
