"""Prometheus metrics of the server: requests, pool, cache, streams, limits, jobs, imports.

Several uvicorn workers share one view through prometheus_client's multiprocess mode:
``skillnest serve --workers N`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before
the workers start, each worker writes its samples there, and ``/metrics`` (answered by any
worker) adds them up. With one process the default in-memory registry is used.

In multiprocess mode prometheus_client writes every increment to its memory-mapped file under
a lock (and a ``getpid`` call, to notice a fork): three writes per request, a third of the
CPU of a ``/health``. ``BatchedValue`` keeps prometheus_client's value and file but counts in
memory, and writes the values changed since the last write in one pass: on the event loop's
next turn (so a burst of requests that finish together costs one pass, and a quiet worker's
counts are in its file as soon as its response is out, for any worker's ``/metrics``), before
this worker's own ``/metrics`` answer, and when the worker stops. Gauges that are *set* are
written at once (the ``mostrecent`` mode keeps the write's time).
"""

from __future__ import annotations

import asyncio
import atexit
import hmac
import os
import threading
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# The values counted since the last write to the files, and the pending write on the loop.
_LOCK = threading.Lock()
_CHANGED: list[Any] = []
_WRITE: dict[str, Any] = {"handle": None, "loop": None}


def flush() -> None:
    """Write every value counted since the last write to this worker's metric files."""
    with _LOCK:
        _WRITE["handle"] = None
        for value in _CHANGED:
            value._changed = False
            value._file.write_value(value._key, value._value, value._timestamp)
        _CHANGED.clear()


def _schedule_flush() -> None:
    """Write on the event loop's next turn, or now when this thread runs no loop."""
    loop = _WRITE["loop"]
    if _WRITE["handle"] is not None and loop is not None and not loop.is_closed():
        return  # already planned; the planned write takes this value too
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        flush()
        return
    _WRITE["loop"] = loop
    _WRITE["handle"] = loop.call_soon(flush)


def batched_value_class(base: Any) -> Any:
    """prometheus_client's multiprocess value class, counting in memory between writes."""

    class BatchedValue(base):
        """A multiprocess value whose increments reach its file with the next ``flush``."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            with _LOCK:  # the file may grow for a new key: not while a flush writes
                super().__init__(*args, **kwargs)
                self._changed = False

        def inc(self, amount: float) -> None:
            """Add to the value in memory; the file follows with the next write."""
            with _LOCK:
                self._value += amount
                self._timestamp = 0.0
                if self._changed:
                    return
                self._changed = True
                _CHANGED.append(self)
            _schedule_flush()

        def set(self, value: float, timestamp: float | None = None) -> None:
            """Set the value and write it at once (gauges are set rarely)."""
            with _LOCK:
                self._value = value
                self._timestamp = timestamp or 0.0
                self._file.write_value(self._key, self._value, self._timestamp)

        def get(self) -> float:
            """The value counted so far in this process."""
            with _LOCK:
                return float(self._value)

    return BatchedValue


if getattr(values.ValueClass, "_multiprocess", False):
    # prometheus_client picks its value class when it is imported, from the environment
    # (``skillnest serve`` sets it first); every metric below is built with this one.
    values.ValueClass = batched_value_class(values.ValueClass)
    atexit.register(flush)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "skillnest_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "skillnest_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
DB_POOL = Gauge(
    "skillnest_db_pool_connections",
    "Database connections of the pool: open ones, and those checked out by a request.",
    ["state"],
    multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "skillnest_cache_lookups_total", "Cache reads by backend and result.", ["backend", "result"]
)
SSE_STREAMS = Gauge(
    "skillnest_sse_streams_open", "Server-sent event streams open now.", multiprocess_mode="livesum"
)
RATE_LIMITED = Counter("skillnest_rate_limit_refusals_total", "Requests refused by a rate limit.")
MAINTENANCE_RUNS = Counter(
    "skillnest_maintenance_runs_total",
    "Maintenance jobs run, by module and outcome (ok, failed).",
    ["module", "outcome"],
)
MAINTENANCE_SECONDS = Histogram(
    "skillnest_maintenance_duration_seconds",
    "Duration of each module's maintenance job.",
    ["module"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0),
)
IMPORT_ROWS = Counter(
    "skillnest_import_rows_total",
    "Rows read by the importers, by source and result (imported, rejected).",
    ["source", "result"],
)
# Read from the replicas when /metrics is scraped (every worker sees the same replicas, so
# the most recent worker's reading is the one kept).
REPLICA_UP = Gauge(
    "skillnest_replica_up",
    "1 when the read replica answers, 0 when it is down.",
    ["replica"],
    multiprocess_mode="mostrecent",
)
REPLICA_LAG_SECONDS = Gauge(
    "skillnest_replica_lag_seconds",
    "Seconds since the last transaction the replica replayed (0 when caught up).",
    ["replica"],
    multiprocess_mode="mostrecent",
)
REPLICA_LAG_BYTES = Gauge(
    "skillnest_replica_lag_bytes",
    "WAL bytes the replica has still to replay behind the primary.",
    ["replica"],
    multiprocess_mode="mostrecent",
)


def multiprocess_dir() -> str | None:
    """The folder shared by the workers, when several processes serve."""
    return os.environ.get(MULTIPROC_ENV) or None


# The labelled children of the request metrics, looked up once per (method, route, status):
# ``labels()`` validates and locks on every call. Routes are templates, so this stays small.
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        code = str(status)
        children = _REQUEST_CHILDREN[key] = (
            HTTP_REQUESTS.labels(method, route, code),
            HTTP_LATENCY.labels(method, route, code),
        )
    children[0].inc()
    children[1].observe(seconds)


def observe_replicas(states: list[dict[str, Any]]) -> None:
    """Record each replica's state and lag as /health reports them."""
    for state in states:
        name = str(state["name"])
        up = state.get("status") == "ok"
        REPLICA_UP.labels(name).set(1 if up else 0)
        if up:
            REPLICA_LAG_SECONDS.labels(name).set(float(state.get("lag_seconds") or 0))
            if state.get("lag_bytes") is not None:
                REPLICA_LAG_BYTES.labels(name).set(float(state["lag_bytes"]))


