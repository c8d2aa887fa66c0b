"""``skillnest careers ...``: profile, job search, applications and documents from the shell.

Everything but ``jobs import`` is a thin client of the REST API (``--server``, token from
``skillnest login``), so it follows the API and nothing else of the careers package.
``jobs import`` loads a feed into the local database; ``skillnest jobs import`` is its old
name, kept as an alias.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.careers.documents import service as documents_service
from skillnest.careers.documents.schemas import ExportedFile
from skillnest.careers.jobs import importer
from skillnest.core import metrics
from skillnest.core.cli import (
    JsonOption,
    ServerOption,
    api,
    console,
    emit,
    err_console,
    fail,
    fields,
    items_of,
    json_argument,
    more_hint,
    run,
    run_in_transaction,
    table,
)
from skillnest.core.client import DEFAULT_SERVER
from skillnest.core.platform import Platform

jobs = typer.Typer(help="Job listings: search, save, import.", no_args_is_help=True)
careers = typer.Typer(
    help="Careers: profile, jobs, applications and documents.", no_args_is_help=True
)
profile = typer.Typer(help="Your career profile and its sections.", no_args_is_help=True)
applications = typer.Typer(help="Track and move your applications.", no_args_is_help=True)
documents = typer.Typer(help="Resumes and cover letters.", no_args_is_help=True)
SECTIONS = ("goals", "skills", "certifications", "experience", "education", "portfolio")
JOB_COLUMNS = ["id", "title", "company", "location", "remote_type", "salary_min", "salary_max"]
APPLICATION_COLUMNS = ["id", "job_id", "job_title", "company", "status", "progress"]
FORMATS = ("pdf", "docx", "txt", "md", "html")

MAX_REPORTED_ERRORS = 20


@jobs.command("import")
def import_jobs(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="JSON lines."
    ),
    batch_size: int = typer.Option(1000, min=1, max=10_000, help="Jobs per transaction."),
    as_json: JsonOption = False,
) -> None:
    """Import listings from a JSON-lines file; importing it again updates, never duplicates."""
    # A batch upsert takes longer than the slow-query threshold by design, and the slow-query
    # log would print each whole 1,000-row statement.
    logging.getLogger("skillnest.db.slow").setLevel(logging.ERROR)

    async def work(platform: Platform) -> importer.FeedReport:
        columns = (
            TextColumn("[bold]jobs[/bold]"),
            BarColumn(),
            TextColumn("{task.fields[jobs]} imported"),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with (
            Progress(*columns, console=err_console, disable=as_json) as progress,
            file.open("rb") as handle,
        ):
            task = progress.add_task("import", total=file.stat().st_size, jobs=0)
            return await importer.import_feed(
                db=platform.db,
                cache=platform.cache,
                handle=handle,
                batch_size=batch_size,
                progress=lambda read, done: progress.update(task, advance=read, jobs=done),
            )

    report = run(work)
    done, created, updated, errors = report.imported, report.new, report.updated, report.errors
    metrics.count_import("careers.jobs", done, len(errors))
    if as_json:
        rejected = [{"line": n, "reason": r} for n, r in errors]
        document = {"imported": done, "new": created, "updated": updated, "rejected": rejected}
        typer.echo(json.dumps(document, indent=2))
        raise typer.Exit(1 if errors else 0)
    console.print(f"{done} jobs imported: {created} new, {updated} updated, {len(errors)} rejected")
    for number, reason in errors[:MAX_REPORTED_ERRORS]:
        err_console.print(f"  line {number}: {reason}")
    if len(errors) > MAX_REPORTED_ERRORS:
        err_console.print(f"  ... and {len(errors) - MAX_REPORTED_ERRORS} more")
    if errors:
        raise typer.Exit(1)


@careers.command("export")
def export_document_locally(
    document_id: int = typer.Argument(..., min=1, max=2**31 - 1, help="Generated document id."),
    format: str = typer.Option("pdf", "--format", "-f", help="pdf, docx, txt, md or html."),
    output: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="File to write (default: its own name)."
    ),
) -> None:
    """Export any account's generated document straight from the database (operators)."""
    if format not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")

    async def work(platform: Platform, session: AsyncSession) -> ExportedFile:
        return await documents_service.export_document(
            session=session, user_id=None, document_id=document_id, fmt=format
        )

    exported = run_in_transaction(work)
    target = output or Path(exported.filename)
    target.write_bytes(exported.content)
    console.print(f"{target} ({exported.media_type}, {len(exported.content)} bytes)")


