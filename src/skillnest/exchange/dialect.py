"""The exchange's dialect-specific SQL, in one place: the match query and the chat pair.

PostgreSQL answers matches from GIN indexes with C-level set arithmetic; SQLite walks the
JSON lists with json_each. Both order by the components of ``rules.match_order``.
"""

from __future__ import annotations

import json
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

# One statement over the narrow table ``exchange_match_profiles`` (folded lists, rating count
# and sum, last activity; kept in step by triggers of the 0011 migration), so ranking a
# candidate never touches ``users`` or ``ratings``. The caller's folded lists are read once
# (InitPlans), with the keys the vocabulary relates to them appended (``learn_any``,
# ``offer_any``: empty when nothing is related); both GIN indexes are intersected (BitmapAnd)
# to find everyone who offers one of those AND wants one of those. For those rows only, each
# list becomes a set (tsvector) and the exact overlap is its size minus the size after
# ts_delete of the caller's skills: C-level set arithmetic, no subquery per row. Related
# skills are counted by a small subquery over the related pairs, skipped when there are none.
# Only the requested page is joined back to the profiles, spelled out and given its related
# pairs. The stored lists hold no NULL or empty entries (tsvectors refuse them).
#
# The ranking needs every two-way match: the order is overlap first (a property of the pair,
# not of either row, so no index yields candidates in rank order) and the tie-breakers
# (the Bayesian rating with the current global mean, then activity) only apply within an
# overlap. What the table removes is the per-candidate cost (folding two arrays, a rating
# lookup and a wide heap row each): a candidate is now a narrow row and four C calls.
MATCHES_POSTGRES = text(f"""
WITH me AS MATERIALIZED (
    SELECT offers AS offer, wants AS learn,
        wants || CAST(:teach_f AS text[]) AS learn_any,
        offers || CAST(:learn_f AS text[]) AS offer_any
    FROM exchange_match_profiles WHERE user_id = :user_id
),
candidates AS MATERIALIZED (
    SELECT m.user_id AS id, m.last_active_at, m.rating_count, m.rating_sum,
        array_to_tsvector(m.offers) AS offers, array_to_tsvector(m.wants) AS wants
    FROM exchange_match_profiles AS m
    WHERE m.offers && (SELECT learn_any FROM me)
      AND m.wants && (SELECT offer_any FROM me)
      AND m.user_id <> :user_id
),
scored AS (
    SELECT c.id, c.last_active_at, c.rating_count,
        CASE WHEN c.rating_count = 0 THEN NULL ELSE c.rating_sum END AS rating_sum,
        length(c.offers) - length(ts_delete(c.offers, (SELECT learn FROM me))) AS teaches,
        length(c.wants) - length(ts_delete(c.wants, (SELECT offer FROM me))) AS learns,
        CASE WHEN cardinality(CAST(:teach_f AS text[])) = 0 THEN 0 ELSE (
            SELECT count(DISTINCT p.w)
            FROM unnest(CAST(:teach_f AS text[]), CAST(:teach_w AS text[])) AS p(f, w)
            WHERE p.f = ANY(tsvector_to_array(c.offers))
              AND p.w <> ALL(tsvector_to_array(c.offers))
        ) END AS related_teaches,
        CASE WHEN cardinality(CAST(:learn_f AS text[])) = 0 THEN 0 ELSE (
            SELECT count(DISTINCT p.f)
            FROM unnest(CAST(:learn_o AS text[]), CAST(:learn_f AS text[])) AS p(mine, f)
            WHERE p.f = ANY(tsvector_to_array(c.wants))
              AND p.mine <> ALL(tsvector_to_array(c.wants))
        ) END AS related_learns,
        (:prior * CAST(:mean AS double precision) + c.rating_sum)
            / (:prior + c.rating_count) AS rating_rank
    FROM candidates AS c
),
ranked AS (
    SELECT * FROM scored
    ORDER BY (teaches > 0 AND learns > 0) DESC, teaches + learns DESC,
        related_teaches + related_learns DESC, rating_rank DESC,
        last_active_at DESC NULLS LAST, id
    LIMIT :limit OFFSET :offset
)
SELECT {", ".join(f"u.{c.strip()}" for c in PROFILE_COLUMNS.split(","))},
    ranked.teaches, ranked.learns, ranked.rating_count, ranked.rating_sum,
    ranked.related_teaches, ranked.related_learns,
    ARRAY(SELECT o FROM unnest(u.skills_to_offer, exchange_fold_skills(u.skills_to_offer))
          AS t(o, lo) WHERE lo = ANY((SELECT learn FROM me)::text[])) AS teaches_you,
    ARRAY(SELECT o FROM unnest(u.skills_to_learn, exchange_fold_skills(u.skills_to_learn))
          AS t(o, lo) WHERE lo = ANY((SELECT offer FROM me)::text[])) AS learns_from_you,
    CASE WHEN ranked.related_teaches = 0 THEN '[]' ELSE (
        SELECT CAST(json_agg(json_build_array(t.o, p.w) ORDER BY t.o, p.w) AS text)
        FROM unnest(u.skills_to_offer, exchange_fold_skills(u.skills_to_offer)) AS t(o, lo)
        JOIN unnest(CAST(:teach_f AS text[]), CAST(:teach_w AS text[])) AS p(f, w)
            ON p.f = t.lo
        WHERE p.w <> ALL(exchange_fold_skills(u.skills_to_offer))
    ) END AS related_teach,
    CASE WHEN ranked.related_learns = 0 THEN '[]' ELSE (
        SELECT CAST(json_agg(json_build_array(p.mine, t.o) ORDER BY p.mine, t.o) AS text)
        FROM unnest(u.skills_to_learn, exchange_fold_skills(u.skills_to_learn)) AS t(o, lo)
        JOIN unnest(CAST(:learn_o AS text[]), CAST(:learn_f AS text[])) AS p(mine, f)
            ON p.f = t.lo
        WHERE p.mine <> ALL(exchange_fold_skills(u.skills_to_learn))
    ) END AS related_learn
FROM ranked JOIN users AS u ON u.id = ranked.id
ORDER BY (ranked.teaches > 0 AND ranked.learns > 0) DESC, ranked.teaches + ranked.learns DESC,
    ranked.related_teaches + ranked.related_learns DESC, ranked.rating_rank DESC,
    ranked.last_active_at DESC NULLS LAST, ranked.id
""")

