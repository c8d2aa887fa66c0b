"""``skillnest import metagauge|metagauge-sample``: the legacy importer and its sample data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillnest.core.cli import console, err_console, run
from skillnest.core.platform import Platform
from skillnest.gauge import importer
from skillnest.gauge.sample import write_sample

import_app = typer.Typer(help="Import data from other systems.", no_args_is_help=True)

MAX_PROBLEMS_SHOWN = 200


class RichProgress:
    """The importer's progress as one Rich bar per file (per file kind in per-user folders)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, label: str, total: int) -> None:
        """Open a new bar."""
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        self.task = self.progress.add_task(label, total=max(total, 1))

    def advance(self, steps: int = 1) -> None:
        """Move the current bar."""
        if self.task is not None:
            self.progress.advance(self.task, steps)

    def finish(self) -> None:
        """Fill the last bar."""
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total)


def _summary(report: importer.ImportReport) -> Table:
    table = Table(title=f"MetaGauge import of {report.data_dir}")
    for heading in ("table", "read", "rejected", "inserted", "already there", "found", "verified"):
        table.add_column(heading, justify="left" if heading == "table" else "right")
    for name, t in report.tables.items():
        table.add_row(
            name,
            str(t.read),
            str(t.rejected),
            str(t.inserted),
            str(t.present),
            str(t.found),
            "[green]yes[/green]" if t.verified else "[red]NO[/red]",
        )
    return table


def _problems(report: importer.ImportReport) -> Table:
    table = Table(title=f"{len(report.problems)} problems (every one is in report.json)")
    for heading in ("file", "index", "field", "reason"):
        table.add_column(heading)
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        index = "-" if problem.index is None else str(problem.index)
        table.add_row(problem.file, index, problem.field, problem.reason)
    return table


def _outcome(report: importer.ImportReport) -> str:
    if report.committed:
        return f"[green]imported and verified[/green] in {report.seconds:.1f} s"
    if report.dry_run:
        valid = report.verified and (report.skip_invalid or not report.problems)
        state = "valid" if valid else "NOT valid"
        return f"dry run: nothing written; the data is {state}"
    if report.problems and not report.skip_invalid:
        return (
            "[red]nothing imported[/red]: fix the records above, or rerun with "
            "--skip-invalid to import the others (rejected ones go to rejected.jsonl)"
        )
    return "[red]nothing imported[/red]: the verification failed (see the table)"


@import_app.command("metagauge")
def import_metagauge(
    data_dir: Path = typer.Argument(..., help="MetaGauge's data folder (with users.json)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the valid records; reject the others."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    report_dir: Path | None = typer.Option(
        None, help="Where report.json goes (default DATA_DIR/import-<timestamp>)."
    ),
) -> None:
    """Import MetaGauge's JSON files in one transaction, verified by counts and checksums."""
    data_dir = data_dir.resolve()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    )
    reporter = RichProgress(progress)

    async def work(platform: Platform) -> importer.ImportReport:
        async with platform.db.sessionmaker() as session:
            try:
                with progress:
                    report = await importer.import_metagauge(
                        session=session,
                        data_dir=data_dir,
                        dry_run=dry_run,
                        skip_invalid=skip_invalid,
                        progress=reporter,
                    )
                    reporter.finish()
                if report.should_commit:
                    await session.commit()
                    report.committed = True
                else:
                    await session.rollback()
            except BaseException:
                await session.rollback()
                raise
        return report

    report = run(work)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = report_dir or data_dir / f"import-{stamp}"
    try:
        report_path: Path | None = importer.write_report(report, target)
    except OSError as exc:
        err_console.print(f"[yellow]warning:[/yellow] could not write the report: {exc}")
        report_path = None
    if as_json:
        document = report.to_dict()
        document["report"] = str(report_path) if report_path else None
        typer.echo(json.dumps(document, indent=2, default=str))
    else:
        console.print(_summary(report))
        if report.problems:
            console.print(_problems(report))
        for note in report.skipped:
            console.print(f"skipped: {note}")
        if report.dropped_fields:
            fields = ", ".join(f"{k} ({v})" for k, v in sorted(report.dropped_fields.items()))
            console.print(f"legacy secrets not copied: {fields}")
        if report.backup_dir:
            console.print(f"legacy files backed up to {report.backup_dir}")
        if report_path:
            console.print(f"report: {report_path}")
        console.print(_outcome(report))
    dry_run_ok = report.verified and (report.skip_invalid or not report.problems)
    ok = report.committed or (report.dry_run and dry_run_ok)
    if not ok:
        raise typer.Exit(1)


@import_app.command("metagauge-sample")
def metagauge_sample(
    directory: Path = typer.Argument(..., help="Folder to write the legacy files to."),
    users: int = typer.Option(..., "--users", min=1, help="How many users."),
    layout: str = typer.Option("mixed", help="mixed (both layouts), seed or per-user."),
    analyses: int | None = typer.Option(
        None, "--analyses", min=0, help="Analyses per user (default 3-12 at random)."
    ),
    seed: int = typer.Option(2026, help="Random seed: the same seed writes the same data."),
    bcrypt_rounds: int = typer.Option(6, min=4, max=12, help="bcrypt cost of the passwords."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing users.json."),
) -> None:
    """Write synthetic MetaGauge legacy files (both layouts) for tests, demos, benchmarks."""
    if layout not in ("mixed", "seed", "per-user"):
        err_console.print("[red]error:[/red] --layout is mixed, seed or per-user")
        raise typer.Exit(2)
    if (directory / "users.json").exists() and not force:
        err_console.print(
            f"[red]error:[/red] {directory / 'users.json'} exists; use --force to overwrite"
        )
        raise typer.Exit(2)
    per_user = (analyses, analyses) if analyses is not None else (3, 12)
    counts = write_sample(
        directory,
        users=users,
        layout=layout,  # type: ignore[arg-type]
        analyses_per_user=per_user,
        seed=seed,
        bcrypt_rounds=bcrypt_rounds,
    )
    console.print(
        f"wrote {counts.users} users, {counts.contracts} contracts, {counts.analyses} analyses, "
        f"{counts.chat_sessions} chat sessions and {counts.chat_messages} messages "
        f"({layout} layout) to {directory}; user i's password is metagauge-sample-<i>"
    )


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(import_app, name="import")
