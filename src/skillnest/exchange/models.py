"""Exchange tables: seed 001's ``chats``, ``messages`` and ``ratings``, and the skill indexes.

Column names, types, defaults and ``ON DELETE CASCADE`` follow seed 001 so its INSERT
statements run unchanged on PostgreSQL. What a real system needs on top is added without
breaking them: one chat per unordered pair, no chat with oneself, one rating per rater and
chat, an index for reading a chat in time order, and GIN indexes on the skill arrays.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.accounts.models import User
from skillnest.core.db import FALSE, Base, CreatedAt, StringArray, UTCDateTime, migration_only
from skillnest.exchange.dialect import pair_high, pair_low

# PostgreSQL function (created by the 0002 migration) that lower-cases every entry of a skill
# array. It is IMMUTABLE so expression GIN indexes can be built on it; the match query uses
# the same expression, so the index serves case-insensitive overlap (``&&``) directly.
LOWER_SKILLS_FUNCTION = "exchange_lower_skills"


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
    created_at: Mapped[CreatedAt]


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
    timestamp: Mapped[CreatedAt]
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
    timestamp: Mapped[CreatedAt]


# GIN indexes on the skill arrays of ``users`` (PostgreSQL only), over the lower-cased arrays
# so that case-insensitive matching can use them. SQLite has no GIN; its twin query walks the
# JSON lists with json_each.
for _column in ("skills_to_offer", "skills_to_learn"):
    Index(
        f"ix_users_{_column}_lower_gin",
        getattr(func, LOWER_SKILLS_FUNCTION)(User.__table__.c[_column]),
        postgresql_using="gin",
    ).ddl_if(dialect="postgresql")


class SkillTerm(Base):
    """One name of the skill vocabulary: lower-cased, with the key of the term it stands for.

    Every name people save (exchange profiles, careers skills) is added by triggers of the
    0010 migration; curated aliases ("js" for "javascript") share their term's ``canonical``.
    Similar names are found by trigram similarity: a ``pg_trgm`` GIN index on PostgreSQL, the
    ``skill_terms_fts`` FTS5 trigram table on SQLite (both created by the migration only).
    """

    __tablename__ = "skill_terms"
    __table_args__ = (Index("ix_skill_terms_canonical", "canonical"),)

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    canonical: Mapped[str] = mapped_column(String(100), nullable=False)


migration_only("skill_terms_fts*", "ix_skill_terms_key_trgm")
# Pairs of similar terms (PostgreSQL only), kept by the 0013 migration's trigger: the match
# page reads a caller's related names from it instead of searching the trigram index.
migration_only("skill_terms_similar")


class MatchProfile(Base):
    """What the match query ranks by, one narrow row per user, kept in step by triggers.

    ``offers`` and ``wants`` are the user's skill lists case-folded exactly as the match
    query folds them (PostgreSQL: ``exchange_lower_skills``, without NULL or empty entries,
    deduplicated and sorted; SQLite: ``lower()`` of every entry, deduplicated), with the
    rating count and sum received and ``last_active_at``. Triggers of the 0011 migration on
    ``users`` and ``ratings`` maintain every row in the same transaction as the change, so
    the match query scores candidates from this table and reads ``users`` only for the page
    it returns. On PostgreSQL the candidates themselves come from ``exchange_match_pairs``
    (every offered x wanted pair of each profile, maintained from this table by the 0012
    migration's triggers).
    """

    __tablename__ = "exchange_match_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    offers: Mapped[list[str]] = mapped_column(StringArray(), nullable=False)
    wants: Mapped[list[str]] = mapped_column(StringArray(), nullable=False)
    rating_count: Mapped[int] = mapped_column(Integer, server_default=text("0"), nullable=False)
    rating_sum: Mapped[int] = mapped_column(BigInteger, server_default=text("0"), nullable=False)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Every (offered key, wanted key) pair of each profile (PostgreSQL only), created and kept in
# step by the 0012 migration's triggers; the match query's candidates come from its index.
migration_only("exchange_match_pairs")
