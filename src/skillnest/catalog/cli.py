"""``skillnest catalog import|export|suggest``; ``skillnest suggest`` is short for the last."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from skillnest.catalog import service
from skillnest.catalog.importer import CatalogDataError, read_catalog
from skillnest.catalog.popularity import package_ranks
from skillnest.catalog.project import (
    AGENT_FOLDERS,
    SCOPES,
    ProjectError,
    find_installed_skills,
    read_dependencies,
)
from skillnest.catalog.ranking import CatalogSkill, build_query, rank_suggestions
from skillnest.catalog.snapshot import (
    BUNDLED,
    SnapshotError,
    default_snapshot_path,
    parse_snapshot,
    read_snapshot,
    snapshot_document,
    write_snapshot,
)
from skillnest.core import metrics
from skillnest.core.cli import JsonOption, ServerOption, cli_settings, console, err_console, run
from skillnest.core.client import DEFAULT_SERVER, TokenStore, config_dir
from skillnest.core.platform import Platform

catalog = typer.Typer(help="The agent-skill catalog.", no_args_is_help=True)

API_URL_ENV = "SKILLNEST_API_URL"
API_TOKEN_ENV = "SKILLNEST_API_TOKEN"
DEFAULT_API_URL = DEFAULT_SERVER
SNAPSHOT_MAX_AGE_SECONDS = 24 * 60 * 60


@contextlib.contextmanager
def progress_bars(enabled: bool = True) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Rich progress bars on stderr, one per step, as a ``(label, total) -> advance`` hook."""
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
    )

    def start(label: str, total: int) -> Callable[[int], None]:
        task = bars.add_task(label, total=max(total, 1))
        if total == 0:
            bars.update(task, completed=1)
        return lambda n: bars.advance(task, n)

    with bars:
        yield start


@catalog.command("import")
def import_catalog(
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="Folder with upskill/, skills/ and packages/ (default: data/catalog).",
    ),
    package_lists: bool = typer.Option(
        True, "--package-lists/--no-package-lists", help="Also load the npm and PyPI lists."
    ),
    snapshot: bool = typer.Option(
        True, "--snapshot/--no-snapshot", help="Write the offline snapshot afterwards."
    ),
    as_json: JsonOption = False,
) -> None:
    """Load the real catalog (safe to run again: upserts, never duplicates)."""
    with progress_bars(enabled=not as_json) as progress:
        try:
            data = read_catalog(data_dir, include_package_lists=package_lists, progress=progress)
        except CatalogDataError as exc:
            err_console.print(f"[red]error:[/red] {exc} (nothing was written)")
            raise typer.Exit(2) from exc

        async def work(platform: Platform) -> tuple[service.ImportSummary, Path | None]:
            async with platform.db.unit_of_work() as session:
                summary = await service.import_catalog(
                    session=session, data=data, progress=progress
                )
            await service.invalidate_all(
                platform.cache, summary_refreshed=summary.summary_refreshed
            )
            written = None
            if snapshot:
                async with platform.db.unit_of_work() as session:
                    skills = await service.catalog_snapshot(session=session)
                written = write_snapshot(
                    default_snapshot_path(), snapshot_document(skills, "skillnest catalog import")
                )
            return summary, written

        summary, written = run(work)
    rows = sum(
        c.new + c.updated + c.unchanged
        for c in (summary.packages, summary.skills, summary.mappings)
    )
    metrics.count_import("catalog", rows)
    if as_json:
        document = {**dataclasses.asdict(summary), "snapshot": str(written) if written else None}
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    for line in summary.lines():
        console.print(line)
    if written:
        console.print(f"offline snapshot: {written}")


@catalog.command("export")
def export_catalog(
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (.gz to compress; default: the CLI's cache)."
    ),
    from_data: bool = typer.Option(
        False, "--from-data", help="Build from the data files instead of the database."
    ),
    as_json: JsonOption = False,
) -> None:
    """Write the catalog snapshot that ``skillnest suggest`` ranks from when offline."""
    target = output or default_snapshot_path()
    if from_data:
        try:
            skills = read_catalog(include_package_lists=False).catalog_skills()
        except CatalogDataError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        source = "data files"
    else:

        async def work(platform: Platform) -> list[CatalogSkill]:
            async with platform.db.unit_of_work() as session:
                await service.refresh_summary(session=session)
                return await service.catalog_snapshot(session=session)

        with progress_bars(enabled=not as_json) as progress:
            advance = progress("export", 1)
            skills = run(work)
            advance(1)
        source = "skillnest catalog export"
    write_snapshot(target, snapshot_document(skills, source))
    if as_json:
        typer.echo(json.dumps({"path": str(target), "skills": len(skills), "source": source}))
        return
    console.print(f"wrote {len(skills)} skills to {target}")


