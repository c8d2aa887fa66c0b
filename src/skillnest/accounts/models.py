"""Accounts tables: seed 001's ``users``, seed 002's onboarding/preferences, seed 003's OAuth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.core.db import (
    FALSE,
    TRUE,
    Base,
    CreatedAt,
    Document,
    StringArray,
    UpdatedAt,
    UTCDateTime,
)


class User(Base):
    """A person on skillnest: seed 001's columns exactly, plus what a platform needs."""

    __tablename__ = "users"
    __table_args__ = (
        # Seed 001's index; the case-insensitive unique index below guards against
        # "Ann@x.org" and "ann@x.org" becoming two accounts.
        Index("idx_users_email", "email"),
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    pronouns: Mapped[str | None] = mapped_column(String(100))
    bio: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(255))
    availability: Mapped[str | None] = mapped_column(String(255))
    learning_style: Mapped[str | None] = mapped_column(String(255))
    skills_to_offer: Mapped[list[str] | None] = mapped_column(StringArray(50))
    skills_to_learn: Mapped[list[str] | None] = mapped_column(StringArray(50))
    image_url: Mapped[str | None] = mapped_column(String(255))
    # Added by skillnest; nullable or server-defaulted so seed 001's INSERTs still run.
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
    is_admin: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (migration 0007): the TOTP secret encrypted at rest, set up first and
    # enabled once a code proves the authenticator has it; the last accepted time step stops
    # a code from being used twice within its window.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class UserSession(Base):
    """A login: only the SHA-256 digest of the bearer token is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_active", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Added by migration 0007 so people can recognise their sessions.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class UserToken(Base):
    """A single-use token mailed to a user (password reset, email verification), stored hashed."""

    __tablename__ = "user_tokens"
    __table_args__ = (Index("ix_user_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # The address a verification token was sent to: changing the email voids it.
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """A single-use two-factor recovery code, stored as its SHA-256 digest."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserOnboarding(Base):
    """Onboarding state, one row per user (seed 002)."""

    __tablename__ = "user_onboarding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    completed: Mapped[bool] = mapped_column(Boolean, server_default=FALSE, nullable=False)
    current_step: Mapped[str | None] = mapped_column(String(100))
    social_links: Mapped[dict[str, Any] | None] = mapped_column(Document)
    logo: Mapped[str | None] = mapped_column(Text)
    default_contract: Mapped[dict[str, Any] | None] = mapped_column(Document)
    # Added by migration 0006 (gauge): legacy onboarding fields without a column of their own.
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class UserPreferences(Base):
    """Settings, one row per user (seed 002); ``extra`` holds module-specific choices."""

    __tablename__ = "user_preferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    email_notifications: Mapped[bool] = mapped_column(Boolean, server_default=TRUE, nullable=False)
    analysis_notifications: Mapped[bool] = mapped_column(
        Boolean, server_default=TRUE, nullable=False
    )
    default_chain: Mapped[str] = mapped_column(
        String(50), server_default="ethereum", nullable=False
    )
    extra: Mapped[dict[str, Any] | None] = mapped_column(Document)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class OAuthProvider(Base):
    """A linked OAuth identity (seed 003); tokens are encrypted at rest."""

    __tablename__ = "oauth_providers"
    __table_args__ = (
        UniqueConstraint("provider", "provider_user_id"),
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(50), nullable=False)
    provider_user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
