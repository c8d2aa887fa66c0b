"""The performance targets of one full run, side by side, from the scenarios' own figures.

Not a scenario: ``bench.run`` builds this table after a run that measured every scenario it
needs, so each figure and its ceiling come from the same run on the same machine. A partial
run (``make bench ONLY=...``) leaves the table of the last full run in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import careers, catalog, core, exchange, imports
from bench import help as help_feed

NEEDED = ("core", "help", "catalog", "careers", "exchange", "imports")


@dataclass(frozen=True)
class Target:
    """One measure: how to read it from the run's figures, how to show it, when it is met."""

    measure: str
    target: str
    read: Callable[[dict[str, Any]], float]
    shown: str  # a format for the value
    met: Callable[[float], bool]
    section: str  # the scenario whose section holds the detail (and any miss's profile)
    clean: Callable[[dict[str, Any]], bool] = lambda _: True  # e.g. a run without errors

    def holds(self, scenarios: dict[str, Any]) -> bool:
        """Whether the run met this target."""
        return self.met(self.read(scenarios)) and self.clean(scenarios)


def _full_text_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for label, row in figures["search"].items() if label.startswith("full text")]


def _search_rps(figures: dict[str, Any]) -> float:
    """The slower of the full-text searches (each must meet the target)."""
    return float(min(row["requests_per_second"] for row in _full_text_rows(figures)))


def _search_p99(figures: dict[str, Any]) -> float:
    return float(max(row["latency_p99_ms"] for row in _full_text_rows(figures)))


def _growth(figures: dict[str, Any]) -> float:
    results = figures["results"]
    small, large = (results[key]["latency"]["p50_ms"] for key in sorted(results, key=int))
    return float(large / small)


def _users_vs_orm(figures: dict[str, Any]) -> float:
    return float(figures["users_vs_sync_orm"])


