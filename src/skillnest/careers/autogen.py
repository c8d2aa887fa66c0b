"""Keep the search objects that only the migration declares out of autogenerate's diff.

Full-text search needs objects SQLAlchemy cannot model: a generated ``tsvector`` column
with a GIN index on PostgreSQL, and an FTS5 virtual table (plus the shadow tables SQLite makes
for it) on SQLite. Alembic's autogenerate would report them as tables, columns and indexes
to drop, so this comparator, registered through Alembic's comparator hook, removes exactly
those ops.
(The env.py ``include_name`` hook would be the usual place; the careers module registers
this instead so that env.py stays untouched.)
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

FTS_TABLE = "jobs_fts"
SEARCH_INDEX = "ix_jobs_search"
SEARCH_COLUMN = ("jobs", "search_vector")
MIGRATION_ONLY_TABLES = frozenset(
    {FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config"))}
)
MIGRATION_ONLY_INDEXES = frozenset({SEARCH_INDEX})


def _keep(op: Any) -> bool:
    if isinstance(op, ops.DropTableOp):
        return op.table_name not in MIGRATION_ONLY_TABLES
    if isinstance(op, ops.DropColumnOp):
        return (op.table_name, op.column_name) != SEARCH_COLUMN
    if isinstance(op, ops.DropIndexOp):
        return op.index_name not in MIGRATION_ONLY_INDEXES
    if isinstance(op, ops.ModifyTableOps):
        op.ops = [inner for inner in op.ops if _keep(inner)]
        return bool(op.ops)
    return True


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def drop_migration_only_objects(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: Any
) -> PriorityDispatchResult:
    """Remove the drop ops autogenerate makes for the search objects of the migration."""
    upgrade_ops.ops = [op for op in upgrade_ops.ops if _keep(op)]
    return PriorityDispatchResult.CONTINUE
