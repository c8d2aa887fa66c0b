"""careers module tables.

Revision ID: 0005_careers
Revises: 0004_catalog
Create Date: 2026-11-22 03:05:00
"""

from collections.abc import Sequence

revision: str = "0005_careers"
down_revision: str | Sequence[str] | None = "0004_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
