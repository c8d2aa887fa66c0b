"""Web pages of career documents: generate, edit with preview, versions, diff, restore, download."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillnest.careers.documents import render as document_render
from skillnest.careers.documents import schemas, service
from skillnest.core.deps import SessionDep
from skillnest.web.forms import FormInvalid, parse
from skillnest.web.security import SignedIn
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Query(ge=1, le=100_000)]
Markdown = Annotated[str, Form(max_length=100_000)]
PAGE_SIZE = 50


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """A unified diff of two texts as (kind, line) pairs: kind is add, del, hunk or same."""
    out: list[tuple[str, str]] = []
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    for line in list(lines)[2:]:  # the ---/+++ header names nothing useful here
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        out.append((kind, line))
    return out


@router.get("/careers/documents", response_class=HTMLResponse)
async def list_documents(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """The person's documents and the templates to generate one from."""
    documents = await service.list_documents(
        session=session, user_id=viewer.id, limit=PAGE_SIZE, offset=0
    )
    templates = await service.list_templates(
        session=session, document_type=None, limit=PAGE_SIZE, offset=0
    )
    context = {"documents": documents, "templates": templates}
    return render(request, "careers/documents.html", context)


@router.post("/careers/documents", response_class=HTMLResponse)
async def generate(
    viewer: SignedIn,
    session: SessionDep,
    template_id: Annotated[str, Form(max_length=12)] = "",
    title: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """Generate a document from a template and the profile; it becomes version 1."""
    data = parse(
        schemas.GenerateIn,
        {"template_id": template_id, "title": title.strip() or None},
        {"template_id": "Template"},
    )
    document = await service.generate_document(session=session, user_id=viewer.id, data=data)
    return RedirectResponse(f"/careers/documents/{document.id}", status_code=303)


async def _editor(
    request: Request,
    viewer: Any,
    session: Any,
    document_id: int,
    *,
    errors: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    document = await service.get_document(
        session=session, user_id=viewer.id, document_id=document_id
    )
    versions = await service.list_versions(
        session=session, user_id=viewer.id, document_id=document_id, limit=PAGE_SIZE, offset=0
    )
    context = {
        "doc": document,
        "versions": versions,
        "errors": errors or [],
        "notice": notice or request.query_params.get("done"),
    }
    return render(request, "careers/document.html", context, status_code=status_code)


@router.get("/careers/documents/{document_id}", response_class=HTMLResponse)
async def read_document(
    request: Request, document_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """The Markdown editor with its preview and the versions."""
    return await _editor(request, viewer, session, document_id)


@router.post("/careers/documents/{document_id}", response_class=HTMLResponse)
async def edit(
    request: Request,
    document_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    markdown: Markdown = "",
    changes: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Save the Markdown as the next version."""
    try:
        data = parse(
            schemas.DocumentEdit,
            {"markdown": markdown, "changes": changes.strip() or None},
            {"markdown": "Text"},
        )
    except FormInvalid as exc:
        return await _editor(
            request, viewer, session, document_id, errors=exc.messages, status_code=422
        )
    await service.edit_document(
        session=session, user_id=viewer.id, document_id=document_id, data=data
    )
    return RedirectResponse(f"/careers/documents/{document_id}?done=saved", status_code=303)


@router.post("/careers/documents/{document_id}/preview", response_class=HTMLResponse)
async def preview(document_id: Id, viewer: SignedIn, markdown: Markdown = "") -> Response:
    """The editor's live preview: the Markdown as HTML (raw HTML in it stays escaped)."""
    return HTMLResponse(document_render.markdown_to_html(markdown))


@router.post("/careers/documents/{document_id}/restore", response_class=HTMLResponse)
async def restore(
    document_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    version: Annotated[int, Form(ge=1, le=100_000)],
) -> Response:
    """Make an old version current again (as a new version)."""
    await service.restore_version(
        session=session, user_id=viewer.id, document_id=document_id, version=version
    )
    return RedirectResponse(f"/careers/documents/{document_id}?done=restored", status_code=303)


@router.get("/careers/documents/{document_id}/diff", response_class=HTMLResponse)
async def diff(
    request: Request,
    document_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    a: Version = 1,
    b: Version = 1,
) -> Response:
    """What changed between two versions."""
    old = await service.get_version(
        session=session, user_id=viewer.id, document_id=document_id, version=a
    )
    new = await service.get_version(
        session=session, user_id=viewer.id, document_id=document_id, version=b
    )
    context = {
        "document_id": document_id,
        "a": a,
        "b": b,
        "lines": diff_lines(old.content.markdown, new.content.markdown),
    }
    return render(request, "careers/diff.html", context)


@router.get("/careers/documents/{document_id}/download.{fmt}")
async def download(
    document_id: Id, fmt: schemas.ExportFormat, viewer: SignedIn, session: SessionDep
) -> Response:
    """The current version as a PDF, DOCX, text, Markdown or HTML file (as the API exports it)."""
    exported = await service.export_document(
        session=session, user_id=viewer.id, document_id=document_id, fmt=fmt
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers=exported.headers(),
    )
