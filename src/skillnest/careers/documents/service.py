"""Generated documents: templates filled from the profile (and a job), edits as versions.

Rendering and the JSON Schemas of the stored documents live in ``documents.render``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.careers.documents import render, schemas
from skillnest.careers.documents.models import DocumentTemplate, DocumentVersion, GeneratedDocument
from skillnest.careers.jobs.schemas import JobRead
from skillnest.careers.jobs.service import get_job
from skillnest.careers.profile import service as profile
from skillnest.careers.profile.rules import PeriodInput, experience_years, missing_skills
from skillnest.core.db import get_owned_or_404
from skillnest.core.errors import NotFound, conflict_on_integrity
from skillnest.core.pages import Page, page_of

LEVELS = {1: "Beginner", 2: "Elementary", 3: "Intermediate", 4: "Advanced", 5: "Expert"}
NO_SUCH_DOCUMENT = "No such generated document."


def _now() -> datetime:
    return datetime.now(UTC)


async def list_templates(
    *, session: AsyncSession, document_type: str | None, limit: int, offset: int
) -> Page[schemas.TemplateRead]:
    """One page of the public document templates."""
    query = select(DocumentTemplate).where(DocumentTemplate.is_public.is_(True))
    if document_type:
        query = query.where(DocumentTemplate.document_type == document_type)
    rows = await session.scalars(
        query.order_by(DocumentTemplate.id).limit(limit + 1).offset(offset)
    )
    items = [schemas.TemplateRead.model_validate(t) for t in rows]
    return page_of(items, limit=limit, offset=offset)


async def _template_context(
    *, session: AsyncSession, user_id: int, job: JobRead | None
) -> dict[str, Any]:
    """What a template may use: the user, profile, skills, history and the job."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    career = await profile.get_profile(session=session, user_id=user_id)
    skills = sorted(
        await profile.all_entries(session=session, user_id=user_id, section=profile.SKILLS),
        key=lambda s: (-s.proficiency_level, s.name.casefold()),
    )
    experience = await profile.all_entries(
        session=session, user_id=user_id, section=profile.EXPERIENCE
    )
    years = experience_years(
        [PeriodInput(e.start_date, e.end_date, e.is_current) for e in experience], _now().date()
    )
    required = list(job.required_skills or []) if job else []
    missing = missing_skills([k.name for k in skills], required)

    async def section(which: profile.Section[Any]) -> list[dict[str, Any]]:
        entries = await profile.all_entries(session=session, user_id=user_id, section=which)
        return [e.model_dump() for e in entries]

    return {
        "user": {"name": user.name, "email": user.email, "location": user.location},
        "profile": career.model_dump(mode="json"),
        "skills": [
            {
                "name": s.name,
                "category": s.category,
                "level": LEVELS.get(s.proficiency_level, ""),
                "proficiency_level": s.proficiency_level,
                "years_of_experience": s.years_of_experience,
            }
            for s in skills
        ],
        "experience": [e.model_dump() for e in experience],
        "education": await section(profile.EDUCATION),
        "certifications": await section(profile.CERTIFICATIONS),
        "portfolio": await section(profile.PORTFOLIO),
        "job": job.model_dump() if job else None,
        "matching_skills": [s for s in required if s not in missing],
        "years_of_experience": f"{years or float(career.years_of_experience or 0):g}",
        "today": _now().date().isoformat(),
    }


async def generate_document(
    *, session: AsyncSession, user_id: int, data: schemas.GenerateIn
) -> schemas.DocumentRead:
    """Fill a template from the user's profile (and the job), store it as version 1."""
    template = await session.get(DocumentTemplate, data.template_id)
    if template is None or not template.is_public:
        raise NotFound("No such template.")
    job = await get_job(session=session, job_id=data.job_id) if data.job_id else None
    context = await _template_context(session=session, user_id=user_id, job=job)
    markdown = render.render_markdown(template.body, context)
    content = render.content_of(markdown)
    metadata = {
        "word_count": render.word_count(markdown),
        "keywords_used": render.keywords_used(
            markdown, list(job.required_skills or []) if job else []
        ),
        "template_name": template.name,
    }
    render.validate("document metadata", metadata)
    kind = "Resume" if template.document_type == "resume" else "Cover letter"
    title = data.title or (f"{kind} for {job.title} at {job.company}" if job else f"{kind}")
    document = GeneratedDocument(
        user_id=user_id,
        job_id=job.id if job else None,
        template_id=template.id,
        document_type=template.document_type,
        title=title[:255],
        content=content,
        version=1,
        metadata_=metadata,
    )
    session.add(document)
    await session.flush()
    session.add(
        DocumentVersion(
            document_id=document.id,
            version=1,
            content=content,
            changes=f"Generated from {template.name}",
        )
    )
    await session.flush()
    return schemas.DocumentRead.model_validate(document)


