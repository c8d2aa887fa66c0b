"""The maintained match table answers exactly what ranking the live profiles and ratings does.

Random populations are written, rated, edited and partly deleted through the ORM (so the
triggers of ``exchange_match_profiles`` see inserts, updates, cascades and deletes); then
every user's matches from ``service.find_matches`` must equal a straightforward ranking
computed here from ``users`` and ``ratings`` with the pure rules (``rules.match_order``,
``rules.match_score``), page by page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.core.cache import Cache
from skillnest.exchange import rules, service
from skillnest.exchange.models import Chat, MatchProfile, Rating

# ASCII names (both backends fold them alike) with spellings that differ in case only,
# aliases of the vocabulary (py/python, js/javascript, golang/go) and similar names
# (guitar/guitars/acoustic guitar), so exact, related and case-folded overlaps all occur.
NAMES = [
    "Python", "python", "PYTHON", "py", "Guitar", "guitars", "Acoustic Guitar", "js",
    "JavaScript", "Chess", "Go", "golang", "SQL", "Piano",
]  # fmt: skip
T0 = datetime(2026, 1, 1, tzinfo=UTC)

skills = st.lists(st.sampled_from(NAMES), max_size=4)
people = st.lists(st.tuples(skills, skills, st.none() | st.integers(0, 3)), min_size=2, max_size=7)
population = st.fixed_dictionaries(
    {
        "people": people,
        # (rater, rated, score) as indexes into people; self-ratings are skipped.
        "ratings": st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 5))),
        # Later edits: new lists for some people, a new activity time, deletions.
        "edits": st.lists(st.tuples(st.integers(0, 6), skills, skills), max_size=3),
        "active": st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=2),
        "unrate": st.integers(0, 3),
        "delete": st.none() | st.integers(0, 6),
    }
)


async def _write(session: AsyncSession, data: dict[str, Any]) -> None:
    """Write the population, then edit it, as the application's writes would."""
    users = []
    for n, (offer, learn, active) in enumerate(data["people"]):
        user = User(
            name=f"P{n}",
            email=f"p{n}@example.org",
            password_hash="!",
            skills_to_offer=offer,
            skills_to_learn=learn,
            last_active_at=None if active is None else T0 + timedelta(days=active),
        )
        session.add(user)
        users.append(user)
    await session.flush()
    ids = [user.id for user in users]
    ratings: list[Rating] = []
    chats: dict[tuple[int, int], int] = {}
    rated_in: set[tuple[int, tuple[int, int]]] = set()
    for rater, rated, score in data["ratings"]:
        pair = (min(rater, rated), max(rater, rated))
        if pair[1] >= len(ids) or rater == rated or (rater, pair) in rated_in:
            continue
        rated_in.add((rater, pair))
        if pair not in chats:  # one chat per pair, both sides may rate in it
            chat = Chat(user1_id=ids[rater], user2_id=ids[rated])
            session.add(chat)
            await session.flush()
            chats[pair] = chat.id
        rating = Rating(rater_id=ids[rater], rated_id=ids[rated], chat_id=chats[pair], rating=score)
        session.add(rating)
        ratings.append(rating)
    await session.flush()
    for who, offer, learn in data["edits"]:
        if who < len(ids):
            values = {"skills_to_offer": offer, "skills_to_learn": learn}
            await session.execute(update(User).where(User.id == ids[who]).values(**values))
    for who, days in data["active"]:
        if who < len(ids):
            when = T0 + timedelta(days=days)
            moved = update(User).where(User.id == ids[who]).values(last_active_at=when)
            await session.execute(moved)
    if ratings:
        first = ratings[0]
        await session.execute(update(Rating).where(Rating.id == first.id).values(rating=5))
        for rating in ratings[1 : 1 + data["unrate"]]:
            await session.execute(delete(Chat).where(Chat.id == rating.chat_id))  # cascades
    if data["delete"] is not None and data["delete"] < len(ids):
        await session.execute(delete(User).where(User.id == ids[data["delete"]]))
    session.expunge_all()


