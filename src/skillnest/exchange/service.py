"""Exchange rules: two-way matching, 1:1 chats, messages with read state, ratings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    delete,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import TypeEngine

from skillnest.accounts.models import User
from skillnest.core import security
from skillnest.core.cache import TTL, Cache, cache_key, get_json, set_json
from skillnest.core.db import StringArray, UTCDateTime, is_postgres
from skillnest.core.errors import BadRequest, Conflict, NotFound
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub, publish_after_commit
from skillnest.exchange import demo, schemas
from skillnest.exchange.models import Chat, Message, Rating, pair_high, pair_low

log = logging.getLogger("skillnest.exchange")

NO_SUCH_CHAT = "No such chat."
MESSAGE_RATE_LIMIT = "60/minute"
# Bayesian average of ratings: a user's ratings count as if PRIOR_WEIGHT extra ratings at the
# global mean came with them, so one 5-star rating does not outrank twenty 4.8s.
PRIOR_WEIGHT = 5
DEFAULT_MEAN = 3.0


# --- pure calculations ------------------------------------------------------------------


def bayesian_rating(
    rating_sum: float, rating_count: int, *, global_mean: float, prior_weight: int = PRIOR_WEIGHT
) -> float:
    """The average rating pulled toward the global mean; exactly the mean with no ratings."""
    return (prior_weight * global_mean + rating_sum) / (prior_weight + rating_count)


def match_score(
    *,
    teaches: int,
    learns: int,
    rating_sum: float,
    rating_count: int,
    global_mean: float,
    prior_weight: int = PRIOR_WEIGHT,
) -> float:
    """Rank of a match: the mutual overlap first, then the rating pulled toward the mean.

    ``teaches`` skills they offer that you want and ``learns`` skills they want that you
    offer make the whole part (the number of skills that would change hands); the rating
    (1-5, Bayesian-averaged) divided by ten makes the fraction, at most 0.5, so it orders
    matches of equal overlap and never lifts one over a larger overlap. The match query
    orders by the same two components (then by most recent activity).
    """
    rating = bayesian_rating(
        rating_sum, rating_count, global_mean=global_mean, prior_weight=prior_weight
    )
    return round(teaches + learns + rating / 10, 4)


def average(rating_sum: float | None, rating_count: int) -> float | None:
    """The plain average rating for display, or None when there is none."""
    if not rating_count or rating_sum is None:
        return None
    return round(float(rating_sum) / rating_count, 2)


# --- live events after commit -----------------------------------------------------------

# --- matching ---------------------------------------------------------------------------

PROFILE_COLUMNS = (
    "id, name, pronouns, bio, location, availability, learning_style, "
    "skills_to_offer, skills_to_learn, image_url, created_at"
)

# One statement. The caller's lower-cased lists are read once (InitPlans); both GIN
# indexes are intersected (BitmapAnd) to find everyone who offers one of the caller's wanted
# skills AND wants one of the caller's offered skills. For those rows only, each list becomes
# a set (tsvector: deduplicated, sorted) and the overlap is its size minus the size after
# ts_delete of the caller's skills: C-level set arithmetic, no subquery per row, which keeps
# the cost per match low. Rating sums come from idx_ratings_rated_id; only the requested
# page is joined back to the profiles and spelled out. NULL and empty entries (only raw SQL
# can write them) are dropped: tsvectors refuse them.
MATCHES_POSTGRES = text(f"""
WITH me AS MATERIALIZED (
    SELECT array_remove(array_remove(exchange_lower_skills(skills_to_offer), NULL), '') AS offer,
           array_remove(array_remove(exchange_lower_skills(skills_to_learn), NULL), '') AS learn
    FROM users WHERE id = :user_id
),
candidates AS MATERIALIZED (
    SELECT u.id, u.last_active_at,
        array_to_tsvector(array_remove(array_remove(
            exchange_fold_skills(u.skills_to_offer), NULL), '')) AS offers,
        array_to_tsvector(array_remove(array_remove(
            exchange_fold_skills(u.skills_to_learn), NULL), '')) AS wants
    FROM users AS u
    WHERE exchange_lower_skills(u.skills_to_offer) && (SELECT learn FROM me)
      AND exchange_lower_skills(u.skills_to_learn) && (SELECT offer FROM me)
      AND u.id <> :user_id
),
scored AS (
    SELECT c.id, c.last_active_at, r.rating_count, r.rating_sum,
        length(c.offers) - length(ts_delete(c.offers, (SELECT learn FROM me))) AS teaches,
        length(c.wants) - length(ts_delete(c.wants, (SELECT offer FROM me))) AS learns,
        (:prior * CAST(:mean AS double precision) + coalesce(r.rating_sum, 0))
            / (:prior + r.rating_count) AS rating_rank
    FROM candidates AS c
    CROSS JOIN LATERAL (
        SELECT count(*) AS rating_count, sum(rating) AS rating_sum
        FROM ratings WHERE rated_id = c.id
    ) AS r
),
ranked AS (
    SELECT * FROM scored
    ORDER BY teaches + learns DESC, rating_rank DESC, last_active_at DESC NULLS LAST, id
    LIMIT :limit OFFSET :offset
)
SELECT {", ".join(f"u.{c.strip()}" for c in PROFILE_COLUMNS.split(","))},
    ranked.teaches, ranked.learns, ranked.rating_count, ranked.rating_sum,
    ARRAY(SELECT o FROM unnest(u.skills_to_offer, exchange_fold_skills(u.skills_to_offer))
          AS t(o, lo) WHERE lo = ANY((SELECT learn FROM me)::text[])) AS teaches_you,
    ARRAY(SELECT o FROM unnest(u.skills_to_learn, exchange_fold_skills(u.skills_to_learn))
          AS t(o, lo) WHERE lo = ANY((SELECT offer FROM me)::text[])) AS learns_from_you
