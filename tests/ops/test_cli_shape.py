"""The shape of the ``skillnest`` command: modules and verbs, --json, --server, aliases, help."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from skillnest.cli import app

# Commands that act and print a confirmation only, or hand over to another program.
NO_DATA = {
    "login",
    "logout",
    "serve",
    "users create-admin",
    "users set-admin",
    "users reset-password",
    "users export",  # prints the JSON document itself
    "careers export",  # writes a file
    "db upgrade",
    "db downgrade",
    "db revision",
    "db create-readonly-role",
    "help login",
    "help logout",
    "careers profile remove",
    "careers jobs unsave",
    "jobs unsave",
    "careers applications delete",
    "careers documents export",  # writes a file
    "gauge contracts delete",
}
# Commands that call a server (everything else works on the local database or files).
LOCAL = {
    "serve",
    "users create-admin",
    "users set-admin",
    "users reset-password",
    "users sessions",
    "users export",
    "careers export",
    "catalog import",
    "catalog export",
    "jobs import",
    "careers jobs import",
    "import metagauge",
    "import metagauge-sample",
    "gauge import metagauge",
    "gauge import metagauge-sample",
    "exchange stats",
}


def leaves(command, prefix: str = ""):
    """(full name, click command) of every runnable command."""
    children = getattr(command, "commands", None)
    if not children:
        yield prefix.strip(), command
        return
    for name, child in children.items():
        yield from leaves(child, f"{prefix} {name}")


def options(command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


ROOT = typer.main.get_command(app)
COMMANDS = dict(leaves(ROOT))


def test_every_module_has_its_group_and_the_old_names_still_work():
    for module in ("exchange", "help", "careers", "catalog", "gauge"):
        assert module in ROOT.commands  # type: ignore[attr-defined]
    for alias, current in (
        ("jobs import", "careers jobs import"),
        ("import metagauge", "gauge import metagauge"),
        ("suggest", "catalog suggest"),
        ("help login", "login"),
    ):
        assert alias in COMMANDS and current in COMMANDS


def test_every_data_command_has_json():
    missing = [
        name
        for name, cmd in COMMANDS.items()
        if name not in NO_DATA and "--json" not in options(cmd)
    ]
    assert missing == []


def test_every_server_command_takes_server_and_its_old_spelling():
    server_commands = [n for n in COMMANDS if not n.startswith(("db ", "maintenance ", "demo "))]
    for name in server_commands:
        if name in LOCAL or name.startswith("help "):
            continue
        assert {"--server", "--api-url"} <= options(COMMANDS[name]), name
    # The peer-help group takes it once for all its verbs.
    assert {"--server", "--api-url"} <= options(ROOT.commands["help"])  # type: ignore[attr-defined]
    server = next(p for p in COMMANDS["exchange chats"].params if p.name == "server")
    assert list(server.envvar) == ["SKILLNEST_SERVER_URL", "SKILLNEST_API_URL"]


def test_help_shows_help_and_keeps_peer_help_reachable():
    runner = CliRunner()
    overview = runner.invoke(app, ["help"])
    assert overview.exit_code == 0
    assert "careers" in overview.output and "exchange" in overview.output
    assert "skillnest help ask" in overview.output
    one = runner.invoke(app, ["help", "careers"])
    assert one.exit_code == 0 and "applications" in one.output
    peer = runner.invoke(app, ["help", "--help"])
    assert peer.exit_code == 0 and "feed" in peer.output and "offer" in peer.output
    assert runner.invoke(app, ["--help"]).exit_code == 0
    assert runner.invoke(app, ["help", "no-such-thing"]).exit_code != 0


def test_version_is_printed_without_a_command():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip()


def test_client_commands_say_how_to_log_in(tmp_path):
    result = CliRunner().invoke(
        app,
        ["exchange", "chats", "--server", "http://127.0.0.1:9"],
        env={"SKILLNEST_CONFIG_DIR": str(tmp_path), "SKILLNEST_TOKEN": ""},
    )
    assert result.exit_code == 1
    assert "not logged in to http://127.0.0.1:9: run `skillnest login` first" in result.output


def test_each_command_line_loads_only_the_module_that_mounts_its_command():
    """``skillnest <command>`` mounts one module's CLI: the one ``cli.COMMANDS`` names."""
    from skillnest import cli
    from skillnest.modules import MODULES

    assert set(cli.COMMANDS) == set(ROOT.commands)  # type: ignore[attr-defined]
    for module in MODULES:
        mounted = set(typer.main.get_command(cli.build_app((module,))).commands)  # type: ignore[attr-defined]
        assert mounted == {name for name, owner in cli.COMMANDS.items() if owner == module}
    assert cli.modules_for(["--debug", "jobs", "import", "x.jsonl"]) == ("careers",)
    assert cli.modules_for(["--version"]) == ()
    assert cli.modules_for(["--help"]) == cli.modules_for(["nothing-such"]) == MODULES
