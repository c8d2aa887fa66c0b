"""Pydantic shapes of the careers API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from skillnest.careers.rules import ALL_STATUSES

Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text50 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
LongText = Annotated[str, Field(max_length=20_000)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Names = Annotated[list[Text100], Field(max_length=50)]
Years = Annotated[float, Field(ge=0, le=70)]
Salary = Annotated[int, Field(ge=0, le=100_000_000)]
StrList = Annotated[list[str], BeforeValidator(lambda v: v or [])]
"""A list read from a nullable array column: NULL reads as empty."""
JSONObject = Annotated[dict[str, Any], BeforeValidator(lambda v: v or {})]
RemoteType = Literal["remote", "hybrid", "onsite"]
RemotePreference = Literal["remote", "hybrid", "onsite", "any"]
SkillCategory = Literal["technical", "soft", "domain"]
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


class Strict(BaseModel):
    """Input models refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    """Output models read attributes of ORM rows and mappings."""

    model_config = ConfigDict(from_attributes=True)


def _check_period(start: date | None, end: date | None, is_current: bool | None) -> None:
    if is_current and end is not None:
        raise ValueError("a current entry has no end date")
    if start is not None and end is not None and end < start:
        raise ValueError("end_date is before start_date")


# --- profile ----------------------------------------------------------------------------


class CareerProfileUpdate(Strict):
    """Career profile fields (only the fields sent change)."""

    headline: Text255 | None = None
    summary: LongText | None = None
    years_of_experience: Years | None = None
    desired_roles: Names | None = None
    desired_locations: Names | None = None
    remote_preference: RemotePreference | None = None
    salary_expectation_min: Salary | None = None
    salary_expectation_max: Salary | None = None
    culture_values: Names | None = None
    preferences: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _salary_range(self) -> CareerProfileUpdate:
        low, high = self.salary_expectation_min, self.salary_expectation_max
        if low is not None and high is not None and high < low:
            raise ValueError("salary_expectation_max is below salary_expectation_min")
        return self


class CareerProfileRead(ReadModel):
    """A user's career profile."""

    user_id: int
    headline: str | None = None
    summary: str | None = None
    years_of_experience: float | None = None
    desired_roles: StrList = Field(default_factory=list)
    desired_locations: StrList = Field(default_factory=list)
    remote_preference: str = "any"
    salary_expectation_min: int | None = None
    salary_expectation_max: int | None = None
    culture_values: StrList = Field(default_factory=list)
    preferences: JSONObject = Field(default_factory=dict)
    skill_score: float = 0.0
    updated_at: datetime | None = None


class GoalIn(Strict):
    """A career goal."""

    target_role: Text255
    target_companies: Names | None = None
    target_salary: Salary | None = None
    timeframe: Text100 | None = None
    required_skills: Names | None = None


class GoalUpdate(Strict):
    """Changes to a career goal."""

    target_role: Text255 | None = None
    target_companies: Names | None = None
    target_salary: Salary | None = None
    timeframe: Text100 | None = None
    required_skills: Names | None = None


class GoalRead(ReadModel):
    """A career goal with the skill gaps left."""

    id: int
    target_role: str
    target_companies: list[str] | None = None
    target_salary: int | None = None
    timeframe: str | None = None
    required_skills: list[str] | None = None
    skill_gaps: list[str] | None = None
    created_at: datetime
    updated_at: datetime


class SkillIn(Strict):
    """One of the user's skills."""

    name: Text100
    category: SkillCategory = "technical"
    proficiency_level: Annotated[int, Field(ge=1, le=5)]
    years_of_experience: Years = 0
    last_used: date | None = None


class SkillUpdate(Strict):
    """Changes to a skill."""

    category: SkillCategory | None = None
    proficiency_level: Annotated[int, Field(ge=1, le=5)] | None = None
    years_of_experience: Years | None = None
    last_used: date | None = None


