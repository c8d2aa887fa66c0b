"""Shapes of the career profile API: profile, sections, skill score, gaps, credentials."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from skillnest.careers.fields import (
    JSONObject,
    LongText,
    Names,
    Patch,
    ReadModel,
    RemotePreference,
    Salary,
    Strict,
    StrList,
    Text50,
    Text100,
    Text255,
    Url,
    Years,
    check_period,
)
from skillnest.core.inputs import Day, JsonObject

SkillCategory = Literal["technical", "soft", "domain"]


class CareerProfileUpdate(Patch):
    """Career profile fields (only the fields sent change)."""

    not_null: ClassVar[frozenset[str]] = frozenset({"remote_preference"})

    headline: Text255 | None = None
    summary: LongText | None = None
    years_of_experience: Years | None = None
    desired_roles: Names | None = None
    desired_locations: Names | None = None
    remote_preference: RemotePreference | None = None
    salary_expectation_min: Salary | None = None
    salary_expectation_max: Salary | None = None
    culture_values: Names | None = None
    preferences: JsonObject | None = None

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


class GoalUpdate(Patch):
    """Changes to a career goal."""

    not_null: ClassVar[frozenset[str]] = frozenset({"target_role"})

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
    last_used: Day | None = None


class SkillUpdate(Patch):
    """Changes to a skill."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {"category", "proficiency_level", "years_of_experience"}
    )

    category: SkillCategory | None = None
    proficiency_level: Annotated[int, Field(ge=1, le=5)] | None = None
    years_of_experience: Years | None = None
    last_used: Day | None = None


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
    issue_date: Day
    expiry_date: Day | None = None
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
    start_date: Day
    end_date: Day | None = None
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
        check_period(self.start_date, self.end_date, self.is_current)
        return self


class ExperienceUpdate(Patch):
    """Changes to a job held (the dates are checked against the stored ones too)."""

    not_null: ClassVar[frozenset[str]] = frozenset({"company", "title", "start_date", "is_current"})

    company: Text255 | None = None
    title: Text255 | None = None
    start_date: Day | None = None
    end_date: Day | None = None
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
    start_date: Day
    end_date: Day | None = None
    is_current: bool = False
    gpa: Annotated[float, Field(ge=0, le=4.0)] | None = None
    activities: Names | None = None
    description: LongText | None = None

    @model_validator(mode="after")
    def _period(self) -> EducationIn:
        check_period(self.start_date, self.end_date, self.is_current)
        return self


class EducationUpdate(Patch):
    """Changes to an education entry."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {"institution", "degree", "start_date", "is_current"}
    )

    institution: Text255 | None = None
    degree: Text100 | None = None
    field_of_study: Text100 | None = None
    start_date: Day | None = None
    end_date: Day | None = None
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
    start_date: Day | None = None
    end_date: Day | None = None
    images: Annotated[list[Url], Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _period(self) -> PortfolioIn:
        check_period(self.start_date, self.end_date, False)
        return self


class PortfolioUpdate(Patch):
    """Changes to a portfolio item."""

    not_null: ClassVar[frozenset[str]] = frozenset({"title"})

    title: Text255 | None = None
    description: LongText | None = None
    url: Url | None = None
    project_type: Text50 | None = None
    technologies: Names | None = None
    start_date: Day | None = None
    end_date: Day | None = None
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


class CredentialVerification(BaseModel):
    """Whether a credential hash is known, whose public name it carries, when it was issued."""

    valid: bool
    holder_name: str | None = None
    issued_on: date | None = None
