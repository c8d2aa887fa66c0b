"""One import run: read each legacy file, validate its records, write them, then verify.

The caller commits only if there was no invalid record (or ``--skip-invalid``), the
verification passed, and it is not a dry run (``ImportReport.should_commit``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.gauge import dialect
from skillnest.gauge.importer.documents import (
    DocumentImporter,
    discover_documents,
    imported_names,
    not_imported,
)
from skillnest.gauge.importer.reader import (
    SourceFile,
    UnreadableFile,
    backup_sources,
    discover,
    load,
    stream,
)
from skillnest.gauge.importer.report import KINDS, ImportReport, NoProgress, Progress, SourceGroup
from skillnest.gauge.importer.state import Pending, RunState
from skillnest.gauge.importer.validator import PARSE_SLICE, Validator
from skillnest.gauge.importer.verify import Verifier
from skillnest.gauge.importer.writers import (
    ChatMessageWriter,
    ChatSessionWriter,
    ContractWriter,
    KeyedWriter,
    UserWriter,
)

# Rows per COPY: large enough that the round trips of a batch (staging, INSERT ... SELECT,
# the verifier's copy) cost little per row, small enough to keep a batch's documents light.
BATCH_SIZE = 5000


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block (restored after it).

    A run holds millions of parsed records, rows and ids alive until it ends; each time
    the collector runs it walks them all again (half the importer's CPU on the 2,000-user
    sample). They are freed by reference counting; cycles wait for the end of the run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Importer:
    """One import run inside the caller's transaction (see the package docstring)."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        data_dir: Path,
        dry_run: bool = False,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session = session
        self.data_dir = data_dir
        self.progress = progress or NoProgress()
        self.now = now
        self.report = ImportReport(
            data_dir=str(data_dir), dry_run=dry_run, skip_invalid=skip_invalid
        )
        self.state = RunState(self.report)
        self.validator = Validator(self.state)
        self.verifier = Verifier(session, self.state)
        args = (session, self.state, batch_size, self.verifier)
        self.users = UserWriter(*args)
        self.writers: dict[str, KeyedWriter] = {
            "contracts": ContractWriter(*args),
            "analyses": KeyedWriter(*args),
            "chat_sessions": ChatSessionWriter(*args),
            "chat_messages": ChatMessageWriter(*args),
        }
        self.documents = DocumentImporter(session, self.state, self.validator, batch_size)
        self.checks: dict[str, Callable[[SourceFile, int, Any, Any], Pending | None]] = {
            "contracts": self.validator.contract,
            "analyses": self.validator.analysis,
            "chat_sessions": self.validator.chat_session,
            "chat_messages": self.validator.chat_message,
        }

    async def run(self, *, make_backup: bool = True) -> ImportReport:
        """Back up, validate and write every file, then verify; return the report."""
        with cyclic_gc_paused():
            return await self._run(make_backup)

    async def _run(self, make_backup: bool) -> ImportReport:
        report = self.report
        started = time.perf_counter()
        files, report.layouts, report.skipped = discover(self.data_dir)
        documents = discover_documents(self.data_dir)
        report.skipped += not_imported(self.data_dir, imported_names(files + documents))
        if make_backup and not report.dry_run:
            backup = backup_sources(self.data_dir, files + documents, self.now())
            report.backup_dir = str(backup)
        report.timings["backup"] = time.perf_counter() - started
        await dialect.lock_imports(self.session)
        await self.users.load_existing()
        writing = time.perf_counter()
        try:
            for kind in KINDS:
                await self._each_group(kind, [f for f in files if f.kind == kind])
        except BaseException:
            for writer in self.writers.values():
                await writer.abandon()
            raise
        await self.documents.run(documents, report.sources)
        verifying = time.perf_counter()
        report.timings["read_validate_write"] = verifying - writing
        await self.verifier.run()
        await self.documents.verify()
        report.timings["verify"] = time.perf_counter() - verifying
        report.dropped_fields = dict(self.state.dropped)
        report.seconds = time.perf_counter() - started
        return report

    async def _each_group(self, kind: str, files: list[SourceFile]) -> None:
        """Single files one by one, then all per-user files of the kind as one group."""
        t = self.state.t
        for source in (f for f in files if f.owner is None):
            group = SourceGroup(source.rel, kind, files=1)
            before = t[kind].rejected
            if kind == "users":  # one list: duplicate emails and keys are sought across it
                records = self._load(source, kind)
                self.progress.start(source.rel, len(records))
                await self._records(kind, source, records)
                group.records = len(records)
            else:
                group.records = await self._stream(kind, source)
            group.rejected = t[kind].rejected - before
            self.report.sources.append(group)
        await self._flush(kind)
        per_user = [f for f in files if f.owner is not None]
        if per_user:
            label = f"users/*/{kind}.json"
            group = SourceGroup(label, kind, files=len(per_user))
            self.progress.start(f"{label} ({len(per_user)} files)", len(per_user))
            before = t[kind].rejected
            for source in per_user:
                records = self._load(source, kind)
                group.records += len(records)
                await self._records(kind, source, records)
                self.progress.advance(1)
            await self._flush(kind)
            group.rejected = t[kind].rejected - before
            self.report.sources.append(group)

    async def _stream(self, kind: str, source: SourceFile) -> int:
        """Validate and write a single file's records a piece at a time; return how many.

        A file found broken after some pieces keeps those pieces' records, as a file
        with invalid records keeps its valid ones: the import commits neither unless
        ``--skip-invalid``.
        """
        count = 0
        try:
            streamed = stream(source)
            self.validator.nul_possible = streamed.nul_possible
            self.progress.start(source.rel, streamed.estimate)
            for part in streamed.pieces():
                await self._records(kind, source, part, first_index=count)
                count += len(part)
        except UnreadableFile as exc:
            self.validator.reject(kind, source.rel, None, None, [("(file)", str(exc))])
        return count

    def _load(self, source: SourceFile, kind: str) -> list[Any]:
        loaded = load(source)
        self.validator.nul_possible = loaded.nul_possible
        if loaded.error is not None:
            self.validator.reject(kind, source.rel, None, None, [("(file)", loaded.error)])
        return loaded.records

    async def _records(
        self, kind: str, source: SourceFile, records: list[Any], first_index: int = 0
    ) -> None:
        """Validate records of one file (the first at ``first_index``); queue the valid ones."""
        # Single files advance per record, per-user groups per file.
        step = self.progress.advance if source.owner is None else None
        if kind == "users":
            valid = self.validator.users(source, records)
            if step is not None:
                step(len(records))
            await self.users.write(source, valid, self.validator)
            return
        check, writer, table = self.checks[kind], self.writers[kind], self.state.t[kind]
        accept, parse = self.validator.accept, self.validator.parse
        table.read += len(records)
        for start in range(0, len(records), PARSE_SLICE):
            # A slice at a time, with a turn of the event loop between slices: the batch
            # being written (writers.add) goes on while the next records are parsed.
            await asyncio.sleep(0)
            part = records[start : start + PARSE_SLICE]
            parsed = parse(kind, source, part)
            if step is not None:
                step(len(part))
            for offset, raw in enumerate(part):
                index = first_index + start + offset
                rec = accept(kind, source, index, raw, parsed[offset])
                pending = None if rec is None else check(source, index, raw, rec)
                if pending is not None:
                    await writer.add(pending)

    async def _flush(self, kind: str) -> None:
        if kind in self.writers:
            await self.writers[kind].flush()


async def import_metagauge(
    *,
    session: AsyncSession,
    data_dir: Path,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    make_backup: bool = True,
) -> ImportReport:
    """Import a MetaGauge data folder in the session's transaction; never commits."""
    importer = Importer(
        session=session,
        data_dir=data_dir,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        progress=progress,
        batch_size=batch_size,
    )
    return await importer.run(make_backup=make_backup)
