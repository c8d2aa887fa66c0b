"""The process-wide platform: what every request, CLI command and job shares."""

from __future__ import annotations

from dataclasses import dataclass

from skillnest.core.cache import Cache
from skillnest.core.db import Database
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub
from skillnest.settings import Settings


@dataclass
class Platform:
    """Everything a process shares: settings, database, cache, pub/sub and rate limits."""

    settings: Settings
    db: Database
    cache: Cache
    hub: Hub
    limiter: RateLimiter
