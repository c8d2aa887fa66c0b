"""MetaGauge AI chats: sessions about a contract and their messages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.db import get_owned_or_404
from skillnest.core.errors import NotFound
from skillnest.core.pages import Page, page_of
from skillnest.core.realtime import Hub, publish_after_commit
from skillnest.gauge import rules, schemas
from skillnest.gauge.models import ChatMessage, ChatSession, GaugeAccount
from skillnest.gauge.rules import month_key, month_start
from skillnest.gauge.service.accounts import Caller
from skillnest.gauge.service.profile import owned_contract

_SESSION_COLUMNS = (
    ChatSession.id,
    ChatSession.title,
    ChatSession.contract_address,
    ChatSession.contract_chain,
    ChatSession.contract_name,
    ChatSession.is_active,
    ChatSession.message_count,
    ChatSession.last_message_at,
    ChatSession.metadata_.label("metadata"),
    ChatSession.created_at,
    ChatSession.updated_at,
)
_MESSAGE_COLUMNS = (
    ChatMessage.id,
    ChatMessage.session_id,
    ChatMessage.role,
    ChatMessage.content,
    ChatMessage.components,
    ChatMessage.metadata_.label("metadata"),
    ChatMessage.is_streaming,
    ChatMessage.created_at,
)


async def create_chat_session(
    *, session: AsyncSession, caller: Caller, data: schemas.ChatSessionCreate
) -> schemas.ChatSessionRead:
    """Open an AI chat about a contract."""
    title = rules.chat_title(data.title, data.contract_name)
    now = datetime.now(UTC)
    chat = ChatSession(
        created_at=now,
        updated_at=now,
        user_id=caller.user_id,
        title=title,
        contract_address=data.contract_address,
        contract_chain=data.contract_chain,
        contract_name=data.contract_name,
        metadata_=data.metadata,
    )
    session.add(chat)
    await session.flush()
    return await get_chat_session(session=session, caller=caller, chat_id=chat.id)


async def get_chat_session(
    *, session: AsyncSession, caller: Caller, chat_id: int
) -> schemas.ChatSessionRead:
    """One of the caller's chat sessions."""
    row = (
        (
            await session.execute(
                select(*_SESSION_COLUMNS).where(
                    ChatSession.id == chat_id, ChatSession.user_id == caller.user_id
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("No such chat session.")
    return schemas.ChatSessionRead.model_validate(dict(row))


async def list_chat_sessions(
    *,
    session: AsyncSession,
    caller: Caller,
    contract_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[schemas.ChatSessionRead]:
    """The caller's chat sessions, most recent conversation first.

    With ``contract_id``, the sessions about that contract: a session names its contract
    by address (any case) and chain, as MetaGauge stored it.
    """
    recent = func.coalesce(ChatSession.last_message_at, ChatSession.created_at)
    query = select(*_SESSION_COLUMNS).where(ChatSession.user_id == caller.user_id)
    if contract_id is not None:
        address, chain = await owned_contract(session, caller, contract_id)
        query = query.where(
            func.lower(ChatSession.contract_address) == address.lower(),
            or_(ChatSession.contract_chain.is_(None), ChatSession.contract_chain == chain),
        )
    rows = (
        await session.execute(
            query.order_by(recent.desc(), ChatSession.id.desc()).limit(limit + 1).offset(offset)
        )
    ).mappings()
    items = [schemas.ChatSessionRead.model_validate(dict(r)) for r in rows]
    return page_of(items, limit=limit, offset=offset)


async def delete_chat_session(*, session: AsyncSession, caller: Caller, chat_id: int) -> None:
    """Delete a chat session and its messages."""
    result = await session.execute(
        delete(ChatSession)
        .where(ChatSession.id == chat_id, ChatSession.user_id == caller.user_id)
        .returning(ChatSession.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound("No such chat session.")


async def _count_ai_query(session: AsyncSession, caller: Caller, now: datetime) -> None:
    month = month_key(now)
    same_month = GaugeAccount.current_month == month
    await session.execute(
        update(GaugeAccount)
        .where(GaugeAccount.user_id == caller.user_id)
        .values(
            ai_query_count=GaugeAccount.ai_query_count + 1,
            monthly_ai_query_count=case(
                (same_month, GaugeAccount.monthly_ai_query_count + 1), else_=1
            ),
            monthly_analysis_count=case((same_month, GaugeAccount.monthly_analysis_count), else_=0),
            monthly_reset_date=case(
                (same_month, GaugeAccount.monthly_reset_date), else_=month_start(now)
            ),
            current_month=month,
        )
    )


async def add_chat_message(
    *,
    session: AsyncSession,
    hub: Hub,
    caller: Caller,
    chat_id: int,
    data: schemas.ChatMessageCreate,
) -> schemas.ChatMessageRead:
    """Append a message; the session's count and last time move in the same statement.

    The UPDATE comes first: on PostgreSQL it locks the session row, so concurrent
    messages queue up and ``message_count`` never misses one.
    """
    now = datetime.now(UTC)
    bumped = await session.execute(
        update(ChatSession)
        .where(ChatSession.id == chat_id, ChatSession.user_id == caller.user_id)
        .values(message_count=ChatSession.message_count + 1, last_message_at=now, updated_at=now)
        .returning(ChatSession.id)
    )
    if bumped.scalar_one_or_none() is None:
        raise NotFound("No such chat session.")
    message = ChatMessage(
        session_id=chat_id,
        role=data.role,
        content=data.content,
        components=data.components,
        metadata_=data.metadata,
        is_streaming=data.is_streaming,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    if data.role == "user":
        await _count_ai_query(session, caller, now)
    read = schemas.ChatMessageRead(
        id=message.id,
        session_id=chat_id,
        role=data.role,
        content=data.content,
        components=data.components,
        metadata=data.metadata,
        is_streaming=data.is_streaming,
        created_at=now,
    )
    publish_after_commit(
        session,
        hub,
        caller.user_id,
        "gauge.chat.message",
        {"session_id": chat_id, "id": message.id},
    )
    return read


async def list_chat_messages(
    *, session: AsyncSession, caller: Caller, chat_id: int, limit: int = 50, offset: int = 0
) -> Page[schemas.ChatMessageRead]:
    """A session's messages in order (index ``session_id, created_at, id``)."""
    await get_owned_or_404(
        session,
        ChatSession,
        chat_id,
        owner=ChatSession.user_id,
        owner_id=caller.user_id,
        detail="No such chat session.",
    )
    rows = (
        await session.execute(
            select(*_MESSAGE_COLUMNS)
            .where(ChatMessage.session_id == chat_id)
            .order_by(ChatMessage.created_at, ChatMessage.id)
            .limit(limit + 1)
            .offset(offset)
        )
    ).mappings()
    items = [schemas.ChatMessageRead.model_validate(dict(r)) for r in rows]
    return page_of(items, limit=limit, offset=offset)


async def _owned_message(
    session: AsyncSession, caller: Caller, chat_id: int, message_id: int
) -> ChatMessage:
    """A message of one of the caller's sessions, or 404."""
    message = await session.scalar(
        select(ChatMessage)
        .join(ChatSession, ChatSession.id == ChatMessage.session_id)
        .where(
            ChatMessage.id == message_id,
            ChatMessage.session_id == chat_id,
            ChatSession.user_id == caller.user_id,
        )
    )
    if message is None:
        raise NotFound("No such chat message.")
    return message


async def update_chat_message(
    *,
    session: AsyncSession,
    caller: Caller,
    chat_id: int,
    message_id: int,
    data: schemas.ChatMessageUpdate,
) -> schemas.ChatMessageRead:
    """Change the fields sent of a message (e.g. a streamed answer, once complete)."""
    message = await _owned_message(session, caller, chat_id, message_id)
    changes = data.model_dump(exclude_unset=True)
    if "metadata" in changes:
        changes["metadata_"] = changes.pop("metadata")
    for name, value in changes.items():
        setattr(message, name, value)
    await session.flush()
    return schemas.ChatMessageRead(
        id=message.id,
        session_id=message.session_id,
        role=message.role,
        content=message.content,
        components=message.components,
        metadata=message.metadata_,
        is_streaming=message.is_streaming,
        created_at=message.created_at,
    )


async def delete_chat_message(
    *, session: AsyncSession, caller: Caller, chat_id: int, message_id: int
) -> None:
    """Delete a message; the session's count and last message time follow."""
    message = await _owned_message(session, caller, chat_id, message_id)
    await session.delete(message)
    await session.flush()
    last = (
        select(func.max(ChatMessage.created_at))
        .where(ChatMessage.session_id == chat_id)
        .scalar_subquery()
    )
    await session.execute(
        update(ChatSession)
        .where(ChatSession.id == chat_id)
        .values(
            message_count=case(
                (ChatSession.message_count > 0, ChatSession.message_count - 1), else_=0
            ),
            last_message_at=last,
            updated_at=datetime.now(UTC),
        )
    )


# --- hooks ----------------------------------------------------------------------------
