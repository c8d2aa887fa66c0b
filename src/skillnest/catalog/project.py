"""What a project uses: its npm and PyPI dependencies and the agent skills already installed."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillnest.catalog.ranking import normalise_npm, normalise_pypi

# Agent name -> the folder (in the project, or in the home directory) holding its skills.
AGENT_FOLDERS = {
    "claude": ".claude/skills",
    "cursor": ".cursor/skills",
    "windsurf": ".windsurf/skills",
    "agents": ".agents/skills",
    "gemini": ".gemini/skills",
}
SCOPES = ("project", "global", "all")

# A requirement line starts with a distribution name (PEP 508); options, URLs and paths do not.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_FRONT_MATTER_NAME = re.compile(r"^name:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", re.M)


class ProjectError(ValueError):
    """A manifest exists but cannot be read."""


@dataclass
class Dependencies:
    """The packages a project depends on, per ecosystem, and the files they came from."""

    npm: list[str] = field(default_factory=list)
    pypi: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def request_names(self) -> list[str]:
        """Names for the suggest API: npm names bare, PyPI names as ``pypi:name``."""
        return self.npm + [f"pypi:{name}" for name in self.pypi]


@dataclass(frozen=True)
class InstalledSkill:
    """A skill folder found in an agent's skills directory."""

    skill_id: str
    agent: str
    scope: str
    path: Path


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


def _package_json(path: Path) -> list[str]:
    try:
        return package_json_names(path.read_text(encoding="utf-8"), label=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path} cannot be read as JSON: {exc}") from exc


def package_json_names(text: str, *, label: str = "package.json") -> list[str]:
    """Npm package names of a package.json text (dependencies and devDependencies)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{label} cannot be read as JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ProjectError(f"{label} is not a JSON object")
    names: list[str] = []
    for section in ("dependencies", "devDependencies", "peerDependencies"):
        deps = document.get(section) or {}
        if isinstance(deps, dict):
            names.extend(normalise_npm(name) for name in deps)
    return names


def _requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith(("-", ".", "/")) or "://" in line.split("@", 1)[0]:
        return None
    match = _REQUIREMENT.match(line)
    return normalise_pypi(match.group(1)) if match else None


# ``-r other.txt`` / ``--requirement other.txt`` (and the ``-c`` constraints forms) name
# another file, relative to the one that includes it.
_INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")


def _requirements(path: Path, seen: set[Path] | None = None) -> list[str]:
    """The requirement names of a file and of the files it includes (each read once)."""
    seen = set() if seen is None else seen
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path} cannot be read: {exc}") from exc
    names: list[str] = []
    for line in lines:
        include = _INCLUDE.match(line.split("#", 1)[0])
        if include:
            target = path.parent / include.group(1)
            if not target.is_file():
                raise ProjectError(f"{path} includes {include.group(1)}, which does not exist")
            names.extend(_requirements(target, seen))
            continue
        name = _requirement_name(line)
        if name:
            names.append(name)
    return names


def requirements_names(text: str) -> list[str]:
    """PyPI package names of a pasted requirements.txt text (includes cannot be followed)."""
    return [name for name in map(_requirement_name, text.splitlines()) if name]


def _pyproject(path: Path) -> list[str]:
    try:
        return pyproject_names(path.read_text(encoding="utf-8"), label=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path} cannot be read as TOML: {exc}") from exc


def pyproject_names(text: str, *, label: str = "pyproject.toml") -> list[str]:
    """PyPI package names of a pyproject.toml text (PEP 621, dependency groups, Poetry)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{label} cannot be read as TOML: {exc}") from exc
    specs: list[str] = []
    project: dict[str, Any] = document.get("project", {})
    specs.extend(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    for group in document.get("dependency-groups", {}).values():
        specs.extend(s for s in group if isinstance(s, str))
    names = [n for n in map(_requirement_name, specs) if n]
    poetry: dict[str, Any] = document.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        names.extend(normalise_pypi(name) for name in table if name.lower() != "python")
    return names


def read_dependencies(project: Path) -> Dependencies:
    """Dependencies from package.json, requirements*.txt and pyproject.toml (PEP 621, Poetry)."""
    deps = Dependencies()
    package_json = project / "package.json"
    if package_json.is_file():
        deps.npm.extend(_package_json(package_json))
        deps.sources.append(package_json.name)
    seen: set[Path] = set()
    for requirements in sorted(project.glob("requirements*.txt")):
        deps.pypi.extend(_requirements(requirements, seen))
        deps.sources.append(requirements.name)
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        deps.pypi.extend(_pyproject(pyproject))
        deps.sources.append(pyproject.name)
    deps.npm, deps.pypi = _unique(deps.npm), _unique(deps.pypi)
    return deps


def _skill_id(folder: Path) -> str:
    """The front-matter name of SKILL.md when it is an id, else the folder name."""
    skill_md = folder / "SKILL.md"
    try:
        head = skill_md.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return folder.name
    if head.startswith("---"):
        match = _FRONT_MATTER_NAME.search(head.split("---", 2)[1] if head.count("---") >= 2 else "")
        if match and re.fullmatch(r"[a-z0-9][a-z0-9._-]*", match.group(1).strip()):
            return match.group(1).strip()
    return folder.name


def find_installed_skills(
    project: Path, home: Path, *, scope: str = "all", agents: Iterable[str] | None = None
) -> list[InstalledSkill]:
    """Skill folders in the agents' skills directories of the project and/or home."""
    chosen = list(agents) if agents else list(AGENT_FOLDERS)
    unknown = [a for a in chosen if a not in AGENT_FOLDERS]
    if unknown:
        raise ProjectError(
            f"unknown agent(s) {', '.join(unknown)}; known: {', '.join(AGENT_FOLDERS)}"
        )
    roots = []
    if scope in ("project", "all"):
        roots.append(("project", project))
    if scope in ("global", "all"):
        roots.append(("global", home))
    found: dict[str, InstalledSkill] = {}
    for scope_name, root in roots:
        for agent in chosen:
            directory = root / AGENT_FOLDERS[agent]
            if not directory.is_dir():
                continue
            for folder in sorted(directory.iterdir()):
                if folder.is_dir() and not folder.name.startswith("."):
                    skill_id = _skill_id(folder)
                    found.setdefault(skill_id, InstalledSkill(skill_id, agent, scope_name, folder))
    return list(found.values())
