"""Seed 000's own SQL runs unchanged on a skillnest database (verbatim on PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from skillnest.help import feed
from skillnest.help.models import HelpSession
from skillnest.help.trust import trust_score

# Verbatim from seed 000 (backend/services/anonymousHelpService.js and trustService.js).
SEED_REQUEST_INSERT = """
      INSERT INTO anonymous_help_sessions 
      (id, skill_tags, urgency_level, college_domain, anonymous_avatar, encrypted_request, expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
    """  # noqa: E501
SEED_TRUST_INSERT = """
      INSERT INTO trust_interactions 
      (helper_hash, seeker_hash, session_quality, help_duration, skill_category)
      VALUES ($1, $2, $3, $4, $5)
    """
SEED_TRUST_SCORE = """
      SELECT 
        AVG(session_quality) as avg_quality,
        COUNT(*) as total_sessions,
        AVG(help_duration) as avg_duration
      FROM trust_interactions 
      WHERE helper_hash = $1 
      AND created_at > NOW() - INTERVAL '3 months'
    """
# SQLite has no INTERVAL: the same statement with its date arithmetic.
SQLITE_TRUST_SCORE = SEED_TRUST_SCORE.replace(
    "NOW() - INTERVAL '3 months'", "datetime('now', '-3 months')"
)

HELPER = "a" * 64
RATINGS = [("s1", 8, 45, "python"), ("s2", 7, 20, "sql"), ("s3", 10, 60, "python")]


def pg_execute(pgconn, statement: str, *values):
    """Run one statement with $n parameters through libpq, as node-postgres does."""
    from psycopg import pq

    result = pgconn.exec_params(statement.encode(), [str(v).encode() for v in values])
    status = result.status
    assert status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK), result.error_message
    return result


def run_seed_statements(conn, backend: str, request_id: uuid.UUID, expires: datetime):
    """Run the seed's INSERTs and its score SELECT the way node-postgres would ($n params)."""
    if backend == "postgresql":
        # Sent as node-postgres sends them: the statement text untouched, $n bound by the
        # server (extended protocol), values in text format.
        conn.exec_driver_sql("SELECT 1")  # opens the transaction the test rolls back
        pgconn = conn.connection.dbapi_connection.pgconn
        pg_execute(
            pgconn,
            SEED_REQUEST_INSERT,
            request_id,
            "{python,sql}",
            3,
            "uni.example.edu",
            "blue-circle",
            "Y2lwaGVy",
            expires.isoformat(),
        )
        for seeker, quality, minutes, category in RATINGS:
            pg_execute(
                pgconn, SEED_TRUST_INSERT, HELPER, seeker.ljust(64, "0"), quality, minutes, category
            )
        result = pg_execute(pgconn, SEED_TRUST_SCORE, HELPER)
        avg_quality, total, avg_duration = (result.get_value(0, i).decode() for i in range(3))
        return float(avg_quality), int(total), float(avg_duration)
    # SQLite reads "$1" as a named parameter "1": the same INSERT text runs as written.
    conn.exec_driver_sql(
        SEED_REQUEST_INSERT,
        {
            "1": request_id.hex,
            "2": json.dumps(["python", "sql"]),
            "3": 3,
            "4": "uni.example.edu",
            "5": "blue-circle",
            "6": "Y2lwaGVy",
            "7": expires.strftime("%Y-%m-%d %H:%M:%S.%f"),
        },
    )
    for seeker, quality, minutes, category in RATINGS:
        conn.exec_driver_sql(
            SEED_TRUST_INSERT,
            {"1": HELPER, "2": seeker.ljust(64, "0"), "3": quality, "4": minutes, "5": category},
        )
    return conn.exec_driver_sql(SQLITE_TRUST_SCORE, {"1": HELPER}).one()


def test_seed_statements_run_and_match_the_formula(sync_engine, backend):
    request_id = uuid.uuid4()
    expires = datetime.now(UTC) + timedelta(hours=24)
    with sync_engine.connect() as conn:
        transaction = conn.begin()
        try:
            avg_quality, total, avg_duration = run_seed_statements(
                conn, backend, request_id, expires
            )
            # 25/3 = 8.33 -> 50; 3 sessions -> 6; 125/3 = 41.7 minutes -> capped 15: 71.
            assert total == 3
            assert abs(float(avg_quality) - 25 / 3) < 1e-9
            assert abs(float(avg_duration) - 125 / 3) < 1e-9
            assert trust_score(float(avg_quality), total, float(avg_duration)) == 71

            row = (
                conn.execute(
                    select(*feed.CARD_COLUMNS, HelpSession.status, HelpSession.owner_hash).where(
                        HelpSession.id == request_id
                    )
                )
                .mappings()
                .one()
            )
            # Columns the seed does not know took their defaults.
            assert row["status"] == "Active" and row["owner_hash"] is None
            assert row["created_at"] is not None
            # The feed can list a row written by the seed's SQL.
            card = feed.public_card(row)
            assert card["skill_tags"] == ["python", "sql"] and card["urgency_level"] == 3
            ids = (
                conn.exec_driver_sql(
                    f"SELECT id FROM trust_interactions WHERE helper_hash = '{HELPER}'"
                )
                .scalars()
                .all()
            )
            assert len(ids) == 3 and all(ids)
        finally:
            transaction.rollback()
    with sync_engine.connect() as conn:  # nothing leaked out of the rolled-back transaction
        left = conn.exec_driver_sql(
            f"SELECT count(*) FROM trust_interactions WHERE helper_hash = '{HELPER}'"
        ).scalar()
        assert left == 0


def test_seed_ddl_indexes_are_separate(sync_engine, backend):
    from sqlalchemy import inspect

    indexes = {ix["name"]: ix for ix in inspect(sync_engine).get_indexes("anonymous_help_sessions")}
    assert indexes["idx_anonymous_help_sessions_expires_at"]["column_names"] == ["expires_at"]
    assert indexes["idx_college_urgency"]["column_names"] == ["college_domain", "urgency_level"]
    trust = {ix["name"]: ix for ix in inspect(sync_engine).get_indexes("trust_interactions")}
    assert trust["idx_trust_lookup"]["column_names"] == ["helper_hash", "created_at"]
    skill_index = indexes["idx_anonymous_help_sessions_skill_tags"]
    if backend == "postgresql":
        assert skill_index["dialect_options"]["postgresql_using"] == "gin"
    else:
        assert skill_index["column_names"] == ["skill_tags"]
