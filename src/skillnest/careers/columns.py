"""Column helpers shared by the careers tables."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

USER_FK = "users.id"


def user_id_column(*, unique: bool = False, index: bool = True) -> Mapped[int]:
    """The owning user: deleted with the user, indexed unless a composite index covers it."""
    return mapped_column(
        ForeignKey(USER_FK, ondelete="CASCADE"),
        nullable=False,
        unique=unique,
        index=index and not unique,
    )
