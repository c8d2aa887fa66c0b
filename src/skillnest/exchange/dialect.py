"""The exchange's dialect-specific SQL, in one place: the match query and the chat pair.

PostgreSQL answers matches from the primary key of ``exchange_match_pairs`` and the related
names from ``skill_terms_similar``; SQLite walks the JSON lists with json_each. Both order by
the components of ``rules.match_order``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Text, cast, column, exists, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer as IntegerType
from sqlalchemy.types import NullType, TypeEngine

from skillnest.core.db import StringArray, UTCDateTime
from skillnest.core.driver import DriverStatement


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

# One statement. The caller's folded keys come as parameters, each with two bit masks
# (``match_params``): to probe the offered side, the caller's wanted keys and the names the
# vocabulary relates to them; to probe the wanted side, the offered keys and their related
# names. A key's ``exact`` mask has the bit of the caller's own key it is (none for a related
# name), its ``related`` mask the bits of the caller's keys it is related to.
#
# A two-way match offers one of the probed offer keys AND wants one of the probed want keys,
# so it is exactly a user listed under one of the (offer key, want key) probe pairs in
# ``exchange_match_pairs`` (every offered x wanted pair of every profile, kept in step by
# triggers of the 0012 migration). One primary-key lookup per probe pair (a lateral
# subquery: OFFSET 0 keeps both key columns in the index condition, where a flattened join
# may read every entry of one key and filter) reads only the matches' entries, whatever the
# population; two GIN bitmaps would each hold everyone listing one of the caller's skills.
# A candidate's entries name every key of theirs the ranking looks at, so OR-ing their masks
# gives the exact overlap (the bits set in ``exact``) and the related pairs that count (bits
# set in ``related`` but not in ``exact``: the candidate lists the exact key iff it is in one
# of their entries), with no per-candidate subquery. The entries also carry the rating count
# and sum and the activity (INCLUDE columns of the index), so ranking a candidate reads
# nothing else; only the requested page is joined back to ``users``, spelled out and given
# its related pairs.
#
# The ranking still looks at every two-way match: the order is overlap first (a property of
# the pair, not of either row) and the tie-breakers (the Bayesian rating with the current
# global mean, then activity) only apply within an overlap, so no index yields candidates
# in rank order. What followed the population (the bitmaps) is gone; what is left follows
# the matches, at a few microseconds each.
MATCHES_POSTGRES = text(f"""
WITH me AS (
    SELECT CAST(:my_offer AS text[]) AS offer, CAST(:my_learn AS text[]) AS learn
),
o AS (
    SELECT * FROM unnest(CAST(:offer_keys AS text[]), CAST(:offer_exact AS varbit[]),
        CAST(:offer_related AS varbit[])) AS t(k, e, r)
),
w AS (
    SELECT * FROM unnest(CAST(:want_keys AS text[]), CAST(:want_exact AS varbit[]),
        CAST(:want_related AS varbit[]), CAST(:want_own AS varbit[])) AS t(k, e, r, f)
),
candidates AS (
    SELECT p.user_id AS id, bit_or(o.e) AS te, bit_or(o.r) AS tr, bit_or(w.e) AS le,
        bit_or(w.r) AS lr, bit_or(w.f) AS lf,
        -- Every entry of a user carries the same rating and activity.
        min(p.rating_count) AS rating_count, min(p.rating_sum) AS rating_sum,
        min(p.last_active_at) AS last_active_at
    FROM o CROSS JOIN w CROSS JOIN LATERAL (
        SELECT q.user_id, q.rating_count, q.rating_sum, q.last_active_at
        FROM exchange_match_pairs AS q
        WHERE q.offer_key = o.k AND q.want_key = w.k AND q.user_id <> :user_id OFFSET 0
    ) AS p
    GROUP BY p.user_id
),
scored AS (
    SELECT c.id, c.last_active_at, c.rating_count,
        CASE WHEN c.rating_count = 0 THEN NULL ELSE c.rating_sum END AS rating_sum,
        bit_count(c.te) AS teaches, bit_count(c.le) AS learns,
        bit_count(c.tr & ~c.te) AS related_teaches,
        -- Counted by their key: each related key of theirs whose key of mine they do not
        -- want as such. Only when they also want one of those keys of mine is it per key.
        CASE WHEN bit_count(c.lr & c.le) = 0 THEN bit_count(c.lf) ELSE (
            SELECT count(*) FROM w AS x
            WHERE bit_count(x.f & c.lf) > 0 AND bit_count(x.r & ~c.le) > 0
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
    "created_at": UTCDateTime(),
    "teaches": Integer(),
    "learns": Integer(),
    "rating_count": Integer(),
    "related_teaches": Integer(),
    "related_learns": Integer(),
}
# psycopg reads text[] as lists itself; SQLite's JSON lists are decoded by the array type.
_SQLITE_ARRAYS = dict.fromkeys(
    ("skills_to_offer", "skills_to_learn", "teaches_you", "learns_from_you"), StringArray(50)
)
# Every column of both match statements in order (the driver reads rows by position).
MATCH_COLUMNS = (
    *(c.strip() for c in PROFILE_COLUMNS.split(",")),
    "teaches", "learns", "rating_count", "rating_sum", "related_teaches", "related_learns",
    "teaches_you", "learns_from_you", "related_teach", "related_learn",
)  # fmt: skip


def _match_columns(types: dict[str, TypeEngine[Any]]) -> list[Any]:
    return [column(name, types.get(name, NullType())) for name in MATCH_COLUMNS]


_SKILL_COLUMNS: list[Any] = [column(name) for name in ("side", "spelling", "key", "other")]
# The match page's two reads, each run through the driver on the session's connection.
MATCHES = {
    "postgresql": DriverStatement(MATCHES_POSTGRES.columns(*_match_columns(_MATCH_TYPES))),
    "sqlite": DriverStatement(
        MATCHES_SQLITE.columns(*_match_columns({**_MATCH_TYPES, **_SQLITE_ARRAYS}))
    ),
}


def match_params(
    postgres: bool,
    offer: Sequence[str],
    learn: Sequence[str],
    teach: list[tuple[str, str]],
    learn_pairs: list[tuple[str, str]],
) -> dict[str, Any]:
    """The match query's parameters for a caller's keys and related pairs.

    ``teach`` holds (their key, my wanted key), ``learn_pairs`` (my offered key, their key).
    PostgreSQL gets the probe keys of each side with their bit masks; SQLite, which reads
    the caller's lists itself, JSON lists of the related pairs.
    """
    if not postgres:
        return {"teach": json.dumps(teach), "learn": json.dumps(learn_pairs)}
    offer_side = _probes(learn, [(theirs, mine) for theirs, mine in teach])
    want_side = _probes(offer, [(theirs, mine) for mine, theirs in learn_pairs])
    # Related counts on this side go by their key, so each related key has a bit of its own.
    own = [key for key in want_side if key not in set(offer)]
    own_bits = {key: "".join("1" if k == key else "0" for k in own) for key in own}
    return {
        "my_offer": list(offer),
        "my_learn": list(learn),
        "offer_keys": list(offer_side),
        "offer_exact": [e for e, _ in offer_side.values()],
        "offer_related": [r for _, r in offer_side.values()],
        "want_keys": list(want_side),
        "want_exact": [e for e, _ in want_side.values()],
        "want_related": [r for _, r in want_side.values()],
        "want_own": [own_bits.get(key, "0" * len(own)) for key in want_side],
        # The page's related pairs, spelled out for its rows only.
        "teach_f": [theirs for theirs, _ in teach],
        "teach_w": [mine for _, mine in teach],
        "learn_o": [mine for mine, _ in learn_pairs],
        "learn_f": [theirs for _, theirs in learn_pairs],
    }


def _probes(mine: Sequence[str], related: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each key to probe with its exact and related masks over ``mine`` (bit strings)."""
    position = {key: i for i, key in enumerate(mine)}
    masks: dict[str, tuple[list[str], list[str]]] = {}

    def entry(key: str) -> tuple[list[str], list[str]]:
        return masks.setdefault(key, (["0"] * len(mine), ["0"] * len(mine)))

    for key, i in position.items():
        entry(key)[0][i] = "1"
    for theirs, key in related:
        if key in position:
            entry(theirs)[1][position[key]] = "1"
    return {key: ("".join(e), "".join(r)) for key, (e, r) in masks.items()}


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
SELECT 'offer' AS side, o.value AS spelling, lower(o.value) AS key, NULL AS other
FROM users, json_each(users.skills_to_offer) AS o WHERE users.id = :user_id AND o.value <> ''
UNION ALL
SELECT 'learn', l.value, lower(l.value), NULL
FROM users, json_each(users.skills_to_learn) AS l WHERE users.id = :user_id AND l.value <> ''
""")


# PostgreSQL: similar terms from ``skill_terms_similar`` (kept by the 0013 migration's trigger
# with the rules' length and similarity threshold), and the aliases. Each key is looked up by
# index (a lateral subquery; OFFSET 0 keeps it one): on a small vocabulary the planner would
# rather hash both whole tables, which made the whole read cost 0.6-1.25 ms of server CPU
# against 0.5-0.7 with the lookups.
RELATED_TO_Q_POSTGRES = (
    "SELECT q.k AS key, s.other FROM q CROSS JOIN LATERAL "
    "(SELECT other FROM skill_terms_similar WHERE key = q.k OFFSET 0) AS s "
    "UNION SELECT q.k, a.key FROM q CROSS JOIN LATERAL "
    "(SELECT canonical FROM skill_terms WHERE key = q.k OFFSET 0) AS s "
    "JOIN skill_terms AS a ON a.canonical = s.canonical AND a.key <> q.k"
)
RELATED_POSTGRES = text(
    "WITH q AS (SELECT DISTINCT k FROM unnest(CAST(:keys AS text[])) AS t(k)) "
    + RELATED_TO_Q_POSTGRES
)
# PostgreSQL, in one round trip: the caller's skills (side, spelling, key; ``other`` NULL)
# and the terms related to their keys (side 'related', ``key``, ``other``), the same rows
# as MY_SKILLS_POSTGRES and RELATED_POSTGRES give apart.
MY_SKILLS_AND_RELATED_POSTGRES = text(
    "WITH mine AS MATERIALIZED (" + MY_SKILLS_POSTGRES.text + "), "
    "q AS (SELECT DISTINCT key AS k FROM mine), related AS (" + RELATED_TO_Q_POSTGRES + ") "
    "SELECT side, spelling, key, NULL AS other FROM mine "
    "UNION ALL SELECT 'related', NULL, key, other FROM related"
)
# The caller's skills (on PostgreSQL with their related terms) as the match page reads them.
MY_SKILLS = {
    "postgresql": DriverStatement(MY_SKILLS_AND_RELATED_POSTGRES.columns(*_SKILL_COLUMNS)),
    "sqlite": DriverStatement(MY_SKILLS_SQLITE.columns(*_SKILL_COLUMNS)),
}
# SQLite: aliases (terms sharing a canonical term with a key) in SQL; similar names are found
# by the FTS5 trigram table (candidates sharing a trigram) and measured in Python with the
# same formula (``rules.similarity``).
ALIASES_SQLITE = text("""
SELECT q.k AS key, a.key AS other
FROM (SELECT DISTINCT value AS k FROM json_each(:keys)) AS q
JOIN skill_terms AS s ON s.key = q.k
JOIN skill_terms AS a ON a.canonical = s.canonical AND a.key <> q.k
""")
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
