"""The ceiling apps: what a minimal Python service reaches on this machine.

- ``app`` (FastAPI) and ``starlette_app`` (bare Starlette): ``/ping`` is an async JSON route;
  ``/pk/{id}`` is one primary-key lookup through an async psycopg pool on a 100,000-row table.
- ``sqlite_app``: the same lookup through one aiosqlite connection on the SQLite file of
  ``CEILING_SQLITE`` (skillnest's embedded default, measured with one worker).
- ``sync_orm_app``: the origin apps' stack, sync SQLAlchemy ORM entity loading of a user in a
  thread pool (``def`` route), the way Flask + Flask-SQLAlchemy serves ``/users/<id>``.

skillnest's figures are reported as ratios to these, measured in the same run.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import orjson
from fastapi import FastAPI, Response
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

DSN = os.environ.get("CEILING_DSN", "")
SQLITE_PATH = os.environ.get("CEILING_SQLITE", "")
ORM_URL = os.environ.get("CEILING_ORM_URL", "")
PK_QUERY = "SELECT id, name, bio FROM ceiling_rows WHERE id = %s"
PONG = b'{"ping":"pong"}'
NOT_FOUND = b'{"detail":"not found"}'


def _row_response(row: Any) -> Response:
    if row is None:
        return Response(NOT_FOUND, status_code=404, media_type="application/json")
    return Response(
        orjson.dumps({"id": row[0], "name": row[1], "bio": row[2]}), media_type="application/json"
    )


@asynccontextmanager
async def pool_lifespan(app: Any) -> AsyncIterator[None]:
    """An async psycopg pool for the app's lifetime."""
    pool = AsyncConnectionPool(DSN, min_size=4, max_size=10, open=False)
    await pool.open()
    app.state.pool = pool
    yield
    await pool.close()


async def _lookup(app: Any, row_id: int) -> Response:
    async with app.state.pool.connection() as conn:
        cur = await conn.execute(PK_QUERY, (row_id,))
        return _row_response(await cur.fetchone())


# --- FastAPI ceiling ----------------------------------------------------------------------

app = FastAPI(lifespan=pool_lifespan)


@app.get("/ping")
async def ping() -> Response:
    """Bare JSON through FastAPI."""
    return Response(PONG, media_type="application/json")


@app.get("/pk/{row_id}")
async def pk(row_id: int) -> Response:
    """One primary-key lookup through FastAPI."""
    return await _lookup(app, row_id)


# --- bare Starlette ceiling ---------------------------------------------------------------


async def starlette_ping(_: Request) -> Response:
    """Bare JSON, no FastAPI machinery."""
    return Response(PONG, media_type="application/json")


async def starlette_pk(request: Request) -> Response:
    """One primary-key lookup, no FastAPI machinery."""
    return await _lookup(request.app, int(request.path_params["row_id"]))


starlette_app = Starlette(
    routes=[Route("/ping", starlette_ping), Route("/pk/{row_id:int}", starlette_pk)],
    lifespan=pool_lifespan,
)


# --- aiosqlite ceiling (the embedded default) ---------------------------------------------


@asynccontextmanager
async def sqlite_lifespan(app: Any) -> AsyncIterator[None]:
    """One aiosqlite connection (aiosqlite runs each connection in its own thread)."""
    async with aiosqlite.connect(SQLITE_PATH) as conn:
        app.state.conn = conn
        yield


async def sqlite_pk(request: Request) -> Response:
    """One primary-key lookup of a user on SQLite."""
    row_id = int(request.path_params["row_id"])
    async with request.app.state.conn.execute(
        "SELECT id, name, bio FROM users WHERE id = ?", (row_id,)
    ) as cur:
        return _row_response(await cur.fetchone())


sqlite_app = Starlette(
    routes=[Route("/ping", starlette_ping), Route("/pk/{row_id:int}", sqlite_pk)],
    lifespan=sqlite_lifespan,
)


# --- the origin stack: sync ORM entity loading in a thread pool -----------------------------

_orm_engine = create_engine(ORM_URL, pool_size=10) if ORM_URL else None


def _load_user(user_id: int) -> bytes | None:
    from skillnest.accounts.models import User  # the full entity, as the origin apps load it

    with Session(_orm_engine) as session:
        user = session.get(User, user_id)
        if user is None:
            return None
        return orjson.dumps(
            {"id": user.id, "name": user.name, "bio": user.bio, "email": user.email}
        )


async def sync_orm_user(request: Request) -> Response:
    """A user loaded as an ORM entity by a sync session in the thread pool."""
    body = await run_in_threadpool(_load_user, int(request.path_params["row_id"]))
    if body is None:
        return Response(NOT_FOUND, status_code=404, media_type="application/json")
    return Response(body, media_type="application/json")


sync_orm_app = Starlette(
    routes=[Route("/ping", starlette_ping), Route("/users/{row_id:int}", sync_orm_user)]
)
