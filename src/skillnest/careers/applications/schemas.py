"""Shapes of the applications API: the flow, notes, timeline, interview preparation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from skillnest.careers.applications.rules import ALL_STATUSES
from skillnest.careers.fields import (
    Patch,
    ReadModel,
    Strict,
    Text50,
    Text100,
)
from skillnest.core.inputs import TRIM, TRIM_VISIBLE, Day, Moment, visible_text
from skillnest.core.pages import Id

Status = Literal[
    "SAVED",
    "APPLIED",
    "SCREENING",
    "INTERVIEW_SCHEDULED",
    "INTERVIEW_COMPLETED",
    "OFFER_RECEIVED",
    "ACCEPTED",
    "REJECTED",
    "WITHDRAWN",
]
assert set(Status.__args__) == set(ALL_STATUSES)  # type: ignore[attr-defined]


class ApplicationIn(Strict):
    """Start tracking an application (saved, or already applied)."""

    job_id: Id
    status: Literal["SAVED", "APPLIED"] = "SAVED"
    application_method: Text50 | None = None
    resume_id: Id | None = None
    cover_letter_id: Id | None = None


_HTTP_URL = TypeAdapter(AnyHttpUrl)
# A time without a zone is taken as UTC, so stored and compared times are all aware.
UTCTime = Annotated[
    Moment,
    AfterValidator(lambda v: v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)),
]


class Link(Strict):
    """A link kept with an application: the posting, the portal, a contact's profile..."""

    label: Text100
    url: Annotated[str, Field(max_length=2000), TRIM]

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        # Stored as typed, after checking it is an absolute http(s) URL.
        try:
            _HTTP_URL.validate_python(value)
        except ValidationError as exc:
            raise ValueError("url must be an absolute http(s) URL") from exc
        return value


Reason = Annotated[str, Field(max_length=5000)]


class ApplicationUpdate(Patch):
    """Changes to an application's own fields; the status moves through ``/status`` only."""

    application_method: Text50 | None = None
    applied_date: UTCTime | None = None
    follow_up_date: Day | None = None
    interview_date: UTCTime | None = None
    response_date: UTCTime | None = None
    rejection_reason: Reason | None = None
    links: Annotated[list[Link], Field(max_length=10)] | None = None
    resume_id: Id | None = None
    cover_letter_id: Id | None = None


class FollowUpIn(Strict):
    """Set (or clear, with null) an application's follow-up date by hand."""

    follow_up_date: Day | None


class StatusChange(Strict):
    """Move an application to another status."""

    status: Status
    note: Annotated[str, Field(max_length=5000)] | None = None
    interview_date: Moment | None = None
    rejection_reason: Annotated[str, Field(max_length=5000)] | None = None


class TimelineEvent(ReadModel):
    """One event of an application's history."""

    id: int
    event_type: str
    description: str
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_")
    created_at: datetime


class ApplicationRead(BaseModel):
    """An application with its job, progress and the moves it may make."""

    id: int
    job_id: int
    job_title: str
    company: str
    status: str
    progress: int
    allowed_transitions: list[str]
    applied_date: datetime | None = None
    follow_up_date: date | None = None
    interview_date: datetime | None = None
    rejection_reason: str | None = None
    application_method: str | None = None
    response_date: datetime | None = None
    links: list[Link] | None = None
    resume_id: int | None = None
    cover_letter_id: int | None = None
    last_updated: datetime
    created_at: datetime


class FollowUpRead(ApplicationRead):
    """An application with a follow-up date: due (today or past) or coming up."""

    due: bool
    days_until: int = Field(description="Days until the follow-up date; negative when overdue.")


class WeekCount(BaseModel):
    """Applications sent in one ISO week."""

    week_start: date
    applications: int


class ShareRead(BaseModel):
    """Sent applications of one source or method and how many got an answer."""

    name: str
    applications: int
    responded: int
    response_rate: float


class CareerAnalytics(BaseModel):
    """The job search at a glance: volume, answers and how fast they come."""

    weeks: int
    total: int = Field(description="Applications tracked, saved ones included.")
    applied: int = Field(description="Applications sent.")
    responded: int = Field(description="Sent applications that got an answer (rejections too).")
    response_rate: float
    median_days_to_first_response: float | None
    per_week: list[WeekCount]
    by_status: dict[str, int]
    by_source: list[ShareRead] = Field(description="By the job's source (the listing's feed).")
    by_method: list[ShareRead] = Field(description="By how the application was made.")


class ApplicationDetail(ApplicationRead):
    """An application with its timeline (oldest first)."""

    timeline: list[TimelineEvent]


class ApplicationStats(BaseModel):
    """Counts per status and how many applications got an answer."""

    total: int
    by_status: dict[str, int]
    applied: int
    responded: int
    response_rate: float


class NoteIn(Strict):
    """A note on an application."""

    content: Annotated[str, visible_text(10_000), TRIM_VISIBLE]
    note_type: Text50 = "general"


class NoteUpdate(Strict):
    """Changes to a note."""

    content: Annotated[str, visible_text(10_000), TRIM_VISIBLE] | None = None
    note_type: Text50 | None = None


class NoteRead(ReadModel):
    """A note on an application."""

    id: int
    application_id: int
    content: str
    note_type: str
    created_at: datetime
    updated_at: datetime


class InterviewPrepIn(Strict):
    """Start preparing for an application's interview."""

    interview_date: Moment | None = None


class Question(BaseModel):
    """An interview question and the user's answer."""

    id: str
    question: str
    category: str
    skill: str | None = None
    answer: str | None = None


class InterviewPrepRead(ReadModel):
    """Questions, answers and tips for one application."""

    id: int
    application_id: int
    job_id: int
    interview_date: datetime | None = None
    questions: list[Question]
    tips: list[str] | None = None
    created_at: datetime
    updated_at: datetime


class AnswerIn(Strict):
    """The user's answer to a question."""

    answer: Annotated[str, Field(max_length=20_000)]


class PracticeIn(Strict):
    """One practice session."""

    question_id: Annotated[str, Field(max_length=255)] | None = None
    response: Annotated[str, Field(max_length=20_000)] | None = None
    duration: Annotated[int, Field(ge=0, le=36_000, description="seconds")]
    self_rating: Annotated[int, Field(ge=1, le=5)]
    notes: Annotated[str, Field(max_length=10_000)] | None = None


class PracticeRead(ReadModel):
    """A practice session."""

    id: int
    interview_prep_id: int
    question_id: str | None = None
    response: str | None = None
    duration: int | None = None
    self_rating: int | None = None
    notes: str | None = None
    created_at: datetime
