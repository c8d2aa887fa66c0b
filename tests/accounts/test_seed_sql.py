"""Seed 001's own SQL for the users table runs on a skillnest database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

SEED_INSERT_POSTGRES = """
INSERT INTO users (name, email, password_hash, pronouns, bio, location, availability,
                   learning_style, skills_to_offer, skills_to_learn, image_url)
VALUES ('Seed User', 'seed@example.org', 'pbkdf2:sha256:600000$salt$hash', 'she/her', 'bio',
        'Austin, TX', 'Evenings', 'Visual', ARRAY['Python', 'SQL'], ARRAY['Guitar'], NULL)
RETURNING id, created_at, is_admin
"""
# SQLite has no ARRAY literal: the same row with the arrays as JSON lists.
SEED_INSERT_SQLITE = SEED_INSERT_POSTGRES.replace(
    "ARRAY['Python', 'SQL']", '\'["Python", "SQL"]\''
).replace("ARRAY['Guitar']", "'[\"Guitar\"]'")


def test_seed_users_insert_runs_with_defaults(sync_engine, backend):
    statement = SEED_INSERT_POSTGRES if backend == "postgresql" else SEED_INSERT_SQLITE
    with sync_engine.connect() as conn:
        trans = conn.begin()
        row = conn.execute(text(statement)).one()
        assert row.id > 0 and row.created_at is not None and not row.is_admin
        if backend == "postgresql":
            skills = conn.execute(
                text("SELECT skills_to_offer FROM users WHERE id = :id"), {"id": row.id}
            ).scalar_one()
            assert skills == ["Python", "SQL"]
        with pytest.raises(IntegrityError), conn.begin_nested():  # email is UNIQUE
            conn.execute(text(statement.replace("'Seed User'", "'Again'")))
        trans.rollback()


def test_seed_index_on_email_exists(sync_engine):
    from sqlalchemy import inspect

    names = {index["name"] for index in inspect(sync_engine).get_indexes("users")}
    assert "idx_users_email" in names