# --- suggest -------------------------------------------------------------------------------


class Offline(Exception):
    """The API could not answer; the message says why."""


def ask_api(
    api_url: str, payload: dict[str, Any], *, client: httpx.Client | None = None
) -> dict[str, Any]:
    """POST the suggest request; raise Offline when the server cannot be reached."""
    headers = {}
    # The saved login (`skillnest login`) personalises suggestions too.
    token = os.environ.get(API_TOKEN_ENV) or TokenStore(config_dir()).token(api_url.rstrip("/"))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    http = client or httpx.Client(timeout=httpx.Timeout(10.0, connect=2.0))
    try:
        response = http.post(
            api_url.rstrip("/") + "/api/v1/skills/suggest", json=payload, headers=headers
        )
    except httpx.TransportError as exc:
        raise Offline(f"{api_url} cannot be reached ({exc.__class__.__name__})") from exc
    finally:
        if client is None:
            http.close()
    if response.status_code >= 500:
        raise Offline(f"{api_url} answered {response.status_code}")
    if response.status_code != 200:
        try:
            detail = response.json().get("detail") or response.text
        except ValueError:
            detail = response.text
        raise ValueError(f"the API refused the request ({response.status_code}): {detail}")
    document: dict[str, Any] = response.json()
    return document


def refresh_cached_snapshot(api_url: str, *, client: httpx.Client | None = None) -> None:
    """Keep the offline snapshot at most a day old while the server answers."""
    path = default_snapshot_path()
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime < SNAPSHOT_MAX_AGE_SECONDS:
            return
    http = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=2.0))
    try:
        response = http.get(api_url.rstrip("/") + "/api/v1/catalog/snapshot")
        if response.status_code == 200:
            parse_snapshot(response.content, "the server's snapshot")
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(response.content)
            tmp.replace(path)
    except (httpx.HTTPError, SnapshotError, OSError):
        pass  # the cache is a convenience; the next online run tries again
    finally:
        if client is None:
            http.close()


def _local_database_catalog() -> list[CatalogSkill] | None:
    """The catalog of the local skillnest database, if one is configured and exists."""
    try:
        settings = cli_settings()
    except ValueError:
        return None
    if "SKILLNEST_DATABASE_URL" not in os.environ and settings.is_sqlite:
        path = Path(settings.database_url.split("///", 1)[-1])
        if not path.is_file():
            return None  # never create an empty database just to look into it

    async def work(platform: Platform) -> list[CatalogSkill]:
        async with platform.db.unit_of_work() as session:
            return await service.catalog_snapshot(session=session)

    try:
        skills = run(work)
    except Exception:  # noqa: BLE001 - an unreachable or unmigrated database is no catalog
        return None
    return skills or None


def load_offline_catalog(explicit: Path | None = None) -> tuple[list[CatalogSkill], str]:
    """The best local catalog available without the API.

    In order: a file given with ``--catalog``, the cached snapshot, the local skillnest
    database, and the snapshot shipped with skillnest.
    """
    if explicit is not None:
        skills, header = read_snapshot(explicit)
        return skills, f"snapshot {explicit} ({header.get('generated_at', 'undated')})"
    cached = default_snapshot_path()
    if cached.is_file():
        try:
            skills, header = read_snapshot(cached)
            return skills, f"cached snapshot {cached} ({header.get('generated_at', 'undated')})"
        except SnapshotError as exc:
            err_console.print(f"[yellow]warning:[/yellow] {exc}; ignoring it")
    local = _local_database_catalog()
    if local:
        return local, "the local skillnest database"
    skills, header = read_snapshot(BUNDLED)
    return skills, f"the catalog shipped with skillnest ({header.get('generated_at', 'undated')})"


