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
    """One measure: how to read it from a run's figures, how to show it, and its bound."""

    measure: str
    read: Callable[[dict[str, Any]], float]
    shown: str  # a format for the value and the bound
    bound: float
    section: str  # the scenario whose section holds the detail (and any miss's profile)
    below: bool = False  # met under the bound (a latency), else at or over it (a rate)
    clean: Callable[[dict[str, Any]], bool] = lambda _: True  # e.g. a run without errors

    @property
    def target(self) -> str:
        """The bound as the table shows it."""
        return ("< " if self.below else ">= ") + self.shown.format(self.bound)

    def holds(self, scenarios: dict[str, Any]) -> bool:
        """Whether the run met this target."""
        value = self.read(scenarios)
        within = value < self.bound if self.below else value >= self.bound
        return within and self.clean(scenarios)


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


def _core_ratio(name: str, measure: str) -> Target:
    """A ratio of the core scenario against its ceiling (``core.TARGETS``)."""
    return Target(measure, lambda f: f["core"][name], "{:.0%}", core.TARGETS[name], "core")


def _catalog(backend: str, *path: str) -> Callable[[dict[str, Any]], float]:
    """A figure of the catalog scenario on one backend, at ``path`` in its figures."""

    def read(figures: dict[str, Any]) -> float:
        value: Any = figures["catalog"][backend]
        for part in path:
            value = value[part]
        return float(value)

    return read


def _feed(figures: dict[str, Any]) -> dict[str, Any]:
    return dict(figures["help"]["postgresql_redis"]["feed_http"])


_BACKENDS = (("postgresql", "PostgreSQL + Redis"), ("sqlite", "SQLite"))

TARGETS: list[Target] = [
    _core_ratio("health_vs_ping", "`/health` / bare Starlette `/ping`"),
    _core_ratio("me_vs_ping", "authenticated `/api/v1/me` / bare `/ping`"),
    _core_ratio("users_vs_pk", "uncached `/api/v1/users/{id}` / bare async PK lookup"),
    Target(
        "uncached `/api/v1/users/{id}` / sync-ORM stack",
        lambda f: f["core"]["users_vs_sync_orm"],
        "{:.3g}x",
        3,
        "core",
    ),
    Target(
        "help feed page, 64 connections, PostgreSQL + Redis, no errors",
        lambda f: _feed(f)["rps"],
        "{:,.0f} req/s",
        help_feed.TARGET_RPS,
        "help",
        clean=lambda f: not _feed(f)["errors"],
    ),
    *(
        Target(
            f"uncached suggest at 1M mappings p50, {label}",
            _catalog(backend, "service", "p50_ms"),
            "{:.3g} ms",
            catalog.UNCACHED_P50_MS,
            "catalog",
            below=True,
        )
        for backend, label in _BACKENDS
    ),
    *(
        Target(
            f"uncached suggest at 1M mappings, 64 connections, {label}",
            _catalog(backend, "wrk", "uncached", "rps"),
            "{:,.0f} req/s",
            catalog.UNCACHED_RPS,
            "catalog",
        )
        for backend, label in _BACKENDS
    ),
    Target(
        "job full-text search over 100k jobs, 64 connections (slowest query)",
        lambda f: _search_rps(f["careers"]),
        "{:,.0f} req/s",
        careers.TARGET_RPS,
        "careers",
    ),
    Target(
        "job full-text search p99 (slowest query)",
        lambda f: _search_p99(f["careers"]),
        "{:.3g} ms",
        careers.TARGET_P99_MS,
        "careers",
        below=True,
    ),
    Target(
        "exchange match page p50 at 100k users",
        lambda f: f["exchange"]["results"]["100000"]["latency"]["p50_ms"],
        "{:.3g} ms",
        exchange.TARGET_P50_MS,
        "exchange",
        below=True,
    ),
    Target(
        "exchange match page p50 growth from 10k users",
        lambda f: _growth(f["exchange"]),
        "{:.3g}x",
        exchange.TARGET_GROWTH,
        "exchange",
        below=True,
    ),
    Target(
        "gauge import on PostgreSQL, verification included",
        lambda f: f["imports"]["gauge"]["rows_per_s"],
        "{:,.0f} rows/s",
        imports.TARGETS["gauge_rows_per_s"],
        "imports",
    ),
    Target(
        "`skillnest jobs import`",
        lambda f: f["imports"]["jobs"]["jobs_per_s"],
        "{:,.0f} jobs/s",
        imports.TARGETS["jobs_per_s"],
        "imports",
    ),
    _core_ratio(
        "sqlite_users_vs_pk", "SQLite: uncached `/users/{id}` / bare aiosqlite lookup, 1 worker"
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
