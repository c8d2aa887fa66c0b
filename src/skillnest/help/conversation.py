"""The conversation of an accepted request: two sides, ciphertext only, live on both streams.

Only the request's owner (the asker) and its accepted helper take part; to anyone else the
thread does not exist (404, as for any request that is not theirs to see). Each message is a
box between the asker's request key pair and the helper's offer key pair, made by the
sender's client (``help.crypto``): the server stores and relays base64 it cannot open. The
thread opens with acceptance, takes messages while the request is Matched or InProgress, and
is deleted with the request's other secrets when it ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.service import AuthUser
from skillnest.core.errors import Conflict, NotFound
from skillnest.core.pages import CursorPage, cursor_page_of
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub, publish_to_channel_after_commit
from skillnest.help import feed, schemas
from skillnest.help.models import (
    ASKER,
    HELPER,
    IN_PROGRESS,
    MATCHED,
    OFFER_ACCEPTED,
    HelpMessage,
    HelpOffer,
)
from skillnest.help.service import (
    NO_ASKER_KEY,
    NOT_FOUND,
    _request_row,
    effective_status,
    event_channel,
    owner_pseudonym,
    trust_pseudonym,
)
from skillnest.settings import Settings

MESSAGE_LIMIT = "60/minute"
OPEN_FOR_MESSAGES = (MATCHED, IN_PROGRESS)


@dataclass(frozen=True)
class Party:
    """The caller's side of a request's conversation and the pseudonyms of both sides."""

    request: Row[Any]
    side: str
    owner_hash: str
    helper_hash: str | None


async def _party(
    session: AsyncSession, settings: Settings, user: AuthUser, request_id: uuid.UUID
) -> Party:
    """The caller as the asker or the accepted helper of the request; 404 for anyone else."""
    row = await _request_row(session, request_id)
    helper_hash = await session.scalar(
        select(HelpOffer.helper_hash).where(
            HelpOffer.request_id == row.id, HelpOffer.status == OFFER_ACCEPTED
        )
    )
    if row.owner_hash is not None and row.owner_hash == owner_pseudonym(settings, user.id):
        return Party(row, ASKER, row.owner_hash, helper_hash)
    if helper_hash is not None and helper_hash == trust_pseudonym(settings, user.id):
        return Party(row, HELPER, row.owner_hash, helper_hash)
    raise NotFound(NOT_FOUND)


def _message_doc(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "request_id": row.request_id,
        "sender": row.sender,
        "ciphertext": row.ciphertext,
        "created_at": feed.to_minute(row.created_at),
    }


async def post_message(
    *,
    session: AsyncSession,
    hub: Hub,
    limiter: RateLimiter,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    data: schemas.HelpMessageCreate,
) -> schemas.HelpMessageRead:
    """Store a message of the caller's side; both sides' streams get ``help.message``.

    409 before a helper is accepted, once the request has ended, or when the request has no
    key for messages; 60 messages a minute per account.
    """
    party = await _party(session, settings, user, request_id)
    if party.helper_hash is None:
        raise Conflict("No helper is accepted yet: the conversation opens with acceptance.")
    status = effective_status(party.request.status, party.request.expires_at, datetime.now(UTC))
    if status not in OPEN_FOR_MESSAGES:
        raise Conflict(f"The conversation is closed: the request is {status}.")
    if party.request.asker_public_key is None:
        raise Conflict(NO_ASKER_KEY)
    await limiter.hit(MESSAGE_LIMIT, "help-message", str(user.id))
    row = (
        await session.execute(
            insert(HelpMessage)
            .values(
                request_id=party.request.id,
                sender=party.side,
                ciphertext=data.ciphertext,
                created_at=datetime.now(UTC),
            )
            .returning(
                HelpMessage.id,
                HelpMessage.request_id,
                HelpMessage.sender,
                HelpMessage.ciphertext,
                HelpMessage.created_at,
            )
        )
    ).one()
    message = schemas.HelpMessageRead.model_validate(_message_doc(row))
    event = message.model_dump(mode="json")
    for party_hash in (party.owner_hash, party.helper_hash):
        publish_to_channel_after_commit(
            session, hub, event_channel(settings, party_hash), "help.message", event
        )
    return message


async def list_messages(
    *,
    session: AsyncSession,
    settings: Settings,
    user: AuthUser,
    request_id: uuid.UUID,
    cursor: int | None = None,
    limit: int = 50,
) -> CursorPage[schemas.HelpMessageRead]:
    """The conversation in the order it was written, ``limit`` at a time after ``cursor``."""
    party = await _party(session, settings, user, request_id)
    query = select(
        HelpMessage.id,
        HelpMessage.request_id,
        HelpMessage.sender,
        HelpMessage.ciphertext,
        HelpMessage.created_at,
    ).where(HelpMessage.request_id == party.request.id)
    if cursor is not None:
        # Ids grow with each insert, so the id alone orders a request's thread.
        query = query.where(HelpMessage.id > cursor)
    rows = (await session.execute(query.order_by(HelpMessage.id).limit(limit + 1))).all()
    items = [schemas.HelpMessageRead.model_validate(_message_doc(r)) for r in rows]
    return cursor_page_of(items, limit=limit, cursor_of=lambda message: message.id)
