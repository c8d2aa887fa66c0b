"""HTTP routes of the career profile: its fields, its sections, the skill score, credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from skillnest.accounts.deps import CurrentUser
from skillnest.careers.profile import schemas, score, service
from skillnest.core.deps import CacheDep, ClientAddress, LimiterDep, SessionDep, SettingsDep
from skillnest.core.pages import Limit, Offset, Page, PathId
from skillnest.core.responses import JSONBytes

router = APIRouter(tags=["careers"])

NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED


@router.get("/me/career/profile", response_model=schemas.CareerProfileRead)
async def read_career_profile(user: CurrentUser, session: SessionDep) -> schemas.CareerProfileRead:
    """The signed-in user's career profile (created empty on first use)."""
    return await service.get_profile(session=session, user_id=user.id)


@router.patch("/me/career/profile", response_model=schemas.CareerProfileRead)
async def update_career_profile(
    data: schemas.CareerProfileUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.CareerProfileRead:
    """Change career profile fields; the skill score and match scores follow."""
    return await service.update_profile(
        session=session, cache=cache, settings=settings, user_id=user.id, data=data
    )


@router.get("/me/skill-score", response_model=schemas.SkillScoreRead, response_class=JSONBytes)
async def read_skill_score(user: CurrentUser, session: SessionDep, cache: CacheDep) -> JSONBytes:
    """The skill score (0-100), its breakdown by component and its history."""
    return JSONBytes(
        await score.skill_score_document(session=session, cache=cache, user_id=user.id)
    )


@router.get("/credentials/verify/{credential_hash}", response_model=schemas.CredentialVerification)
async def verify_credential(
    credential_hash: Annotated[str, Path(pattern="^[0-9a-fA-F]{64}$")],
    session: SessionDep,
    limiter: LimiterDep,
    address: ClientAddress,
) -> schemas.CredentialVerification:
    """Public: whether a credential exists, the holder's public name and the issue date."""
    return await service.verify_credential(
        session=session, limiter=limiter, client_address=address, credential_hash=credential_hash
    )


# --- goals ---


@router.get("/me/career/goals", response_model=Page[schemas.GoalRead])
async def list_career_goals(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.GoalRead]:
    """The signed-in user's career goals, one page."""
    return await service.list_entries(
        session=session, user_id=user.id, section=service.GOALS, limit=limit, offset=offset
    )


@router.post("/me/career/goals", response_model=schemas.GoalRead, status_code=CREATED)
async def create_career_goal(
    data: schemas.GoalIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.GoalRead:
    """Add a career goal."""
    return await service.add_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.GOALS,
        data=data,
    )


@router.patch("/me/career/goals/{entry_id}", response_model=schemas.GoalRead)
async def update_career_goal(
    entry_id: PathId,
    data: schemas.GoalUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.GoalRead:
    """Change a career goal."""
    return await service.update_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.GOALS,
        entry_id=entry_id,
        data=data,
    )


@router.delete("/me/career/goals/{entry_id}", status_code=NO_CONTENT)
async def delete_career_goal(
    entry_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Delete a career goal."""
    await service.delete_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.GOALS,
        entry_id=entry_id,
    )
    return Response(status_code=NO_CONTENT)


# --- skills ---


@router.get("/me/career/skills", response_model=Page[schemas.SkillRead])
async def list_skills(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.SkillRead]:
    """The signed-in user's skills, one page."""
    return await service.list_entries(
        session=session, user_id=user.id, section=service.SKILLS, limit=limit, offset=offset
    )


@router.post("/me/career/skills", response_model=schemas.SkillRead, status_code=CREATED)
async def create_skill(
    data: schemas.SkillIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.SkillRead:
    """Add a skill."""
    return await service.add_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.SKILLS,
        data=data,
    )


@router.patch("/me/career/skills/{entry_id}", response_model=schemas.SkillRead)
async def update_skill(
    entry_id: PathId,
    data: schemas.SkillUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.SkillRead:
    """Change a skill."""
    return await service.update_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.SKILLS,
        entry_id=entry_id,
        data=data,
    )


@router.delete("/me/career/skills/{entry_id}", status_code=NO_CONTENT)
async def delete_skill(
    entry_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Delete a skill."""
    await service.delete_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.SKILLS,
        entry_id=entry_id,
    )
    return Response(status_code=NO_CONTENT)


# --- certifications ---


@router.get("/me/career/certifications", response_model=Page[schemas.CertificationRead])
async def list_certifications(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.CertificationRead]:
    """The signed-in user's certifications, one page."""
    return await service.list_entries(
        session=session, user_id=user.id, section=service.CERTIFICATIONS, limit=limit, offset=offset
    )


@router.post(
    "/me/career/certifications", response_model=schemas.CertificationRead, status_code=CREATED
)
async def create_certification(
    data: schemas.CertificationIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.CertificationRead:
    """Add a certification."""
    return await service.add_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.CERTIFICATIONS,
        data=data,
    )


@router.patch("/me/career/certifications/{entry_id}", response_model=schemas.CertificationRead)
async def update_certification(
    entry_id: PathId,
    data: schemas.CertificationIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.CertificationRead:
    """Change a certification."""
    return await service.update_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.CERTIFICATIONS,
        entry_id=entry_id,
        data=data,
    )


@router.delete("/me/career/certifications/{entry_id}", status_code=NO_CONTENT)
async def delete_certification(
    entry_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Delete a certification."""
    await service.delete_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.CERTIFICATIONS,
        entry_id=entry_id,
    )
    return Response(status_code=NO_CONTENT)


# --- experience ---


@router.get("/me/career/experience", response_model=Page[schemas.ExperienceRead])
async def list_experiences(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.ExperienceRead]:
    """The signed-in user's experiences, one page."""
    return await service.list_entries(
        session=session, user_id=user.id, section=service.EXPERIENCE, limit=limit, offset=offset
    )


@router.post("/me/career/experience", response_model=schemas.ExperienceRead, status_code=CREATED)
async def create_experience(
    data: schemas.ExperienceIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.ExperienceRead:
    """Add a experience."""
    return await service.add_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.EXPERIENCE,
        data=data,
    )


@router.patch("/me/career/experience/{entry_id}", response_model=schemas.ExperienceRead)
async def update_experience(
    entry_id: PathId,
    data: schemas.ExperienceUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.ExperienceRead:
    """Change a experience."""
    return await service.update_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.EXPERIENCE,
        entry_id=entry_id,
        data=data,
    )


@router.delete("/me/career/experience/{entry_id}", status_code=NO_CONTENT)
async def delete_experience(
    entry_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Delete a experience."""
    await service.delete_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.EXPERIENCE,
        entry_id=entry_id,
    )
    return Response(status_code=NO_CONTENT)


# --- education ---


@router.get("/me/career/education", response_model=Page[schemas.EducationRead])
async def list_educations(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.EducationRead]:
    """The signed-in user's educations, one page."""
    return await service.list_entries(
        session=session, user_id=user.id, section=service.EDUCATION, limit=limit, offset=offset
    )


@router.post("/me/career/education", response_model=schemas.EducationRead, status_code=CREATED)
async def create_education(
    data: schemas.EducationIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.EducationRead:
    """Add a education."""
    return await service.add_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.EDUCATION,
        data=data,
    )


@router.patch("/me/career/education/{entry_id}", response_model=schemas.EducationRead)
async def update_education(
    entry_id: PathId,
    data: schemas.EducationUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.EducationRead:
    """Change a education."""
    return await service.update_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.EDUCATION,
        entry_id=entry_id,
        data=data,
    )


@router.delete("/me/career/education/{entry_id}", status_code=NO_CONTENT)
async def delete_education(
    entry_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Delete a education."""
    await service.delete_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.EDUCATION,
        entry_id=entry_id,
    )
    return Response(status_code=NO_CONTENT)


# --- portfolio ---


@router.get("/me/career/portfolio", response_model=Page[schemas.PortfolioRead])
async def list_portfolio_items(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.PortfolioRead]:
    """The signed-in user's portfolio items, one page."""
    return await service.list_entries(
        session=session, user_id=user.id, section=service.PORTFOLIO, limit=limit, offset=offset
    )


@router.post("/me/career/portfolio", response_model=schemas.PortfolioRead, status_code=CREATED)
async def create_portfolio_item(
    data: schemas.PortfolioIn,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.PortfolioRead:
    """Add a portfolio item."""
    return await service.add_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.PORTFOLIO,
        data=data,
    )


@router.patch("/me/career/portfolio/{entry_id}", response_model=schemas.PortfolioRead)
async def update_portfolio_item(
    entry_id: PathId,
    data: schemas.PortfolioUpdate,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> schemas.PortfolioRead:
    """Change a portfolio item."""
    return await service.update_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.PORTFOLIO,
        entry_id=entry_id,
        data=data,
    )


@router.delete("/me/career/portfolio/{entry_id}", status_code=NO_CONTENT)
async def delete_portfolio_item(
    entry_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    """Delete a portfolio item."""
    await service.delete_entry(
        session=session,
        cache=cache,
        settings=settings,
        user_id=user.id,
        section=service.PORTFOLIO,
        entry_id=entry_id,
    )
    return Response(status_code=NO_CONTENT)
