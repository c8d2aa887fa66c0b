"""exchange module tables.

Revision ID: 0002_exchange
Revises: 0001_accounts
Create Date: 2026-11-22 03:02:00
"""

from collections.abc import Sequence

revision: str = "0002_exchange"
down_revision: str | Sequence[str] | None = "0001_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