async def list_documents(
    *,
    session: AsyncSession,
    user_id: int,
    document_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.DocumentSummary]:
    """One page of the user's documents, newest first."""
    query = select(GeneratedDocument).where(GeneratedDocument.user_id == user_id)
    if document_type:
        query = query.where(GeneratedDocument.document_type == document_type)
    rows = await session.scalars(
        query.order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.DocumentSummary.model_validate(d) for d in rows]
    return page_of(items, limit=limit, offset=offset)


async def _owned_document(
    session: AsyncSession, user_id: int, document_id: int
) -> GeneratedDocument:
    return await get_owned_or_404(
        session,
        GeneratedDocument,
        document_id,
        owner=GeneratedDocument.user_id,
        owner_id=user_id,
        detail=NO_SUCH_DOCUMENT,
    )


async def get_document(
    *, session: AsyncSession, user_id: int, document_id: int
) -> schemas.DocumentRead:
    """One of the user's documents."""
    return schemas.DocumentRead.model_validate(await _owned_document(session, user_id, document_id))


async def _new_version(
    session: AsyncSession, document: GeneratedDocument, content: dict[str, Any], changes: str
) -> schemas.DocumentRead:
    version = document.version + 1
    session.add(
        DocumentVersion(document_id=document.id, version=version, content=content, changes=changes)
    )
    document.version = version
    document.content = content
    document.updated_at = _now()
    metadata = dict(document.metadata_ or {"keywords_used": []})
    metadata["word_count"] = render.word_count(content["markdown"])
    metadata.setdefault("keywords_used", [])
    render.validate("document metadata", metadata)
    document.metadata_ = metadata
    # Another edit may have taken this version number first.
    async with conflict_on_integrity(
        session, "The document changed meanwhile; reload it and try again."
    ):
        await session.flush()
    return schemas.DocumentRead.model_validate(document)


async def _locked_document(
    session: AsyncSession, user_id: int, document_id: int
) -> GeneratedDocument:
    document = await session.scalar(
        select(GeneratedDocument).where(GeneratedDocument.id == document_id).with_for_update()
    )
    if document is None or document.user_id != user_id:
        raise NotFound("No such document.")
    return document


async def edit_document(
    *, session: AsyncSession, user_id: int, document_id: int, data: schemas.DocumentEdit
) -> schemas.DocumentRead:
    """Save new Markdown as the next version."""
    document = await _locked_document(session, user_id, document_id)
    if data.title:
        document.title = data.title
    return await _new_version(
        session, document, render.content_of(data.markdown), data.changes or "Edited"
    )


async def list_versions(
    *, session: AsyncSession, user_id: int, document_id: int, limit: int, offset: int
) -> Page[schemas.VersionSummary]:
    """One page of a document's versions, newest first (without content)."""
    await _owned_document(session, user_id, document_id)
    rows = await session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document_id)
        .order_by(DocumentVersion.version.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    items = [schemas.VersionSummary.model_validate(v) for v in rows]
    return page_of(items, limit=limit, offset=offset)


async def _version_row(
    session: AsyncSession, user_id: int, document_id: int, version: int
) -> DocumentVersion:
    await _owned_document(session, user_id, document_id)
    found = await session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document_id, DocumentVersion.version == version
        )
    )
    if found is None:
        raise NotFound("No such version.")
    return found


async def get_version(
    *, session: AsyncSession, user_id: int, document_id: int, version: int
) -> schemas.VersionRead:
    """One version of a document."""
    found = await _version_row(session, user_id, document_id, version)
    return schemas.VersionRead.model_validate(found)


async def restore_version(
    *, session: AsyncSession, user_id: int, document_id: int, version: int
) -> schemas.DocumentRead:
    """Make an old version current again, as a new version (history is never rewritten)."""
    document = await _locked_document(session, user_id, document_id)
    old = await _version_row(session, user_id, document_id, version)
    return await _new_version(session, document, dict(old.content), f"Restored version {version}")


async def delete_document(*, session: AsyncSession, user_id: int, document_id: int) -> None:
    """Delete a document and all its versions."""
    await session.delete(await _owned_document(session, user_id, document_id))
    await session.flush()
