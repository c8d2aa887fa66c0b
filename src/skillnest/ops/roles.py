"""``skillnest db create-readonly-role``: seed 001's read-only analytics user, hardened.

The password is hashed on the client (SCRAM-SHA-256, like psql's password command), so the
plain text never reaches the server or its statement log.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from skillnest.core.errors import BadRequest
from skillnest.settings import Settings

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def connect(settings: Settings) -> psycopg.Connection:
    """A plain psycopg connection to the configured PostgreSQL database."""
    url = make_url(settings.database_url)
    params: dict[str, Any] = {k: v for k, v in url.query.items() if isinstance(v, str)}
    params.update(host=url.host, port=url.port, user=url.username, dbname=url.database)
    if url.password:
        params["password"] = url.password
    return psycopg.connect(**params)


def create_readonly_role(settings: Settings, name: str, password: str) -> bool:
    """Create (or update) a login role that can only read; return whether it is new.

    Grants CONNECT on the database, USAGE on the public schema, SELECT on every table, and
    SELECT on tables created later by the role running this (default privileges); the
    role's sessions also start read-only.
    """
    if settings.is_sqlite:
        raise BadRequest("read-only roles exist on PostgreSQL only (SQLite has no users)")
    if not ROLE_NAME.match(name):
        raise BadRequest("a role name is lower-case letters, digits and _ (at most 63)")
    if not password:
        raise BadRequest("the password is empty")
    role = sql.Identifier(name)
    with connect(settings) as conn:
        verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
        database = sql.Identifier(str(conn.info.dbname))
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                role, sql.Literal(verifier.decode())
            )
        )
        for statement in (
            "ALTER ROLE {role} SET default_transaction_read_only = on",
            "GRANT CONNECT ON DATABASE {database} TO {role}",
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}",
        ):
            conn.execute(sql.SQL(statement).format(role=role, database=database))
    return not exists
