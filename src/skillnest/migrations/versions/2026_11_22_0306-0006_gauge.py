"""gauge module tables.

Revision ID: 0006_gauge
Revises: 0005_careers
Create Date: 2026-11-22 03:06:00
"""

from collections.abc import Sequence

revision: str = "0006_gauge"
down_revision: str | Sequence[str] | None = "0005_careers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
