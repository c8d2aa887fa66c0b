"""Shapes of the jobs API: listings, matches, recommendations, saved jobs, alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skillnest.careers.fields import (
    Names,
    Patch,
    ReadModel,
    RemoteType,
    Salary,
    Strict,
    Text50,
    Text100,
    Text255,
    Url,
)
from skillnest.core.inputs import TRIM, Moment, not_null_schema


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
    posted_at: Moment | None = None

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
    posted_at: Moment | None = None


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
    posted_at: Moment | None = None


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


class SaveJobIn(Strict):
    """Saving a job, with an optional note."""

    notes: Annotated[str, Field(max_length=5000)] | None = None


class SavedJobRead(BaseModel):
    """A saved job."""

    job: JobSummary
    notes: str | None = None
    saved_at: datetime


def _criteria_schema(schema: dict[str, Any], model: type) -> None:
    not_null_schema(schema, model)
    schema["minProperties"] = 1  # at least one criterion


class AlertCriteria(Patch):
    """What a job alert looks for: at least one criterion, none of them null."""

    model_config = ConfigDict(json_schema_extra=_criteria_schema)
    not_null: ClassVar[frozenset[str]] = frozenset(
        {"keywords", "location", "remote_type", "employment_type", "salary_min", "skills"}
    )

    keywords: Annotated[str, Field(max_length=200), TRIM] | None = None
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


class RelatedSkill(BaseModel):
    """A missing skill and a similar one the user lists ("React" and "React Native")."""

    required: str
    have: str


class SkillGapsRead(BaseModel):
    """The skills a job requires that the user lacks."""

    job_id: int
    required_skills: list[str]
    matching_skills: list[str]
    missing_skills: list[str] = Field(
        description="Required skills the user lists neither by name nor by an alias "
        "(the skill vocabulary: `js` counts for `JavaScript`)."
    )
    related_skills: list[RelatedSkill] = Field(
        default_factory=list,
        description="Missing skills with a similar skill on the profile (trigram similarity, "
        "as exchange matches relate skills); they stay missing.",
    )
