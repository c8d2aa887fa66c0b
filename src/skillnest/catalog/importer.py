"""Reading the catalog's data files into one validated, merged catalog (no database here).

Inputs (``data/catalog/``, see its README for sources and licences):

* ``upskill/skills-registry.json`` and ``upskill/package-mappings.json``: the Upskill
  registry. Its target packages become ``manual`` mappings with confidence 1.0. An id listed
  twice for one repo is merged, keeping the larger install count, and reported.
* ``skills/agent-skills.json``: skills read from SKILL.md files, keyed on (repo, path). Their
  package mappings are ``inferred`` with a confidence from the evidence (front-matter 0.9,
  heading 0.7, body-mention 0.4). A record with the same repo and name as a registry skill is
  the same skill: its title, description, path and licence complete the registry entry. A name
  already taken by a skill from another repo gets a stable suffix: ``claude-api--jezweb``.
* ``packages/npm-top20k.tsv.gz`` and ``packages/pypi-top15k.tsv.gz``: package names and
  summaries. Packages named by skills but missing from the lists are added without a summary.

Any malformed record stops the import with a :class:`CatalogDataError` naming the file and the
record, before anything is written.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from skillnest.catalog.ranking import (
    CatalogSkill,
    Mapping,
    PackageKey,
    normalise_npm,
    normalise_package,
)

EVIDENCE_CONFIDENCE = {"front-matter": 0.9, "heading": 0.7, "body-mention": 0.4}
MANUAL_CONFIDENCE = 1.0
REGISTRY = Path("upskill/skills-registry.json")
REGISTRY_MAPPINGS = Path("upskill/package-mappings.json")
AGENT_SKILLS = Path("skills/agent-skills.json")
PACKAGE_LISTS = {
    "npm": Path("packages/npm-top20k.tsv.gz"),
    "pypi": Path("packages/pypi-top15k.tsv.gz"),
}
DATA_ENV = "SKILLNEST_CATALOG_DATA"

# (label, total) -> advance(n); the CLI plugs a Rich progress bar in, tests pass nothing.
Progress = Callable[[str, int], Callable[[int], None]]


def _no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None


class CatalogDataError(ValueError):
    """A data file or one of its records cannot be imported."""

    def __init__(self, file: Path | str, record: str | None, problem: str):
        self.file = str(file)
        self.record = record
        self.problem = problem
        where = f"{file}, record {record}" if record else str(file)
        super().__init__(f"{where}: {problem}")


@dataclass
class PackageRecord:
    """A package row to upsert."""

    name: str
    ecosystem: str
    description: str | None
    npm_url: str


@dataclass
class MappingRecord:
    """A package-skill mapping to upsert."""

    confidence: float
    source: str


@dataclass
class SkillRecord:
    """A merged skill to upsert, with its tags, mappings and source version."""

    skill_id: str
    name: str
    title: str
    description: str | None
    repo: str
    path: str | None
    installs: int
    license: str | None
    tags: list[str] = field(default_factory=list)
    mappings: dict[PackageKey, MappingRecord] = field(default_factory=dict)
    commit: str | None = None

    @property
    def source_url(self) -> str:
        """The skill's page on skills.sh."""
        return f"https://skills.sh/{self.repo}/{self.name}"

    def add_mapping(self, key: PackageKey, confidence: float, source: str) -> None:
        """Keep the strongest evidence for each package (manual 1.0 beats inferred)."""
        current = self.mappings.get(key)
        if current is None or confidence > current.confidence:
            self.mappings[key] = MappingRecord(confidence, source)


@dataclass
class CatalogData:
    """Everything one import writes, plus what it had to decide on the way."""

    packages: dict[PackageKey, PackageRecord]
    skills: list[SkillRecord]
    notes: list[str]

    @property
    def mapping_count(self) -> int:
        """How many package-skill mappings the skills carry."""
        return sum(len(s.mappings) for s in self.skills)

    def catalog_skills(self) -> list[CatalogSkill]:
        """The skills in the shape ranking uses (no database ids)."""
        return [
            CatalogSkill(
                id=None,
                skill_id=s.skill_id,
                title=s.title,
                description=s.description,
                repo=s.repo,
                installs=s.installs,
                mappings=tuple(
                    sorted(
                        Mapping(k.name, k.ecosystem, m.confidence) for k, m in s.mappings.items()
                    )
                ),
            )
            for s in self.skills
        ]


