"""The catalog import: a read catalog upserted in bulk, unchanged rows left alone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from typing import cast as type_cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import dialect
from skillnest.catalog.importer import CatalogData, Progress
from skillnest.catalog.models import (
    Package,
    PackageSkillMapping,
    Skill,
    SkillTag,
    SkillVersion,
    Tag,
)
from skillnest.catalog.ranking import PackageKey
from skillnest.core.bulk import bulk_insert
from skillnest.core.db import Base


@dataclass
class Counts:
    """New, changed and unchanged rows of one table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportSummary:
    """What an import did."""

    packages: Counts = field(default_factory=Counts)
    skills: Counts = field(default_factory=Counts)
    mappings: Counts = field(default_factory=Counts)
    tags_new: int = 0
    skill_tags_new: int = 0
    versions_new: int = 0
    summary_refreshed: bool = False
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A human summary, one line per table, then the notes."""
        lines = [
            f"packages: {self.packages}",
            f"skills: {self.skills}",
            f"mappings: {self.mappings}",
            f"tags: {self.tags_new} new; skill tags: {self.skill_tags_new} new; "
            f"versions: {self.versions_new} new",
        ]
        if self.summary_refreshed:
            lines.append("skill_package_summary refreshed")
        return lines + [f"note: {note}" for note in self.notes]


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class (the bulk loader works on tables)."""
    return type_cast(Table, model.__table__)


def _no_progress(label: str, total: int) -> Any:
    return lambda n: None


async def import_catalog(
    *, session: AsyncSession, data: CatalogData, progress: Progress = _no_progress
) -> ImportSummary:
    """Upsert a read catalog; running it twice changes nothing the second time.

    Rows are compared with what is stored and only new or changed ones are written, in bulk
    (``core.bulk``: COPY + ``INSERT ... ON CONFLICT`` on PostgreSQL, executemany on
    SQLite). Mappings and tags not in the data are left alone: the import adds and
    corrects, it never deletes. The caller owns the transaction, so a failure leaves
    nothing half-written.
    """
    summary = ImportSummary(notes=list(data.notes))
    await _import_packages(session, data, summary, progress)
    skill_ids = await _import_skills(session, data, summary, progress)
    await _import_tags(session, data, skill_ids, summary)
    await _import_mappings(session, data, skill_ids, summary, progress)
    await _import_versions(session, data, skill_ids, summary)
    summary.summary_refreshed = await dialect.refresh_summary(session)
    return summary


async def _import_packages(
    session: AsyncSession, data: CatalogData, summary: ImportSummary, progress: Progress
) -> None:
    existing = {
        PackageKey(r.name, r.ecosystem): (r.description, r.npm_url)
        for r in await session.execute(
            select(Package.name, Package.ecosystem, Package.description, Package.npm_url)
        )
    }
    rows = []
    for key, record in data.packages.items():
        stored = existing.get(key)
        if stored == (record.description, record.npm_url):
            summary.packages.unchanged += 1
            continue
        if stored is None:
            summary.packages.new += 1
        else:
            summary.packages.updated += 1
        rows.append(
            {
                "name": record.name,
                "ecosystem": record.ecosystem,
                "description": record.description,
                "npm_url": record.npm_url,
            }
        )
    advance = progress("packages", len(data.packages))
    for start in range(0, max(len(rows), 1), 10_000):
        chunk = rows[start : start + 10_000]
        await bulk_insert(
            session,
            table_of(Package),
            chunk,
            conflict=["name", "ecosystem"],
            update=["description", "npm_url"],
        )
        advance(len(chunk))
    advance(summary.packages.unchanged)


SKILL_FIELDS = ("title", "description", "repo", "installs", "source_url", "path", "license")


async def _import_skills(
    session: AsyncSession, data: CatalogData, summary: ImportSummary, progress: Progress
) -> dict[str, uuid.UUID]:
    wanted = [s.skill_id for s in data.skills]
    existing = {
        r.skill_id: tuple(getattr(r, f) for f in SKILL_FIELDS)
        for r in await session.execute(
            select(Skill.skill_id, *(getattr(Skill, f) for f in SKILL_FIELDS)).where(
                Skill.skill_id.in_(wanted)
            )
        )
    }
    rows = []
    for record in data.skills:
        values = {
            "skill_id": record.skill_id,
            "title": record.title,
            "description": record.description,
            "repo": record.repo,
            "installs": record.installs,
            "source_url": record.source_url,
            "path": record.path,
            "license": record.license,
        }
        stored = existing.get(record.skill_id)
        if stored == tuple(values[f] for f in SKILL_FIELDS):
            summary.skills.unchanged += 1
            continue
        if stored is None:
            summary.skills.new += 1
        else:
            summary.skills.updated += 1
        rows.append(values)
    advance = progress("skills", len(data.skills))
    await bulk_insert(
        session, table_of(Skill), rows, conflict=["skill_id"], update=list(SKILL_FIELDS)
    )
    advance(len(data.skills))
    return {
        r.skill_id: r.id
        for r in await session.execute(
            select(Skill.skill_id, Skill.id).where(Skill.skill_id.in_(wanted))
        )
    }


