"""Pydantic shapes of the catalog API."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from skillnest.catalog.models import EVENT_TYPES
from skillnest.catalog.ranking import DEFAULT_LIMIT, MAX_LIMIT
from skillnest.core.inputs import TRIM_VISIBLE, JsonObject, RefusesNull, visible_text

# The limits of every catalog input, stated once: the routes, ``SuggestIn`` and the suggest
# fast path (which validates with ``SuggestIn`` itself) all take them from here.
MAX_PACKAGE_NAME = 260
MAX_SKILL_REF = 255
MAX_PACKAGES = 1000
# In a query string, fewer: the HTTP server refuses a request line over 64 KiB (a plain-text
# 400 the API cannot shape), and 100 names at their longest stay well within it. The POST
# form takes the full MAX_PACKAGES.
MAX_QUERY_PACKAGES = 100
MAX_INTEGER = 2**31 - 1  # an INTEGER column (32-bit on PostgreSQL)
PackageName = Annotated[str, StringConstraints(max_length=MAX_PACKAGE_NAME)]
SkillRef = Annotated[str, StringConstraints(max_length=MAX_SKILL_REF)]
AgentName = Annotated[str, visible_text(50), TRIM_VISIBLE]
SuggestLimit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


def upskill_limit(value: Any) -> int:
    """The Upskill API's reading of ``limit``: a positive number (clamped here), else 10."""
    try:
        number = float(value) if isinstance(value, int | float | str) else 0.0
    except ValueError:
        number = 0.0
    if not math.isfinite(number) or number <= 0:
        return DEFAULT_LIMIT
    return max(1, min(int(number), MAX_LIMIT))


def _list_or_empty(value: Any) -> Any:
    """``null`` is an empty list, as the Upskill API reads it."""
    return [] if value is None else value


UPSKILL_LIMIT = (
    f"Suggestions wanted: a positive number, at most {MAX_LIMIT} returned; anything else "
    f"(missing, 0, negative, not a number) means {DEFAULT_LIMIT}."
)
#: ``limit`` as Upskill clients send it: any JSON value; not a positive number means 10.
UpskillLimit = Annotated[
    int,
    BeforeValidator(upskill_limit),
    WithJsonSchema({"description": UPSKILL_LIMIT, "examples": [10, 150]}),
]
# A name with a visible character; blank names are dropped, as the Upskill API drops them.
NON_BLANK = {"type": "string", "pattern": "\\S"}


def _needs_a_name(schema: dict[str, Any]) -> None:
    """In the schema: at least one of the lists names something (else the answer is 400)."""
    schema["anyOf"] = [
        {"required": [name], "properties": {name: {"type": "array", "contains": NON_BLANK}}}
        for name in ("packages", "installed_skills")
    ]


class SuggestIn(BaseModel):
    """Body of ``POST /skills/suggest`` (the Upskill API's fields; at least one list non-empty)."""

    model_config = ConfigDict(json_schema_extra=_needs_a_name)

    packages: Annotated[
        Annotated[list[PackageName], Field(max_length=MAX_PACKAGES)] | None,
        BeforeValidator(_list_or_empty),
        Field(examples=[["react", "next"]]),
    ] = Field(default_factory=list)
    installed_skills: Annotated[
        Annotated[list[SkillRef], Field(max_length=MAX_PACKAGES)] | None,
        BeforeValidator(_list_or_empty),
        Field(examples=[["vercel-labs/agent-skills/react-best-practices"]]),
    ] = Field(default_factory=list)
    limit: UpskillLimit = DEFAULT_LIMIT


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
    """Body of ``POST /analytics/track``; unknown skill and package ids are a 400."""

    event_type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    skill_id: SkillRef | None = None
    package_id: PackageName | None = None
    metadata: JsonObject | None = None


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


class SkillUpdate(RefusesNull):
    """Admin changes to a skill (PATCH semantics)."""

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[frozenset[str]] = frozenset({"title", "installs", "is_active"})

    title: Annotated[str, visible_text(500), TRIM_VISIBLE] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    installs: Annotated[int, Field(ge=0, le=MAX_INTEGER)] | None = None
    is_active: bool | None = None
    source_url: Annotated[str, Field(max_length=500)] | None = None


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
