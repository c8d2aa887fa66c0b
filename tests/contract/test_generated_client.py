"""A client generated from /openapi.json compiles and its models parse real responses."""

from __future__ import annotations

import compileall
import importlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from skillnest.app import create_app
from tests.factories import login, make_user

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "var" / "client-venv"


def generator_requirement() -> str:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (requirement,) = extras["optional-dependencies"]["openapi-client"]
    return str(requirement)


def generator() -> Path:
    """openapi-python-client in its own virtualenv (its Typer pin differs from ours)."""
    tool = VENV / "bin" / "openapi-python-client"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "pip"), "install", "--quiet", generator_requirement()]
        subprocess.run(pip, check=True, timeout=600)
    return tool


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, settings) -> ModuleType:
    directory = tmp_path_factory.mktemp("client")
    document = create_app(settings).openapi()
    (directory / "openapi.json").write_text(json.dumps(document))
    (directory / "config.json").write_text(json.dumps({"post_hooks": []}))
    result = subprocess.run(
        [
            str(generator()),
            "generate",
            "--path",
            str(directory / "openapi.json"),
            "--output-path",
            str(directory / "skillnest_client"),
            "--meta",
            "none",
            "--config",
            str(directory / "config.json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unable to parse" not in result.stdout, result.stdout
    assert "will not be generated" not in result.stdout, result.stdout
    assert compileall.compile_dir(directory / "skillnest_client", quiet=1)
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module("skillnest_client.models")
    finally:
        sys.path.remove(str(directory))


def model_for(document: dict[str, Any], models: ModuleType, path: str) -> type:
    """The generated class of the 200 body of GET ``path``."""
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    ref = schema["schema"]["$ref"].rsplit("/", 1)[1]
    title = document["components"]["schemas"][ref].get("title", ref)
    by_name = {name.lower(): cls for name, cls in vars(models).items() if isinstance(cls, type)}
    return by_name[re.sub(r"[^0-9a-zA-Z]", "", title).lower()]


# One or more list or read routes of every module, answered for a signed-in user.
ROUTES = [
    "/health",
    "/api/v1/me",
    "/api/v1/chats",
    "/api/v1/help/feed",
    "/api/v1/skills",
    "/api/v1/catalog/snapshot",
    "/api/v1/jobs",
    "/api/v1/me/skill-score",
    "/api/v1/gauge/me",
    "/api/v1/gauge/contracts",
]


async def test_generated_models_parse_real_responses(generated, app, client, session):
    document = app.openapi()
    headers = await login(client, await make_user(session))
    for path in ROUTES:
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        parsed = model_for(document, generated, path).from_dict(response.json())
        assert parsed.to_dict() is not None, path
