"""Document templates, generated documents and their versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.careers.columns import user_id_column
from skillnest.core.db import (
    TRUE,
    Base,
    CreatedAt,
    Document,
    UpdatedAt,
)


class DocumentTemplate(Base):
    """A resume or cover-letter template: a Jinja2 Markdown body and a JSON spec."""

    __tablename__ = "document_templates"
    __table_args__ = (
        CheckConstraint("document_type IN ('resume', 'cover_letter')", name="document_type"),
        UniqueConstraint("name"),
        Index("ix_document_templates_document_type", "document_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    document_type: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    spec: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    is_public: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class GeneratedDocument(Base):
    """A resume or cover letter generated for a user; its content is the current version."""

    __tablename__ = "generated_documents"
    __table_args__ = (
        CheckConstraint("document_type IN ('resume', 'cover_letter')", name="document_type"),
        Index("ix_generated_documents_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = user_id_column(index=False)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_templates.id", ondelete="SET NULL"), index=True
    )
    document_type: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class DocumentVersion(Base):
    """Every version of a generated document; restoring one writes a new version."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("generated_documents.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    changes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
