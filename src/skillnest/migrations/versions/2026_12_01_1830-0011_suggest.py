"""catalog: on SQLite, a covering index for suggest's lookup of mappings by package.

PostgreSQL's ``idx_mappings_package`` already carries ``skill_id`` and ``confidence_score``
(INCLUDE), so suggest reads the mappings of a package from the index alone; SQLite has no
INCLUDE, and without this index it reads a table row per mapping.

Revision ID: 0011_suggest
Revises: 0011_match
Create Date: 2026-12-01 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_suggest"
down_revision: str | Sequence[str] | None = "0011_match"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "idx_mappings_package_cover"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            INDEX, "package_skill_mappings", ["package_id", "skill_id", "confidence_score"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, table_name="package_skill_mappings")
