"""The seed's indexes exist, and the queries use the ones added for them."""

from __future__ import annotations

import re

from sqlalchemy import inspect, text

from skillnest.exchange.dialect import MATCHES_POSTGRES, RELATED_POSTGRES, match_params

SEED_INDEXES = {
    "users": {"idx_users_email"},
    "chats": {"idx_chats_user1_id", "idx_chats_user2_id"},
    "messages": {"idx_messages_chat_id", "idx_messages_sender_id"},
    "ratings": {"idx_ratings_rated_id", "idx_ratings_chat_id"},
}


def index_names(sync_engine, table: str) -> set[str]:
    if sync_engine.dialect.name == "sqlite":  # includes expression indexes SQLAlchemy skips
        with sync_engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
                {"t": table},
            )
            return set(rows.scalars())
    return {index["name"] for index in inspect(sync_engine).get_indexes(table)}


def test_seed_indexes_and_added_ones_exist(sync_engine, backend):
    for table, names in SEED_INDEXES.items():
        assert names <= index_names(sync_engine, table), table
    assert "uq_chats_pair" in index_names(sync_engine, "chats")
    assert "ix_messages_chat_id_timestamp_id" in index_names(sync_engine, "messages")
    users = index_names(sync_engine, "users")
    gin = {"ix_users_skills_to_offer_lower_gin", "ix_users_skills_to_learn_lower_gin"}
    if backend == "postgresql":
        assert gin <= users
        # The match query's candidates come from the pair table's primary key; the GIN
        # indexes of the folded lists are gone (0012).
        assert "pk_exchange_match_pairs" in {
            c["name"] for c in [inspect(sync_engine).get_pk_constraint("exchange_match_pairs")]
        }
        assert not {n for n in index_names(sync_engine, "exchange_match_profiles") if "gin" in n}
    else:
        assert not gin & users  # no GIN on SQLite: the twin query walks json_each
        assert "exchange_match_pairs" not in inspect(sync_engine).get_table_names()


def test_queries_use_the_indexes(sync_engine, backend):
    with sync_engine.connect() as conn:
        if backend == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables otherwise
            params = match_params(True, ["python"], ["guitar"], [("acoustic guitar", "guitar")], [])
            plan = "\n".join(
                conn.execute(
                    text("EXPLAIN " + MATCHES_POSTGRES.text),
                    {"user_id": 1, "prior": 5, "mean": 3.0, "limit": 20, "offset": 0, **params},
                ).scalars()
            )
            # The candidates come from one lookup of the pair table's primary key per pair
            # of keys (both key columns in the condition), never from a scan.
            assert "Index Only Scan using pk_exchange_match_pairs" in plan
            assert re.search(
                r"Index Cond: \(\(offer_key = \w+\.k\) AND \(want_key = \w+\.k\)\)", plan
            )
            assert "Seq Scan on exchange_match_p" not in plan
            assert "Seq Scan on users" not in plan
            # Related names are looked up by key in the table of similar terms, kept by a
            # trigger that finds them with the trigram index when a name is added.
            related = "\n".join(
                conn.execute(
                    text("EXPLAIN " + RELATED_POSTGRES.text), {"keys": ["guitar"]}
                ).scalars()
            )
            assert re.search(r"Index (Only )?Scan using pk_skill_terms_similar", related)
            assert re.search(r"Index Cond: \(\(?key\)?(::text)? = q\.k\)", related)
            definition = conn.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_skill_terms_key_trgm'")
            )
            assert "USING gin (key gin_trgm_ops)" in str(definition)
            assert "% NEW.key" in conn.scalar(
                text("SELECT prosrc FROM pg_proc WHERE proname = 'skill_terms_similar_add'")
            )
            pair = (
                "EXPLAIN SELECT id FROM chats "
                "WHERE least(user1_id, user2_id) = 1 AND greatest(user1_id, user2_id) = 2"
            )
            assert "uq_chats_pair" in "\n".join(conn.execute(text(pair)).scalars())
        else:
            plan = " ".join(
                str(row[-1])
                for row in conn.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE chat_id = 1 "
                        "ORDER BY timestamp, id"
                    )
                )
            )
            assert "ix_messages_chat_id_timestamp_id" in plan
            pair = (
                "EXPLAIN QUERY PLAN SELECT id FROM chats "
                "WHERE min(user1_id, user2_id) = 1 AND max(user1_id, user2_id) = 2"
            )
            assert "uq_chats_pair" in " ".join(str(r[-1]) for r in conn.execute(text(pair)))
        conn.rollback()