class SkillRead(ReadModel):
    """A skill of the user."""

    id: int
    name: str
    category: str
    proficiency_level: int
    years_of_experience: float
    endorsements: int
    last_used: date | None = None
    updated_at: datetime


class CertificationIn(Strict):
    """A certification."""

    name: Text255
    issuing_organization: Text255
    issue_date: date
    expiry_date: date | None = None
    credential_id: Text255 | None = None
    credential_url: Url | None = None

    @model_validator(mode="after")
    def _dates(self) -> CertificationIn:
        if self.expiry_date is not None and self.expiry_date < self.issue_date:
            raise ValueError("expiry_date is before issue_date")
        return self


class CertificationRead(ReadModel):
    """A certification with the hash that verifies it."""

    id: int
    name: str
    issuing_organization: str
    issue_date: date
    expiry_date: date | None = None
    credential_id: str | None = None
    credential_url: str | None = None
    credential_hash: str | None = None
    created_at: datetime


class ExperienceIn(Strict):
    """A job held."""

    company: Text255
    title: Text255
    start_date: date
    end_date: date | None = None
    is_current: bool = False
    description: LongText | None = None
    achievements: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=30)] = (
        Field(default_factory=list)
    )
    skills: Names = Field(default_factory=list)
    location: Text255 | None = None
    employment_type: Text50 | None = None

    @model_validator(mode="after")
    def _period(self) -> ExperienceIn:
        _check_period(self.start_date, self.end_date, self.is_current)
        return self


class ExperienceUpdate(Strict):
    """Changes to a job held (the dates are checked against the stored ones too)."""

    company: Text255 | None = None
    title: Text255 | None = None
    start_date: date | None = None
    end_date: date | None = None
    is_current: bool | None = None
    description: LongText | None = None
    achievements: (
        Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=30)] | None
    ) = None
    skills: Names | None = None
    location: Text255 | None = None
    employment_type: Text50 | None = None


class ExperienceRead(ReadModel):
    """A job held."""

    id: int
    company: str
    title: str
    start_date: date
    end_date: date | None = None
    is_current: bool
    description: str | None = None
    achievements: list[str] | None = None
    skills: list[str] | None = None
    location: str | None = None
    employment_type: str | None = None


class EducationIn(Strict):
    """A degree or course of study."""

    institution: Text255
    degree: Text100
    field_of_study: Text100 | None = None
    start_date: date
    end_date: date | None = None
    is_current: bool = False
    gpa: Annotated[float, Field(ge=0, le=4.0)] | None = None
    activities: Names | None = None
    description: LongText | None = None

    @model_validator(mode="after")
    def _period(self) -> EducationIn:
        _check_period(self.start_date, self.end_date, self.is_current)
        return self


class EducationUpdate(Strict):
    """Changes to an education entry."""

    institution: Text255 | None = None
    degree: Text100 | None = None
    field_of_study: Text100 | None = None
    start_date: date | None = None
    end_date: date | None = None
    is_current: bool | None = None
    gpa: Annotated[float, Field(ge=0, le=4.0)] | None = None
    activities: Names | None = None
    description: LongText | None = None


class EducationRead(ReadModel):
    """A degree or course of study."""

    id: int
    institution: str
    degree: str
    field_of_study: str | None = None
    start_date: date
    end_date: date | None = None
    is_current: bool
    gpa: float | None = None
    activities: list[str] | None = None
    description: str | None = None


