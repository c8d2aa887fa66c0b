"""Web pages of the career profile: its fields, every list section, the skill score and chart.

Each section (goals, skills, certifications, experience, education, portfolio) is one
``SectionPage``: its inputs come from the section's create and update schemas, and one
template and one pair of routes add, edit and delete its entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from skillnest.careers.profile import schemas, score
from skillnest.careers.profile import service as profile
from skillnest.core.deps import CacheDep, SessionDep, SettingsDep
from skillnest.core.errors import DomainError, NotFound
from skillnest.web.forms import FormInvalid, parse
from skillnest.web.inputs import Input, inputs_of, values_of
from skillnest.web.security import SignedIn
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Slug = Annotated[str, Path(max_length=30)]
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 200, 24
LABELS = {
    "gpa": "GPA (0 to 4)",
    "url": "Link (URL)",
    "credential_url": "Credential link (URL)",
    "credential_id": "Credential ID",
    "proficiency_level": "Proficiency (1 to 5)",
    "years_of_experience": "Years",
    "is_current": "I am here now",
    "target_salary": "Target salary (a year)",
    "salary_expectation_min": "Salary expected, from (a year)",
    "salary_expectation_max": "Salary expected, up to (a year)",
    "remote_preference": "Remote work",
}


def _period(entry: Any) -> str:
    start = entry.start_date.strftime("%b %Y") if entry.start_date else ""
    end = "now" if getattr(entry, "is_current", False) else ""
    if entry.end_date:
        end = entry.end_date.strftime("%b %Y")
    return f"{start} – {end}" if start and end else start


def _facts(*values: Any) -> list[str]:
    return [str(v) for v in values if v not in (None, "", [])]


@dataclass(frozen=True)
class SectionPage:
    """A profile section as a page shows it: its title, its inputs, how an entry reads."""

    slug: str
    title: str
    noun: str
    section: profile.Section[Any]
    create: type[BaseModel]
    update: type[BaseModel]
    heading: Callable[[Any], str]
    facts: Callable[[Any], list[str]]
    link: str | None = None  # the entry's field holding a web address shown as a link
    compact: bool = False  # edited in place on one line rather than behind "Edit"
    skip: tuple[str, ...] = ()

    @property
    def add_inputs(self) -> tuple[Input, ...]:
        """The inputs of a new entry."""
        labels = {**LABELS, "name": f"{self.noun.capitalize()} name"}
        return inputs_of(self.create, labels, self.skip)

    @property
    def edit_inputs(self) -> tuple[Input, ...]:
        """The inputs of an existing entry (the fields its update schema lets change)."""
        return tuple(i for i in self.add_inputs if i.name in self.update.model_fields)


SECTIONS = {
    page.slug: page
    for page in (
        SectionPage(
            "goals",
            "Career goals",
            "goal",
            profile.GOALS,
            schemas.GoalIn,
            schemas.GoalUpdate,
            heading=lambda e: e.target_role,
            facts=lambda e: _facts(
                e.timeframe,
                e.target_salary and f"{e.target_salary:,} a year",
                e.target_companies and "at " + ", ".join(e.target_companies),
                e.skill_gaps and "skills to learn: " + ", ".join(e.skill_gaps),
                e.skill_gaps == [] and e.required_skills and "no skill gaps left",
            ),
        ),
        SectionPage(
            "skills",
            "Skills",
            "skill",
            profile.SKILLS,
            schemas.SkillIn,
            schemas.SkillUpdate,
            heading=lambda e: e.name,
            facts=lambda e: _facts(e.category.capitalize(), e.last_used),
            compact=True,
            skip=("last_used",),
        ),
        SectionPage(
            "certifications",
            "Certifications",
            "certification",
            profile.CERTIFICATIONS,
            schemas.CertificationIn,
            schemas.CertificationIn,
            heading=lambda e: e.name,
            facts=lambda e: _facts(
                e.issuing_organization,
                f"issued {e.issue_date}",
                e.expiry_date and f"expires {e.expiry_date}",
                e.credential_hash and f"verification hash {e.credential_hash[:16]}…",
            ),
            link="credential_url",
        ),
        SectionPage(
            "experience",
            "Experience",
            "position",
            profile.EXPERIENCE,
            schemas.ExperienceIn,
            schemas.ExperienceUpdate,
            heading=lambda e: f"{e.title}, {e.company}",
            facts=lambda e: _facts(_period(e), e.location, e.employment_type),
        ),
        SectionPage(
            "education",
            "Education",
            "degree",
            profile.EDUCATION,
            schemas.EducationIn,
            schemas.EducationUpdate,
            heading=lambda e: f"{e.degree}, {e.institution}",
            facts=lambda e: _facts(e.field_of_study, _period(e), e.gpa and f"GPA {e.gpa}"),
        ),
        SectionPage(
            "portfolio",
            "Portfolio",
            "project",
            profile.PORTFOLIO,
            schemas.PortfolioIn,
            schemas.PortfolioUpdate,
            heading=lambda e: e.title,
            facts=lambda e: _facts(
                e.project_type, e.technologies and ", ".join(e.technologies), _period(e)
            ),
            link="url",
            skip=("images",),
        ),
    )
}
ABOUT = inputs_of(
    schemas.CareerProfileUpdate,
    {**LABELS, "years_of_experience": "Years of experience"},
    ("preferences",),
)


def web_link(value: str | None) -> str | None:
    """A stored address as a link only if it is a web address (never javascript: or data:)."""
    return value if value and value.lower().startswith(("https://", "http://")) else None


def chart_points(history: list[dict[str, Any]]) -> list[tuple[float, float, float, str]]:
    """The score history (oldest first) as SVG coordinates on a 0-100 scale."""
    values = list(reversed(history))
    if not values:
        return []
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(values) - 1, 1)
    span = CHART_HEIGHT - 2 * CHART_PAD
    return [
        (
            round(CHART_PAD + index * step, 1),
            round(CHART_HEIGHT - CHART_PAD - span * float(entry["score"]) / 100, 1),
            float(entry["score"]),
            str(entry["created_at"])[:16].replace("T", " "),
        )
        for index, entry in enumerate(values)
    ]


async def _profile_page(
    request: Request,
    viewer: Any,
    session: Any,
    cache: Any,
    *,
    errors: dict[str, list[str]] | None = None,
    drafts: dict[str, Any] | None = None,
) -> Response:
    career = await profile.get_profile(session=session, user_id=viewer.id)
    entries = {
        slug: await profile.all_entries(session=session, user_id=viewer.id, section=page.section)
        for slug, page in SECTIONS.items()
    }
    document = json.loads(
        await score.skill_score_document(session=session, cache=cache, user_id=viewer.id)
    )
    context = {
        "career": career,
        "about": ABOUT,
        "sections": SECTIONS.values(),
        "entries": entries,
        "score": document,
        "points": chart_points(document.get("history", [])),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT, "pad": CHART_PAD},
        "errors": errors or {},
        "drafts": drafts or {},
        "web_link": web_link,
    }
    return render(request, "careers/profile.html", context, status_code=422 if errors else 200)


@router.get("/careers/profile", response_class=HTMLResponse)
async def read_profile(
    request: Request, viewer: SignedIn, session: SessionDep, cache: CacheDep
) -> Response:
    """The career profile, every section and the skill score with its history."""
    return await _profile_page(request, viewer, session, cache)


@router.post("/careers/profile", response_class=HTMLResponse)
async def update_profile(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Save the profile's own fields (headline, summary, wishes)."""
    form = await request.form()
    labels = {i.name: i.label for i in ABOUT}
    try:
        data = parse(schemas.CareerProfileUpdate, values_of(ABOUT, form, partial=True), labels)
        await profile.update_profile(
            session=session, cache=cache, settings=settings, user_id=viewer.id, data=data
        )
    except (FormInvalid, DomainError) as exc:
        return await _profile_page(
            request, viewer, session, cache, errors={"about": _messages(exc)}
        )
    return RedirectResponse("/careers/profile?saved=about#about", status_code=303)


