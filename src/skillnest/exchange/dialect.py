"""The exchange's dialect-specific SQL, in one place: the match query and the chat pair.

PostgreSQL answers matches from GIN indexes with C-level set arithmetic; SQLite walks the
JSON lists with json_each. Both order by the components of ``rules.match_order``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, Text, TextClause, cast, exists, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer as IntegerType
from sqlalchemy.types import TypeEngine

from skillnest.core.db import StringArray, UTCDateTime, is_postgres


class pair_low(FunctionElement[int]):  # noqa: N801 - reads as the SQL it emits
    """The smaller of two ids: ``least(a, b)`` on PostgreSQL, ``min(a, b)`` on SQLite."""

    type = IntegerType()
    inherit_cache = True


class pair_high(FunctionElement[int]):  # noqa: N801 - reads as the SQL it emits
    """The larger of two ids: ``greatest(a, b)`` on PostgreSQL, ``max(a, b)`` on SQLite."""

    type = IntegerType()
    inherit_cache = True


@compiles(pair_low, "postgresql")
def _pair_low_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"least({compiler.process(element.clauses, **kw)})"


@compiles(pair_low)
def _pair_low_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(pair_high, "postgresql")
def _pair_high_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(pair_high)
def _pair_high_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


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


def matches_statement(session: AsyncSession) -> TextClause:
    """The match query of the session's dialect, its result columns typed."""
    statement = MATCHES_POSTGRES if is_postgres(session) else MATCHES_SQLITE
    return statement.columns(**_MATCH_TYPES)  # type: ignore[return-value]


def lists_skill(column: Any, skill: str, *, postgres: bool) -> ColumnElement[bool]:
    """Whether a skill array column lists the skill, case-insensitively.

    PostgreSQL asks the lower-cased GIN index (containment ``@>``); SQLite walks the JSON list.
    """
    if postgres:
        wanted = postgresql.array([func.lower(cast(skill, Text))])
        return func.exchange_lower_skills(column).op("@>", is_comparison=True)(wanted)
    each = func.json_each(column).table_valued("value")
    return exists(select(1).select_from(each).where(func.lower(each.c.value) == func.lower(skill)))
