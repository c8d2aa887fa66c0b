"""The caller's MetaGauge onboarding, preferences and per-user documents (metrics...)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import UserOnboarding, UserPreferences
from skillnest.core.errors import NotFound
from skillnest.core.pages import Page, page_of
from skillnest.gauge import schemas
from skillnest.gauge.models import Contract, UserDocument
from skillnest.gauge.service.accounts import Caller


def _onboarding(row: UserOnboarding | None) -> schemas.OnboardingRead:
    if row is None:
        return schemas.OnboardingRead(
            completed=False,
            current_step=None,
            social_links=None,
            logo=None,
            default_contract=None,
            extra=None,
            updated_at=None,
        )
    return schemas.OnboardingRead.model_validate(row, from_attributes=True)


async def get_onboarding(*, session: AsyncSession, caller: Caller) -> schemas.OnboardingRead:
    """The caller's onboarding, or the defaults when none was stored."""
    row = await session.scalar(
        select(UserOnboarding).where(UserOnboarding.user_id == caller.user_id)
    )
    return _onboarding(row)


async def update_onboarding(
    *, session: AsyncSession, caller: Caller, data: schemas.OnboardingUpdate
) -> schemas.OnboardingRead:
    """Change the fields sent (social links sent are merged into the stored ones)."""
    row = await session.scalar(
        select(UserOnboarding).where(UserOnboarding.user_id == caller.user_id).with_for_update()
    )
    if row is None:
        row = UserOnboarding(user_id=caller.user_id, completed=False)
        session.add(row)
    changes = data.model_dump(exclude_unset=True)
    if "social_links" in changes:
        # A new dict: the ORM sees an assignment, not an in-place change it would miss.
        changes["social_links"] = {**(row.social_links or {}), **changes["social_links"]}
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()
    await session.refresh(row)
    return _onboarding(row)


def _preferences(row: UserPreferences | None) -> schemas.PreferencesRead:
    if row is None:
        return schemas.PreferencesRead(
            email_notifications=True,
            analysis_notifications=True,
            default_chain="ethereum",
            extra=None,
            updated_at=None,
        )
    return schemas.PreferencesRead.model_validate(row, from_attributes=True)


async def get_preferences(*, session: AsyncSession, caller: Caller) -> schemas.PreferencesRead:
    """The caller's preferences, or the defaults when none were stored."""
    row = await session.scalar(
        select(UserPreferences).where(UserPreferences.user_id == caller.user_id)
    )
    return _preferences(row)


async def update_preferences(
    *, session: AsyncSession, caller: Caller, data: schemas.PreferencesUpdate
) -> schemas.PreferencesRead:
    """Change the preferences sent."""
    row = await session.scalar(
        select(UserPreferences).where(UserPreferences.user_id == caller.user_id).with_for_update()
    )
    if row is None:
        row = UserPreferences(user_id=caller.user_id)
        session.add(row)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(row, name, value)
    await session.flush()
    await session.refresh(row)
    return _preferences(row)


_DOCUMENT_COLUMNS = (
    UserDocument.id,
    UserDocument.kind,
    UserDocument.doc_key.label("key"),
    UserDocument.contract_id,
    UserDocument.data,
    UserDocument.created_at,
)


async def list_documents(
    *,
    session: AsyncSession,
    caller: Caller,
    kind: str | None = None,
    contract_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.DocumentRead]:
    """The caller's documents by kind and key (history snapshots newest first)."""
    query = select(*_DOCUMENT_COLUMNS).where(UserDocument.user_id == caller.user_id)
    if kind is not None:
        query = query.where(UserDocument.kind == kind)
    if contract_id is not None:
        await owned_contract(session, caller, contract_id)
        query = query.where(UserDocument.contract_id == contract_id)
    query = query.order_by(UserDocument.kind, UserDocument.doc_key.desc(), UserDocument.id)
    rows = (await session.execute(query.limit(limit + 1).offset(offset))).mappings()
    items = [schemas.DocumentRead.model_validate(dict(r)) for r in rows]
    return page_of(items, limit=limit, offset=offset)


async def get_document(
    *, session: AsyncSession, caller: Caller, kind: str, key: str = ""
) -> schemas.DocumentRead:
    """One of the caller's documents (``metrics``, ``live_poll``...), or 404."""
    row = (
        (
            await session.execute(
                select(*_DOCUMENT_COLUMNS).where(
                    UserDocument.user_id == caller.user_id,
                    UserDocument.kind == kind,
                    UserDocument.doc_key == key,
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"No {kind.replace('_', ' ')} stored.")
    return schemas.DocumentRead.model_validate(dict(row))


async def owned_contract(session: AsyncSession, caller: Caller, contract_id: int) -> Any:
    """The (address, chain) of one of the caller's contracts, or 404."""
    row = (
        await session.execute(
            select(Contract.address, Contract.chain).where(
                Contract.id == contract_id, Contract.user_id == caller.user_id
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound("No such contract.")
    return row