def _render(result: dict[str, Any], where: str, offline_note: str | None) -> None:
    table = Table(title=f"Skills for this project ({where})", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Skill", style="bold")
    table.add_column("Why")
    table.add_column("Confidence", justify="right")
    table.add_column("Installs", justify="right")
    table.add_column("Repo", style="cyan")
    for number, skill in enumerate(result["skills"], start=1):
        why = "uses " if skill["match_type"] == "package_json" else "like your skills: "
        table.add_row(
            str(number),
            skill["name"],
            why + ", ".join(skill["packages"]),
            f"{skill['confidence']:.2f}",
            f"{skill['installs']:,}",
            skill["repo"],
        )
    if offline_note:
        console.print(f"[yellow]offline:[/yellow] {offline_note}")
    if result["skills"]:
        console.print(table)
        console.print(
            f"{len(result['skills'])} of {result['total']} suggestions; matched packages: "
            f"{', '.join(result['matched_packages']) or 'none'}"
        )
    else:
        console.print("No skills in the catalog match this project's packages yet.")


def suggest(
    path: Path = typer.Argument(Path("."), help="Project folder (default: here)."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help="How many skills."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
    scope: str = typer.Option(
        "all", "--scope", help="Where to look for installed skills: project, global or all."
    ),
    agents: str | None = typer.Option(
        None, "--agents", help=f"Comma-separated agents to scan ({', '.join(AGENT_FOLDERS)})."
    ),
    api_url: ServerOption = DEFAULT_API_URL,
    offline: bool = typer.Option(False, "--offline", help="Do not ask the API."),
    catalog_file: Path | None = typer.Option(
        None, "--catalog", help="Offline snapshot to rank from (see `catalog export`)."
    ),
) -> None:
    """Suggest agent skills for the project at PATH, online or offline."""
    exit_code = suggest_command(
        path,
        limit=limit,
        as_json=as_json,
        scope=scope,
        agents=agents,
        api_url=api_url,
        offline=offline,
        catalog_file=catalog_file,
    )
    if exit_code:
        raise typer.Exit(exit_code)


def suggest_command(
    path: Path,
    *,
    limit: int = 10,
    as_json: bool = False,
    scope: str = "all",
    agents: str | None = None,
    api_url: str = DEFAULT_API_URL,
    offline: bool = False,
    catalog_file: Path | None = None,
    client: httpx.Client | None = None,
    home: Path | None = None,
) -> int:
    """The body of ``skillnest suggest``; returns the exit code (tests call it directly)."""
    if scope not in SCOPES:
        err_console.print(f"[red]error:[/red] --scope must be one of {', '.join(SCOPES)}")
        return 2
    project = path.expanduser().resolve()
    if not project.is_dir():
        err_console.print(f"[red]error:[/red] {path} is not a folder")
        return 2
    try:
        deps = read_dependencies(project)
        installed = find_installed_skills(
            project,
            home or Path.home(),
            scope=scope,
            agents=[a.strip() for a in agents.split(",") if a.strip()] if agents else None,
        )
    except ProjectError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        return 2
    packages = deps.request_names()
    installed_ids = sorted({skill.skill_id for skill in installed})
    if not packages and not installed_ids:
        err_console.print(
            f"[red]error:[/red] no dependencies (package.json, requirements*.txt, "
            f"pyproject.toml) and no installed skills found in {project}"
        )
        return 1
    payload = {"packages": packages, "installed_skills": installed_ids, "limit": limit}

    note: str | None = None
    source = "api"
    try:
        if offline:
            raise Offline("--offline given")
        result = ask_api(api_url, payload, client=client)
        where = api_url
        refresh_cached_snapshot(api_url, client=client)
    except Offline as reason:
        try:
            skills, catalog_source = load_offline_catalog(catalog_file)
        except SnapshotError as exc:
            err_console.print(f"[red]error:[/red] {reason}, and no offline catalog: {exc}")
            return 1
        query = build_query(packages, installed_ids, limit=limit)
        result = rank_suggestions(skills, query, package_ranks()).document()
        note = f"{reason}; ranked locally from {catalog_source}"
        where = "offline catalog"
        source = "offline"
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        return 1

    if as_json:
        document = {
            **result,
            "source": source,
            "offline_reason": note,
            "project": {
                "path": str(project),
                "manifests": deps.sources,
                "packages": packages,
                "installed_skills": installed_ids,
            },
            "generated_at": datetime.now(UTC).isoformat(),
        }
        typer.echo(json.dumps(document, indent=2, default=str))
        return 0
    console.print(
        f"{project.name}: {len(packages)} packages from {', '.join(deps.sources) or 'no manifest'}"
        f", {len(installed_ids)} installed skills"
    )
    _render(result, where, note)
    return 0


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    catalog.command("suggest")(suggest)
    root.add_typer(catalog, name="catalog")
    root.command("suggest")(suggest)  # the short name of `catalog suggest`
