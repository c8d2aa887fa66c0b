"""Reading a project's manifests and its installed agent skills."""

from __future__ import annotations

import json

import pytest

from skillnest.catalog.project import (
    ProjectError,
    find_installed_skills,
    read_dependencies,
)


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def test_package_json_dependencies_and_dev_dependencies(tmp_path):
    write(
        tmp_path / "package.json",
        json.dumps(
            {
                "dependencies": {"React": "^19", "next": "15", "@ai-sdk/openai": "1"},
                "devDependencies": {"typescript": "5", "react": "19"},
                "peerDependencies": {"vue": "3"},
            }
        ),
    )
    deps = read_dependencies(tmp_path)
    assert deps.npm == ["react", "next", "@ai-sdk/openai", "typescript", "vue"]
    assert deps.sources == ["package.json"]
    assert deps.request_names() == deps.npm


def test_requirements_files(tmp_path):
    write(
        tmp_path / "requirements.txt",
        "\n".join(
            [
                "# comment",
                "Django==5.0  # web",
                "requests[socks]>=2",
                "numpy ; python_version >= '3.11'",
                "-r other.txt",
                "--index-url https://example.org/simple",
                "-e ./local",
                "git+https://github.com/acme/thing.git",
                "Flask_SQLAlchemy @ https://example.org/f.whl",
                "",
            ]
        ),
    )
    write(tmp_path / "other.txt", "pandas\n-c requirements.txt\n")
    write(tmp_path / "requirements-dev.txt", "pytest\nzope.interface\n")
    deps = read_dependencies(tmp_path)
    assert deps.pypi == [
        "pytest",
        "zope-interface",
        "django",
        "requests",
        "numpy",
        "pandas",
        "flask-sqlalchemy",
    ]
    assert deps.sources == ["requirements-dev.txt", "requirements.txt"]
    assert deps.request_names()[0] == "pypi:pytest"


def test_pyproject_pep621_and_poetry(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "demo"
dependencies = ["FastAPI>=0.100", "pydantic[email]"]
[project.optional-dependencies]
ml = ["scikit-learn"]
[dependency-groups]
dev = ["pytest", {include-group = "ml"}]
[tool.poetry.dependencies]
python = "^3.11"
SQLAlchemy = "^2"
[tool.poetry.group.test.dependencies]
hypothesis = "*"
""",
    )
    deps = read_dependencies(tmp_path)
    assert deps.pypi == [
        "fastapi", "pydantic", "scikit-learn", "pytest", "sqlalchemy", "hypothesis",
    ]  # fmt: skip


def test_unreadable_manifests_are_errors(tmp_path):
    write(tmp_path / "package.json", "{not json")
    with pytest.raises(ProjectError, match="package.json"):
        read_dependencies(tmp_path)


def test_installed_skills_in_project_and_home(tmp_path):
    project, home = tmp_path / "project", tmp_path / "home"
    write(
        project / ".claude/skills/react-helper/SKILL.md",
        "---\nname: vercel-react-best-practices\n---\n",
    )
    write(project / ".cursor/skills/plain-folder/README.md", "no SKILL.md")
    write(project / ".cursor/skills/prose/SKILL.md", "---\nname: Some Prose Name\n---\n")
    write(home / ".gemini/skills/seo-audit/SKILL.md", "# SEO audit")
    write(project / ".windsurf/skills/.hidden/SKILL.md", "")

    every = find_installed_skills(project, home)
    assert {(s.skill_id, s.agent, s.scope) for s in every} == {
        ("vercel-react-best-practices", "claude", "project"),
        ("plain-folder", "cursor", "project"),
        ("prose", "cursor", "project"),
        ("seo-audit", "gemini", "global"),
    }
    assert {s.skill_id for s in find_installed_skills(project, home, scope="global")} == {
        "seo-audit"
    }
    only_claude = find_installed_skills(project, home, scope="project", agents=["claude"])
    assert [s.skill_id for s in only_claude] == ["vercel-react-best-practices"]
    with pytest.raises(ProjectError, match="unknown agent"):
        find_installed_skills(project, home, agents=["emacs"])


def test_requirements_that_only_include_another_file(tmp_path):
    write(tmp_path / "requirements.txt", "-r requirements/production.txt\n")
    write(tmp_path / "requirements" / "production.txt", "--requirement=base.txt\ngunicorn\n")
    write(tmp_path / "requirements" / "base.txt", "Django\n-cconstraints.txt\n")
    write(tmp_path / "requirements" / "constraints.txt", "celery==5\n")
    assert read_dependencies(tmp_path).pypi == ["django", "celery", "gunicorn"]


def test_an_include_that_does_not_exist_is_an_error(tmp_path):
    write(tmp_path / "requirements.txt", "-r missing.txt\n")
    with pytest.raises(ProjectError, match="missing.txt"):
        read_dependencies(tmp_path)
