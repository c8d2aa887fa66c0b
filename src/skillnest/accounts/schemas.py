"""Pydantic shapes of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

Password = Annotated[str, Field(min_length=8, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
SkillName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


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


class PasswordChangeIn(BaseModel):
    """Password change payload."""

    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class AccountDeleteIn(BaseModel):
    """Deleting an account asks for the password again."""

    password: Annotated[str, Field(min_length=1, max_length=128)]


class ProfileUpdate(BaseModel):
    """Profile fields a user may change (PATCH semantics: only the fields sent)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    pronouns: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    bio: Annotated[str, Field(max_length=5000)] | None = None
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    availability: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None
    ) = None
    learning_style: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None
    ) = None
    image_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = (
        None
    )
    skills_to_offer: Annotated[list[SkillName], Field(max_length=50)] | None = None
    skills_to_learn: Annotated[list[SkillName], Field(max_length=50)] | None = None

    _dedupe = field_validator("skills_to_offer", "skills_to_learn")(dedupe_skills)

    @field_validator("name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("name cannot be null")
        return value


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


class UserPage(BaseModel):
    """A page of accounts for administrators."""

    items: list[Me]
    total: int
    limit: int
    offset: int
