"""Shapes of the documents API: templates, generated documents, versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from skillnest.careers.fields import (
    ReadModel,
    Strict,
    Text255,
)
from skillnest.core.pages import Id


class TemplateRead(ReadModel):
    """A document template."""

    id: int
    name: str
    document_type: str
    description: str | None = None
    category: str | None = None
    spec: dict[str, Any]
    body: str


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
