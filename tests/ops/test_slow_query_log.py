"""The slow-query log: duration and statement text, never the bound values."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from skillnest.core.db import make_engine
from tests.conftest import make_settings


@pytest.fixture
def slow_settings(settings):
    def build(threshold_ms: int):
        custom = make_settings(settings.database_url, None)
        custom.slow_query_ms = threshold_ms
        return custom

    return build


async def test_slow_statements_are_logged_without_parameters(slow_settings, caplog, backend):
    settings = slow_settings(0)
    engine = make_engine(settings.database_url, settings)
    secret = "person@example.org-s3cret"
    caplog.set_level(logging.WARNING, logger="skillnest.db.slow")
    try:
        async with engine.connect() as conn:
            await conn.execute(
                text("SELECT count(*) FROM users WHERE email = :email OR name = :email"),
                {"email": secret},
            )
    finally:
        await engine.dispose()
    records = [r for r in caplog.records if "FROM users" in r.getMessage()]
    assert records, caplog.text
    record = records[0]
    assert secret not in caplog.text
    assert record.statement.startswith("SELECT count(*) FROM users WHERE email =")
    assert ("%(email)s" if backend == "postgresql" else "?") in record.statement
    assert record.duration_ms >= 0
    assert record.getMessage().startswith("slow query ")


async def test_fast_statements_are_not_logged(slow_settings, caplog):
    settings = slow_settings(60_000)
    engine = make_engine(settings.database_url, settings)
    caplog.set_level(logging.WARNING, logger="skillnest.db.slow")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert not [r for r in caplog.records if r.name == "skillnest.db.slow"]


async def test_a_really_slow_statement_and_a_failed_one(slow_settings, caplog, backend):
    settings = slow_settings(40)
    engine = make_engine(settings.database_url, settings)
    slow_sql = (
        "SELECT pg_sleep(0.06)"
        if backend == "postgresql"
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
        "SELECT count(*) FROM c"
    )
    caplog.set_level(logging.WARNING, logger="skillnest.db.slow")
    try:
        async with engine.connect() as conn:
            with pytest.raises(Exception, match="no_such_table"):
                await conn.execute(text("SELECT * FROM no_such_table"))
            await conn.rollback()
            await conn.execute(text("SELECT 1"))
            await conn.execute(text(slow_sql))
    finally:
        await engine.dispose()
    messages = [r for r in caplog.records if r.name == "skillnest.db.slow"]
    assert [r.statement for r in messages] == [" ".join(slow_sql.split())]
    assert messages[0].duration_ms >= 40


async def test_long_statements_are_cut(slow_settings, caplog):
    settings = slow_settings(0)
    engine = make_engine(settings.database_url, settings)
    caplog.set_level(logging.WARNING, logger="skillnest.db.slow")
    long_sql = "SELECT " + ", ".join(f"1 AS column_{i}" for i in range(300))
    try:
        async with engine.connect() as conn:
            await conn.execute(text(long_sql))
    finally:
        await engine.dispose()
    record = next(
        r
        for r in caplog.records
        if r.getMessage().startswith("slow query") and "AS column_1," in r.statement
    )
    assert len(record.statement) < 2100
    assert record.statement.endswith(f"({len(long_sql)} characters)")