async def _expected(
    session: AsyncSession, user_id: int, mean: float, postgres: bool
) -> list[tuple[Any, ...]]:
    """Every match of a user, ranked straight from ``users`` and ``ratings``."""

    def fold(names: list[str] | None) -> set[str]:
        return {name.lower() for name in names or () if name or not postgres}

    people = (await session.execute(select(User.id, User.skills_to_offer, User.skills_to_learn,
                                            User.last_active_at))).all()  # fmt: skip
    received: dict[int, list[int]] = {}
    for rated, score in await session.execute(select(Rating.rated_id, Rating.rating)):
        received.setdefault(rated, []).append(score)
    me = next(p for p in people if p.id == user_id)
    offer, learn = fold(me.skills_to_offer), fold(me.skills_to_learn)
    related = await service.related_terms(session=session, keys=[*offer, *learn])
    teach = rules.related_pairs(learn, related, exclude=learn)
    learn_pairs = rules.related_pairs(offer, related, exclude=offer)
    found = []
    for p in people:
        theirs_offer, theirs_learn = fold(p.skills_to_offer), fold(p.skills_to_learn)
        teaches, learns = len(theirs_offer & learn), len(theirs_learn & offer)
        rel_teach = {mine for f, mine in teach if f in theirs_offer and mine not in theirs_offer}
        rel_learn = {f for f, mine in learn_pairs if f in theirs_learn and mine not in theirs_learn}
        if p.id == user_id or not (teaches or rel_teach) or not (learns or rel_learn):
            continue
        scores = received.get(p.id, [])
        key = rules.match_order(
            teaches=teaches,
            learns=learns,
            rating_sum=sum(scores),
            rating_count=len(scores),
            last_active_at=p.last_active_at,
            user_id=p.id,
            global_mean=mean,
            related=len(rel_teach) + len(rel_learn),
        )
        score = rules.match_score(
            teaches=teaches,
            learns=learns,
            rating_sum=sum(scores),
            rating_count=len(scores),
            global_mean=mean,
        )
        found.append((key, (p.id, score, len(scores), bool(teaches and learns))))
    return [row for _, row in sorted(found)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=population)
# P1 wants my Guitar and a name related to it: that name adds nothing (it relates to a key of
# mine they already want), so the more recently active P2 ranks first.
@example(
    data={
        "people": [
            (["Guitar"], ["Chess"], None),
            (["Chess"], ["guitar", "guitars", "Go"], 1),
            (["Chess"], ["Guitar"], 3),
        ],
        "ratings": [],
        "edits": [],
        "active": [],
        "unrate": 0,
        "delete": None,
    }
)
async def test_matches_equal_the_ranking_of_live_profiles(
    session: AsyncSession, cache: Cache, backend: str, data: dict[str, Any]
) -> None:
    postgres = backend == "postgresql"
    savepoint = await session.begin_nested()
    try:
        await _write(session, data)
        mean = await service.global_mean_rating(session=session, cache=cache)
        users = list(await session.scalars(select(User.id)))
        for user_id in users:
            expected = await _expected(session, user_id, mean, postgres)
            page = await service.find_matches(
                session=session, cache=cache, user_id=user_id, limit=50
            )
            got = [(m.id, m.score, m.rating_count, m.exact) for m in page.items]
            assert got == expected
            second = await service.find_matches(
                session=session, cache=cache, user_id=user_id, limit=2, offset=1
            )
            assert [m.id for m in second.items] == [row[0] for row in expected[1:3]]
        # The table itself: one row per user, lists folded as the query folds them.
        rows = (await session.execute(select(MatchProfile))).scalars().all()
        assert sorted(row.user_id for row in rows) == sorted(users)
        for row in rows:
            user = await session.get(User, row.user_id)
            assert user is not None
            assert sorted(row.offers) == sorted({n.lower() for n in user.skills_to_offer or ()})
            assert sorted(row.wants) == sorted({n.lower() for n in user.skills_to_learn or ()})
        if postgres:  # the pair table: every offered x wanted pair of each profile, no other
            pairs = await session.execute(
                text(
                    "SELECT offer_key, want_key, user_id, rating_count, rating_sum, "
                    "last_active_at FROM exchange_match_pairs"
                )
            )
            assert sorted(pairs.tuples(), key=repr) == sorted(
                (
                    (o, w, r.user_id, r.rating_count, r.rating_sum, r.last_active_at)
                    for r in rows
                    for o in r.offers
                    for w in r.wants
                ),
                key=repr,
            )
    finally:
        await savepoint.rollback()
        await cache.delete(service.global_mean_key())