# --- profile ------------------------------------------------------------------------------


def _section(name: str) -> str:
    if name not in SECTIONS:
        fail(f"unknown section {name!r}: one of {', '.join(SECTIONS)}", 2)
    return name


def _body(pairs: list[str], data: str | None) -> dict[str, Any]:
    """A request body from ``key=value`` pairs and/or ``--data JSON``."""
    body: dict[str, Any] = dict(json_argument(data)) if data else {}
    body.update(fields(pairs))
    return body


def _print_record(record: dict[str, Any]) -> None:
    for key, value in record.items():
        console.print(f"{key}: {value if value not in (None, []) else '-'}", markup=False)


FieldsArg = typer.Argument(None, help="key=value pairs (values parse as JSON when they can).")
DataOpt = typer.Option(None, "--data", help="The body as JSON, or @file.")


@profile.command("show")
def profile_show(server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False) -> None:
    """Your career profile."""
    with api(server) as http:
        emit(http.call("GET", "/me/career/profile"), as_json, _print_record)


@profile.command("set")
def profile_set(
    pairs: list[str] = FieldsArg,
    data: str | None = DataOpt,
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Change profile fields, e.g. ``headline="Backend engineer" years_of_experience=4``."""
    with api(server) as http:
        result = http.call("PATCH", "/me/career/profile", json=_body(pairs or [], data))
    emit(result, as_json, _print_record)


@profile.command("list")
def profile_list(
    section: str = typer.Argument(..., help=f"One of: {', '.join(SECTIONS)}."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """The entries of one profile section."""
    with api(server) as http:
        entries = http.call("GET", f"/me/career/{_section(section)}")

    def render(answer: Any) -> None:
        rows = items_of(answer)
        if rows:
            table(rows, [k for k in rows[0] if k not in ("user_id", "created_at", "updated_at")])
        else:
            console.print(f"no {section} yet")

    emit(entries, as_json, render)


@profile.command("add")
def profile_add(
    section: str = typer.Argument(..., help=f"One of: {', '.join(SECTIONS)}."),
    pairs: list[str] = FieldsArg,
    data: str | None = DataOpt,
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Add an entry, e.g. ``careers profile add skills name=Python proficiency_level=4``."""
    with api(server) as http:
        made = http.call("POST", f"/me/career/{_section(section)}", json=_body(pairs or [], data))
    emit(made, as_json, lambda m: console.print(f"{section} entry {m['id']} added"))


@profile.command("edit")
def profile_edit(
    section: str,
    entry_id: int,
    pairs: list[str] = FieldsArg,
    data: str | None = DataOpt,
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Change fields of one entry."""
    path = f"/me/career/{_section(section)}/{entry_id}"
    with api(server) as http:
        changed = http.call("PATCH", path, json=_body(pairs or [], data))
    emit(changed, as_json, _print_record)


@profile.command("remove")
def profile_remove(section: str, entry_id: int, server: ServerOption = DEFAULT_SERVER) -> None:
    """Delete one entry."""
    with api(server) as http:
        http.call("DELETE", f"/me/career/{_section(section)}/{entry_id}")
    console.print(f"{section} entry {entry_id} removed")


# --- jobs ---------------------------------------------------------------------------------


@jobs.command("search")
def jobs_search(
    q: str | None = typer.Argument(None, help="Words to look for."),
    location: str | None = typer.Option(None, "--location"),
    remote: str | None = typer.Option(None, "--remote", help="remote, hybrid or onsite."),
    employment: str | None = typer.Option(None, "--type", help="e.g. full-time."),
    salary_min: int | None = typer.Option(None, "--salary-min", min=0),
    skill: list[str] = typer.Option(None, "--skill", "-s", help="A required skill (repeatable)."),
    limit: int = typer.Option(20, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Search listings by text, location, remote type, employment type, salary and skills."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    for key, value in (
        ("q", q),
        ("location", location),
        ("remote_type", remote),
        ("employment_type", employment),
        ("salary_min", salary_min),
    ):
        if value is not None:
            params[key] = value
    if skill:
        params["skills"] = skill
    with api(server, authenticated=False) as http:
        page = http.call("GET", "/jobs", params=params)

    def render(p: dict[str, Any]) -> None:
        table(items_of(p), JOB_COLUMNS)
        more_hint(p)

    emit(page, as_json, render)


@jobs.command("show")
def jobs_show(
    job_id: int, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """A listing in full."""
    with api(server, authenticated=False) as http:
        emit(http.call("GET", f"/jobs/{job_id}"), as_json, _print_record)


@jobs.command("recommended")
def jobs_recommended(
    limit: int = typer.Option(20, min=1, max=100),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Jobs ranked by how well they match your profile."""
    with api(server) as http:
        result = http.call("GET", "/jobs/recommendations", params={"limit": limit})
    emit(
        result,
        as_json,
        lambda r: table(items_of(r), ["job.id", "job.title", "job.company", "match.overall_score"]),
    )


@jobs.command("save")
def jobs_save(
    job_id: int,
    note: str | None = typer.Option(None, "--note", help="Why it is interesting."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Save a job (saving again replaces the note)."""
    with api(server) as http:
        saved = http.call("PUT", f"/jobs/{job_id}/save", json={"notes": note})
    emit(saved, as_json, lambda s: console.print(f"saved job {s['job']['id']}"))


@jobs.command("unsave")
def jobs_unsave(job_id: int, server: ServerOption = DEFAULT_SERVER) -> None:
    """Remove a job from your saved ones."""
    with api(server) as http:
        http.call("DELETE", f"/jobs/{job_id}/save")
    console.print(f"job {job_id} no longer saved")


@jobs.command("saved")
def jobs_saved(server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False) -> None:
    """Your saved jobs, newest first."""
    with api(server) as http:
        saved = http.call("GET", "/me/saved-jobs")
    emit(
        saved,
        as_json,
        lambda r: table(items_of(r), ["job.id", "job.title", "job.company", "notes"]),
    )


# --- applications -------------------------------------------------------------------------


@applications.command("list")
def applications_list(
    status: list[str] = typer.Option(None, "--status", help="Only these statuses."),
    limit: int = typer.Option(50, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Your applications."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if status:
        params["status"] = [s.upper() for s in status]
    with api(server) as http:
        rows = http.call("GET", "/applications", params=params)
    emit(rows, as_json, lambda r: table(items_of(r), APPLICATION_COLUMNS))


@applications.command("apply")
def applications_apply(
    job_id: int,
    applied: bool = typer.Option(
        True, "--applied/--saved", help="Already sent (APPLIED) or only planned (SAVED)."
    ),
    method: str | None = typer.Option(None, "--method", help="How, e.g. company site."),
    resume: int | None = typer.Option(None, "--resume", help="Document id of the resume."),
    cover_letter: int | None = typer.Option(None, "--cover-letter", help="Document id."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Track an application for a job."""
    payload: dict[str, Any] = {"job_id": job_id, "status": "APPLIED" if applied else "SAVED"}
    for key, value in (
        ("application_method", method),
        ("resume_id", resume),
        ("cover_letter_id", cover_letter),
    ):
        if value is not None:
            payload[key] = value
    with api(server) as http:
        made = http.call("POST", "/applications", json=payload)
    emit(made, as_json, lambda a: console.print(f"application {a['id']}: {a['status']}"))


@applications.command("show")
def applications_show(
    application_id: int, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """An application with its progress, allowed moves and timeline."""
    with api(server) as http:
        emit(http.call("GET", f"/applications/{application_id}"), as_json, _print_record)


@applications.command("move")
def applications_move(
    application_id: int,
    status: str = typer.Argument(..., help="The new status, e.g. SCREENING."),
    note: str | None = typer.Option(None, "--note"),
    interview_date: str | None = typer.Option(None, "--interview-date", help="ISO date-time."),
    reason: str | None = typer.Option(None, "--reason", help="Why it was rejected."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Move an application along its status flow (a move the flow forbids is refused)."""
    payload: dict[str, Any] = {"status": status.upper()}
    for key, value in (
        ("note", note),
        ("interview_date", interview_date),
        ("rejection_reason", reason),
    ):
        if value is not None:
            payload[key] = value
    with api(server) as http:
        moved = http.call("POST", f"/applications/{application_id}/status", json=payload)
    emit(
        moved,
        as_json,
        lambda a: console.print(f"application {a['id']}: {a['status']} ({a['progress']}%)"),
    )


@applications.command("notes")
def applications_notes(
    application_id: int, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """The notes on an application."""
    with api(server) as http:
        notes = http.call("GET", f"/applications/{application_id}/notes")
    emit(notes, as_json, lambda r: table(items_of(r), ["id", "note_type", "content", "created_at"]))


@applications.command("note")
def applications_note(
    application_id: int,
    text: str = typer.Argument(..., help="The note."),
    kind: str = typer.Option("general", "--type", help="e.g. general, interview, follow-up."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Add a note to an application."""
    with api(server) as http:
        made = http.call(
            "POST",
            f"/applications/{application_id}/notes",
            json={"content": text, "note_type": kind},
        )
    emit(made, as_json, lambda n: console.print(f"note {n['id']} added"))


@applications.command("delete")
def applications_delete(application_id: int, server: ServerOption = DEFAULT_SERVER) -> None:
    """Stop tracking an application."""
    with api(server) as http:
        http.call("DELETE", f"/applications/{application_id}")
    console.print(f"application {application_id} deleted")


# --- documents ----------------------------------------------------------------------------


@documents.command("templates")
def documents_templates(
    kind: str | None = typer.Option(None, "--type", help="resume or cover_letter."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """The resume and cover-letter templates."""
    params = {"document_type": kind} if kind else {}
    with api(server, authenticated=False) as http:
        rows = http.call("GET", "/document-templates", params=params)
    emit(rows, as_json, lambda r: table(items_of(r), ["id", "name", "document_type", "category"]))


@documents.command("generate")
def documents_generate(
    template_id: int,
    job_id: int | None = typer.Option(None, "--job", help="Tailor it to this job."),
    title: str | None = typer.Option(None, "--title"),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Generate a resume or cover letter from a template and your profile."""
    payload: dict[str, Any] = {"template_id": template_id}
    if job_id is not None:
        payload["job_id"] = job_id
    if title:
        payload["title"] = title
    with api(server) as http:
        made = http.call("POST", "/documents", json=payload)
    emit(made, as_json, lambda d: console.print(f"document {d['id']} generated: {d['title']}"))


@documents.command("list")
def documents_list(server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False) -> None:
    """Your documents, newest first."""
    with api(server) as http:
        rows = http.call("GET", "/documents")
    emit(rows, as_json, lambda r: table(items_of(r), ["id", "title", "document_type", "version"]))


@documents.command("export")
def documents_export(
    document_id: int,
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf, docx, txt, md or html."),
    output: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="File to write (default: its own name)."
    ),
    server: ServerOption = DEFAULT_SERVER,
) -> None:
    """Download one of your documents as a file, styled by its template."""
    if fmt not in FORMATS:
        fail(f"--format is one of {', '.join(FORMATS)}", 2)
    with api(server) as http:
        file = http.download(f"/documents/{document_id}/export", params={"format": fmt})
    target = output or Path(file.filename or f"document-{document_id}.{fmt}")
    target.write_bytes(file.content)
    console.print(f"{target} ({file.media_type}, {len(file.content)} bytes)")


careers.add_typer(profile, name="profile")
careers.add_typer(jobs, name="jobs")
careers.add_typer(applications, name="applications")
careers.add_typer(documents, name="documents")
careers.command("apply", help="Track an application for a job (= applications apply).")(
    applications_apply
)


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(careers, name="careers")
    root.add_typer(jobs, name="jobs")  # the old name of `careers jobs`