def default_data_dir() -> Path:
    """``$SKILLNEST_CATALOG_DATA``, else the repository's ``data/catalog``."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "data" / "catalog"


def registry_url(name: str, ecosystem: str) -> str:
    """The package's page on its registry."""
    if ecosystem == "pypi":
        return f"https://pypi.org/project/{normalise_package(name, 'pypi')}/"
    return f"https://www.npmjs.com/package/{name.strip()}"


# --- validation helpers -------------------------------------------------------------------


def _load_json(data_dir: Path, relative: Path) -> Any:
    path = data_dir / relative
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogDataError(relative, None, "file not found") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogDataError(relative, None, f"not valid JSON: {exc}") from exc


def _text(
    value: Any,
    what: str,
    fail: Callable[[str], CatalogDataError],
    *,
    max_len: int,
    optional: bool = False,
) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{what} must be a non-empty string")
    value = value.strip()
    if len(value) > max_len:
        raise fail(f"{what} is longer than {max_len} characters")
    return value


def _required(value: Any, what: str, fail: Callable[[str], CatalogDataError], max_len: int) -> str:
    text = _text(value, what, fail, max_len=max_len)
    assert text is not None
    return text


def _string_list(value: Any, what: str, fail: Callable[[str], CatalogDataError]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"{what} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _repo(value: Any, fail: Callable[[str], CatalogDataError]) -> str:
    repo = _required(value, "repo", fail, 255)
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise fail(f"repo {repo!r} is not 'owner/name'")
    return repo


def _failer(file: Path, index: int, ident: Any) -> Callable[[str], CatalogDataError]:
    label = f"#{index}" + (f" ({ident!r})" if isinstance(ident, str) and ident else "")
    return lambda problem: CatalogDataError(file, label, problem)


# --- readers --------------------------------------------------------------------------------


def _read_registry(data_dir: Path, notes: list[str]) -> list[SkillRecord]:
    document = _load_json(data_dir, REGISTRY)
    if not isinstance(document, dict) or not isinstance(document.get("skills"), list):
        raise CatalogDataError(REGISTRY, None, 'expected {"skills": [...]}')
    by_key: dict[tuple[str, str], SkillRecord] = {}
    for index, raw in enumerate(document["skills"]):
        fail = _failer(REGISTRY, index, raw.get("id") if isinstance(raw, dict) else None)
        if not isinstance(raw, dict):
            raise fail("must be an object")
        skill_id = _required(raw.get("id"), "id", fail, 255)
        installs = raw.get("installs", 0)
        if isinstance(installs, bool) or not isinstance(installs, int) or installs < 0:
            raise fail("installs must be a non-negative integer")
        record = SkillRecord(
            skill_id=skill_id,
            name=skill_id,
            title=_required(raw.get("title"), "title", fail, 500),
            description=_text(
                raw.get("description"), "description", fail, max_len=10_000, optional=True
            ),
            repo=_repo(raw.get("repo"), fail),
            path=None,
            installs=installs,
            license=None,
            tags=[t.lower() for t in _string_list(raw.get("tags", []), "tags", fail)],
        )
        for name in _string_list(raw.get("targetPackages", []), "targetPackages", fail):
            record.add_mapping(PackageKey(normalise_npm(name), "npm"), MANUAL_CONFIDENCE, "manual")
        key = (record.repo, skill_id)
        earlier = by_key.get(key)
        if earlier is None:
            by_key[key] = record
            continue
        kept = max(earlier.installs, record.installs)
        notes.append(
            f"registry lists {skill_id} twice (installs {earlier.installs} and "
            f"{record.installs}): merged, kept {kept}"
        )
        earlier.installs = kept
        earlier.tags = sorted(set(earlier.tags) | set(record.tags))
        for pkg, mapping in record.mappings.items():
            earlier.add_mapping(pkg, mapping.confidence, mapping.source)

    mappings = _load_json(data_dir, REGISTRY_MAPPINGS)
    if not isinstance(mappings, dict):
        raise CatalogDataError(REGISTRY_MAPPINGS, None, "expected {skillId: [package, ...]}")
    by_id = {record.skill_id: record for record in by_key.values()}
    for index, (skill_id, names) in enumerate(mappings.items()):
        fail = _failer(REGISTRY_MAPPINGS, index, skill_id)
        if skill_id not in by_id:
            raise fail("names a skill that is not in the registry")
        for name in _string_list(names, "packages", fail):
            by_id[skill_id].add_mapping(
                PackageKey(normalise_npm(name), "npm"), MANUAL_CONFIDENCE, "manual"
            )
    return list(by_key.values())


_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")


def skill_name(front_matter_name: str, path: str) -> str:
    """The id of a SKILL.md skill: its front-matter name, or its folder when that is no id.

    Some SKILL.md files name the skill in prose ("AI SDK UI"); agents install a skill into a
    folder named after its directory (``skills/ai-sdk-ui/SKILL.md``), so that is its id.
    """
    if _SLUG.fullmatch(front_matter_name):
        return front_matter_name
    folder = PurePosixPath(path).parent.name.lower()
    if _SLUG.fullmatch(folder):
        return folder
    return re.sub(r"[^a-z0-9._-]+", "-", front_matter_name.lower()).strip("-._") or "skill"


def _read_agent_skills(data_dir: Path, notes: list[str]) -> Iterator[SkillRecord]:
    document = _load_json(data_dir, AGENT_SKILLS)
    if not isinstance(document, list):
        raise CatalogDataError(AGENT_SKILLS, None, "expected a list of skills")
    seen: set[tuple[str, str]] = set()
    renamed: list[str] = []
    for index, raw in enumerate(document):
        fail = _failer(AGENT_SKILLS, index, raw.get("skill_id") if isinstance(raw, dict) else None)
        if not isinstance(raw, dict):
            raise fail("must be an object")
        front_matter_name = _required(raw.get("skill_id"), "skill_id", fail, 200)
        repo = _repo(raw.get("repo"), fail)
        path = _required(raw.get("path"), "path", fail, 500)
        name = skill_name(front_matter_name, path)
        if name != front_matter_name:
            renamed.append(f"{front_matter_name!r} -> {name}")
        if (repo, path) in seen:
            raise fail(f"{repo}/{path} appears twice")
        seen.add((repo, path))
        commit = _text(raw.get("commit"), "commit", fail, max_len=50, optional=True)
        licence = raw.get("license")
        record = SkillRecord(
            skill_id=name,
            name=name,
            title=_required(raw.get("title"), "title", fail, 500),
            description=_text(
                raw.get("description"), "description", fail, max_len=10_000, optional=True
            ),
            repo=repo,
            path=path,
            installs=0,
            license=licence.strip()[:255] if isinstance(licence, str) and licence.strip() else None,
            commit=commit,
        )
        packages = raw.get("packages", [])
        if not isinstance(packages, list):
            raise fail("packages must be a list")
        for pkg in packages:
            if not isinstance(pkg, dict):
                raise fail("each package must be an object")
            ecosystem = pkg.get("ecosystem")
            if ecosystem not in ("npm", "pypi"):
                raise fail(f"package ecosystem {ecosystem!r} is not npm or pypi")
            evidence = pkg.get("evidence")
            if evidence not in EVIDENCE_CONFIDENCE:
                raise fail(
                    f"package evidence {evidence!r} is not one of {sorted(EVIDENCE_CONFIDENCE)}"
                )
            pkg_name = _required(pkg.get("name"), "package name", fail, 255)
            record.add_mapping(
                PackageKey(normalise_package(pkg_name, ecosystem), ecosystem),
                EVIDENCE_CONFIDENCE[evidence],
                "inferred",
            )
        yield record
    if renamed:
        notes.append(
            f"{len(renamed)} SKILL.md names are not ids and use their folder name: "
            + ", ".join(renamed)
        )


def _read_package_list(
    data_dir: Path, ecosystem: str, packages: dict[PackageKey, PackageRecord]
) -> None:
    relative = PACKAGE_LISTS[ecosystem]
    try:
        with gzip.open(data_dir / relative, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError as exc:
        raise CatalogDataError(relative, None, "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogDataError(relative, None, f"cannot be read: {exc}") from exc
    if not lines or lines[0].split("\t")[0] != "name":
        raise CatalogDataError(relative, None, "expected a header line starting with 'name'")
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 4 or not fields[0].strip():
            raise CatalogDataError(relative, f"line {number}", "expected 4 tab-separated fields")
        raw_name, summary = fields[0].strip(), fields[3].strip()
        if len(raw_name) > 255:
            raise CatalogDataError(relative, f"line {number}", "name is longer than 255 characters")
        key = PackageKey(normalise_package(raw_name, ecosystem), ecosystem)
        packages.setdefault(
            key,
            PackageRecord(key.name, ecosystem, summary or None, registry_url(raw_name, ecosystem)),
        )


def _suffixed(name: str, repo: str, taken: set[str]) -> str:
    """A stable id for a name already taken by a skill of another repo."""
    owner, _, repo_name = repo.partition("/")
    for candidate in (f"{name}--{owner}", f"{name}--{owner}-{repo_name}"):
        if candidate.lower() not in taken:
            return candidate[:255]
    n = 2
    while f"{name}--{owner}-{repo_name}-{n}".lower() in taken:
        n += 1
    return f"{name}--{owner}-{repo_name}-{n}"[:255]


def read_catalog(
    data_dir: Path | None = None,
    *,
    include_package_lists: bool = True,
    progress: Progress = _no_progress,
) -> CatalogData:
    """Read, validate and merge every data file; raises ``CatalogDataError`` on bad input."""
    data_dir = data_dir or default_data_dir()
    if not data_dir.is_dir():
        raise CatalogDataError(data_dir, None, "data directory not found")
    notes: list[str] = []

    skills = _read_registry(data_dir, notes)
    advance = progress("registry", 1)
    advance(1)
    by_name = {(s.repo, s.name): s for s in skills}
    taken = {s.skill_id.lower() for s in skills}
    agent_records = list(_read_agent_skills(data_dir, notes))
    advance = progress("agent skills", len(agent_records))
    for record in agent_records:
        registry_entry = by_name.get((record.repo, record.name))
        if registry_entry is not None and registry_entry.path is None:
            # The same skill: SKILL.md gives the real title, description and where it lives.
            registry_entry.title = record.title
            registry_entry.description = record.description or registry_entry.description
            registry_entry.path = record.path
            registry_entry.license = record.license
            registry_entry.commit = record.commit
            for key, mapping in record.mappings.items():
                registry_entry.add_mapping(key, mapping.confidence, mapping.source)
        else:
            if record.skill_id.lower() in taken:
                record.skill_id = _suffixed(record.name, record.repo, taken)
                notes.append(
                    f"{record.name} from {record.repo} ({record.path}) is imported as "
                    f"{record.skill_id}: the name is taken by another repo's skill"
                )
            taken.add(record.skill_id.lower())
            by_name.setdefault((record.repo, record.name), record)
            skills.append(record)
        advance(1)

    packages: dict[PackageKey, PackageRecord] = {}
    if include_package_lists:
        for ecosystem in PACKAGE_LISTS:
            advance = progress(f"{ecosystem} package list", 1)
            _read_package_list(data_dir, ecosystem, packages)
            advance(1)
    missing = 0
    for skill in skills:
        for key in skill.mappings:
            if key not in packages:
                packages[key] = PackageRecord(
                    key.name, key.ecosystem, None, registry_url(key.name, key.ecosystem)
                )
                missing += 1
    if include_package_lists and missing:
        notes.append(f"{missing} packages named by skills are not in the package lists: added")
    return CatalogData(packages=packages, skills=skills, notes=notes)