def _messages(exc: DomainError) -> list[str]:
    return exc.messages if isinstance(exc, FormInvalid) else [exc.detail or exc.title]


def _section(slug: str) -> SectionPage:
    page = SECTIONS.get(slug)
    if page is None:
        raise NotFound("No such profile section.")
    return page


@router.post("/careers/profile/{slug}", response_class=HTMLResponse)
async def add_entry(
    request: Request,
    slug: Slug,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Add an entry to a section; the score follows."""
    page = _section(slug)
    form = await request.form()
    inputs = page.add_inputs
    try:
        data = parse(
            page.create, values_of(inputs, form, partial=False), {i.name: i.label for i in inputs}
        )
        await profile.add_entry(
            session=session,
            cache=cache,
            settings=settings,
            user_id=viewer.id,
            section=page.section,
            data=data,
        )
    except (FormInvalid, DomainError) as exc:
        draft = {i.name: form.get(i.name) for i in inputs}
        return await _profile_page(
            request, viewer, session, cache, errors={slug: _messages(exc)}, drafts={slug: draft}
        )
    return RedirectResponse(f"/careers/profile?saved={slug}#{slug}", status_code=303)


@router.post("/careers/profile/{slug}/{entry_id}", response_class=HTMLResponse)
async def edit_entry(
    request: Request,
    slug: Slug,
    entry_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Save the changes to an entry, or delete it (the button pressed says which)."""
    page = _section(slug)
    form = await request.form()
    common: dict[str, Any] = {
        "session": session,
        "cache": cache,
        "settings": settings,
        "user_id": viewer.id,
        "section": page.section,
        "entry_id": entry_id,
    }
    if form.get("action") == "delete":
        await profile.delete_entry(**common)
        return RedirectResponse(f"/careers/profile?saved=deleted#{slug}", status_code=303)
    inputs = page.edit_inputs
    try:
        data = parse(
            page.update, values_of(inputs, form, partial=True), {i.name: i.label for i in inputs}
        )
        await profile.update_entry(**common, data=data)
    except (FormInvalid, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        return await _profile_page(request, viewer, session, cache, errors={slug: _messages(exc)})
    return RedirectResponse(f"/careers/profile?saved={slug}#{slug}", status_code=303)
