"""`skillnest catalog import|export` and `skillnest suggest`, online and offline."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from skillnest.catalog.cli import suggest_command
from skillnest.catalog.snapshot import default_snapshot_path, read_snapshot
from skillnest.cli import app
from skillnest.core.cli import unwrap_when_piped, use_settings
from skillnest.settings import Settings

REACT_PROJECT = {"dependencies": {"react": "^19.0.0", "next": "15.1.0"}}


@pytest.fixture
def project(tmp_path, isolated_home, monkeypatch):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps(REACT_PROJECT))
    (folder / "requirements.txt").write_text("numpy\n")
    monkeypatch.chdir(folder)  # no var/skillnest.db here: no local database to fall back on
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("SKILLNEST_DATABASE_URL", raising=False)
    local = f"sqlite+aiosqlite:///{folder / 'var' / 'skillnest.db'}"
    with use_settings(Settings(env="development", database_url=local)):
        yield folder


def json_output(capsys):
    return json.loads(capsys.readouterr().out)


async def test_online_then_offline_with_the_same_skills(client, catalog, project, capsys):
    """The CLI asks the API, caches its snapshot, and ranks the same way when it is down."""
    unwrap_when_piped()  # as the root command does before any command: the table is piped here
    expected_payload = {
        "packages": ["react", "next", "pypi:numpy"],
        "installed_skills": [],
        "limit": 10,
    }
    online_answer = await client.post("/api/v1/skills/suggest", json=expected_payload)
    snapshot = await client.get("/api/v1/catalog/snapshot")
    seen = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/api/v1/skills/suggest":
            assert json.loads(request.content) == expected_payload
            return httpx.Response(200, content=online_answer.content)
        if request.url.path == "/api/v1/catalog/snapshot":
            return httpx.Response(200, content=snapshot.content)
        return httpx.Response(404)

    online = httpx.Client(transport=httpx.MockTransport(api), base_url="http://api")
    assert suggest_command(project, as_json=True, api_url="http://api", client=online) == 0
    first = json_output(capsys)
    assert first["source"] == "api" and first["offline_reason"] is None
    assert first["skills"][0]["name"] == "vercel-react-best-practices"
    assert seen == ["/api/v1/skills/suggest", "/api/v1/catalog/snapshot"]
    assert default_snapshot_path().is_file()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline = httpx.Client(transport=httpx.MockTransport(down))
    assert suggest_command(project, as_json=True, api_url="http://api", client=offline) == 0
    second = json_output(capsys)
    assert second["source"] == "offline"
    assert "cannot be reached" in second["offline_reason"]
    assert "cached snapshot" in second["offline_reason"]
    assert second["skills"] == first["skills"]
    assert second["total"] == first["total"]

    # The human table says the same, and says it is offline.
    assert suggest_command(project, api_url="http://api", client=offline) == 0
    text = capsys.readouterr().out
    assert "offline:" in text and "ranked locally" in text
    assert "vercel-react-best-practices" in text and "uses next, react" in text


def test_offline_without_any_cache_uses_the_shipped_catalog(project, capsys):
    assert suggest_command(project, offline=True, as_json=True) == 0
    result = json_output(capsys)
    assert result["source"] == "offline"
    assert "shipped with skillnest" in result["offline_reason"]
    assert result["skills"][0]["name"] == "vercel-react-best-practices"
    assert result["project"]["manifests"] == ["package.json", "requirements.txt"]


def test_installed_skills_are_sent_and_excluded(project, isolated_home, capsys):
    skill = project / ".claude" / "skills" / "vercel-react-best-practices"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: vercel-react-best-practices\n---\n")
    assert suggest_command(project, offline=True, as_json=True, home=isolated_home) == 0
    result = json_output(capsys)
    assert result["project"]["installed_skills"] == ["vercel-react-best-practices"]
    assert result["matched_installed_skills"] == ["vercel-react-best-practices"]
    assert "vercel-react-best-practices" not in [s["name"] for s in result["skills"]]


def test_errors_are_reported(project, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert suggest_command(empty, offline=True) == 1
    assert "no dependencies" in capsys.readouterr().err
    assert suggest_command(project, offline=True, scope="everywhere") == 2
    assert suggest_command(project, offline=True, agents="emacs") == 2

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"detail": "nope"})

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    assert suggest_command(project, api_url="http://api", client=client) == 1
    assert "nope" in capsys.readouterr().err


@pytest.fixture
def cli_database(cli_database, isolated_home, monkeypatch):
    """The shared CLI database, with a home of its own and wide output."""
    monkeypatch.setenv("COLUMNS", "200")
    return cli_database


def test_import_is_idempotent_and_refuses_bad_input_whole(cli_database, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "upskill").mkdir()
    (bad / "upskill" / "skills-registry.json").write_text('{"skills": [{"id": "x"}]}')
    refused = runner.invoke(app, ["catalog", "import", "--data-dir", str(bad)])
    assert refused.exit_code == 2
    assert (
        "skills-registry.json, record #0 ('x'): title must be a non-empty string" in refused.output
    )
    assert "nothing was written" in refused.output

    first = runner.invoke(app, ["catalog", "import", "--no-package-lists"])
    assert first.exit_code == 0, first.output
    assert "skills: 337 new, 0 updated, 0 unchanged" in first.output
    assert "registry lists better-auth-best-practices twice" in first.output
    skills, _ = read_snapshot(default_snapshot_path())
    assert len(skills) == 337

    second = runner.invoke(app, ["catalog", "import", "--no-package-lists", "--no-snapshot"])
    assert second.exit_code == 0, second.output
    assert "skills: 0 new, 0 updated, 337 unchanged" in second.output
    assert "mappings: 0 new, 0 updated, 741 unchanged" in second.output

    exported = tmp_path / "catalog.json.gz"
    result = runner.invoke(app, ["catalog", "export", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    skills, header = read_snapshot(exported)
    assert len(skills) == 337 and header["source"] == "skillnest catalog export"


def test_offline_falls_back_to_the_local_database(project, cli_database, capsys):
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (
        runner.invoke(app, ["catalog", "import", "--no-package-lists", "--no-snapshot"]).exit_code
        == 0
    )
    capsys.readouterr()
    assert suggest_command(project, offline=True, as_json=True) == 0
    result = json_output(capsys)
    assert "local skillnest database" in result["offline_reason"]
    assert result["skills"][0]["name"] == "vercel-react-best-practices"
    assert result["skills"][0]["id"]  # database rows carry their uuid
    assert not (project / "var").exists()  # it was the configured database, not a stray file