async def _import_tags(
    session: AsyncSession,
    data: CatalogData,
    skill_ids: dict[str, uuid.UUID],
    summary: ImportSummary,
) -> None:
    names = sorted({tag[:100] for s in data.skills for tag in s.tags})
    if not names:
        return
    known = set(await session.scalars(select(Tag.name).where(Tag.name.in_(names))))
    new_tags = [{"name": n} for n in names if n not in known]
    await bulk_insert(session, table_of(Tag), new_tags, conflict=["name"])
    summary.tags_new = len(new_tags)
    tag_ids = {
        r.name: r.id
        for r in await session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names)))
    }
    pairs = {(skill_ids[s.skill_id], tag_ids[tag[:100]]) for s in data.skills for tag in s.tags}
    stored = set(
        (r.skill_id, r.tag_id)
        for r in await session.execute(
            select(SkillTag.skill_id, SkillTag.tag_id).where(
                SkillTag.skill_id.in_(list(skill_ids.values()))
            )
        )
    )
    missing = [{"skill_id": s, "tag_id": t} for s, t in sorted(pairs - stored)]
    await bulk_insert(session, table_of(SkillTag), missing, conflict=["skill_id", "tag_id"])
    summary.skill_tags_new = len(missing)


async def _import_mappings(
    session: AsyncSession,
    data: CatalogData,
    skill_ids: dict[str, uuid.UUID],
    summary: ImportSummary,
    progress: Progress,
) -> None:
    keys = {key for s in data.skills for key in s.mappings}
    package_ids = {
        PackageKey(r.name, r.ecosystem): r.id
        for r in await session.execute(
            select(Package.name, Package.ecosystem, Package.id).where(
                Package.name.in_(sorted({k.name for k in keys}))
            )
        )
    }
    existing = {
        (r.package_id, r.skill_id): (float(r.confidence_score), r.mapping_source)
        for r in await session.execute(
            select(
                PackageSkillMapping.package_id,
                PackageSkillMapping.skill_id,
                PackageSkillMapping.confidence_score,
                PackageSkillMapping.mapping_source,
            ).where(PackageSkillMapping.skill_id.in_(list(skill_ids.values())))
        )
    }
    rows = []
    for record in data.skills:
        for key, mapping in record.mappings.items():
            pair = (package_ids[key], skill_ids[record.skill_id])
            stored = existing.get(pair)
            if stored == (mapping.confidence, mapping.source):
                summary.mappings.unchanged += 1
                continue
            if stored is None:
                summary.mappings.new += 1
            else:
                summary.mappings.updated += 1
            rows.append(
                {
                    "package_id": pair[0],
                    "skill_id": pair[1],
                    "confidence_score": mapping.confidence,
                    "mapping_source": mapping.source,
                }
            )
    advance = progress("mappings", data.mapping_count)
    await bulk_insert(
        session,
        table_of(PackageSkillMapping),
        rows,
        conflict=["package_id", "skill_id"],
        update=["confidence_score", "mapping_source"],
    )
    advance(data.mapping_count)


async def _import_versions(
    session: AsyncSession,
    data: CatalogData,
    skill_ids: dict[str, uuid.UUID],
    summary: ImportSummary,
) -> None:
    wanted = {(skill_ids[s.skill_id], s.commit): s for s in data.skills if s.commit is not None}
    stored = set(
        (r.skill_id, r.version)
        for r in await session.execute(
            select(SkillVersion.skill_id, SkillVersion.version).where(
                SkillVersion.skill_id.in_(list(skill_ids.values()))
            )
        )
    )
    rows = [
        {
            "skill_id": skill_uuid,
            "version": commit,
            "changelog": f"SKILL.md of {record.repo} at {commit[:7]}: {record.path}",
        }
        for (skill_uuid, commit), record in wanted.items()
        if (skill_uuid, commit) not in stored
    ]
    await bulk_insert(session, table_of(SkillVersion), rows, conflict=["skill_id", "version"])
    summary.versions_new = len(rows)
