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
    Field,
    model_validator,
)

from skillnest.core.inputs import TRIM_VISIBLE, StrictInput, TextUUID, visible_text
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
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
#: A college domain (3-100 characters, any case) or ``mine``, as the schema states it.
DOMAIN_PATTERN = rf"^(?:[mM][iI][nN][eE]|{_LABEL}(?:\.{_LABEL})+)$"
_DOMAIN = re.compile(DOMAIN_PATTERN)
# Standard padded base64, as crypto.b64decode reads it.
_B64 = "[A-Za-z0-9+/]"
# The shortest base64 text of MIN_CIPHERTEXT_BYTES bytes (any shorter decodes to fewer).
MIN_CIPHERTEXT_CHARS = 4 * -(-crypto.MIN_CIPHERTEXT_BYTES // 3)


#: The exact base64 length of a key of ``size`` bytes, as a pattern.
def _key_pattern(size: int) -> str:
    chars, pad = 4 * -(-size // 3), -size % 3
    return rf"^{_B64}{{{chars - pad}}}{'=' * pad}$"


# Tags: no comma and no control character (white space is collapsed), one visible character.
_TAG_CHAR = r"[^,\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]"
TAG_PATTERN = rf"^{_TAG_CHAR}*[^,\s\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]{_TAG_CHAR}*$"


def normalise_tag(value: str) -> str:
    """Skill tags compare case-insensitively: trimmed, single-spaced, lower-cased."""
    if len(value) > 50:
        raise ValueError("a skill tag has 1 to 50 characters")
    if not re.match(TAG_PATTERN, value):
        raise ValueError("a skill tag has a visible character, and no comma or control character")
    return _SPACES.sub(" ", value).strip().lower()


def normalise_tags(values: list[str]) -> list[str]:
    """Normalise and drop duplicates, keeping the first order."""
    return list(dict.fromkeys(normalise_tag(v) for v in values))


def normalise_domain(value: str) -> str:
    """A college domain such as ``uni.example.edu``, lower-cased (or ``mine``: the caller's)."""
    if not 3 <= len(value) <= 100 or not _DOMAIN.fullmatch(value):
        raise ValueError("not a domain name such as uni.example.edu")
    return value.lower()


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


Tag = Annotated[str, Field(max_length=50, pattern=TAG_PATTERN), AfterValidator(normalise_tag)]
Tags = Annotated[
    list[Tag], Field(min_length=1, max_length=MAX_TAGS), AfterValidator(normalise_tags)
]
Domain = Annotated[
    str,
    Field(min_length=3, max_length=100, pattern=DOMAIN_PATTERN),
    AfterValidator(normalise_domain),
]
Ciphertext = Annotated[
    str,
    Field(min_length=MIN_CIPHERTEXT_CHARS, max_length=MAX_CIPHERTEXT_CHARS, pattern=BASE64_PATTERN),
    AfterValidator(_ciphertext),
]
PublicKey = Annotated[
    str, Field(pattern=_key_pattern(crypto.PUBLIC_KEY_BYTES)), AfterValidator(_public_key)
]
SealedKey = Annotated[
    str, Field(pattern=_key_pattern(crypto.SEALED_KEY_BYTES)), AfterValidator(_sealed_key)
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
Title = Annotated[str, visible_text(100), TRIM_VISIBLE]
Urgency = Annotated[int, Field(ge=1, le=5)]


class HelpRequestCreate(StrictInput):
    """A new request: the seed's column names, plus a public title and its lifetime."""

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


class OfferCreate(StrictInput):
    """A helper offers to help; the public key is made for this request only.

    ``encrypted_message`` is an optional note to the asker, boxed from this key pair to the
    request's ``asker_public_key``; only the asker is ever shown it.
    """

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


class AcceptIn(StrictInput):
    """The owner accepts an offer and hands over the request key sealed to that helper."""

    offer_id: TextUUID
    sealed_key: SealedKey


class StatusUpdate(StrictInput):
    """A status change; completing carries the helper's rating."""

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


class HelpMessageCreate(StrictInput):
    """A message of the conversation, encrypted by the sender's client."""

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


class VerificationCreate(StrictInput):
    """Vouch for another user's skill."""

    user_id: Id
    skill_name: Annotated[str, visible_text(100), TRIM_VISIBLE]
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
