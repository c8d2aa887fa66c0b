"""Shapes of the documents API: templates, generated documents, versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field, StringConstraints, WithJsonSchema, computed_field

from skillnest.careers.documents.render import TEMPLATE_SPEC_SCHEMA
from skillnest.careers.fields import (
    DocumentType,
    Patch,
    ReadModel,
    Strict,
    Text50,
    Text255,
)
from skillnest.core.pages import Id


class TemplateRead(ReadModel):
    """A document template: built in (read-only) or the user's own."""

    id: int
    name: str
    document_type: str
    description: str | None = None
    category: str | None = None
    spec: dict[str, Any]
    body: str
    user_id: int | None = Field(default=None, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def built_in(self) -> bool:
        """Whether this is one of the read-only templates every user sees."""
        return self.user_id is None


TemplateBody = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Description = Annotated[str, Field(max_length=2000)]


# The spec as the schema states it: what ``render.validate("template spec", ...)`` checks.
TemplateSpec = Annotated[
    dict[str, Any],
    WithJsonSchema({k: v for k, v in TEMPLATE_SPEC_SCHEMA.items() if k != "$schema"}),
]


class TemplateIn(Strict):
    """A user's own template: a Jinja2 body producing Markdown, and its spec."""

    name: Text255
    document_type: DocumentType
    description: Description | None = None
    category: Text50 | None = None
    body: TemplateBody
    spec: TemplateSpec


class TemplateUpdate(Patch):
    """Changes to a user's own template."""

    not_null = frozenset({"name", "document_type", "body", "spec"})

    name: Text255 | None = None
    document_type: DocumentType | None = None
    description: Description | None = None
    category: Text50 | None = None
    body: TemplateBody | None = None
    spec: TemplateSpec | None = None


class GenerateIn(Strict):
    """Generate a document from a template (for a job, optionally)."""

    template_id: Id
    job_id: Id | None = None
    title: Text255 | None = None


class DocumentContent(BaseModel):
    """The Markdown of a document and the HTML rendered from it."""

    markdown: str
    html: str


class DocumentSummary(ReadModel):
    """A generated document in a list."""

    id: int
    title: str
    document_type: str
    template_id: int | None = None
    job_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class DocumentRead(DocumentSummary):
    """A generated document with its current content."""

    content: DocumentContent
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_")


class DocumentEdit(Strict):
    """New content for a document; saved as a new version."""

    markdown: Annotated[str, Field(min_length=1, max_length=100_000)]
    title: Text255 | None = None
    changes: Annotated[str, Field(max_length=1000)] | None = None


class VersionSummary(ReadModel):
    """A version of a document."""

    version: int
    changes: str | None = None
    created_at: datetime


class VersionRead(VersionSummary):
    """A version of a document with its content."""

    content: DocumentContent


ExportFormat = Literal["pdf", "docx", "txt", "md", "html"]


class ExportedFile(BaseModel):
    """A document exported to a file format."""

    filename: str
    media_type: str
    content: bytes

    def headers(self) -> dict[str, str]:
        """Response headers that save it under its name and keep it out of shared caches."""
        name = self.filename
        disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
        return {
            "Content-Disposition": disposition,
            "Cache-Control": "private, no-store",
        }
