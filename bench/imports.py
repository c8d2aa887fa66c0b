"""Imports at COPY speed: ``skillnest jobs import`` and the MetaGauge importer on PostgreSQL.

Each import runs on a fresh, migrated PostgreSQL database, alone: the jobs feed of
``bench.careers`` (100,000 JSON lines) through the ``skillnest jobs import`` command, then
the MetaGauge sample of ``bench.gauge`` (10,000 users, seed layout) through
``importer.import_metagauge`` in one transaction, read, validation, writes and the read-back
verification included. The ceiling next to each is PostgreSQL's own ``COPY`` of the same
number of rows of the same width into an unindexed table, measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

from bench import careers, gauge
from bench.common import OUT, Section, drop_postgres_database, fresh_postgres_database, migrate
from skillnest.core.db import Database
from skillnest.gauge import importer
from skillnest.gauge.sample import write_sample

TARGETS = {"jobs_per_s": 20_000, "gauge_rows_per_s": 50_000}


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def copy_ceiling(url: str, rows: int, width: int) -> float:
    """Rows per second of a bare text COPY of ``rows`` rows of ``width`` bytes (no indexes)."""
    line = ("x" * width).encode() + b"\n"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TEMPORARY TABLE ceiling_copy (body text)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY ceiling_copy (body) FROM STDIN") as copy:
            for _ in range(rows // 1000):
                copy.write(line * 1000)
        conn.commit()
        return rows / (time.perf_counter() - started)


def bench_jobs() -> dict[str, Any]:
    """``skillnest jobs import`` of the careers feed into a fresh database."""
    url = fresh_postgres_database("bench_imports_jobs")
    with tempfile.TemporaryDirectory(prefix="skillnest-imports-") as tmp:
        feed = str(Path(tmp) / "jobs.jsonl")
        careers.write_jobs(feed)
        width = os.path.getsize(feed) // careers.JOBS
        try:
            migrate(url)
            before = load_average()
            seconds = careers.import_jobs(url, feed)
            again = careers.import_jobs(url, feed)  # every listing found again: the upsert path
            after = load_average()
            inside = asyncio.run(_jobs_import_in_process(url, feed))
            ceiling = copy_ceiling(url, careers.JOBS, width)
        finally:
            drop_postgres_database(url)
    return {
        "jobs": careers.JOBS,
        "seconds": round(seconds, 2),
        "jobs_per_s": round(careers.JOBS / seconds),
        "reimport_jobs_per_s": round(careers.JOBS / again),
        "copy_ceiling_rows_per_s": round(ceiling),
        "load_before": before,
        "load_after": after,
        "in_process": inside,
    }


async def _jobs_import_in_process(url: str, feed: str) -> dict[str, Any]:
    """The import itself (``importer.import_feed``, no process start-up) into an emptied table.

    Wall time and this process's CPU time (parsing, validation, COPY rows): the CPU figure
    says what the Python side costs per job whatever the machine's load.
    """
    from skillnest.careers.jobs.importer import import_feed
    from skillnest.core.cache import MemoryCache

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("TRUNCATE jobs CASCADE")
    db = Database(gauge.settings_for(url))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        with open(feed, "rb") as handle:
            report = await import_feed(db=db, cache=MemoryCache(), handle=handle, batch_size=1000)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await db.dispose()
    assert report.imported == careers.JOBS and not report.errors, report
    return {
        "seconds": round(seconds, 2),
        "jobs_per_s": round(careers.JOBS / seconds),
        "python_cpu_s": round(cpu, 2),
        "jobs_per_python_cpu_s": round(careers.JOBS / cpu),
        "load_after": load_average(),
    }


async def _gauge_import(url: str, data: Path) -> dict[str, Any]:
    db = Database(gauge.settings_for(url))
    try:
        async with db.sessionmaker() as session:
            backend = await session.scalar(text("SELECT pg_backend_pid()"))
            server_cpu = backend_cpu(backend)
            started, cpu = time.perf_counter(), time.process_time()
            report = await importer.import_metagauge(session=session, data_dir=data)
            assert report.should_commit, report.problems[:5]
            await session.commit()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            server_cpu = backend_cpu(backend) - server_cpu
    finally:
        await db.dispose()
    rows = sum(t.inserted for t in report.tables.values())
    return {
        "seconds": round(seconds, 2),
        "records": report.records_read,
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "phases": {k: round(v, 2) for k, v in report.timings.items()},
        # CPU seconds, which a shared machine distorts far less than the wall clock
        "python_cpu_s": round(cpu, 2),
        "postgres_backend_cpu_s": round(server_cpu, 2),
    }


def backend_cpu(pid: int) -> float:
    """CPU seconds of a local PostgreSQL backend process (NaN where /proc cannot tell)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_gauge() -> dict[str, Any]:
    """The MetaGauge import of the gauge benchmark's sample into a fresh database."""
    root = OUT / "imports-gauge"
    shutil.rmtree(root, ignore_errors=True)
    write_sample(
        root,
        users=gauge.USERS,
        layout="seed",
        analyses_per_user=(gauge.ANALYSES_PER_USER, gauge.ANALYSES_PER_USER),
        seed=gauge.SEED,
        bcrypt_rounds=4,
    )
    url = fresh_postgres_database("bench_imports_gauge")
    try:
        migrate(url)
        before = load_average()
        figures = asyncio.run(_gauge_import(url, root))
        figures["load_before"], figures["load_after"] = before, load_average()
        figures["copy_ceiling_rows_per_s"] = round(copy_ceiling(url, figures["rows"], 200))
    finally:
        drop_postgres_database(url)
        shutil.rmtree(root, ignore_errors=True)
    return figures


