"""Web pages of the skill catalog: skills for a project's manifest, search, a skill's page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from skillnest.catalog import service
from skillnest.catalog.project import (
    AGENT_FOLDERS,
    ProjectError,
    package_json_names,
    pyproject_names,
    requirements_names,
)
from skillnest.catalog.schemas import MAX_PACKAGES, PreferenceIn
from skillnest.core.deps import CacheDep, SessionDep
from skillnest.web.forms import FormInvalid, messages_of, safe_next, split_list
from skillnest.web.registry import NavItem
from skillnest.web.security import MaybeViewer, SignedIn
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

NAV = [NavItem("Skill catalog", "/catalog")]
MANIFESTS = ("package.json", "requirements.txt", "pyproject.toml")
MAX_MANIFEST = 200_000
MAX_FOLDER_FILES = 20
SUGGESTIONS = 20
PAGE_SIZE = 20
AGENTS = tuple(AGENT_FOLDERS)
Ident = Annotated[str, Path(min_length=1, max_length=300)]


def packages_of(kind: str, text: str) -> list[str]:
    """Package names for the suggest service: npm names bare, PyPI names as ``pypi:name``."""
    if kind == "package.json":
        return list(dict.fromkeys(package_json_names(text)))
    names = pyproject_names(text) if kind == "pyproject.toml" else requirements_names(text)
    return list(dict.fromkeys(f"pypi:{name}" for name in names))


def manifest_kind(filename: str | None) -> str | None:
    """The manifest kind of a file name (a path's last part), or None for another file."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name in ("package.json", "pyproject.toml"):
        return name
    if name.startswith("requirements") and name.endswith(".txt"):
        return "requirements.txt"
    return None


def kind_of(filename: str | None, chosen: str) -> str:
    """The manifest kind from an uploaded file's name, else the one chosen in the form."""
    return manifest_kind(filename) or (chosen if chosen in MANIFESTS else "package.json")


@dataclass(frozen=True, slots=True)
class Manifest:
    """One manifest read for a suggestion: where it came from, its kind and its packages."""

    label: str
    kind: str
    packages: list[str]


def read_manifests(sources: list[tuple[str, str, str]]) -> list[Manifest]:
    """The packages of each (label, kind, text); ProjectError names the unreadable one."""
    out = []
    for label, kind, text in sources:
        try:
            out.append(Manifest(label, kind, packages_of(kind, text)))
        except ProjectError as exc:
            message = str(exc)
            raise ProjectError(message if label in message else f"{label}: {message}") from exc
    return out


def _suggest_page(request: Request, **context: Any) -> Response:
    status_code = 422 if context.get("error") else 200
    defaults: dict[str, Any] = {
        "manifests": MANIFESTS,
        "kind": "package.json",
        "text": "",
        "installed": "",
        "read": [],
        "result": None,
        "error": None,
    }
    return render(request, "catalog/suggest.html", defaults | context, status_code=status_code)


@router.get("/catalog", response_class=HTMLResponse)
async def read_suggest(request: Request, viewer: MaybeViewer) -> Response:
    """Paste, upload or pick a folder's manifests to get skills for the project."""
    return _suggest_page(request)


async def _sources(
    kind: str,
    text: str,
    upload: UploadFile | None,
    folder_path: list[str],
    folder_text: list[str],
) -> tuple[str, str, list[tuple[str, str, str]]]:
    """The manifests a suggest form carries: a folder's, else an upload, else the pasted text.

    Returns the kind and text to show again in the form, and (label, kind, text) sources.
    """
    if folder_path:
        if len(folder_path) != len(folder_text) or len(folder_path) > MAX_FOLDER_FILES:
            raise ProjectError(f"Pick a folder with at most {MAX_FOLDER_FILES} manifests.")
        sources = []
        for path, content in zip(folder_path, folder_text, strict=True):
            found = manifest_kind(path)
            if found is None or len(path) > 500 or len(content) > MAX_MANIFEST:
                raise ProjectError(f"{path[:500]} is not a manifest the catalog reads.")
            sources.append((path, found, content))
        return kind, text, sources
    if upload is not None and upload.filename:
        raw = await upload.read(MAX_MANIFEST + 1)
        if len(raw) > MAX_MANIFEST:
            raise ProjectError("The file is larger than 200 kB.")
        text = raw.decode("utf-8", errors="replace")
        kind = kind_of(upload.filename, kind)
        return kind, text, [(upload.filename, kind, text)]
    kind = kind if kind in MANIFESTS else "package.json"
    return kind, text, [(kind, kind, text)]


@router.post("/catalog", response_class=HTMLResponse)
async def suggest(
    request: Request,
    viewer: MaybeViewer,
    session: SessionDep,
    cache: CacheDep,
    kind: Annotated[str, Form(max_length=30)] = "package.json",
    text: Annotated[str, Form(max_length=MAX_MANIFEST)] = "",
    installed: Annotated[str, Form(max_length=10_000)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
    folder_path: Annotated[list[str] | None, Form()] = None,
    folder_text: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The suggestions for the manifests sent, each with its reason."""
    skills = split_list(installed)[:MAX_PACKAGES]
    form = {"kind": kind, "text": text, "installed": installed}
    try:
        kind, text, sources = await _sources(
            kind, text, upload, folder_path or [], folder_text or []
        )
        form |= {"kind": kind, "text": text}
        read = read_manifests(sources)
    except ProjectError as exc:
        return _suggest_page(request, **form, error=str(exc))
    packages = list(dict.fromkeys(p for m in read for p in m.packages))
    if not packages and not skills:
        where = read[0].label if len(read) == 1 else "these manifests"
        return _suggest_page(request, **form, error=f"No dependencies found in {where}.")
    body = await service.suggest_for(
        session=session,
        cache=cache,
        packages=packages[:MAX_PACKAGES],
        installed_skills=skills,
        limit=SUGGESTIONS,
        user_id=viewer.id if viewer else None,
    )
    result = json.loads(body)
    return _suggest_page(request, **form, read=read, result=result)


@router.get("/catalog/skills", response_class=HTMLResponse)
async def search(
    request: Request,
    viewer: MaybeViewer,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    tag: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """Search and browse the skills."""
    page = await service.list_skills(
        session=session, q=q or None, tag=tag or None, limit=PAGE_SIZE, offset=offset
    )
    context = {"page": page, "q": q, "tag": tag}
    return render(request, "catalog/skills.html", context)


@router.get("/catalog/skills/{ident:path}", response_class=HTMLResponse)
async def read_skill(
    request: Request, ident: Ident, viewer: MaybeViewer, session: SessionDep
) -> Response:
    """A skill: its packages, installs, tags, the skills installed with it, your preference."""
    skill = await service.skill_document(session=session, ident=ident)
    related = await service.related_skills(session=session, ident=ident, limit=10)
    preference = None
    if viewer is not None:
        preference = await service.get_preference(session=session, user_id=viewer.id, ident=ident)
    context = {
        "skill": skill,
        "related": related,
        "preference": preference,
        "agents": AGENTS,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "catalog/skill.html", context)


@router.get("/catalog/preferences", response_class=HTMLResponse)
async def read_preferences(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The skills the person switched on or off, with the agents and scope they chose."""
    page = await service.list_preferences(
        session=session, user_id=viewer.id, limit=PAGE_SIZE, offset=offset
    )
    return render(request, "catalog/preferences.html", {"page": page})


@router.post("/catalog/preferences/{ident:path}", response_class=HTMLResponse)
async def put_preference(
    ident: Ident,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    is_enabled: Annotated[str, Form(max_length=10)] = "",
    preferred_agents: Annotated[list[str] | None, Form()] = None,
    preferred_scope: Annotated[str, Form(max_length=20)] = "project",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Store the person's preference for a skill; a disabled skill leaves their suggestions."""
    values = {
        "is_enabled": is_enabled == "on",
        "preferred_agents": preferred_agents or [],
        "preferred_scope": preferred_scope,
    }
    try:
        data = PreferenceIn.model_validate(values)
    except ValidationError as exc:
        raise FormInvalid(messages_of(exc)) from exc
    await service.put_preference(
        session=session, cache=cache, user_id=viewer.id, ident=ident, data=data
    )
    target = safe_next(next, f"/catalog/skills/{quote(ident)}?saved=1")
    return RedirectResponse(target, status_code=303)
