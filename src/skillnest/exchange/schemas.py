"""Pydantic shapes of the exchange API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skillnest.accounts.schemas import PublicUser
from skillnest.core.pages import Id

#: Which list of a profile a people search looks in.
SkillRole = Literal["offers", "wants", "any"]


class UserBrief(BaseModel):
    """The few fields of another user shown beside a chat or a rating."""

    id: int
    name: str
    image_url: str | None = None


class RelatedPair(BaseModel):
    """Two skills the vocabulary relates (alias, similar name): "acoustic guitar" ≈ "guitar"."""

    offered: str = Field(description="The skill offered, as its owner spells it.")
    wanted: str = Field(description="The skill wanted, as its owner spells it.")
    by: Literal["them", "you"] = Field(
        description="Who offers: `them` (they could teach you), `you` (you could teach them)."
    )


class Match(PublicUser):
    """A user with whom the exchange works both ways: their public profile and the overlap."""

    teaches_you: list[str] = Field(description="Skills they offer that you want to learn.")
    learns_from_you: list[str] = Field(description="Skills they want to learn that you offer.")
    exact: bool = Field(
        default=True,
        description="An exact skill changes hands each way; matches that need a related pair "
        "for one way (false) rank after every exact match.",
    )
    related: list[RelatedPair] = Field(
        default_factory=list,
        description="Pairs of related, not identical, skills that also make the match; a match "
        "made only through them ranks below every exact match (an exact skill each way).",
    )
    average_rating: float | None = None
    rating_count: int = 0
    score: float = Field(
        description="Exact overlap size, plus a tenth of the rating pulled toward the global "
        "mean (related pairs are not counted; they order matches of equal exact overlap)."
    )


class ChatOpen(BaseModel):
    """Open (or find) the chat with another user."""

    model_config = ConfigDict(extra="forbid")

    user_id: Id


class MessageCreate(BaseModel):
    """A new message."""

    model_config = ConfigDict(extra="forbid")

    content: Annotated[str, Field(min_length=1, max_length=5000)]

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content cannot be blank")
        return value


class MessageOut(BaseModel):
    """A message of a chat."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    chat_id: int
    sender_id: int
    content: str
    timestamp: datetime
    is_read: bool


class ChatOut(BaseModel):
    """A chat as its participants see it."""

    id: int
    user1_id: int
    user2_id: int
    created_at: datetime
    other_user: UserBrief
    last_message: MessageOut | None = None
    unread_count: int = 0
    is_rated_by_me: bool = Field(
        default=False, description="Whether you already rated the other participant here."
    )


class ReadOut(BaseModel):
    """How many messages a read-mark changed."""

    marked: int


class UnreadOut(BaseModel):
    """Unread messages from others across all of the caller's chats."""

    unread: int


class RatingCreate(BaseModel):
    """Rate the other participant of a chat."""

    model_config = ConfigDict(extra="forbid")

    chat_id: Id
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=1000)] | None = None


class RatingOut(BaseModel):
    """A rating as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    rater_id: int
    rated_id: int
    chat_id: int
    rating: int
    comment: str | None = None
    timestamp: datetime


class ReceivedRating(BaseModel):
    """A rating shown on the rated user's profile."""

    id: int
    rater: UserBrief
    rating: int
    comment: str | None = None
    timestamp: datetime


class RatingSummary(BaseModel):
    """The ratings a user received: how many and their plain average (null with none)."""

    count: int
    average: float | None = Field(default=None, description="Plain average, 2 decimals.")


class ActivityStats(BaseModel):
    """Counts across the whole exchange (``skillnest exchange stats``)."""

    chats: int
    messages: int
    unread_messages: int
    ratings: int
    mean_rating: float | None = None


class SkillPair(BaseModel):
    """A wanted skill and a skill someone has that the vocabulary relates to it."""

    wanted: str
    have: str


class SkillRelations(BaseModel):
    """Pairs naming one skill (case, aliases) and pairs of similar, different skills."""

    same: list[SkillPair] = Field(default_factory=list)
    similar: list[SkillPair] = Field(default_factory=list)