FROM ranked JOIN users AS u ON u.id = ranked.id
ORDER BY ranked.teaches + ranked.learns DESC, ranked.rating_rank DESC,
    ranked.last_active_at DESC NULLS LAST, ranked.id
""")

# The SQLite twin: no GIN, so every profile's JSON lists are walked with json_each (fine at
# the embedded scale); lower() folds ASCII letters only on SQLite.
MATCHES_SQLITE = text(f"""
WITH me AS (
    SELECT skills_to_offer AS offer, skills_to_learn AS learn FROM users WHERE id = :user_id
),
my_offer AS (SELECT DISTINCT lower(value) AS skill FROM json_each((SELECT offer FROM me))),
my_learn AS (SELECT DISTINCT lower(value) AS skill FROM json_each((SELECT learn FROM me))),
candidates AS (
    SELECT u.id, u.last_active_at,
        (SELECT count(DISTINCT lower(o.value)) FROM json_each(u.skills_to_offer) AS o
         WHERE lower(o.value) IN (SELECT skill FROM my_learn)) AS teaches,
        (SELECT count(DISTINCT lower(l.value)) FROM json_each(u.skills_to_learn) AS l
         WHERE lower(l.value) IN (SELECT skill FROM my_offer)) AS learns
    FROM users AS u
    WHERE u.id <> :user_id
),
ranked AS (
    SELECT c.id, c.last_active_at, c.teaches, c.learns,
        (SELECT count(*) FROM ratings WHERE rated_id = c.id) AS rating_count,
        (SELECT sum(rating) FROM ratings WHERE rated_id = c.id) AS rating_sum
    FROM candidates AS c
    WHERE c.teaches > 0 AND c.learns > 0
)
SELECT {", ".join(f"u.{c.strip()}" for c in PROFILE_COLUMNS.split(","))},
    ranked.teaches, ranked.learns, ranked.rating_count, ranked.rating_sum,
    (SELECT json_group_array(o.value) FROM json_each(u.skills_to_offer) AS o
     WHERE lower(o.value) IN (SELECT skill FROM my_learn)) AS teaches_you,
    (SELECT json_group_array(l.value) FROM json_each(u.skills_to_learn) AS l
     WHERE lower(l.value) IN (SELECT skill FROM my_offer)) AS learns_from_you
FROM ranked JOIN users AS u ON u.id = ranked.id
ORDER BY ranked.teaches + ranked.learns DESC,
    (:prior * :mean + coalesce(ranked.rating_sum, 0)) / (:prior + ranked.rating_count) DESC,
    ranked.last_active_at DESC NULLS LAST, ranked.id
