"""Tables of anonymous help (seed 000): sessions, offers, messages, trust, verifications.

Seed 000 writes MySQL-style inline ``INDEX`` clauses inside ``CREATE TABLE``, which
PostgreSQL rejects; here they are separate indexes. No table holds a user id, email or
address: people appear only as keyed pseudonyms (see ``skillnest.help.service``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.core.db import UUID, Base, CreatedAt, StringArray, UTCDateTime, gen_random_uuid

ACTIVE = "Active"
MATCHED = "Matched"
IN_PROGRESS = "InProgress"
COMPLETED = "Completed"
CANCELLED = "Cancelled"
EXPIRED = "Expired"
STATUSES = (ACTIVE, MATCHED, IN_PROGRESS, COMPLETED, CANCELLED, EXPIRED)
# States that end when ``expires_at`` passes; the others are final.
OPEN_STATUSES = (ACTIVE, MATCHED, IN_PROGRESS)

OFFER_PENDING = "Pending"
OFFER_ACCEPTED = "Accepted"
OFFER_DECLINED = "Declined"

# The two sides of a conversation.
ASKER = "asker"
HELPER = "helper"


class HelpSession(Base):
    """An anonymous help request: seed 000's columns plus status, title and owner pseudonym."""

    __tablename__ = "anonymous_help_sessions"
    __table_args__ = (
        # Seed 000's idx_expires_skills (expires_at, skill_tags) split in two: a B-tree on
        # expires_at for the expiry job and a GIN index for "any of these skills".
        Index("idx_anonymous_help_sessions_expires_at", "expires_at"),
        Index("idx_anonymous_help_sessions_skill_tags", "skill_tags", postgresql_using="gin"),
        Index("idx_college_urgency", "college_domain", "urgency_level"),
        Index("idx_anonymous_help_sessions_owner_hash", "owner_hash"),
        Index("idx_anonymous_help_sessions_feed", "status", "urgency_level", "created_at"),
        CheckConstraint("urgency_level BETWEEN 1 AND 5", name="urgency_level"),
        CheckConstraint(
            "status IN ('Active', 'Matched', 'InProgress', 'Completed', 'Cancelled', 'Expired')",
            name="status",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    skill_tags: Mapped[list[str]] = mapped_column(StringArray(), nullable=False)
    # The seed leaves urgency_level nullable; NOT NULL with the seed's default keeps its
    # INSERT working and lets the feed order by it without COALESCE.
    urgency_level: Mapped[int] = mapped_column(Integer, server_default="1", nullable=False)
    college_domain: Mapped[str | None] = mapped_column(String(100))
    anonymous_avatar: Mapped[str | None] = mapped_column(String(50))
    # Client-made ciphertext (base64); dropped when the request ends.
    encrypted_request: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[CreatedAt]
    # Added by skillnest; nullable or defaulted so the seed's INSERT runs unchanged.
    title: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), server_default=ACTIVE, nullable=False)
    owner_hash: Mapped[str | None] = mapped_column(String(64))
    # X25519 public key (base64) the asker's client made for this request: offer messages and
    # the conversation are encrypted to it. Null on requests made before conversations.
    asker_public_key: Mapped[str | None] = mapped_column(String(64))


class HelpOffer(Base):
    """A helper's offer on a request, with the public key the request key is sealed to."""

    __tablename__ = "help_offers"
    __table_args__ = (
        UniqueConstraint("request_id", "helper_hash"),
        Index("idx_help_offers_helper_hash", "helper_hash"),
        CheckConstraint("status IN ('Pending', 'Accepted', 'Declined')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("anonymous_help_sessions.id", ondelete="CASCADE"), nullable=False
    )
    # The helper's "trust" pseudonym: the same one their trust interactions carry.
    helper_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # X25519 public key (base64, 32 bytes), made by the helper's client for this request only.
    helper_public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(20), server_default=OFFER_PENDING, nullable=False)
    created_at: Mapped[CreatedAt]
    # The helper's note to the asker, a box from the offer key to the asker's key (base64);
    # null when the helper wrote none or the offer predates offer messages.
    encrypted_message: Mapped[str | None] = mapped_column(Text)


class HelpKeyEnvelope(Base):
    """The request key sealed (X25519 sealed box) to the accepted helper's public key."""

    __tablename__ = "help_key_envelopes"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("anonymous_help_sessions.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    offer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("help_offers.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    sealed_key: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[CreatedAt]


class HelpMessage(Base):
    """One message of the two-party conversation of an accepted request: ciphertext only.

    ``sender`` says which side wrote it (the asker or the accepted helper), never who.
    """

    __tablename__ = "help_messages"
    __table_args__ = (
        Index("idx_help_messages_request_id_id", "request_id", "id"),
        CheckConstraint(f"sender IN ('{ASKER}', '{HELPER}')", name="sender"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("anonymous_help_sessions.id", ondelete="CASCADE"), nullable=False
    )
    sender: Mapped[str] = mapped_column(String(10), nullable=False)
    # X25519 box (base64 of nonce + ciphertext + tag) between the asker's request key pair
    # and the accepted helper's offer key pair: either side opens every message.
    ciphertext: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[CreatedAt]


class TrustInteraction(Base):
    """One rated help session (seed 000): helper and seeker as keyed pseudonyms only."""

    __tablename__ = "trust_interactions"
    __table_args__ = (Index("idx_trust_lookup", "helper_hash", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    helper_hash: Mapped[str | None] = mapped_column(String(64))
    seeker_hash: Mapped[str | None] = mapped_column(String(64))
    session_quality: Mapped[int | None] = mapped_column(Integer)  # 1-10
    help_duration: Mapped[int | None] = mapped_column(Integer)  # minutes
    skill_category: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[CreatedAt]


class SkillVerification(Base):
    """A skill vouched for by another user (seed 000), both sides as pseudonyms."""

    __tablename__ = "skill_verifications"
    __table_args__ = (
        # One vouch per verifier, skill and kind; it also serves listings by user_hash.
        UniqueConstraint(
            "user_hash",
            "skill_name",
            "verification_type",
            "verified_by_hash",
            name="uq_skill_verifications_once",
        ),
        CheckConstraint("score BETWEEN 0 AND 100", name="score"),
        CheckConstraint("verification_type IN ('peer', 'quiz', 'project')", name="type"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, server_default=gen_random_uuid())
    user_hash: Mapped[str | None] = mapped_column(String(64))
    skill_name: Mapped[str | None] = mapped_column(String(100))
    verification_type: Mapped[str | None] = mapped_column(String(50))
    score: Mapped[int | None] = mapped_column(Integer)
    verified_by_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