TARGETS: list[Target] = [
    Target(
        "`/health` / bare Starlette `/ping`",
        f">= {core.TARGETS['health_vs_ping']:.0%}",
        lambda f: f["core"]["health_vs_ping"],
        "{:.0%}",
        lambda v: v >= core.TARGETS["health_vs_ping"],
        "core",
    ),
    Target(
        "authenticated `/api/v1/me` / bare `/ping`",
        f">= {core.TARGETS['me_vs_ping']:.0%}",
        lambda f: f["core"]["me_vs_ping"],
        "{:.0%}",
        lambda v: v >= core.TARGETS["me_vs_ping"],
        "core",
    ),
    Target(
        "uncached `/api/v1/users/{id}` / bare async PK lookup",
        f">= {core.TARGETS['users_vs_pk']:.0%}",
        lambda f: f["core"]["users_vs_pk"],
        "{:.0%}",
        lambda v: v >= core.TARGETS["users_vs_pk"],
        "core",
    ),
    Target(
        "uncached `/api/v1/users/{id}` / sync-ORM stack",
        ">= 3x",
        lambda f: _users_vs_orm(f["core"]),
        "{:.1f}x",
        lambda v: v >= 3,
        "core",
    ),
    Target(
        "help feed page, 64 connections, PostgreSQL + Redis",
        f">= {help_feed.TARGET_RPS:,} req/s",
        lambda f: (
            f["help"]["postgresql_redis"]["feed_http"]["rps"]
            if not f["help"]["postgresql_redis"]["feed_http"]["errors"]
            else 0.0
        ),
        "{:,.0f} req/s",
        lambda v: v >= help_feed.TARGET_RPS,
        "help",
    ),
    *(
        Target(
            f"uncached suggest at 1M mappings p50, {label}",
            f"< {catalog.UNCACHED_P50_MS:g} ms",
            lambda f, b=backend: f["catalog"][b]["service"]["p50_ms"],
            "{:.1f} ms",
            lambda v: v < catalog.UNCACHED_P50_MS,
            "catalog",
        )
        for backend, label in (("postgresql", "PostgreSQL"), ("sqlite", "SQLite"))
    ),
    *(
        Target(
            f"uncached suggest at 1M mappings, 64 connections, {label}",
            f">= {catalog.UNCACHED_RPS} req/s",
            lambda f, b=backend: f["catalog"][b]["wrk"]["uncached"]["rps"],
            "{:,.0f} req/s",
            lambda v: v >= catalog.UNCACHED_RPS,
            "catalog",
        )
        for backend, label in (("postgresql", "PostgreSQL + Redis"), ("sqlite", "SQLite"))
    ),
    Target(
        "job full-text search over 100k jobs, 64 connections (slowest query)",
        f">= {careers.TARGET_RPS:,} req/s",
        lambda f: _search_rps(f["careers"]),
        "{:,.0f} req/s",
        lambda v: v >= careers.TARGET_RPS,
        "careers",
    ),
    Target(
        "job full-text search p99 (slowest query)",
        f"< {careers.TARGET_P99_MS} ms",
        lambda f: _search_p99(f["careers"]),
        "{:.1f} ms",
        lambda v: v < careers.TARGET_P99_MS,
        "careers",
    ),
    Target(
        "exchange match page p50 at 100k users",
        f"< {exchange.TARGET_P50_MS:g} ms",
        lambda f: f["exchange"]["results"]["100000"]["latency"]["p50_ms"],
        "{:.2f} ms",
        lambda v: v < exchange.TARGET_P50_MS,
        "exchange",
    ),
    Target(
        "exchange match page p50 growth from 10k users",
        f"< {exchange.TARGET_GROWTH:g}x",
        lambda f: _growth(f["exchange"]),
        "{:.2f}x",
        lambda v: v < exchange.TARGET_GROWTH,
        "exchange",
    ),
    Target(
        "gauge import on PostgreSQL, verification included",
        f">= {imports.TARGETS['gauge_rows_per_s']:,} rows/s",
        lambda f: f["imports"]["gauge"]["rows_per_s"],
        "{:,.0f} rows/s",
        lambda v: v >= imports.TARGETS["gauge_rows_per_s"],
        "imports",
    ),
    Target(
        "`skillnest jobs import`",
        f">= {imports.TARGETS['jobs_per_s']:,} jobs/s",
        lambda f: f["imports"]["jobs"]["jobs_per_s"],
        "{:,.0f} jobs/s",
        lambda v: v >= imports.TARGETS["jobs_per_s"],
        "imports",
    ),
    Target(
        "SQLite: uncached `/users/{id}` / bare aiosqlite lookup, 1 worker",
        f">= {core.TARGETS['sqlite_users_vs_pk']:.0%}",
        lambda f: f["core"]["sqlite_users_vs_pk"],
        "{:.0%}",
        lambda v: v >= core.TARGETS["sqlite_users_vs_pk"],
        "core",
    ),
]


def summary(scenarios: dict[str, Any], when: str, machine: str, command: str) -> str | None:
    """The targets table of a run that measured every scenario it needs, else None.

    ``scenarios`` as the JSON record holds them (keys are strings).
    """
    if any(name not in scenarios for name in NEEDED):
        return None
    rows = []
    for target in TARGETS:
        value = target.read(scenarios)
        rows.append(
            f"| {target.measure} | {target.shown.format(value)} | {target.target} | "
            f"{'yes' if target.holds(scenarios) else '**no**'} | {target.section} |"
        )
    met = sum(target.holds(scenarios) for target in TARGETS)
    return "\n".join(
        [
            "## Performance targets (issue 12), one full run",
            "",
            f"_Machine: {machine}. Date: {when} UTC. Command: `{command}`._",
            "",
            f"Every figure and its ceiling from the same run; {met} of {len(TARGETS)} met. The "
            "load average of each scenario is in its section, and a miss's section says where "
            "the time goes.",
            "",
            "| measure | measured | target | met | section |",
            "|---|---:|---:|:-:|---|",
            *rows,
        ]
    )