LIMIT :limit OFFSET :offset
""")

_MATCH_TYPES: dict[str, TypeEngine[Any]] = {
    "skills_to_offer": StringArray(50),
    "skills_to_learn": StringArray(50),
    "teaches_you": StringArray(50),
    "learns_from_you": StringArray(50),
    "created_at": UTCDateTime(),
    "teaches": Integer(),
    "learns": Integer(),
    "rating_count": Integer(),
    "rating_sum": Float(),
}


def _typed(statement: Any) -> Any:
    return statement.columns(**_MATCH_TYPES)


def global_mean_key() -> str:
    """Cache key of the mean of every rating (the prior of the Bayesian average)."""
    return cache_key("exchange", "ratings", "all", "mean")


async def global_mean_rating(*, session: AsyncSession, cache: Cache) -> float:
    """The mean of all ratings, cached for a few minutes (it moves slowly)."""
    hit = await get_json(cache, global_mean_key())
    if hit is not None:
        return float(hit)
    mean = await session.scalar(select(func.avg(Rating.rating)))
    value = float(mean) if mean is not None else DEFAULT_MEAN
    await set_json(cache, global_mean_key(), value, TTL.SHORT)
    return value


async def find_matches(
    *, session: AsyncSession, cache: Cache, user_id: int, limit: int = 20, offset: int = 0
) -> schemas.MatchPage:
    """People with whom the exchange works both ways, best first (one SQL query)."""
    mean = await global_mean_rating(session=session, cache=cache)
    statement = MATCHES_POSTGRES if is_postgres(session) else MATCHES_SQLITE
    params = {
        "user_id": user_id,
        "prior": PRIOR_WEIGHT,
        "mean": mean,
        "limit": limit + 1,
        "offset": offset,
    }
    rows = (await session.execute(_typed(statement), params)).mappings().all()
    items = [
        schemas.Match.model_validate(
            {
                **row,
                "average_rating": average(row["rating_sum"], row["rating_count"]),
                "score": match_score(
                    teaches=row["teaches"],
                    learns=row["learns"],
                    rating_sum=row["rating_sum"] or 0,
                    rating_count=row["rating_count"],
                    global_mean=mean,
                ),
            }
        )
        for row in rows[:limit]
    ]
    next_offset = offset + limit if len(rows) > limit else None
    return schemas.MatchPage(items=items, limit=limit, offset=offset, next_offset=next_offset)


# --- chats ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """A chat the caller takes part in, and who the other participant is."""

    id: int
    user_id: int
    other_id: int


async def get_chat_for(*, session: AsyncSession, chat_id: int, user_id: int) -> ChatAccess:
    """The chat if the user takes part in it; otherwise NotFound, as if it did not exist."""
    row = (
        await session.execute(
            select(Chat.id, Chat.user1_id, Chat.user2_id).where(
                Chat.id == chat_id, or_(Chat.user1_id == user_id, Chat.user2_id == user_id)
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound(NO_SUCH_CHAT)
    other = row.user2_id if row.user1_id == user_id else row.user1_id
    return ChatAccess(id=row.id, user_id=user_id, other_id=other)


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
        raise NotFound("No such user.")
    chat_id = await _find_chat_id(session, user_id, other_id)
    created = False
    if chat_id is None:
        chat = Chat(user1_id=user_id, user2_id=other_id)
        try:
            async with session.begin_nested():
                session.add(chat)
                await session.flush()
            chat_id, created = chat.id, True
        except IntegrityError:  # the other user opened it at the same moment
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
        )
        for row in rows
    ]


async def list_chats(
    *, session: AsyncSession, user_id: int, limit: int = 50, offset: int = 0
) -> schemas.ChatPage:
    """One page of the user's chats, newest activity first."""
    items = await chat_summaries(session=session, user_id=user_id, limit=limit + 1, offset=offset)
    next_offset = offset + limit if len(items) > limit else None
    return schemas.ChatPage(
        items=items[:limit], limit=limit, offset=offset, next_offset=next_offset
    )


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
) -> schemas.MessagePage:
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
    items = [schemas.MessageOut.model_validate(row._mapping) for row in rows[:limit]]
    return schemas.MessagePage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


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
        raise Conflict("You have already rated this chat.")
    rating = Rating(
        rater_id=rater_id,
        rated_id=chat.other_id,
        chat_id=chat.id,
        rating=data.rating,
        comment=data.comment,
    )
    try:
        async with session.begin_nested():
            session.add(rating)
            await session.flush()
    except IntegrityError as exc:  # a concurrent request rated first
        raise Conflict("You have already rated this chat.") from exc
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
) -> schemas.RatingPage:
    """Ratings a user received, newest first, ``limit`` at a time before the ``cursor``."""
    if await session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise NotFound("No such user.")
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
        for row in rows[:limit]
    ]
    return schemas.RatingPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


async def activity_stats(*, session: AsyncSession) -> dict[str, float | int | None]:
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
    return stats


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


async def rating_summary(*, session: AsyncSession, user_id: int) -> schemas.RatingSummary:
    """How many ratings a user received and their average, in one query."""
    row = (
        await session.execute(
            select(func.count(), func.avg(Rating.rating)).where(Rating.rated_id == user_id)
        )
    ).one()
    count, average = int(row[0] or 0), row[1]
    return schemas.RatingSummary(
        count=count, average=round(float(average), 2) if average is not None else None
    )
