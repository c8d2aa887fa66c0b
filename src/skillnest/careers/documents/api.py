"""HTTP routes of documents: templates, generation, edits and versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from skillnest.accounts.deps import CurrentUser, OptionalUser, ReadSessionDep
from skillnest.careers.documents import export, schemas, service
from skillnest.careers.fields import DocumentType
from skillnest.core.deps import SessionDep
from skillnest.core.pages import MAX_ID, Limit, Offset, Page, PathId

router = APIRouter(tags=["careers"])

NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED
VersionNumber = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/document-templates", response_model=Page[schemas.TemplateRead])
async def list_document_templates(
    session: ReadSessionDep,
    user: OptionalUser,
    document_type: DocumentType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.TemplateRead]:
    """The built-in templates and, signed in, the user's own (built-in first)."""
    return await service.list_templates(
        session=session,
        document_type=document_type,
        limit=limit,
        offset=offset,
        user_id=user.id if user else None,
    )


@router.post("/document-templates", response_model=schemas.TemplateRead, status_code=CREATED)
async def create_document_template(
    data: schemas.TemplateIn, user: CurrentUser, session: SessionDep
) -> schemas.TemplateRead:
    """Create a template of one's own (private: only its owner sees or uses it)."""
    return await service.create_template(session=session, user_id=user.id, data=data)


@router.get("/document-templates/{template_id}", response_model=schemas.TemplateRead)
async def read_document_template(
    template_id: PathId, session: SessionDep, user: OptionalUser
) -> schemas.TemplateRead:
    """A built-in template, or one of the signed-in user's own."""
    return await service.get_template(
        session=session, user_id=user.id if user else None, template_id=template_id
    )


@router.patch("/document-templates/{template_id}", response_model=schemas.TemplateRead)
async def update_document_template(
    template_id: PathId, data: schemas.TemplateUpdate, user: CurrentUser, session: SessionDep
) -> schemas.TemplateRead:
    """Change one of one's own templates (built-in ones: 403)."""
    return await service.update_template(
        session=session, user_id=user.id, template_id=template_id, data=data
    )


@router.delete("/document-templates/{template_id}", status_code=NO_CONTENT)
async def delete_document_template(
    template_id: PathId, user: CurrentUser, session: SessionDep
) -> Response:
    """Delete one of one's own templates (built-in ones: 403)."""
    await service.delete_template(session=session, user_id=user.id, template_id=template_id)
    return Response(status_code=NO_CONTENT)


@router.post("/documents", response_model=schemas.DocumentRead, status_code=CREATED)
async def create_document(
    data: schemas.GenerateIn, user: CurrentUser, session: SessionDep
) -> schemas.DocumentRead:
    """Generate a resume or cover letter from a template and the user's profile."""
    return await service.generate_document(session=session, user_id=user.id, data=data)


@router.get("/documents", response_model=Page[schemas.DocumentSummary])
async def list_documents(
    user: CurrentUser,
    session: SessionDep,
    document_type: DocumentType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.DocumentSummary]:
    """The signed-in user's documents, newest first."""
    return await service.list_documents(
        session=session,
        user_id=user.id,
        document_type=document_type,
        limit=limit,
        offset=offset,
    )


@router.get("/documents/{document_id}", response_model=schemas.DocumentRead)
async def read_document(
    document_id: PathId, user: CurrentUser, session: SessionDep
) -> schemas.DocumentRead:
    """A document with its current content."""
    return await service.get_document(session=session, user_id=user.id, document_id=document_id)


@router.put("/documents/{document_id}", response_model=schemas.DocumentRead)
async def update_document(
    document_id: PathId, data: schemas.DocumentEdit, user: CurrentUser, session: SessionDep
) -> schemas.DocumentRead:
    """Save new content as the next version."""
    return await service.edit_document(
        session=session, user_id=user.id, document_id=document_id, data=data
    )


@router.delete("/documents/{document_id}", status_code=NO_CONTENT)
async def delete_document(document_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a document and its versions."""
    await service.delete_document(session=session, user_id=user.id, document_id=document_id)
    return Response(status_code=NO_CONTENT)


@router.get(
    "/documents/{document_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The document as a file.",
            "content": {media_type: {} for media_type in export.MEDIA_TYPES.values()},
        }
    },
)
async def export_document(
    document_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    format: Annotated[schemas.ExportFormat, Query(description="File format.")] = "pdf",
) -> Response:
    """Download a document as PDF, DOCX, plain text, Markdown or HTML, styled by its template."""
    exported = await service.export_document(
        session=session, user_id=user.id, document_id=document_id, fmt=format
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers=exported.headers(),
    )


@router.get("/documents/{document_id}/versions", response_model=Page[schemas.VersionSummary])
async def list_document_versions(
    document_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.VersionSummary]:
    """Every version of a document, newest first."""
    return await service.list_versions(
        session=session, user_id=user.id, document_id=document_id, limit=limit, offset=offset
    )


@router.get("/documents/{document_id}/versions/{version}", response_model=schemas.VersionRead)
async def read_document_version(
    document_id: PathId, version: VersionNumber, user: CurrentUser, session: SessionDep
) -> schemas.VersionRead:
    """One version of a document with its content."""
    return await service.get_version(
        session=session, user_id=user.id, document_id=document_id, version=version
    )


@router.post(
    "/documents/{document_id}/versions/{version}/restore", response_model=schemas.DocumentRead
)
async def restore_document_version(
    document_id: PathId, version: VersionNumber, user: CurrentUser, session: SessionDep
) -> schemas.DocumentRead:
    """Make an old version current again (saved as a new version)."""
    return await service.restore_version(
        session=session, user_id=user.id, document_id=document_id, version=version
    )