# The SQLite twin: no GIN, so every row of the narrow table is walked with json_each (fine at
# the embedded scale); its lists are folded with lower(), which folds ASCII letters only on
# SQLite, and the rating count and sum come with the row. The related pairs come as JSON
# lists of [their key, my key] (teach) and [my key, their key] (learn).
MATCHES_SQLITE = text(f"""
WITH me AS (
    SELECT offers AS offer, wants AS learn FROM exchange_match_profiles WHERE user_id = :user_id
),
my_offer AS (SELECT value AS skill FROM json_each((SELECT offer FROM me))),
my_learn AS (SELECT value AS skill FROM json_each((SELECT learn FROM me))),
teach_rel AS (
    SELECT json_extract(value, '$[0]') AS f, json_extract(value, '$[1]') AS w
    FROM json_each(:teach)
),
learn_rel AS (
    SELECT json_extract(value, '$[0]') AS mine, json_extract(value, '$[1]') AS f
    FROM json_each(:learn)
),
candidates AS (
    SELECT m.user_id AS id, m.last_active_at, m.rating_count,
        CASE WHEN m.rating_count = 0 THEN NULL ELSE m.rating_sum END AS rating_sum,
        (SELECT count(*) FROM json_each(m.offers) AS o
         WHERE o.value IN (SELECT skill FROM my_learn)) AS teaches,
        (SELECT count(*) FROM json_each(m.wants) AS l
         WHERE l.value IN (SELECT skill FROM my_offer)) AS learns,
        (SELECT count(DISTINCT p.w) FROM teach_rel AS p
         WHERE p.f IN (SELECT o.value FROM json_each(m.offers) AS o)
           AND p.w NOT IN (SELECT o.value FROM json_each(m.offers) AS o)
        ) AS related_teaches,
        (SELECT count(DISTINCT p.f) FROM learn_rel AS p
         WHERE p.f IN (SELECT l.value FROM json_each(m.wants) AS l)
           AND p.mine NOT IN (SELECT l.value FROM json_each(m.wants) AS l)
        ) AS related_learns
    FROM exchange_match_profiles AS m
    WHERE m.user_id <> :user_id
),
ranked AS (
    SELECT * FROM candidates AS c
    WHERE c.teaches + c.related_teaches > 0 AND c.learns + c.related_learns > 0
)
SELECT {", ".join(f"u.{c.strip()}" for c in PROFILE_COLUMNS.split(","))},
    ranked.teaches, ranked.learns, ranked.rating_count, ranked.rating_sum,
    ranked.related_teaches, ranked.related_learns,
    (SELECT json_group_array(o.value) FROM json_each(u.skills_to_offer) AS o
     WHERE lower(o.value) IN (SELECT skill FROM my_learn)) AS teaches_you,
    (SELECT json_group_array(l.value) FROM json_each(u.skills_to_learn) AS l
     WHERE lower(l.value) IN (SELECT skill FROM my_offer)) AS learns_from_you,
    (SELECT json_group_array(json_array(o.value, p.w)) FROM json_each(u.skills_to_offer) AS o
     JOIN teach_rel AS p ON p.f = lower(o.value)
     WHERE p.w NOT IN (SELECT lower(x.value) FROM json_each(u.skills_to_offer) AS x)
    ) AS related_teach,
    (SELECT json_group_array(json_array(p.mine, l.value)) FROM json_each(u.skills_to_learn) AS l
     JOIN learn_rel AS p ON p.f = lower(l.value)
     WHERE p.mine NOT IN (SELECT lower(x.value) FROM json_each(u.skills_to_learn) AS x)
    ) AS related_learn
FROM ranked JOIN users AS u ON u.id = ranked.id
ORDER BY (ranked.teaches > 0 AND ranked.learns > 0) DESC, ranked.teaches + ranked.learns DESC,
    ranked.related_teaches + ranked.related_learns DESC,
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
    "related_teaches": Integer(),
    "related_learns": Integer(),
}


def matches_statement(session: AsyncSession) -> TextClause:
    """The match query of the session's dialect, its result columns typed."""
    statement = MATCHES_POSTGRES if is_postgres(session) else MATCHES_SQLITE
    return statement.columns(**_MATCH_TYPES)  # type: ignore[return-value]


def related_params(
    session: AsyncSession, teach: list[tuple[str, str]], learn: list[tuple[str, str]]
) -> dict[str, Any]:
    """The match query's related pairs: (their key, my key) to teach, (mine, theirs) to learn.

    Parallel arrays on PostgreSQL, JSON lists of pairs on SQLite.
    """
    if is_postgres(session):
        return {
            "teach_f": [f for f, _ in teach],
            "teach_w": [w for _, w in teach],
            "learn_o": [o for o, _ in learn],
            "learn_f": [f for _, f in learn],
        }
    return {"teach": json.dumps(teach), "learn": json.dumps(learn)}


# The caller's own skills with their keys, folded as the match query folds them.
MY_SKILLS_POSTGRES = text("""
SELECT 'offer' AS side, t.o AS spelling, t.lo AS key
FROM users, unnest(skills_to_offer, exchange_fold_skills(skills_to_offer)) AS t(o, lo)
WHERE users.id = :user_id AND t.lo <> ''
UNION ALL
SELECT 'learn', t.o, t.lo
FROM users, unnest(skills_to_learn, exchange_fold_skills(skills_to_learn)) AS t(o, lo)
WHERE users.id = :user_id AND t.lo <> ''
""")
MY_SKILLS_SQLITE = text("""
SELECT 'offer' AS side, o.value AS spelling, lower(o.value) AS key
FROM users, json_each(users.skills_to_offer) AS o WHERE users.id = :user_id AND o.value <> ''
UNION ALL
SELECT 'learn', l.value, lower(l.value)
FROM users, json_each(users.skills_to_learn) AS l WHERE users.id = :user_id AND l.value <> ''
""")


def my_skills_statement(session: AsyncSession) -> TextClause:
    """(side, spelling, key) of each skill a user offers or wants."""
    return MY_SKILLS_POSTGRES if is_postgres(session) else MY_SKILLS_SQLITE


# Terms sharing a canonical term with a key (aliases), on both backends.
ALIASES_SQL = """
SELECT q.k AS key, a.key AS other
FROM {keys} JOIN skill_terms AS s ON s.key = q.k
JOIN skill_terms AS a ON a.canonical = s.canonical AND a.key <> q.k
"""
# PostgreSQL: similar terms from the pg_trgm GIN index. ``%`` finds candidates at pg_trgm's
# threshold (0.3 unless configured), ``similarity()`` keeps those at the project's own.
RELATED_POSTGRES = text(
    "WITH q AS (SELECT DISTINCT k FROM unnest(CAST(:keys AS text[])) AS t(k)) "
    "SELECT q.k AS key, t.key AS other FROM q JOIN skill_terms AS t ON t.key % q.k "
    "WHERE t.key <> q.k AND char_length(q.k) >= :min_length "
    "AND char_length(t.key) >= :min_length AND similarity(t.key, q.k) >= :threshold "
    "UNION " + ALIASES_SQL.format(keys="q")
)
# SQLite: aliases in SQL; similar names are found by the FTS5 trigram table (candidates
# sharing a trigram) and measured in Python with the same formula (``rules.similarity``).
ALIASES_SQLITE = text(
    ALIASES_SQL.format(keys="(SELECT DISTINCT value AS k FROM json_each(:keys)) AS q")
)
TRIGRAM_CANDIDATES_SQLITE = text(
    "SELECT key FROM skill_terms_fts WHERE skill_terms_fts MATCH :match"
)


def lists_skill(column: Any, skill: str, *, postgres: bool) -> ColumnElement[bool]:
    """Whether a skill array column lists the skill, case-insensitively.

    PostgreSQL asks the lower-cased GIN index (containment ``@>``); SQLite walks the JSON list.
    """
    if postgres:
        wanted = postgresql.array([func.lower(cast(skill, Text))])
        return func.exchange_lower_skills(column).op("@>", is_comparison=True)(wanted)
    each = func.json_each(column).table_valued("value")
    return exists(select(1).select_from(each).where(func.lower(each.c.value) == func.lower(skill)))
