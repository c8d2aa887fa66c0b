"""Catalog services, one module per subdomain (pure ranking is in ``catalog.ranking``).

Suggest, search, skills, preferences, analytics, the import and the GraphQL batch loads.

Caching follows seed 004: ``pkg:skills:{package}`` for an hour, ``skill:{skill_id}`` for 30
minutes, ``query:popular:{hash}`` for 15 minutes. Package listings and skill documents carry
tags naming what they show (``catalog:pkg:{name}``, ``catalog:skill:{skill_id}``); suggest
answers carry ``catalog:queries``. A write drops the tags it touches and every suggest
answer; an import drops everything.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.catalog import dialect
from skillnest.catalog.importer import read_catalog
from skillnest.catalog.service.analytics import TRACK_LIMIT, related_skills, track_event
from skillnest.catalog.service.caching import (
    ALL_TAG,
    QUERIES_TAG,
    REFRESHED_KEY,
    WRITES_KEY,
    invalidate,
    invalidate_all,
    package_skills_key,
    package_tag,
    preferences_key,
    skill_key,
    skill_tag,
    suggest_key,
)
from skillnest.catalog.service.imports import Counts, ImportSummary, import_catalog
from skillnest.catalog.service.loaders import packages_of_skills, skills_of_packages, tags_of_skills
from skillnest.catalog.service.lookups import resolve_package, resolve_skill
from skillnest.catalog.service.preferences import get_preference, list_preferences, put_preference
from skillnest.catalog.service.search import SORTS, list_skills
from skillnest.catalog.service.skills import (
    catalog_snapshot,
    delete_mapping,
    get_package_skills,
    get_skill,
    package_skills_document,
    put_mapping,
    refresh_summary,
    skill_document,
    snapshot_bytes,
    update_skill,
)
from skillnest.catalog.service.suggest import (
    NO_SUGGEST_INPUT,
    bulk_suggest,
    cached_suggestions,
    compute_suggestions,
    disabled_skills,
    load_candidates,
    store_anonymous_suggestions,
    store_suggestions,
    suggest,
    suggest_for,
)
from skillnest.core.cache import TTL, get_json, set_json
from skillnest.core.platform import Platform


async def load_demo(*, session: AsyncSession) -> str:
    """Load the real catalog (idempotent): what ``make run`` serves."""
    summary = await import_catalog(session=session, data=read_catalog())
    return "catalog: " + "; ".join(summary.lines()[:3])


async def run_maintenance(*, session: AsyncSession, platform: Platform) -> str:
    """Refresh ``skill_package_summary`` when catalog writes happened since the last refresh."""
    writes = await get_json(platform.cache, WRITES_KEY)
    refreshed = await get_json(platform.cache, REFRESHED_KEY)
    if writes is None or writes == refreshed:
        return "summary up to date"
    if not await dialect.refresh_summary(session):
        return "no summary view on this database"
    await set_json(platform.cache, REFRESHED_KEY, writes, int(TTL.SESSION))
    return "skill_package_summary refreshed"


__all__ = [
    "ALL_TAG",
    "NO_SUGGEST_INPUT",
    "QUERIES_TAG",
    "SORTS",
    "TRACK_LIMIT",
    "Counts",
    "ImportSummary",
    "bulk_suggest",
    "cached_suggestions",
    "catalog_snapshot",
    "compute_suggestions",
    "delete_mapping",
    "disabled_skills",
    "get_package_skills",
    "get_preference",
    "get_skill",
    "import_catalog",
    "invalidate",
    "invalidate_all",
    "list_preferences",
    "list_skills",
    "load_candidates",
    "load_demo",
    "package_skills_document",
    "package_skills_key",
    "package_tag",
    "packages_of_skills",
    "preferences_key",
    "put_mapping",
    "put_preference",
    "refresh_summary",
    "related_skills",
    "resolve_package",
    "resolve_skill",
    "run_maintenance",
    "skill_document",
    "skill_key",
    "skill_tag",
    "skills_of_packages",
    "snapshot_bytes",
    "store_suggestions",
    "store_anonymous_suggestions",
    "suggest",
    "suggest_for",
    "suggest_key",
    "tags_of_skills",
    "track_event",
    "update_skill",
]
