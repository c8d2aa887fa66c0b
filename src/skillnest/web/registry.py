"""What the modules contribute to the shell: navigation links and live counters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class NavItem:
    """A link of the main navigation; ``badge`` names a live counter shown beside it."""

    label: str
    href: str
    badge: str | None = None
    admin_only: bool = False


BadgeSource = Callable[..., Awaitable[dict[str, int]]]


@dataclass
class Shell:
    """What the layout needs from the modules: their navigation links and live badges.

    A module's ``pages.py`` may declare ``NAV`` (a list of ``NavItem``) and
    ``async def badges(*, session, viewer) -> dict[str, int]`` for the counters.
    """

    nav: list[NavItem] = field(default_factory=list)
    badge_sources: list[BadgeSource] = field(default_factory=list)

    async def badges(self, *, session: Any, viewer: Any) -> dict[str, int]:
        """Every module's counters for the signed-in person."""
        counts: dict[str, int] = {}
        for source in self.badge_sources:
            counts.update(await source(session=session, viewer=viewer))
        return counts


SHELL = Shell()
