"""HTTP routes of documents: templates, generation, edits and versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from skillnest.accounts.deps import CurrentUser, ReadSessionDep
from skillnest.careers.documents import schemas, service
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
    document_type: DocumentType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.TemplateRead]:
    """The resume and cover-letter templates."""
    return await service.list_templates(
        session=session, document_type=document_type, limit=limit, offset=offset
    )


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