_CACHE_CHILDREN: dict[tuple[str, bool], Any] = {}


def cache_lookup(backend: str, hit: bool) -> None:
    """Count one cache read."""
    child = _CACHE_CHILDREN.get((backend, hit))
    if child is None:
        child = _CACHE_CHILDREN[backend, hit] = CACHE_LOOKUPS.labels(
            backend, "hit" if hit else "miss"
        )
    child.inc()


def count_import(source: str, imported: int, rejected: int = 0) -> None:
    """Count the rows an import read."""
    if imported:
        IMPORT_ROWS.labels(source, "imported").inc(imported)
    if rejected:
        IMPORT_ROWS.labels(source, "rejected").inc(rejected)


def watch_pool(sync_engine: Engine) -> None:
    """Follow the pool's connections through its events (works in multiprocess mode)."""
    open_ = DB_POOL.labels("open")
    checked_out = DB_POOL.labels("checked_out")

    def on_connect(*_: Any) -> None:
        open_.inc()

    def on_close(*_: Any) -> None:
        open_.dec()

    def on_checkout(*_: Any) -> None:
        checked_out.inc()

    def on_checkin(*_: Any) -> None:
        checked_out.dec()

    event.listen(sync_engine, "connect", on_connect)
    event.listen(sync_engine, "close", on_close)
    event.listen(sync_engine, "close_detached", on_close)
    event.listen(sync_engine, "checkout", on_checkout)
    event.listen(sync_engine, "checkin", on_checkin)


def token_allows(expected: str | None, authorization: str | None) -> bool:
    """Whether the request may read the metrics (always, when no token is configured)."""
    if not expected:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), expected.encode())


def exposition() -> tuple[bytes, str]:
    """The text format of every metric, summed over the workers in multiprocess mode."""
    if multiprocess_dir():
        flush()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Write a stopping worker's last counts; drop its live gauges (connections, streams)."""
    if multiprocess_dir():
        flush()
        multiprocess.mark_process_dead(pid)


def reset_multiprocess_dir(path: str) -> None:
    """Empty the shared folder before the workers start: old samples must not be added in."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.unlink(os.path.join(path, name))
