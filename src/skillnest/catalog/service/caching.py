"""Catalog caching: the keys, TTLs and tags of cached answers, and their invalidation.

Caching follows seed 004: ``pkg:skills:{package}`` for an hour, ``skill:{skill_id}`` for 30
minutes, ``query:popular:{hash}`` for 15 minutes. Package listings and skill documents carry
tags naming what they show (``catalog:pkg:{name}``, ``catalog:skill:{skill_id}``); suggest
answers carry ``catalog:queries``. A write drops the tags it touches and every suggest
answer; an import drops everything.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from functools import lru_cache

from skillnest.catalog.ranking import SuggestQuery
from skillnest.core.cache import TTL, Cache, set_json

PACKAGE_TTL = 60 * 60
SKILL_TTL = 30 * 60
QUERY_TTL = 15 * 60
ALL_TAG = "catalog:all"
QUERIES_TAG = "catalog:queries"
WRITES_KEY = "catalog:writes"
REFRESHED_KEY = "catalog:writes:refreshed"


def package_skills_key(package: str) -> str:
    """``pkg:skills:{package}``: ``react`` for npm, ``pypi:requests`` for PyPI."""
    return f"pkg:skills:{package}"


def skill_key(ident: str) -> str:
    """``skill:{skill_id}`` (or the uuid the caller used)."""
    return f"skill:{ident}"


@lru_cache(maxsize=16_384)
def suggest_key(query: SuggestQuery) -> str:
    """``query:popular:{hash_of_packages}``; the hash covers everything the answer depends on."""
    digest = hashlib.sha256(query.cache_fingerprint().encode()).hexdigest()[:32]
    return f"query:popular:{digest}"


def package_tag(name: str) -> str:
    """Tag of the package listings of this name.

    npm and PyPI share it: a write to one drops both listings, which is rare and harmless.
    """
    return f"catalog:pkg:{name}"


def skill_tag(skill_id: str) -> str:
    """Tag of every cache entry that shows or depends on one skill."""
    return f"catalog:skill:{skill_id}"


def preferences_key(user_id: int) -> str:
    """The skills a user disabled."""
    return f"catalog:prefs:{user_id}"


async def invalidate(
    cache: Cache, *, packages: Iterable[str] = (), skills: Iterable[str] = ()
) -> None:
    """Drop every cached answer that depends on these packages (names) or skills.

    Package listings and skill documents go precisely; suggest answers (which may depend on
    any mapping through installed skills) all go: writes are rare, and one tag per answer
    keeps a cache miss cheap.
    """
    await cache.invalidate_tag(QUERIES_TAG)
    for package in set(packages):
        await cache.invalidate_tag(package_tag(package))
    for skill in set(skills):
        await cache.invalidate_tag(skill_tag(skill))
    await _mark_written(cache)


async def invalidate_all(cache: Cache, *, summary_refreshed: bool = False) -> None:
    """Drop every cached catalog answer (after an import)."""
    await cache.invalidate_tag(ALL_TAG)
    await cache.invalidate_tag(QUERIES_TAG)
    await _mark_written(cache, summary_refreshed=summary_refreshed)


async def _mark_written(cache: Cache, *, summary_refreshed: bool = False) -> None:
    # A fresh marker per write; the maintenance job refreshes the summary view when the
    # marker differs from the one it saw at its last refresh.
    marker = uuid.uuid4().hex
    await set_json(cache, WRITES_KEY, marker, int(TTL.SESSION))
    if summary_refreshed:
        await set_json(cache, REFRESHED_KEY, marker, int(TTL.SESSION))
