"""help module tables.

Revision ID: 0003_help
Revises: 0002_exchange
Create Date: 2026-11-22 03:03:00
"""

from collections.abc import Sequence

revision: str = "0003_help"
down_revision: str | Sequence[str] | None = "0002_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
