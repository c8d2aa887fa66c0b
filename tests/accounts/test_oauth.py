from __future__ import annotations

import pytest
from sqlalchemy import select

from skillnest.accounts import service
from skillnest.accounts.models import OAuthProvider
from skillnest.core.errors import Conflict
from tests.factories import make_user


async def test_oauth_tokens_are_encrypted_at_rest(session, settings):
    user = await make_user(session)
    link = await service.link_oauth_provider(
        session=session,
        settings=settings,
        user_id=user.id,
        provider="linkedin",
        provider_user_id="li-123",
        access_token="secret-access-token",
        refresh_token="secret-refresh-token",
    )
    stored = await session.scalar(
        select(OAuthProvider.access_token_encrypted).where(OAuthProvider.id == link.id)
    )
    assert stored and "secret-access-token" not in stored
    assert service.oauth_access_token(settings=settings, link=link) == "secret-access-token"


async def test_one_identity_per_provider_and_user(session, settings):
    first = await make_user(session)
    second = await make_user(session)
    await service.link_oauth_provider(
        session=session,
        settings=settings,
        user_id=first.id,
        provider="google",
        provider_user_id="g-1",
        access_token="t1",
    )
    with pytest.raises(Conflict):
        await service.link_oauth_provider(
            session=session,
            settings=settings,
            user_id=second.id,
            provider="google",
            provider_user_id="g-1",
            access_token="t2",
        )
    with pytest.raises(Conflict):
        await service.link_oauth_provider(
            session=session,
            settings=settings,
            user_id=first.id,
            provider="google",
            provider_user_id="g-2",
            access_token="t3",
        )
