"""Pydantic shapes of the help API.

No shape carries a user id, email or address of a helper or seeker (verifications name the
verified user by the id the caller already used).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from skillnest.core.pages import Id
from skillnest.help import crypto

MAX_CIPHERTEXT_CHARS = 16 * 1024
# A message of at most 8 KiB of base64 (6 KiB of bytes: about 6,100 characters of text).
MAX_MESSAGE_CHARS = 8 * 1024
# Standard base64 with its padding; 56 characters of it are at least 40 bytes, the smallest
# box (24-byte nonce + 16-byte tag), so the schema alone says what the server accepts.
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
MIN_BOX_CHARS = 56
MAX_TAGS = 10
_SPACES = re.compile(r"\s+")
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{3,100}}$){_LABEL}(?:\.{_LABEL})+$")


def normalise_tag(value: str) -> str:
    """Skill tags compare case-insensitively: trimmed, single-spaced, lower-cased."""
    tag = _SPACES.sub(" ", value).strip().lower()
    if not tag or len(tag) > 50:
        raise ValueError("a skill tag has 1 to 50 characters")
    if "," in tag or not tag.isprintable():
        raise ValueError("a skill tag may not contain commas or control characters")
    return tag


def normalise_tags(values: list[str]) -> list[str]:
    """Normalise and drop duplicates, keeping the first order."""
    return list(dict.fromkeys(normalise_tag(v) for v in values))


def normalise_domain(value: str) -> str:
    """A college domain such as ``uni.example.edu``, lower-cased (or ``mine``: the caller's)."""
    domain = value.strip().lower()
    if domain == "mine":
        return domain
    if not _DOMAIN.match(domain):
        raise ValueError("not a domain name such as uni.example.edu")
    return domain


def _ciphertext(value: str) -> str:
    raw = crypto.b64decode(value)
    if len(raw) < crypto.MIN_CIPHERTEXT_BYTES:
        raise ValueError("too short to be a secret-box ciphertext")
    return value


def _public_key(value: str) -> str:
    if len(crypto.b64decode(value)) != crypto.PUBLIC_KEY_BYTES:
        raise ValueError("an X25519 public key is 32 bytes")
    return value


def _sealed_key(value: str) -> str:
    if len(crypto.b64decode(value)) != crypto.SEALED_KEY_BYTES:
        raise ValueError("a sealed request key is 80 bytes")
    return value


Tag = Annotated[str, AfterValidator(normalise_tag)]
Tags = Annotated[
    list[Tag], Field(min_length=1, max_length=MAX_TAGS), AfterValidator(normalise_tags)
]
Domain = Annotated[str, AfterValidator(normalise_domain)]
Ciphertext = Annotated[
    str, Field(min_length=1, max_length=MAX_CIPHERTEXT_CHARS), AfterValidator(_ciphertext)
]
MessageCiphertext = Annotated[
    str,
    Field(
        min_length=MIN_BOX_CHARS,
        max_length=MAX_MESSAGE_CHARS,
        pattern=BASE64_PATTERN,
        description="Base64 of nonce + box (X25519 + XSalsa20-Poly1305) between the asker's "
        "request key pair and the helper's offer key pair.",
        json_schema_extra={"contentEncoding": "base64"},
    ),
    AfterValidator(_ciphertext),
]
PublicKey = Annotated[str, Field(max_length=64), AfterValidator(_public_key)]
SealedKey = Annotated[str, Field(max_length=200), AfterValidator(_sealed_key)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Urgency = Annotated[int, Field(ge=1, le=5)]


class HelpRequestCreate(BaseModel):
    """A new request: the seed's column names, plus a public title and its lifetime."""

    model_config = ConfigDict(extra="forbid")

    skill_tags: Tags
    urgency_level: Urgency = 1
    college_domain: Domain | None = None
    encrypted_request: Ciphertext
    title: Title | None = None
    expires_in_hours: Annotated[int, Field(ge=1, le=72)] = 24
    # The asker's X25519 public key for this request: without it, helpers cannot write.
    public_key: PublicKey | None = None


class HelpRequestCreated(BaseModel):
    """All the creator gets back (seed: ``{sessionId, avatar}``)."""

    id: uuid.UUID
    avatar: str


class FeedCard(BaseModel):
    """What everyone sees of an active request; times are rounded down to the minute."""

    id: uuid.UUID
    title: str | None = None
    skill_tags: list[str]
    urgency_level: int
    college_domain: str | None = None
    avatar: str | None = None
    created_at: datetime
    expires_at: datetime


class TrustRead(BaseModel):
    """A helper's trust score, withheld (null) until enough distinct seekers rated them."""

    score: int | None
    sessions: int
    enough_data: bool


class OfferCreate(BaseModel):
    """A helper offers to help; the public key is made for this request only.

    ``encrypted_message`` is an optional note to the asker, boxed from this key pair to the
    request's ``asker_public_key``; only the asker is ever shown it.
    """

    model_config = ConfigDict(extra="forbid")

    public_key: PublicKey
    encrypted_message: MessageCiphertext | None = None


class OfferRead(BaseModel):
    """An offer as its request's owner (or its helper) sees it."""

    id: uuid.UUID
    status: str
    helper_public_key: str
    created_at: datetime
    trust: TrustRead | None = None
    encrypted_message: str | None = Field(
        default=None, description="The helper's note, shown to the request's owner only."
    )


class AcceptIn(BaseModel):
    """The owner accepts an offer and hands over the request key sealed to that helper."""

    model_config = ConfigDict(extra="forbid")

    offer_id: uuid.UUID
    sealed_key: SealedKey


class StatusUpdate(BaseModel):
    """A status change; completing carries the helper's rating."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["InProgress", "Completed", "Cancelled"]
    session_quality: Annotated[int, Field(ge=1, le=10)] | None = None
    help_duration: Annotated[int, Field(ge=1, le=24 * 60)] | None = None

    @model_validator(mode="after")
    def _rating_with_completion(self) -> StatusUpdate:
        rated = self.session_quality is not None or self.help_duration is not None
        if self.status == "Completed" and (
            self.session_quality is None or self.help_duration is None
        ):
            raise ValueError(
                "completing a request rates the helper: session_quality and "
                "help_duration are required"
            )
        if self.status != "Completed" and rated:
            raise ValueError("a rating goes with status Completed only")
        return self


class HelpRequestRead(FeedCard):
    """A request as the caller may see it: more for its owner and its accepted helper."""

    status: str
    role: Literal["owner", "helper", "viewer"]
    encrypted_request: str | None = None
    sealed_key: str | None = None
    asker_public_key: str | None = Field(
        default=None, description="The key offer messages and the conversation are boxed to."
    )
    offers: list[OfferRead] | None = None
    my_offer: OfferRead | None = None


class HelpMessageCreate(BaseModel):
    """A message of the conversation, encrypted by the sender's client."""

    model_config = ConfigDict(extra="forbid")

    ciphertext: MessageCiphertext


class HelpMessageRead(BaseModel):
    """A message as both sides see it; the time is rounded down to the minute."""

    id: int
    request_id: uuid.UUID
    sender: Literal["asker", "helper"]
    ciphertext: str
    created_at: datetime


class MyRequest(FeedCard):
    """One of the caller's own requests."""

    status: str
    offers: int


class VerificationCreate(BaseModel):
    """Vouch for another user's skill."""

    model_config = ConfigDict(extra="forbid")

    user_id: Id
    skill_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    verification_type: Literal["peer", "quiz", "project"]
    score: Annotated[int, Field(ge=0, le=100)]


class VerificationRead(BaseModel):
    """A recorded verification (the verifier's own view)."""

    id: uuid.UUID
    skill_name: str
    verification_type: str
    score: int
    created_at: datetime


class VerifiedSkill(BaseModel):
    """One skill of a user with how often and how well it was verified."""

    skill_name: str
    count: int
    average_score: float
    by_type: dict[str, int]


class UserVerifications(BaseModel):
    """A user's verified skills."""

    user_id: int
    skills: list[VerifiedSkill]


class VerificationSummary(BaseModel):
    """How many skill verifications a user received."""

    count: int
