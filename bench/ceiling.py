"""The bare ceiling app: what a minimal async Python service reaches on this machine.

``/ping`` is an async JSON route; ``/pk/{id}`` is one primary-key lookup through an async
psycopg pool on a 100,000-row table. skillnest's figures are reported as ratios to these.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI, Response
from psycopg_pool import AsyncConnectionPool

DSN = os.environ.get("CEILING_DSN", "")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    pool = AsyncConnectionPool(DSN, min_size=4, max_size=10, open=False)
    await pool.open()
    app.state.pool = pool
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/ping")
async def ping() -> Response:
    return Response(b'{"ping":"pong"}', media_type="application/json")


@app.get("/pk/{row_id}")
async def pk(row_id: int) -> Response:
    async with app.state.pool.connection() as conn:
        cur = await conn.execute("SELECT id, name, bio FROM ceiling_rows WHERE id = %s", (row_id,))
        row = await cur.fetchone()
    if row is None:
        return Response(b'{"detail":"not found"}', status_code=404, media_type="application/json")
    return Response(
        orjson.dumps({"id": row[0], "name": row[1], "bio": row[2]}), media_type="application/json"
    )
