"""``skillnest jobs ...`` and ``skillnest careers ...``: job listings and document export."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.documents import service as documents
from skillnest.careers.documents.schemas import ExportedFile
from skillnest.careers.jobs import importer, service
from skillnest.careers.jobs.schemas import JobIn
from skillnest.core.cli import console, err_console, run, run_in_transaction
from skillnest.core.platform import Platform

jobs = typer.Typer(help="Job listings.", no_args_is_help=True)
careers = typer.Typer(help="Career documents.", no_args_is_help=True)
FORMATS = ("pdf", "docx", "txt", "md", "html")

MAX_REPORTED_ERRORS = 20


@jobs.command("import")
def import_jobs(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="JSON lines."
    ),
    batch_size: int = typer.Option(1000, min=1, max=10_000, help="Jobs per transaction."),
) -> None:
    """Import listings from a JSON-lines file; importing it again updates, never duplicates."""
    # A batch upsert takes longer than the slow-query threshold by design, and the slow-query
    # log would print each whole 1,000-row statement.
    logging.getLogger("skillnest.db.slow").setLevel(logging.ERROR)

    async def work(platform: Platform) -> tuple[int, int, int, list[tuple[int, str]]]:
        async with platform.db.unit_of_work() as session:
            before = await service.count_jobs(session=session)
        done = 0
        errors: list[tuple[int, str]] = []
        batch: list[JobIn] = []

        async def flush() -> None:
            nonlocal done
            if batch:
                async with platform.db.unit_of_work() as session:
                    done += len(await service.upsert_jobs(session=session, jobs=batch))
                batch.clear()

        columns = (
            TextColumn("[bold]jobs[/bold]"),
            BarColumn(),
            TextColumn("{task.fields[jobs]} imported"),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=err_console) as progress, file.open("rb") as handle:
            task = progress.add_task("import", total=file.stat().st_size, jobs=0)
            for number, raw in enumerate(handle, start=1):
                progress.update(task, advance=len(raw))
                line = raw.decode("utf-8", errors="replace")
                if not line.strip():
                    continue
                try:
                    job = importer.parse_line(line)
                except ValueError as exc:
                    errors.append((number, str(exc)))
                    continue
                batch.append(job)
                if len(batch) >= batch_size:
                    await flush()
                    progress.update(task, jobs=done)
            await flush()
            progress.update(task, jobs=done)
        async with platform.db.unit_of_work() as session:
            after = await service.count_jobs(session=session)
            await service.jobs_changed(session=session, cache=platform.cache)
        return done, after - before, done - (after - before), errors

    done, created, updated, errors = run(work)
    console.print(f"{done} jobs imported: {created} new, {updated} updated, {len(errors)} rejected")
    for number, reason in errors[:MAX_REPORTED_ERRORS]:
        err_console.print(f"  line {number}: {reason}")
    if len(errors) > MAX_REPORTED_ERRORS:
        err_console.print(f"  ... and {len(errors) - MAX_REPORTED_ERRORS} more")
    if errors:
        raise typer.Exit(1)


@careers.command("export")
def export_document(
    document_id: int = typer.Argument(..., min=1, max=2**31 - 1, help="Generated document id."),
    format: str = typer.Option("pdf", "--format", "-f", help="pdf, docx, txt, md or html."),
    output: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="File to write (default: its own name)."
    ),
) -> None:
    """Export a generated resume or cover letter to a file, styled by its template."""
    if format not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")

    async def work(platform: Platform, session: AsyncSession) -> ExportedFile:
        return await documents.export_document(
            session=session, user_id=None, document_id=document_id, fmt=format
        )

    exported = run_in_transaction(work)
    target = output or Path(exported.filename)
    target.write_bytes(exported.content)
    console.print(f"{target} ({exported.media_type}, {len(exported.content)} bytes)")


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(jobs, name="jobs")
    root.add_typer(careers, name="careers")
