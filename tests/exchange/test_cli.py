"""``skillnest exchange`` commands against a fresh database of each backend."""

from __future__ import annotations

from typer.testing import CliRunner

from skillnest.cli import app


def test_demo_then_matches_and_stats(cli_database):
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
