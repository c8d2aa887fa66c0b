"""Catalog tables: seed 004's packages, skills, mappings, tags, versions, preferences, analytics.

Table, column and index names follow the seed. Departures, each needed by the issue:
``packages`` gains ``ecosystem`` (npm | pypi) and its name is unique per ecosystem;
``skills`` gains ``path`` and ``license`` (where the skill comes from) and a full-text
``search_vector`` (kept by a trigger on PostgreSQL; SQLite searches an FTS5 table instead);
``user_id`` columns reference ``users.id`` (an integer, see DESIGN.md) instead of free text.

Objects SQLAlchemy cannot describe (the ``skill_package_summary`` materialized view, the
search triggers, the SQLite FTS5 table) are created by the catalog migration only.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.core.db import (
    TRUE,
    UUID,
    Base,
    CreatedAt,
    Document,
    StringArray,
    UpdatedAt,
    gen_random_uuid,
    migration_only,
)

ECOSYSTEMS = ("npm", "pypi")
EVENT_TYPES = ("suggested", "installed", "viewed")
MAPPING_SOURCES = ("manual", "inferred", "ml")
SCOPES = ("project", "global")

# The SQLite full-text index (an FTS5 virtual table and its shadow tables) lives outside the
# models; declared migration-only below so autogenerate leaves them alone.
FTS_TABLE = "skills_fts"


class Package(Base):
    """An npm or PyPI package skills can be about (seed 004 ``packages`` + ``ecosystem``)."""

    __tablename__ = "packages"
    __table_args__ = (
        # The seed's UNIQUE(name) becomes unique per ecosystem ("requests" exists on both).
        UniqueConstraint("name", "ecosystem"),
        Index("idx_packages_name", "name"),
        CheckConstraint("ecosystem IN ('npm', 'pypi')", name="ecosystem"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    # The registry page: npmjs.com for npm, pypi.org for PyPI (the seed's column name).
    npm_url: Mapped[str | None] = mapped_column(String(500))
    ecosystem: Mapped[str] = mapped_column(String(10), nullable=False, server_default="npm")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Skill(Base):
    """An agent skill (seed 004 ``skills``)."""

    __tablename__ = "skills"
    __table_args__ = (
        Index("idx_skills_skill_id", "skill_id"),
        Index("idx_skills_repo", "repo"),
        Index(
            "idx_skills_active",
            "is_active",
            postgresql_where=text("is_active = true"),
            sqlite_where=text("is_active = 1"),
        ),
        Index("idx_skills_search", "search_vector", postgresql_using="gin"),
        # Covers the columns suggest reads for each matching skill (index-only lookups).
        Index("idx_skills_ranking", "id", "is_active", "installs", "skill_id"),
        # Where the skill was read from; registry-only skills have no path.
        UniqueConstraint("repo", "path"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    skill_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    repo: Mapped[str] = mapped_column(String(255), nullable=False)
    installs: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    source_url: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=TRUE)
    path: Mapped[str | None] = mapped_column(String(500))
    license: Mapped[str | None] = mapped_column(String(255))
    # Maintained by a trigger on PostgreSQL (title A, description B, tags C); unused on SQLite.
    search_vector: Mapped[Any] = mapped_column(
        Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True, deferred=True
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class PackageSkillMapping(Base):
    """Which skill is about which package, and how sure we are (seed 004)."""

    __tablename__ = "package_skill_mappings"
    __table_args__ = (
        UniqueConstraint("package_id", "skill_id"),
        # Seed 004's index; on PostgreSQL it carries what suggest reads, so the lookup by
        # package is an index-only scan.
        Index(
            "idx_mappings_package",
            "package_id",
            postgresql_include=["skill_id", "confidence_score"],
        ),
        Index("idx_mappings_skill", "skill_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    package_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("packages.id", ondelete="CASCADE"), nullable=False
    )
    skill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), nullable=False
    )
    confidence_score: Mapped[float] = mapped_column(
        Numeric(3, 2, asdecimal=False), nullable=False, server_default=text("1.0")
    )
    mapping_source: Mapped[str] = mapped_column(
        String(50), nullable=False, server_default="inferred"
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class SuggestMapping(Base):
    """A mapping as suggest ranks it, one narrow row per mapping, kept in step by triggers.

    Same id as its ``package_skill_mappings`` row (deleted with it), with the package's name
    and ecosystem, the skill's ``skill_id``, ``installs`` and ``is_active``, the confidence
    in hundredths (``score``: exact sums) and ``named`` (the skill is named after the
    package, ``ranking.name_key``). Triggers of migration ``0012_suggest2`` on the mappings,
    ``skills`` and ``packages`` maintain it in the same transaction as the change, so suggest
    ranks in one indexed statement and reads ``skills`` only for the page it returns.
    """

    __tablename__ = "suggest_mappings"
    __table_args__ = (
        # Everything the ranking reads, by requested package: an index-only lookup.
        Index(
            "idx_suggest_mappings_package",
            "ecosystem",
            "name",
            "is_active",
            "score",
            "named",
            "installs",
            "skill_id",
        ),
        Index("idx_suggest_mappings_skill", "skill_ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("package_skill_mappings.id", ondelete="CASCADE"), primary_key=True
    )
    skill_ref: Mapped[uuid.UUID] = mapped_column(UUID, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    ecosystem: Mapped[str] = mapped_column(String(10), nullable=False)
    skill_id: Mapped[str] = mapped_column(String(255), nullable=False)
    installs: Mapped[int] = mapped_column(Integer, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    score: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    named: Mapped[bool] = mapped_column(Boolean, nullable=False)


class Tag(Base):
    """A label on skills (seed 004 ``tags``)."""

    __tablename__ = "tags"
    __table_args__ = (Index("idx_tags_name", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    category: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[CreatedAt]


class SkillTag(Base):
    """Skill to tag (seed 004 ``skill_tags``)."""

    __tablename__ = "skill_tags"
    __table_args__ = (
        Index("idx_skill_tags_skill", "skill_id"),
        Index("idx_skill_tags_tag", "tag_id"),
    )

    skill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )


class SkillVersion(Base):
    """A released version (or source commit) of a skill (seed 004 ``skill_versions``)."""

    __tablename__ = "skill_versions"
    __table_args__ = (
        UniqueConstraint("skill_id", "version"),
        Index("idx_skill_versions_skill", "skill_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    skill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[str] = mapped_column(String(50), nullable=False)
    changelog: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]


class UserSkillPreference(Base):
    """A user's override for one skill (seed 004 ``user_skill_preferences``)."""

    __tablename__ = "user_skill_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "skill_id"),
        Index("idx_user_prefs_user", "user_id"),
        Index("idx_user_prefs_skill", "skill_id"),
        CheckConstraint("preferred_scope IN ('project', 'global')", name="preferred_scope"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    skill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), nullable=False
    )
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=TRUE)
    preferred_agents: Mapped[list[str] | None] = mapped_column(StringArray())
    preferred_scope: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default="project"
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class AnalyticsEvent(Base):
    """A usage event: a skill suggested, installed or viewed (seed 004 ``analytics``)."""

    __tablename__ = "analytics"
    __table_args__ = (
        Index("idx_analytics_skill", "skill_id"),
        Index("idx_analytics_package", "package_id"),
        Index("idx_analytics_event", "event_type"),
        Index("idx_analytics_created", "created_at"),
        # "Users who installed X also installed Y" joins installs on the user.
        Index("idx_analytics_user_event", "user_id", "event_type"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    skill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("skills.id", ondelete="SET NULL"))
    package_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("packages.id", ondelete="SET NULL")
    )
    event_type: Mapped[str] = mapped_column(String(50), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # ``metadata`` is reserved on declarative classes; the column keeps the seed's name.
    event_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    created_at: Mapped[CreatedAt]


# Descending indexes of the seed, declared on the columns so both dialects reflect them.
Index("idx_skills_installs", Skill.installs.desc())
Index("idx_mappings_confidence", PackageSkillMapping.confidence_score.desc())

# The FTS5 table (and its shadow tables) exists only in the migration.
migration_only(FTS_TABLE + "*")
# SQLite only: suggest's mappings by package from the index alone (PostgreSQL's
# idx_mappings_package does it with INCLUDE); created by migration 0011_suggest.
migration_only("idx_mappings_package_cover")