class PortfolioIn(Strict):
    """A portfolio item."""

    title: Text255
    description: LongText | None = None
    url: Url | None = None
    project_type: Text50 | None = None
    technologies: Names | None = None
    start_date: date | None = None
    end_date: date | None = None
    images: Annotated[list[Url], Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _period(self) -> PortfolioIn:
        _check_period(self.start_date, self.end_date, False)
        return self


class PortfolioUpdate(Strict):
    """Changes to a portfolio item."""

    title: Text255 | None = None
    description: LongText | None = None
    url: Url | None = None
    project_type: Text50 | None = None
    technologies: Names | None = None
    start_date: date | None = None
    end_date: date | None = None
    images: Annotated[list[Url], Field(max_length=20)] | None = None


class PortfolioRead(ReadModel):
    """A portfolio item."""

    id: int
    title: str
    description: str | None = None
    url: str | None = None
    project_type: str | None = None
    technologies: list[str] | None = None
    start_date: date | None = None
    end_date: date | None = None
    images: list[str] | None = None


class ScoreHistoryEntry(ReadModel):
    """One recorded value of the skill score."""

    score: float
    trigger: str
    created_at: datetime


class SkillScoreRead(BaseModel):
    """The skill score, its breakdown (points per component) and its history (newest first)."""

    score: float
    breakdown: dict[str, float]
    weights: dict[str, float]
    history: list[ScoreHistoryEntry]


class SkillGapsRead(BaseModel):
    """The skills a job requires that the user lacks."""

    job_id: int
    required_skills: list[str]
    matching_skills: list[str]
    missing_skills: list[str]


# --- jobs -------------------------------------------------------------------------------


class JobIn(Strict):
    """A job listing."""

    source: Text50 = "skillnest"
    external_id: Text255
    title: Text255
    company: Text255
    location: Text255 | None = None
    remote_type: RemoteType = "onsite"
    employment_type: Text50 | None = None
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    description: Annotated[str, Field(max_length=50_000)] | None = None
    required_skills: Names = Field(default_factory=list)
    years_required: Annotated[int, Field(ge=0, le=50)] | None = None
    company_values: Names = Field(default_factory=list)
    experience_level: Text50 | None = None
    industry: Text100 | None = None
    apply_url: Url | None = None
    posted_at: datetime | None = None

    @model_validator(mode="after")
    def _salary_range(self) -> JobIn:
        if (
            self.salary_min is not None
            and self.salary_max is not None
            and self.salary_max < self.salary_min
        ):
            raise ValueError("salary_max is below salary_min")
        return self


class JobUpdate(Strict):
    """Changes to a job listing."""

    title: Text255 | None = None
    company: Text255 | None = None
    location: Text255 | None = None
    remote_type: RemoteType | None = None
    employment_type: Text50 | None = None
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    description: Annotated[str, Field(max_length=50_000)] | None = None
    required_skills: Names | None = None
    years_required: Annotated[int, Field(ge=0, le=50)] | None = None
    company_values: Names | None = None
    experience_level: Text50 | None = None
    industry: Text100 | None = None
    apply_url: Url | None = None
    posted_at: datetime | None = None


class JobSummary(ReadModel):
    """A job in a list."""

    id: int
    title: str
    company: str
    location: str | None = None
    remote_type: str
    employment_type: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    required_skills: list[str] | None = None
    posted_at: datetime | None = None


class JobRead(JobSummary):
    """A job listing in full."""

    source: str
    external_id: str
    description: str | None = None
    years_required: int | None = None
    company_values: list[str] | None = None
    experience_level: str | None = None
    industry: str | None = None
    apply_url: str | None = None
    created_at: datetime
    updated_at: datetime


class JobPage(BaseModel):
    """One page of job search results."""

    items: list[JobSummary]
    limit: int
    offset: int
    has_more: bool


class MatchRead(BaseModel):
    """A match score with its explanation."""

    job_id: int
    overall_score: float
    breakdown: dict[str, float]
    weights: dict[str, float]
    matching_skills: list[str]
    missing_skills: list[str]
    recommendations: list[str]


class Recommendation(BaseModel):
    """A recommended job and why."""

    job: JobSummary
    match: MatchRead


class RecommendationList(BaseModel):
    """Jobs ranked for the user."""

    items: list[Recommendation]


class SaveJobIn(Strict):
    """Saving a job, with an optional note."""

    notes: Annotated[str, Field(max_length=5000)] | None = None


class SavedJobRead(BaseModel):
    """A saved job."""

    job: JobSummary
    notes: str | None = None
    saved_at: datetime


class AlertCriteria(Strict):
    """What a job alert looks for (at least one criterion)."""

    keywords: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    location: Text255 | None = None
    remote_type: RemoteType | None = None
    employment_type: Text50 | None = None
    salary_min: Salary | None = None
    skills: Annotated[list[Text100], Field(max_length=20)] | None = None


class AlertIn(Strict):
    """A job alert."""

    name: Text255
    criteria: AlertCriteria
    frequency: Literal["instant", "daily", "weekly"] = "daily"
    active: bool = True


class AlertUpdate(Strict):
    """Changes to a job alert."""

    name: Text255 | None = None
    criteria: AlertCriteria | None = None
    frequency: Literal["instant", "daily", "weekly"] | None = None
    active: bool | None = None


class AlertRead(ReadModel):
    """A job alert."""

    id: int
    name: str
    criteria: dict[str, Any]
    frequency: str
    active: bool
    last_triggered: datetime | None = None
    created_at: datetime


# --- applications -----------------------------------------------------------------------


class ApplicationIn(Strict):
    """Start tracking an application (saved, or already applied)."""

    job_id: int
    status: Literal["SAVED", "APPLIED"] = "SAVED"
    application_method: Text50 | None = None
    resume_id: int | None = None
    cover_letter_id: int | None = None


class StatusChange(Strict):
    """Move an application to another status."""

    status: Status
    note: Annotated[str, Field(max_length=5000)] | None = None
    interview_date: datetime | None = None
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
    resume_id: int | None = None
    cover_letter_id: int | None = None
    last_updated: datetime
    created_at: datetime


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

    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ]
    note_type: Text50 = "general"


