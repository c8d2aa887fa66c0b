"""Exchange rules: two-way matching, 1:1 chats, messages with read state, ratings."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, literal, not_, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from skillnest.accounts.models import User
from skillnest.accounts.schemas import PublicUser
from skillnest.core import security
from skillnest.core.cache import TTL, Cache, cache_key, get_json, set_json
from skillnest.core.db import get_owned_or_404, is_postgres
from skillnest.core.errors import BadRequest, Conflict, NotFound, conflict_on_integrity
from skillnest.core.pages import CursorPage, Page, cursor_page_of, page_of
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub, publish_after_commit
from skillnest.exchange import demo, dialect, rules, schemas
from skillnest.exchange.dialect import pair_high, pair_low
from skillnest.exchange.models import Chat, Message, Rating, SkillTerm

log = logging.getLogger("skillnest.exchange")

NO_SUCH_CHAT = "No such chat."
NO_SUCH_USER = "No such user."
ALREADY_RATED = "You have already rated this chat."
MESSAGE_RATE_LIMIT = "60/minute"


# --- matching ---------------------------------------------------------------------------


def global_mean_key() -> str:
    """Cache key of the mean of every rating (the prior of the Bayesian average)."""
    return cache_key("exchange", "ratings", "all", "mean")


async def global_mean_rating(*, session: AsyncSession, cache: Cache) -> float:
    """The mean of all ratings, cached for a few minutes (it moves slowly)."""
    hit = await get_json(cache, global_mean_key())
    if hit is not None:
        return float(hit)
    mean = await session.scalar(select(func.avg(Rating.rating)))
    value = float(mean) if mean is not None else rules.DEFAULT_MEAN
    await set_json(cache, global_mean_key(), value, TTL.SHORT)
    return value


async def find_matches(
    *, session: AsyncSession, cache: Cache, user_id: int, limit: int = 20, offset: int = 0
) -> Page[schemas.Match]:
    """People with whom the exchange works both ways, best first.

    Exact matches come first; then people with whom it works through related skills (the
    vocabulary's aliases and similar names), each with the pairs that related them. Two
    reads (the caller's skills with the terms related to them, then the match statement),
    each one driver call on the session's connection (no ORM or Core execution machinery).
    """
    mean = await global_mean_rating(session=session, cache=cache)
    query = await match_query(session=session, user_id=user_id, mean=mean)
    connection = await session.connection()
    params = {**query.params, "limit": limit + 1, "offset": offset}
    found = await dialect.MATCHES[connection.dialect.name].fetch_all(connection, params)
    items = [
        _match(dict(zip(dialect.MATCH_COLUMNS, row, strict=True)), mean, query.offer, query.learn)
        for row in found
    ]
    return page_of(items, limit=limit, offset=offset)


@dataclass(frozen=True)
class MatchQuery:
    """The match statement's parameters for one caller, with their keys and spellings."""

    params: dict[str, Any]
    offer: dict[str, str]
    learn: dict[str, str]


async def match_query(*, session: AsyncSession, user_id: int, mean: float) -> MatchQuery:
    """The caller's keys, the terms related to them, and the match statement's parameters.

    PostgreSQL reads the related terms with the skills (one round trip); SQLite measures
    similar names in Python afterwards (``related_terms``).
    """
    connection = await session.connection()
    postgres = connection.dialect.name == "postgresql"
    rows = await dialect.MY_SKILLS[connection.dialect.name].fetch_all(
        connection, {"user_id": user_id}
    )
    offer = {key: spelling for side, spelling, key, _ in rows if side == "offer"}
    learn = {key: spelling for side, spelling, key, _ in rows if side == "learn"}
    if postgres:
        related = sorted({(key, other) for side, _, key, other in rows if side == "related"})
    else:
        related = await related_terms(session=session, keys=[*offer, *learn])
    teach = rules.related_pairs(learn, related, exclude=learn)
    learn_pairs = [(mine, theirs) for theirs, mine in rules.related_pairs(offer, related, offer)]
    params = {
        "user_id": user_id,
        "prior": rules.PRIOR_WEIGHT,
        "mean": mean,
        **dialect.match_params(postgres, list(offer), list(learn), teach, learn_pairs),
    }
    return MatchQuery(params=params, offer=offer, learn=learn)


async def related_terms(*, session: AsyncSession, keys: list[str]) -> list[tuple[str, str]]:
    """(key, related key) for each vocabulary term an alias of, or similar to, one of ``keys``."""
    keys = sorted({key for key in keys if key})
    if not keys:
        return []
    if is_postgres(session):
        rows = (await session.execute(dialect.RELATED_POSTGRES, {"keys": keys})).all()
        return sorted({(row.key, row.other) for row in rows})
    found = {
        (row.key, row.other)
        for row in await session.execute(dialect.ALIASES_SQLITE, {"keys": json.dumps(keys)})
    }
    for key in keys:
        match = rules.fts5_trigram_query(key) if len(key) >= rules.MIN_RELATED_LENGTH else None
        if match is None:
            continue
        candidates = await session.scalars(dialect.TRIGRAM_CANDIDATES_SQLITE, {"match": match})
        found.update((key, other) for other in candidates if rules.relatable(key, other))
    return sorted(found)


def _related(row: Any, offer: dict[str, str], learn: dict[str, str]) -> list[schemas.RelatedPair]:
    """The pairs that related a match, in each person's own spelling."""
    teach = json.loads(row["related_teach"] or "[]")
    learn_pairs = json.loads(row["related_learn"] or "[]")
    return [
        *(
            schemas.RelatedPair(offered=theirs, wanted=learn.get(mine, mine), by="them")
            for theirs, mine in teach
        ),
        *(
            schemas.RelatedPair(offered=offer.get(mine, mine), wanted=theirs, by="you")
            for mine, theirs in learn_pairs
        ),
    ]


def _match(row: Any, mean: float, offer: dict[str, str], learn: dict[str, str]) -> schemas.Match:
    """One row of the match query as the API shows it."""
    return schemas.Match.model_validate(
        {
            **row,
            "related": _related(row, offer, learn),
            "exact": bool(row["teaches"] and row["learns"]),
            "average_rating": rules.average(row["rating_sum"], row["rating_count"]),
            "score": rules.match_score(
                teaches=row["teaches"],
                learns=row["learns"],
                rating_sum=row["rating_sum"] or 0,
                rating_count=row["rating_count"],
                global_mean=mean,
            ),
        }
    )


# --- people by skill --------------------------------------------------------------------

_PEOPLE_COLUMNS = tuple(getattr(User, c.strip()) for c in dialect.PROFILE_COLUMNS.split(","))


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def find_people(
    *,
    session: AsyncSession,
    viewer_id: int,
    skill: str,
    role: schemas.SkillRole = "offers",
    location: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Page[PublicUser]:
    """People who offer (or want, or either) a skill, most recently active first.

    Public profile fields only; the viewer is left out. The skill is matched whole and
    case-insensitively, through the lower-cased GIN indexes on PostgreSQL.
    """
    postgres = is_postgres(session)
    offers = dialect.lists_skill(User.skills_to_offer, skill, postgres=postgres)
    wants = dialect.lists_skill(User.skills_to_learn, skill, postgres=postgres)
    which = {"offers": offers, "wants": wants, "any": or_(offers, wants)}[role]
    received = select(func.count(), func.avg(Rating.rating)).where(Rating.rated_id == User.id)
    query = select(
        *_PEOPLE_COLUMNS,
        received.with_only_columns(func.count()).scalar_subquery().label("rating_count"),
        received.with_only_columns(func.avg(Rating.rating)).scalar_subquery().label("average"),
    ).where(which, User.id != viewer_id)
    if location:
        query = query.where(User.location.ilike(f"%{_like_escape(location)}%", escape="\\"))
    query = query.order_by(User.last_active_at.desc().nulls_last(), User.id.desc())
    rows = (await session.execute(query.limit(limit + 1).offset(offset))).mappings().all()
    items = [
        PublicUser.model_validate(
            {**row, "average_rating": rules.average(row["average"], row["rating_count"])}
        )
        for row in rows
    ]
    return page_of(items, limit=limit, offset=offset)


# --- chats ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """A chat the caller takes part in, and who the other participant is."""

    id: int
    user_id: int
    other_id: int


async def get_chat_for(*, session: AsyncSession, chat_id: int, user_id: int) -> ChatAccess:
    """The chat if the user takes part in it; otherwise NotFound, as if it did not exist."""
    chat = await get_owned_or_404(
        session,
        Chat,
        chat_id,
        where=or_(Chat.user1_id == user_id, Chat.user2_id == user_id),
        detail=NO_SUCH_CHAT,
    )
    other = chat.user2_id if chat.user1_id == user_id else chat.user1_id
    return ChatAccess(id=chat.id, user_id=user_id, other_id=other)


def _pair(a: int, b: int) -> Any:
    return and_(
        pair_low(Chat.user1_id, Chat.user2_id) == min(a, b),
        pair_high(Chat.user1_id, Chat.user2_id) == max(a, b),
    )


async def _find_chat_id(session: AsyncSession, a: int, b: int) -> int | None:
    return await session.scalar(select(Chat.id).where(_pair(a, b)))


async def open_chat(
    *, session: AsyncSession, user_id: int, other_id: int
) -> tuple[schemas.ChatOut, bool]:
    """The chat between two users, created if needed; also says whether it was created."""
    if other_id == user_id:
        raise BadRequest("You cannot open a chat with yourself.")
    if await session.scalar(select(User.id).where(User.id == other_id)) is None:
        raise NotFound(NO_SUCH_USER)
    chat_id = await _find_chat_id(session, user_id, other_id)
    created = False
    if chat_id is None:
        chat = Chat(user1_id=user_id, user2_id=other_id)
        try:
            async with session.begin_nested():
                session.add(chat)
                await session.flush()
            chat_id, created = chat.id, True
        except IntegrityError:  # the other user opened it at the same moment: re-read it
            chat_id = await _find_chat_id(session, user_id, other_id)
            if chat_id is None:
                raise
    summaries = await chat_summaries(session=session, user_id=user_id, chat_id=chat_id)
    return summaries[0], created


async def chat_summaries(
    *,
    session: AsyncSession,
    user_id: int,
    chat_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[schemas.ChatOut]:
    """The user's chats with the other participant, last message and unread count (one query)."""
    other = aliased(User, name="other")
    last = aliased(Message, name="last_message")
    other_id = case((Chat.user1_id == user_id, Chat.user2_id), else_=Chat.user1_id)
    last_id = (
        select(Message.id)
        .where(Message.chat_id == Chat.id)
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(1)
        .correlate(Chat)
        .scalar_subquery()
    )
    unread = (
        select(func.count())
        .select_from(Message)
        .where(
            Message.chat_id == Chat.id,
            Message.sender_id != user_id,
            not_(Message.is_read),
        )
        .correlate(Chat)
        .scalar_subquery()
    )
    rated = (
        select(Rating.id)
        .where(Rating.chat_id == Chat.id, Rating.rater_id == user_id)
        .correlate(Chat)
        .exists()
    )
    query = (
        select(
            Chat.id,
            Chat.user1_id,
            Chat.user2_id,
            Chat.created_at,
            other.id.label("other_id"),
            other.name.label("other_name"),
            other.image_url.label("other_image_url"),
            last.id.label("last_id"),
            last.sender_id.label("last_sender_id"),
            last.content.label("last_content"),
            last.timestamp.label("last_timestamp"),
            last.is_read.label("last_is_read"),
            unread.label("unread_count"),
            rated.label("is_rated_by_me"),
        )
        .join(other, other.id == other_id)
        .outerjoin(last, last.id == last_id)
        .where(or_(Chat.user1_id == user_id, Chat.user2_id == user_id))
        .order_by(
            func.coalesce(last.timestamp, Chat.created_at).desc(),
            last.id.desc().nulls_last(),  # same timestamp: the later message
            Chat.id.desc(),
        )
    )
    if chat_id is not None:
        query = query.where(Chat.id == chat_id)
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return [
        schemas.ChatOut(
            id=row.id,
            user1_id=row.user1_id,
            user2_id=row.user2_id,
            created_at=row.created_at,
            other_user=schemas.UserBrief(
                id=row.other_id, name=row.other_name, image_url=row.other_image_url
            ),
            last_message=None
            if row.last_id is None
            else schemas.MessageOut(
                id=row.last_id,
                chat_id=row.id,
                sender_id=row.last_sender_id,
                content=row.last_content,
                timestamp=row.last_timestamp,
                is_read=row.last_is_read,
            ),
            unread_count=row.unread_count,
            is_rated_by_me=bool(row.is_rated_by_me),
        )
        for row in rows
    ]


async def list_chats(
    *, session: AsyncSession, user_id: int, limit: int = 50, offset: int = 0
) -> Page[schemas.ChatOut]:
    """One page of the user's chats, newest activity first."""
    items = await chat_summaries(session=session, user_id=user_id, limit=limit + 1, offset=offset)
    return page_of(items, limit=limit, offset=offset)


async def get_chat(*, session: AsyncSession, chat_id: int, user_id: int) -> schemas.ChatOut:
    """One of the user's chats as the chat list shows it; NotFound for anyone else's."""
    chat = await get_chat_for(session=session, chat_id=chat_id, user_id=user_id)
    (summary,) = await chat_summaries(session=session, user_id=user_id, chat_id=chat.id)
    return summary


async def delete_chat(*, session: AsyncSession, hub: Hub, chat_id: int, user_id: int) -> None:
    """Delete a chat with its messages (participants only).

    A chat holding a rating the caller received cannot be deleted by them: the cascade
    would erase the rating, so a bad review could be wiped by its subject.
    """
    chat = await get_chat_for(session=session, chat_id=chat_id, user_id=user_id)
    received = await session.scalar(
        select(func.count())
        .select_from(Rating)
        .where(Rating.chat_id == chat.id, Rating.rated_id == user_id)
    )
    if received:
        raise Conflict("This chat holds a rating you received, so it cannot be deleted.")
    await session.execute(delete(Chat).where(Chat.id == chat.id))
    publish_after_commit(session, hub, chat.other_id, "chat.deleted", {"chat_id": chat.id})


# --- messages ---------------------------------------------------------------------------


async def send_message(
    *,
    session: AsyncSession,
    hub: Hub,
    limiter: RateLimiter,
    chat_id: int,
    sender_id: int,
    content: str,
    rate_limit: str = MESSAGE_RATE_LIMIT,
) -> schemas.MessageOut:
    """Store a message and push ``message.created`` to the other participant after commit."""
    chat = await get_chat_for(session=session, chat_id=chat_id, user_id=sender_id)
    await limiter.hit(rate_limit, "exchange-message", str(sender_id))
    message = Message(chat_id=chat.id, sender_id=sender_id, content=content)
    session.add(message)
    await session.flush()
    out = schemas.MessageOut.model_validate(message)
    publish_after_commit(
        session, hub, chat.other_id, "message.created", out.model_dump(mode="json")
    )
    return out


async def list_messages(
    *,
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    cursor: int | None = None,
    limit: int = 50,
) -> CursorPage[schemas.MessageOut]:
    """Messages of a chat in time order, ``limit`` at a time after the ``cursor`` message."""
    chat = await get_chat_for(session=session, chat_id=chat_id, user_id=user_id)
    query = select(
        Message.id,
        Message.chat_id,
        Message.sender_id,
        Message.content,
        Message.timestamp,
        Message.is_read,
    ).where(Message.chat_id == chat.id)
    if cursor is not None:
        # Keyed on (timestamp, id) of the cursor row itself: stable when messages share a
        # timestamp, and compares stored values with stored values on every dialect.
        after = (
            select(Message.timestamp)
            .where(Message.id == cursor, Message.chat_id == chat.id)
            .scalar_subquery()
        )
        query = query.where(tuple_(Message.timestamp, Message.id) > tuple_(after, literal(cursor)))
    rows = (
        await session.execute(query.order_by(Message.timestamp, Message.id).limit(limit + 1))
    ).all()
    items = [schemas.MessageOut.model_validate(row._mapping) for row in rows]
    return cursor_page_of(items, limit=limit, cursor_of=lambda message: message.id)


async def mark_read(
    *, session: AsyncSession, hub: Hub, chat_id: int, user_id: int
) -> schemas.ReadOut:
    """Mark every message from the other participant as read; say how many changed."""
    chat = await get_chat_for(session=session, chat_id=chat_id, user_id=user_id)
    result = await session.execute(
        update(Message)
        .where(Message.chat_id == chat.id, Message.sender_id != user_id, not_(Message.is_read))
        .values(is_read=True)
        .execution_options(synchronize_session=False)
    )
    marked = int(getattr(result, "rowcount", 0) or 0)
    if marked:
        data = {"chat_id": chat.id, "reader_id": user_id, "marked": marked}
        for participant in (chat.other_id, user_id):  # the reader's other tabs update too
            publish_after_commit(session, hub, participant, "message.read", data)
    return schemas.ReadOut(marked=marked)


async def unread_total(*, session: AsyncSession, user_id: int) -> schemas.UnreadOut:
    """Unread messages from others across all of the user's chats."""
    count = await session.scalar(
        select(func.count())
        .select_from(Message)
        .join(Chat, Chat.id == Message.chat_id)
        .where(
            or_(Chat.user1_id == user_id, Chat.user2_id == user_id),
            Message.sender_id != user_id,
            not_(Message.is_read),
        )
    )
    return schemas.UnreadOut(unread=int(count or 0))


# --- ratings ----------------------------------------------------------------------------


async def rate(
    *, session: AsyncSession, rater_id: int, data: schemas.RatingCreate
) -> schemas.RatingOut:
    """Rate the other participant of a chat, once per chat (409 on a second rating)."""
    chat = await get_chat_for(session=session, chat_id=data.chat_id, user_id=rater_id)
    already = await session.scalar(
        select(Rating.id).where(Rating.rater_id == rater_id, Rating.chat_id == chat.id)
    )
    if already is not None:
        raise Conflict(ALREADY_RATED)
    rating = Rating(
        rater_id=rater_id,
        rated_id=chat.other_id,
        chat_id=chat.id,
        rating=data.rating,
        comment=data.comment,
    )
    async with conflict_on_integrity(session, ALREADY_RATED):  # a concurrent request won
        session.add(rating)
        await session.flush()
    return schemas.RatingOut.model_validate(rating)


async def has_rated(*, session: AsyncSession, rater_id: int, chat_id: int) -> bool:
    """Whether the user already rated the other participant of this chat."""
    found = await session.scalar(
        select(Rating.id).where(Rating.rater_id == rater_id, Rating.chat_id == chat_id)
    )
    return found is not None


VOCABULARY_SAMPLE = 5000


async def skill_vocabulary(*, session: AsyncSession, cache: Cache, limit: int = 200) -> list[str]:
    """The skills people offer or want most often, for suggestions (cached briefly)."""
    key = cache_key("exchange", "vocabulary", limit)
    hit = await get_json(cache, key)
    if hit is not None:
        return list(hit)
    rows = await session.execute(
        select(User.skills_to_offer, User.skills_to_learn)
        .order_by(User.last_active_at.desc().nulls_last(), User.id.desc())
        .limit(VOCABULARY_SAMPLE)
    )
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for offer, learn in rows:
        for skill in (*(offer or ()), *(learn or ())):
            folded = skill.casefold()
            spelling.setdefault(folded, skill)
            counts[folded] = counts.get(folded, 0) + 1
    ranked = sorted(counts, key=lambda folded: (-counts[folded], folded))[:limit]
    skills = [spelling[folded] for folded in ranked]
    await set_json(cache, key, skills, TTL.SHORT)
    return skills


async def ratings_received(
    *, session: AsyncSession, user_id: int, cursor: int | None = None, limit: int = 20
) -> CursorPage[schemas.ReceivedRating]:
    """Ratings a user received, newest first, ``limit`` at a time before the ``cursor``."""
    if await session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise NotFound(NO_SUCH_USER)
    query = (
        select(
            Rating.id,
            Rating.rating,
            Rating.comment,
            Rating.timestamp,
            User.id.label("rater_id"),
            User.name.label("rater_name"),
            User.image_url.label("rater_image_url"),
        )
        .join(User, User.id == Rating.rater_id)
        .where(Rating.rated_id == user_id)
    )
    if cursor is not None:
        before = (
            select(Rating.timestamp)
            .where(Rating.id == cursor, Rating.rated_id == user_id)
            .scalar_subquery()
        )
        query = query.where(tuple_(Rating.timestamp, Rating.id) < tuple_(before, literal(cursor)))
    rows = (
        await session.execute(
            query.order_by(Rating.timestamp.desc(), Rating.id.desc()).limit(limit + 1)
        )
    ).all()
    items = [
        schemas.ReceivedRating(
            id=row.id,
            rater=schemas.UserBrief(
                id=row.rater_id, name=row.rater_name, image_url=row.rater_image_url
            ),
            rating=row.rating,
            comment=row.comment,
            timestamp=row.timestamp,
        )
        for row in rows
    ]
    return cursor_page_of(items, limit=limit, cursor_of=lambda rating: rating.id)


async def activity_stats(*, session: AsyncSession) -> schemas.ActivityStats:
    """Counts of chats, messages, unread messages and ratings, and the mean rating."""
    row = (
        await session.execute(
            select(
                select(func.count()).select_from(Chat).scalar_subquery().label("chats"),
                select(func.count()).select_from(Message).scalar_subquery().label("messages"),
                select(func.count())
                .select_from(Message)
                .where(not_(Message.is_read))
                .scalar_subquery()
                .label("unread_messages"),
                select(func.count()).select_from(Rating).scalar_subquery().label("ratings"),
                select(func.avg(Rating.rating)).scalar_subquery().label("mean_rating"),
            )
        )
    ).one()
    stats = dict(row._mapping)
    if stats["mean_rating"] is not None:
        stats["mean_rating"] = round(float(stats["mean_rating"]), 2)
    return schemas.ActivityStats.model_validate(stats)


# --- demo data --------------------------------------------------------------------------


async def load_demo(*, session: AsyncSession) -> str:
    """Add the exchange demo community (idempotent): a few dozen people, chats and ratings."""
    emails = [person["email"] for person in demo.PEOPLE]
    existing = {
        email: id_
        for id_, email in (
            await session.execute(select(User.id, User.email).where(User.email.in_(emails)))
        ).all()
    }
    missing = [person for person in demo.PEOPLE if person["email"] not in existing]
    if missing:
        password_hash = await security.hash_password_async(demo.PASSWORD)
        now = datetime.now(UTC)
        for person in missing:
            profile = {k: v for k, v in person.items() if k != "active_hours_ago"}
            last_active_at = now - timedelta(hours=person["active_hours_ago"])
            session.add(User(password_hash=password_hash, last_active_at=last_active_at, **profile))
        await session.flush()
        existing = {
            email: id_
            for id_, email in (
                await session.execute(select(User.id, User.email).where(User.email.in_(emails)))
            ).all()
        }
    demo_user = await session.scalar(select(User.id).where(User.email == demo.DEMO_EMAIL))
    ids = {**existing, **({demo.DEMO_EMAIL: demo_user} if demo_user is not None else {})}
    chats = ratings = 0
    for conversation in demo.CONVERSATIONS:
        a, b = ids.get(conversation["between"][0]), ids.get(conversation["between"][1])
        if a is None or b is None or await _find_chat_id(session, a, b) is not None:
            continue
        chat = Chat(user1_id=a, user2_id=b)
        session.add(chat)
        await session.flush()
        chats += 1
        for sender, content in conversation["messages"]:
            session.add(
                Message(
                    chat_id=chat.id,
                    sender_id=ids[conversation["between"][sender]],
                    content=content,
                    is_read=conversation.get("read", True),
                )
            )
        for rater, score, comment in conversation.get("ratings", ()):
            session.add(
                Rating(
                    rater_id=ids[conversation["between"][rater]],
                    rated_id=ids[conversation["between"][1 - rater]],
                    chat_id=chat.id,
                    rating=score,
                    comment=comment,
                )
            )
            ratings += 1
        await session.flush()
    return (
        f"exchange: {len(missing)} people, {chats} chats and {ratings} ratings added "
        f"({len(demo.PEOPLE) - len(missing)} people already there); "
        f"GET /api/v1/matches as {demo.DEMO_EMAIL} shows who to swap skills with"
    )


# --- read by other modules --------------------------------------------------------------


def rating_columns(user_id: Any) -> tuple[Any, Any]:
    """How many ratings ``user_id`` (a value or a column) received and their raw average.

    Scalar subqueries, so another module's statement reads them in the same round trip;
    ``rating_average`` rounds the average as ``rating_summary`` does.
    """
    where = Rating.rated_id == user_id
    return (
        select(func.count()).where(where).scalar_subquery().label("rating_count"),
        select(func.avg(Rating.rating)).where(where).scalar_subquery().label("average_rating"),
    )


def rating_average(raw: Any) -> float | None:
    """An average rating as the API shows it: two decimals, None without ratings."""
    return round(float(raw), 2) if raw is not None else None


async def rating_summary(*, session: AsyncSession, user_id: int) -> schemas.RatingSummary:
    """How many ratings a user received and their average, in one query."""
    row = (
        await session.execute(
            select(func.count(), func.avg(Rating.rating)).where(Rating.rated_id == user_id)
        )
    ).one()
    return schemas.RatingSummary(count=int(row[0] or 0), average=rating_average(row[1]))


async def canonical_keys(*, session: AsyncSession, names: Iterable[str]) -> dict[str, str]:
    """The vocabulary's canonical key of each name it knows ("js" -> "javascript")."""
    keys = sorted({rules.term_key(name) for name in names if name and name.strip()})
    if not keys:
        return {}
    rows = await session.execute(
        select(SkillTerm.key, SkillTerm.canonical).where(SkillTerm.key.in_(keys))
    )
    return {key: canonical for key, canonical in rows}


async def relate_skills(
    *, session: AsyncSession, have: Sequence[str], wanted: Sequence[str]
) -> schemas.SkillRelations:
    """How the vocabulary relates what someone has to what is wanted (careers' skill gaps).

    ``same`` pairs name one skill (the same name in another case, or aliases); ``similar``
    pairs are different skills with similar names, by the same trigram rule as matches.
    """
    canonical = await canonical_keys(session=session, names=[*have, *wanted])

    def key(name: str) -> str:
        folded = rules.term_key(name)
        return canonical.get(folded, folded)

    same: list[schemas.SkillPair] = []
    similar: list[schemas.SkillPair] = []
    for want in wanted:
        for mine in have:
            if key(want) == key(mine):
                same.append(schemas.SkillPair(wanted=want, have=mine))
            elif rules.relatable(rules.term_key(want), rules.term_key(mine)):
                similar.append(schemas.SkillPair(wanted=want, have=mine))
    return schemas.SkillRelations(same=same, similar=similar)


async def equivalent_keys(*, session: AsyncSession, keys: Sequence[str]) -> list[str]:
    """Other keys naming the same skills as ``keys`` (their aliases, or the term they alias)."""
    if not keys:
        return []
    term = aliased(SkillTerm, name="term")
    rows = await session.scalars(
        select(SkillTerm.key)
        .join(term, term.canonical == SkillTerm.canonical)
        .where(term.key.in_(list(keys)), SkillTerm.key.not_in(list(keys)))
        .distinct()
    )
    return sorted(rows)
