"""Pydantic shapes of the exchange API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skillnest.accounts.schemas import PublicUser

Id = Annotated[int, Field(gt=0, le=2**31 - 1)]


class UserBrief(BaseModel):
    """The few fields of another user shown beside a chat or a rating."""

    id: int
    name: str
    image_url: str | None = None


class Match(PublicUser):
    """A user with whom the exchange works both ways: their public profile and the overlap."""

    teaches_you: list[str] = Field(description="Skills they offer that you want to learn.")
    learns_from_you: list[str] = Field(description="Skills they want to learn that you offer.")
    average_rating: float | None = None
    rating_count: int = 0
    score: float = Field(
        description="Overlap size, plus a tenth of the rating pulled toward the global mean."
    )


class MatchPage(BaseModel):
    """One page of matches, best first."""

    items: list[Match]
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


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


class MessagePage(BaseModel):
    """Messages in time order; pass ``next_cursor`` as ``cursor`` for the following page."""

    items: list[MessageOut]
    next_cursor: int | None = None


class ChatOut(BaseModel):
    """A chat as its participants see it."""

    id: int
    user1_id: int
    user2_id: int
    created_at: datetime
    other_user: UserBrief
    last_message: MessageOut | None = None
    unread_count: int = 0


class ChatPage(BaseModel):
    """The caller's chats, newest activity first."""

    items: list[ChatOut]
    limit: int
    offset: int
    next_offset: int | None = None


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


class RatingPage(BaseModel):
    """Ratings newest first; pass ``next_cursor`` as ``cursor`` for the following page."""

    items: list[ReceivedRating]
    next_cursor: int | None = None


class RatingSummary(BaseModel):
    """The ratings a user received: how many and their average (null with none)."""

    count: int
    average: float | None = None