def run() -> Section:
    """Both imports, each next to a bare COPY measured in the same run."""
    only = os.environ.get("BENCH_IMPORTS", "jobs,gauge").split(",")
    figures: dict[str, Any] = {}
    if "jobs" in only:
        print("jobs import ...", flush=True)
        figures["jobs"] = bench_jobs()
    if "gauge" in only:
        print("gauge import ...", flush=True)
        figures["gauge"] = bench_gauge()
    lines = [
        "Each import alone on a fresh PostgreSQL database; the bare COPY ceiling (text COPY of "
        "as many rows of the same width into an unindexed temporary table) in the same run.",
        "",
        "| import | rows | seconds | rows/s | target | met | bare COPY rows/s | load before / after |",
        "|---|---:|---:|---:|---:|:-:|---:|---|",
    ]
    if "jobs" in figures:
        j = figures["jobs"]
        lines.append(
            f"| `skillnest jobs import` ({j['jobs']:,} JSON lines, first import) | {j['jobs']:,} | "
            f"{j['seconds']} | {j['jobs_per_s']:,} | >= {TARGETS['jobs_per_s']:,} | "
            f"{'yes' if j['jobs_per_s'] >= TARGETS['jobs_per_s'] else 'no'} | "
            f"{j['copy_ceiling_rows_per_s']:,} | {j['load_before']} / {j['load_after']} |"
        )
        lines.append(
            f"| the same file again (every listing updated) | {j['jobs']:,} | | "
            f"{j['reimport_jobs_per_s']:,} | | | | |"
        )
        k = j["in_process"]
        lines.append(
            f"| the import itself, in process (`importer.import_feed`, no start-up) | "
            f"{j['jobs']:,} | {k['seconds']} | {k['jobs_per_s']:,} | >= {TARGETS['jobs_per_s']:,} | "
            f"{'yes' if k['jobs_per_s'] >= TARGETS['jobs_per_s'] else 'no'} | | "
            f"/ {k['load_after']} |"
        )
    if "gauge" in figures:
        g = figures["gauge"]
        lines.append(
            f"| MetaGauge import, verification included ({g['records']:,} records) | "
            f"{g['rows']:,} | {g['seconds']} | {g['rows_per_s']:,} | "
            f">= {TARGETS['gauge_rows_per_s']:,} | "
            f"{'yes' if g['rows_per_s'] >= TARGETS['gauge_rows_per_s'] else 'no'} | "
            f"{g['copy_ceiling_rows_per_s']:,} | {g['load_before']} / {g['load_after']} |"
        )
        phases = ", ".join(f"{k} {v} s" for k, v in g["phases"].items())
        lines += [
            "",
            f"MetaGauge phases: {phases}. CPU: {g['python_cpu_s']} s in the importer's "
            f"process, {g['postgres_backend_cpu_s']} s in its PostgreSQL backend.",
        ]
    if "jobs" in figures:
        k = figures["jobs"]["in_process"]
        lines += [
            "",
            f"`jobs import` Python CPU: {k['python_cpu_s']} s for {figures['jobs']['jobs']:,} "
            f"jobs ({k['jobs_per_python_cpu_s']:,} jobs per CPU second: parsing, validation, "
            "COPY rows; the database works in parallel on the other core).",
        ]
    return Section("Imports on PostgreSQL", "\n".join(lines) + "\n", figures)
