"""Pydantic shapes of the catalog API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from skillnest.catalog.ranking import DEFAULT_LIMIT, MAX_LIMIT

# The limits of every catalog input, stated once: the routes, ``SuggestIn`` and the suggest
# fast path (which validates with ``SuggestIn`` itself) all take them from here.
MAX_PACKAGE_NAME = 260
MAX_SKILL_REF = 255
MAX_PACKAGES = 1000
MAX_INTEGER = 2**31 - 1  # an INTEGER column (32-bit on PostgreSQL)
PackageName = Annotated[str, StringConstraints(max_length=MAX_PACKAGE_NAME)]
SkillRef = Annotated[str, StringConstraints(max_length=MAX_SKILL_REF)]
AgentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
SuggestLimit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


class SuggestIn(BaseModel):
    """Body of ``POST /skills/suggest`` (the Upskill API's fields)."""

    packages: Annotated[list[PackageName], Field(max_length=MAX_PACKAGES)] = Field(
        default_factory=list
    )
    installed_skills: Annotated[list[SkillRef], Field(max_length=MAX_PACKAGES)] = Field(
        default_factory=list
    )
    limit: SuggestLimit = DEFAULT_LIMIT


class SuggestedSkill(BaseModel):
    """One suggestion; ``packages`` are the packages that matched."""

    id: str | None
    name: str
    title: str
    description: str | None
    repo: str
    installs: int
    packages: list[str]
    match_type: Literal["package_json", "installed_skill"]
    confidence: float


class SuggestOut(BaseModel):
    """Ranked suggestions (Upskill-compatible)."""

    skills: list[SuggestedSkill]
    total: int
    matched_packages: list[str]
    matched_installed_skills: list[str]


class BulkSuggestIn(BaseModel):
    """Body of ``POST /skills/bulk-suggest``."""

    packages: Annotated[list[PackageName], Field(min_length=1, max_length=200)]


class PackageOut(BaseModel):
    """A package."""

    id: str
    name: str
    ecosystem: str
    description: str | None
    npm_url: str | None


class PackageSkill(BaseModel):
    """A skill mapped to a package, with the mapping."""

    id: str
    skill_id: str
    title: str
    description: str | None
    repo: str
    installs: int
    confidence_score: float
    mapping_source: str


class PackageSkillsOut(BaseModel):
    """Every active skill mapped to one package."""

    package: PackageOut
    skills: list[PackageSkill]
    total: int


class PackageGroup(BaseModel):
    """The skills of one requested package."""

    package: str
    ecosystem: str
    skills: list[PackageSkill]


class BulkSuggestOut(BaseModel):
    """Skills grouped by the packages that matched, and the names that matched nothing."""

    packages: list[PackageGroup]
    unmatched: list[str]


class SkillPackage(BaseModel):
    """A package of a skill, with the mapping."""

    id: str
    name: str
    ecosystem: str
    confidence_score: float
    mapping_source: str


class TagOut(BaseModel):
    """A tag."""

    id: str
    name: str
    category: str | None


class VersionOut(BaseModel):
    """A version (or source commit) of a skill."""

    version: str
    changelog: str | None
    created_at: datetime


class SkillDetail(BaseModel):
    """A skill with its packages, tags and versions."""

    id: str
    skill_id: str
    title: str
    description: str | None
    repo: str
    installs: int
    source_url: str | None
    path: str | None
    license: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    packages: list[SkillPackage]
    tags: list[TagOut]
    versions: list[VersionOut]


class SkillSummary(BaseModel):
    """A skill in a list."""

    id: str
    skill_id: str
    title: str
    description: str | None
    repo: str
    installs: int
    source_url: str | None
    created_at: datetime
    tags: list[str]
    relevance: float | None = None


class SkillState(BaseModel):
    """A skill after an admin change."""

    id: str
    skill_id: str
    is_active: bool


class TrackIn(BaseModel):
    """Body of ``POST /analytics/track``; unknown event types and ids are a 400."""

    event_type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
    skill_id: SkillRef | None = None
    package_id: PackageName | None = None
    metadata: dict[str, Any] | None = None


class TrackOut(BaseModel):
    """The recorded event."""

    id: str
    event_type: str
    skill_id: str | None
    package_id: str | None
    created_at: datetime


class RelatedSkill(BaseModel):
    """A skill installed by users who installed the given one."""

    id: str
    skill_id: str
    title: str
    description: str | None
    repo: str
    installs: int
    co_installs: int


class PreferenceIn(BaseModel):
    """A user's override for one skill."""

    model_config = ConfigDict(extra="forbid")

    is_enabled: bool = True
    preferred_agents: Annotated[list[AgentName], Field(max_length=20)] = Field(default_factory=list)
    preferred_scope: Literal["project", "global"] = "project"


class PreferenceOut(PreferenceIn):
    """The stored (or default) preference."""

    model_config = ConfigDict(extra="ignore")

    skill_id: str
    updated_at: datetime | None = None


class SkillUpdate(BaseModel):
    """Admin changes to a skill (PATCH semantics)."""

    model_config = ConfigDict(extra="forbid")

    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    installs: Annotated[int, Field(ge=0, le=MAX_INTEGER)] | None = None
    is_active: bool | None = None
    source_url: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("title", "installs", "is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Sent as null for a column that cannot be null: refused here, not by the database.
        if value is None:
            raise ValueError("cannot be null")
        return value


class MappingIn(BaseModel):
    """Admin mapping of a skill to a package."""

    model_config = ConfigDict(extra="forbid")

    ecosystem: Literal["npm", "pypi"] = "npm"
    confidence_score: Annotated[float, Field(ge=0, le=1)] = 1.0
    mapping_source: Literal["manual", "inferred", "ml"] = "manual"


class MappingOut(BaseModel):
    """A stored mapping."""

    skill_id: str
    package: str
    ecosystem: str
    confidence_score: float
    mapping_source: str


class SnapshotSkill(BaseModel):
    """A skill in the offline snapshot: ``packages`` are [name, ecosystem, confidence]."""

    id: str | None
    skill_id: str
    title: str
    description: str | None
    repo: str
    installs: int
    packages: list[tuple[str, str, float]]


class SnapshotOut(BaseModel):
    """The catalog as the offline ``skillnest suggest`` needs it."""

    format: str
    version: int
    generated_at: datetime
    source: str
    skills: list[SnapshotSkill]
