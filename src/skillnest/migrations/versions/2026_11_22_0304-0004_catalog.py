"""catalog module tables.

Revision ID: 0004_catalog
Revises: 0003_help
Create Date: 2026-11-22 03:04:00
"""

from collections.abc import Sequence

revision: str = "0004_catalog"
down_revision: str | Sequence[str] | None = "0003_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
