"""Pydantic shapes of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    computed_field,
    field_validator,
)

from skillnest.core.inputs import TRIM, TRIM_VISIBLE, RefusesNull, visible_text

Password = Annotated[str, Field(min_length=8, max_length=128)]
Name = Annotated[str, visible_text(255), TRIM_VISIBLE]
SkillName = Annotated[str, visible_text(50), TRIM_VISIBLE]


def dedupe_skills(skills: list[str] | None) -> list[str] | None:
    """Drop case-insensitive duplicates, keeping the first spelling the user wrote."""
    if skills is None:
        return None
    seen: set[str] = set()
    kept: list[str] = []
    for skill in skills:
        folded = skill.casefold()
        if folded not in seen:
            seen.add(folded)
            kept.append(skill)
    return kept


class SignupIn(BaseModel):
    """Sign-up payload."""

    name: Name
    email: EmailStr
    password: Password


class LoginIn(BaseModel):
    """Login payload."""

    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=128)]
    otp: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="A TOTP code or a recovery code, when two-factor is on."
    )


class PasswordChangeIn(BaseModel):
    """Password change payload."""

    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class AccountDeleteIn(BaseModel):
    """Deleting an account asks for the password again."""

    password: Annotated[str, Field(min_length=1, max_length=128)]


class ProfileUpdate(RefusesNull):
    """Profile fields a user may change (PATCH semantics: only the fields sent)."""

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Name | None = None
    pronouns: Annotated[str, Field(max_length=100), TRIM] | None = None
    bio: Annotated[str, Field(max_length=5000)] | None = None
    location: Annotated[str, Field(max_length=255), TRIM] | None = None
    availability: Annotated[str, Field(max_length=255), TRIM] | None = None
    learning_style: Annotated[str, Field(max_length=255), TRIM] | None = None
    image_url: Annotated[str, Field(max_length=255), TRIM] | None = None
    skills_to_offer: Annotated[list[SkillName], Field(max_length=50)] | None = None
    skills_to_learn: Annotated[list[SkillName], Field(max_length=50)] | None = None

    _dedupe = field_validator("skills_to_offer", "skills_to_learn")(dedupe_skills)


class PublicUser(BaseModel):
    """What anyone may see of a user: never the email or any hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    pronouns: str | None = None
    bio: str | None = None
    location: str | None = None
    availability: str | None = None
    learning_style: str | None = None
    skills_to_offer: list[str] = Field(default_factory=list)
    skills_to_learn: list[str] = Field(default_factory=list)
    image_url: str | None = None
    created_at: datetime | None = None
    # Ratings received (exchange module), computed in SQL by ``public_profile``; the
    # own-profile view (``Me``) does not compute them and leaves them null.
    average_rating: float | None = None
    rating_count: int | None = None

    @field_validator("skills_to_offer", "skills_to_learn", mode="before")
    @classmethod
    def _none_is_empty(cls, value: list[str] | None) -> list[str]:
        return value or []


class Me(PublicUser):
    """The signed-in user's own view."""

    email: str
    is_admin: bool = False
    email_verified_at: datetime | None = None
    updated_at: datetime | None = None
    # The verified academic domain (help's college); filled in by ``me_document``.
    college_domain: str | None = None
    totp_enabled_at: datetime | None = Field(default=None, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def email_verified(self) -> bool:
        """Whether the current address was confirmed through a mailed link."""
        return self.email_verified_at is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def two_factor_enabled(self) -> bool:
        """Whether login asks for a one-time code."""
        return self.totp_enabled_at is not None


class AvatarOut(BaseModel):
    """Where the new profile picture is served (``image_url`` is the 256 px one)."""

    image_url: str = Field(examples=["/media/avatars/7/3f9a0c1d2b4e5f60-256.webp"])
    image_small_url: str = Field(examples=["/media/avatars/7/3f9a0c1d2b4e5f60-64.webp"])


class AuthOut(BaseModel):
    """A user and the bearer token of their new session."""

    user: Me
    token: str
    token_type: str = "bearer"
    expires_at: datetime


Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=16, max_length=128)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=32)]


class PasswordResetIn(BaseModel):
    """Ask for a reset link."""

    email: EmailStr


class PasswordResetConfirm(BaseModel):
    """Set a new password with the token of a reset link."""

    token: Token
    password: Password


class TokenIn(BaseModel):
    """The token of a mailed link."""

    token: Token


class EmailChangeIn(BaseModel):
    """A new address, confirmed with the password; it is verified again by mail."""

    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=128)]


class Accepted(BaseModel):
    """A request taken in; the outcome arrives by mail."""

    detail: str


class SessionRead(BaseModel):
    """One open session of the caller."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    last_seen_at: datetime | None = None
    expires_at: datetime
    ip_address: str | None = None
    user_agent: str | None = None
    current: bool = False


class TwoFactorSetup(BaseModel):
    """The secret to enter into an authenticator app, also as an ``otpauth://`` URI."""

    secret: str
    otpauth_uri: str


class CodeIn(BaseModel):
    """A one-time code from the authenticator."""

    code: Code


class RecoveryCodes(BaseModel):
    """Single-use codes for when the authenticator is lost: shown once."""

    recovery_codes: list[str]


class TwoFactorDisable(BaseModel):
    """Turning two-factor off asks for the password and a code."""

    password: Annotated[str, Field(min_length=1, max_length=128)]
    code: Code


class OAuthLinkRead(BaseModel):
    """A linked sign-in provider (never its tokens)."""

    model_config = ConfigDict(from_attributes=True)

    provider: str
    provider_user_id: str
    created_at: datetime
    updated_at: datetime
    token_expires_at: datetime | None = None


class DataExport(BaseModel):
    """Everything a user owns, module by module (``GET /me/export``)."""

    format: str = Field(examples=["skillnest-export/1"])
    exported_at: datetime
    user_id: int
    modules: dict[str, Any] = Field(
        description="Each module's rows of this user; help says why it has none to give."
    )
