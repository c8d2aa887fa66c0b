"""Exchange tables: seed 001's ``chats``, ``messages`` and ``ratings``, and the skill indexes.

Column names, types, defaults and ``ON DELETE CASCADE`` follow seed 001 so its INSERT
statements run unchanged on PostgreSQL. What a real system needs on top is added without
breaking them: one chat per unordered pair, no chat with oneself, one rating per rater and
chat, an index for reading a chat in time order, and GIN indexes on the skill arrays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer as IntegerType

from skillnest.accounts.models import User
from skillnest.core.db import FALSE, NOW, Base, UTCDateTime

# PostgreSQL function (created by the 0002 migration) that lower-cases every entry of a skill
# array. It is IMMUTABLE so expression GIN indexes can be built on it; the match query uses
# the same expression, so the index serves case-insensitive overlap (``&&``) directly.
LOWER_SKILLS_FUNCTION = "exchange_lower_skills"


class pair_low(FunctionElement[int]):  # noqa: N801 - reads as the SQL it emits
    """The smaller of two ids: ``least(a, b)`` on PostgreSQL, ``min(a, b)`` on SQLite."""

    type = IntegerType()
    inherit_cache = True


class pair_high(FunctionElement[int]):  # noqa: N801 - reads as the SQL it emits
    """The larger of two ids: ``greatest(a, b)`` on PostgreSQL, ``max(a, b)`` on SQLite."""

    type = IntegerType()
    inherit_cache = True


@compiles(pair_low, "postgresql")
def _pair_low_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"least({compiler.process(element.clauses, **kw)})"


@compiles(pair_low)
def _pair_low_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(pair_high, "postgresql")
def _pair_high_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(pair_high)
def _pair_high_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


class Chat(Base):
    """A 1:1 conversation (seed 001). Either participant may be ``user1``.

    The pair is unique whichever way round it was inserted: an expression index on
    (smaller id, larger id). Storing the pair ordered with ``CHECK (user1_id < user2_id)``
    would be smaller, but the seed's application (and its SQL) writes the opener as
    ``user1_id``, so such a CHECK would reject half of its INSERTs.
    """

    __tablename__ = "chats"
    __table_args__ = (
        CheckConstraint("user1_id <> user2_id", name="not_self"),
        Index("idx_chats_user1_id", "user1_id"),
        Index("idx_chats_user2_id", "user2_id"),
        Index(
            "uq_chats_pair",
            pair_low(text("user1_id"), text("user2_id")),
            pair_high(text("user1_id"), text("user2_id")),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user1_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    user2_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    # The seed leaves this nullable; NOT NULL is added because listings order by it, and
    # every INSERT that omits it (as the seed's do) still gets the default.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=NOW, nullable=False)


class Message(Base):
    """One message of a chat (seed 001), with its read state."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("idx_messages_chat_id", "chat_id"),
        Index("idx_messages_sender_id", "sender_id"),
        # Reading a chat in time order (and its latest message) is one index range scan.
        Index("ix_messages_chat_id_timestamp_id", "chat_id", "timestamp", "id"),
        # Unread counts only ever look at unread rows: a small partial index.
        Index(
            "ix_messages_unread",
            "chat_id",
            "sender_id",
            postgresql_where=text("NOT is_read"),
            sqlite_where=text("NOT is_read"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), nullable=False)
    sender_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)
    # NOT NULL added for the same reason as chats.created_at: pages are keyed on it.
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, server_default=NOW, nullable=False)
    is_read: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)


class Rating(Base):
    """A 1-5 rating one chat participant gives the other (seed 001), once per chat."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        CheckConstraint("rater_id <> rated_id", name="not_self"),
        UniqueConstraint("rater_id", "chat_id"),
        Index("idx_ratings_rated_id", "rated_id"),
        Index("idx_ratings_chat_id", "chat_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rater_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    rated_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), nullable=False)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, server_default=NOW, nullable=False)


# GIN indexes on the skill arrays of ``users`` (PostgreSQL only), over the lower-cased arrays
# so that case-insensitive matching can use them. SQLite has no GIN; its twin query walks the
# JSON lists with json_each.
for _column in ("skills_to_offer", "skills_to_learn"):
    Index(
        f"ix_users_{_column}_lower_gin",
        getattr(func, LOWER_SKILLS_FUNCTION)(User.__table__.c[_column]),
        postgresql_using="gin",
    ).ddl_if(dialect="postgresql")