class NoteUpdate(Strict):
    """Changes to a note."""

    content: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
        | None
    ) = None
    note_type: Text50 | None = None


class NoteRead(ReadModel):
    """A note on an application."""

    id: int
    application_id: int
    content: str
    note_type: str
    created_at: datetime
    updated_at: datetime


# --- interview prep ---------------------------------------------------------------------


class InterviewPrepIn(Strict):
    """Start preparing for an application's interview."""

    interview_date: datetime | None = None


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


# --- notifications ----------------------------------------------------------------------


class NotificationRead(ReadModel):
    """A notification."""

    id: int
    type: str
    title: str
    message: str
    link: str | None = None
    read: bool
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_")
    created_at: datetime
    read_at: datetime | None = None


class UnreadCount(BaseModel):
    """How many notifications are unread."""

    unread: int


class Updated(BaseModel):
    """How many rows a bulk change touched."""

    updated: int


# --- documents --------------------------------------------------------------------------


class TemplateRead(ReadModel):
    """A document template."""

    id: int
    name: str
    document_type: str
    description: str | None = None
    category: str | None = None
    spec: dict[str, Any]
    body: str


class GenerateIn(Strict):
    """Generate a document from a template (for a job, optionally)."""

    template_id: int
    job_id: int | None = None
    title: Text255 | None = None


class DocumentContent(BaseModel):
    """The Markdown of a document and the HTML rendered from it."""

    markdown: str
    html: str


class DocumentSummary(ReadModel):
    """A generated document in a list."""

    id: int
    title: str
    document_type: str
    template_id: int | None = None
    job_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class DocumentRead(DocumentSummary):
    """A generated document with its current content."""

    content: DocumentContent
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_")


class DocumentEdit(Strict):
    """New content for a document; saved as a new version."""

    markdown: Annotated[str, Field(min_length=1, max_length=100_000)]
    title: Text255 | None = None
    changes: Annotated[str, Field(max_length=1000)] | None = None


class VersionSummary(ReadModel):
    """A version of a document."""

    version: int
    changes: str | None = None
    created_at: datetime


class VersionRead(VersionSummary):
    """A version of a document with its content."""

    content: DocumentContent


# --- credentials ------------------------------------------------------------------------


class CredentialVerification(BaseModel):
    """Whether a credential hash is known, whose public name it carries, when it was issued."""

    valid: bool
    holder_name: str | None = None
    issued_on: date | None = None
