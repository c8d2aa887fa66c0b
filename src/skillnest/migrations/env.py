"""Alembic environment: the models' metadata, batch mode on SQLite, a sync driver."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection, Engine

from skillnest.core.db import Base, install_sqlite_hooks, is_migration_only
from skillnest.modules import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave alone what exists only in the database because a migration made it on purpose."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "column":
        return not is_migration_only(f"{obj.table.name}.{name}")
    return not is_migration_only(name)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a connection given by the caller (tests) or built from the URL."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure(given)
        return
    if isinstance(given, Engine):  # pytest-alembic hands over an engine
        with given.begin() as connection:
            _configure(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        install_sqlite_hooks(engine)
    with engine.connect() as connection:
        _configure(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
