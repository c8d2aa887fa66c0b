"""Web pages of the skill catalog: skills for a project's manifest, search, a skill's page."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from skillnest.catalog import service
from skillnest.catalog.project import (
    ProjectError,
    package_json_names,
    pyproject_names,
    requirements_names,
)
from skillnest.catalog.schemas import MAX_PACKAGES
from skillnest.core.deps import CacheDep, SessionDep
from skillnest.web.registry import NavItem
from skillnest.web.security import MaybeViewer
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

NAV = [NavItem("Skill catalog", "/catalog")]
MANIFESTS = ("package.json", "requirements.txt", "pyproject.toml")
MAX_MANIFEST = 200_000
SUGGESTIONS = 20
PAGE_SIZE = 20
Ident = Annotated[str, Path(min_length=1, max_length=300)]


def packages_of(kind: str, text: str) -> list[str]:
    """Package names for the suggest service: npm names bare, PyPI names as ``pypi:name``."""
    if kind == "package.json":
        return list(dict.fromkeys(package_json_names(text)))
    names = pyproject_names(text) if kind == "pyproject.toml" else requirements_names(text)
    return list(dict.fromkeys(f"pypi:{name}" for name in names))


def kind_of(filename: str | None, chosen: str) -> str:
    """The manifest kind from an uploaded file's name, else the one chosen in the form."""
    name = (filename or "").rsplit("/", 1)[-1].lower()
    if name == "package.json" or name == "pyproject.toml":
        return name
    if name.startswith("requirements") and name.endswith(".txt"):
        return "requirements.txt"
    return chosen if chosen in MANIFESTS else "package.json"


def _suggest_page(request: Request, **context: Any) -> Response:
    status_code = 422 if context.get("error") else 200
    defaults = {
        "manifests": MANIFESTS,
        "kind": "package.json",
        "text": "",
        "result": None,
        "error": None,
    }
    return render(request, "catalog/suggest.html", defaults | context, status_code=status_code)


@router.get("/catalog", response_class=HTMLResponse)
async def read_suggest(request: Request, viewer: MaybeViewer) -> Response:
    """Paste or upload a manifest to get skills for the project."""
    return _suggest_page(request)


@router.post("/catalog", response_class=HTMLResponse)
async def suggest(
    request: Request,
    viewer: MaybeViewer,
    session: SessionDep,
    cache: CacheDep,
    kind: Annotated[str, Form(max_length=30)] = "package.json",
    text: Annotated[str, Form(max_length=MAX_MANIFEST)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The suggestions for the pasted or uploaded manifest, each with its reason."""
    if upload is not None and upload.filename:
        raw = await upload.read(MAX_MANIFEST + 1)
        if len(raw) > MAX_MANIFEST:
            return _suggest_page(request, kind=kind, error="The file is larger than 200 kB.")
        text = raw.decode("utf-8", errors="replace")
        kind = kind_of(upload.filename, kind)
    kind = kind if kind in MANIFESTS else "package.json"
    try:
        packages = packages_of(kind, text)
    except ProjectError as exc:
        return _suggest_page(request, kind=kind, text=text, error=str(exc))
    if not packages:
        error = f"No dependencies found in this {kind}."
        return _suggest_page(request, kind=kind, text=text, error=error)
    body = await service.suggest_for(
        session=session,
        cache=cache,
        packages=packages[:MAX_PACKAGES],
        installed_skills=[],
        limit=SUGGESTIONS,
        user_id=viewer.id if viewer else None,
    )
    result = json.loads(body)
    return _suggest_page(request, kind=kind, text=text, result=result, packages=packages)


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
    """A skill: its packages, installs, tags and the skills installed with it."""
    skill = await service.skill_document(session=session, ident=ident)
    related = await service.related_skills(session=session, ident=ident, limit=10)
    return render(request, "catalog/skill.html", {"skill": skill, "related": related})
