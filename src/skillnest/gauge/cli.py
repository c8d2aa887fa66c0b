"""``skillnest gauge ...``: contracts, analyses and chat as API clients; the legacy importer.

``gauge contracts|analyses|chat`` are thin clients of the REST API (``--server``, token from
``skillnest login``). ``gauge import metagauge|metagauge-sample`` load MetaGauge's files into
the local database; ``skillnest import ...`` is their old name, kept as an alias.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillnest.core import metrics
from skillnest.core.cli import (
    JsonOption,
    ServerOption,
    api,
    console,
    emit,
    err_console,
    fail,
    json_argument,
    run,
    table,
)
from skillnest.core.client import DEFAULT_SERVER
from skillnest.core.platform import Platform
from skillnest.gauge import importer
from skillnest.gauge.sample import write_sample

import_app = typer.Typer(help="Import data from other systems.", no_args_is_help=True)
gauge = typer.Typer(help="MetaGauge: contracts, analyses and chat.", no_args_is_help=True)
contracts = typer.Typer(help="Contracts you analyse.", no_args_is_help=True)
analyses = typer.Typer(help="Analyses of your contracts.", no_args_is_help=True)
chat = typer.Typer(help="Chat sessions about a contract.", no_args_is_help=True)
CONTRACT_COLUMNS = ["id", "name", "chain", "address", "is_active", "analysis_count"]
ANALYSIS_COLUMNS = ["id", "contract_id", "analysis_type", "status", "progress", "created_at"]

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
    if report.committed:
        metrics.count_import(
            "gauge.metagauge",
            sum(t.inserted for t in report.tables.values()),
            sum(t.rejected for t in report.tables.values()),
        )
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
    as_json: JsonOption = False,
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
    if as_json:
        typer.echo(json.dumps({**dataclasses.asdict(counts), "directory": str(directory)}))
        return
    console.print(
        f"wrote {counts.users} users, {counts.contracts} contracts, {counts.analyses} analyses, "
        f"{counts.chat_sessions} chat sessions and {counts.chat_messages} messages "
        f"({layout} layout) to {directory}; user i's password is metagauge-sample-<i>"
    )


# --- API clients --------------------------------------------------------------------------

DataOpt = typer.Option(..., "--data", help="The body as JSON, or @file (@- for stdin).")


def _show(record: dict[str, Any]) -> None:
    for key, value in record.items():
        console.print(f"{key}: {value if value not in (None, []) else '-'}", markup=False)


@contracts.command("list")
def contracts_list(
    active: bool | None = typer.Option(None, "--active/--inactive", help="Only these."),
    limit: int = typer.Option(50, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Your contracts."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if active is not None:
        params["is_active"] = active
    with api(server) as http:
        page = http.call("GET", "/gauge/contracts", params=params)
    emit(page, as_json, lambda p: table(p["items"], CONTRACT_COLUMNS))


@contracts.command("show")
def contracts_show(
    contract_id: int, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """One contract with its competitors and settings."""
    with api(server) as http:
        emit(http.call("GET", f"/gauge/contracts/{contract_id}"), as_json, _show)


@contracts.command("create")
def contracts_create(
    data: str = DataOpt, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """Add a contract from its JSON description (name, target_contract, rpc_config...)."""
    with api(server) as http:
        made = http.call("POST", "/gauge/contracts", json=json_argument(data))
    emit(made, as_json, lambda c: console.print(f"contract {c['id']} created: {c['name']}"))


@contracts.command("delete")
def contracts_delete(contract_id: int, server: ServerOption = DEFAULT_SERVER) -> None:
    """Delete a contract."""
    with api(server) as http:
        http.call("DELETE", f"/gauge/contracts/{contract_id}")
    console.print(f"contract {contract_id} deleted")


@analyses.command("list")
def analyses_list(
    status: str | None = typer.Option(None, "--status", help="pending, running, completed..."),
    contract_id: int | None = typer.Option(None, "--contract"),
    limit: int = typer.Option(50, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Your analyses, newest first (as far back as your tier's history goes)."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if status:
        params["status"] = status
    if contract_id is not None:
        params["contract_id"] = contract_id
    with api(server) as http:
        page = http.call("GET", "/gauge/analyses", params=params)
    emit(page, as_json, lambda p: table(p["items"], ANALYSIS_COLUMNS))


@analyses.command("show")
def analyses_show(
    analysis_id: int, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """One analysis with its results."""
    with api(server) as http:
        emit(http.call("GET", f"/gauge/analyses/{analysis_id}"), as_json, _show)


@analyses.command("start")
def analyses_start(
    contract_id: int | None = typer.Option(None, "--contract", help="One of your contracts."),
    address: str | None = typer.Option(None, "--address", help="Or a contract address..."),
    chain: str | None = typer.Option(None, "--chain", help="...on this chain."),
    kind: str = typer.Option("single", "--type", help="single, competitive..."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Start an analysis (created pending)."""
    if contract_id is None and address is None:
        fail("give --contract ID, or --address and --chain", 2)
    payload: dict[str, Any] = {"analysis_type": kind}
    for key, value in (
        ("contract_id", contract_id),
        ("contract_address", address),
        ("chain", chain),
    ):
        if value is not None:
            payload[key] = value
    with api(server) as http:
        made = http.call("POST", "/gauge/analyses", json=payload)
    emit(made, as_json, lambda a: console.print(f"analysis {a['id']}: {a['status']}"))


@chat.command("sessions")
def chat_sessions(
    limit: int = typer.Option(50, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Your chat sessions."""
    with api(server) as http:
        page = http.call("GET", "/gauge/chat/sessions", params={"limit": limit, "offset": offset})
    emit(page, as_json, lambda p: table(p["items"], ["id", "title", "message_count"]))


@chat.command("new")
def chat_new(
    title: str | None = typer.Option(None, "--title"),
    address: str | None = typer.Option(None, "--address", help="The contract it is about."),
    chain: str | None = typer.Option(None, "--chain"),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Open a chat session."""
    payload: dict[str, Any] = {}
    for key, value in (("title", title), ("contract_address", address), ("contract_chain", chain)):
        if value is not None:
            payload[key] = value
    with api(server) as http:
        made = http.call("POST", "/gauge/chat/sessions", json=payload)
    emit(made, as_json, lambda c: console.print(f"chat session {c['id']} opened"))


@chat.command("send")
def chat_send(
    session_id: int,
    text: str = typer.Argument(..., help="The message."),
    role: str = typer.Option("user", "--role", help="user, assistant or system."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Add a message to a chat session."""
    with api(server) as http:
        made = http.call(
            "POST",
            f"/gauge/chat/sessions/{session_id}/messages",
            json={"role": role, "content": text},
        )
    emit(made, as_json, lambda m: console.print(f"message {m['id']} added"))


@chat.command("messages")
def chat_messages(
    session_id: int,
    limit: int = typer.Option(50, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """The messages of a chat session, oldest first."""
    with api(server) as http:
        page = http.call(
            "GET",
            f"/gauge/chat/sessions/{session_id}/messages",
            params={"limit": limit, "offset": offset},
        )

    def render(p: dict[str, Any]) -> None:
        for message in p["items"]:
            console.print(f"{message['role']}: {message['content']}", markup=False)

    emit(page, as_json, render)


gauge.add_typer(contracts, name="contracts")
gauge.add_typer(analyses, name="analyses")
gauge.add_typer(chat, name="chat")
gauge.add_typer(import_app, name="import")


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(gauge, name="gauge")
    root.add_typer(import_app, name="import")  # the old name of `gauge import`
