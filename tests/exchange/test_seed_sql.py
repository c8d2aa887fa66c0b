"""Seed 001's SQL on a skillnest database: its INSERTs run unchanged, its CHECK and cascades hold.

The seed creates rows through its ORM; these are the statements it issues (the columns it
sets, defaults left to the database). The chat is inserted with the opener as ``user1_id``
whatever the ids, which is why the pair is kept unique by an expression index rather than
by storing it ordered.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

INSERT_CHAT = "INSERT INTO chats (user1_id, user2_id) VALUES (:user1_id, :user2_id) RETURNING id"
INSERT_MESSAGE = (
    "INSERT INTO messages (chat_id, sender_id, content) VALUES (:chat_id, :sender_id, :content) "
    "RETURNING id"
)
INSERT_RATING = (
    "INSERT INTO ratings (rater_id, rated_id, chat_id, rating, comment) "
    "VALUES (:rater_id, :rated_id, :chat_id, :rating, :comment) RETURNING id"
)
# The seed's "Common Queries", as SQL.
AVERAGE_RATING = "SELECT avg(rating) FROM ratings WHERE rated_id = :user_id"
CHAT_MESSAGES = "SELECT content FROM messages WHERE chat_id = :chat_id ORDER BY timestamp"
USER_CHATS = (
    "SELECT id FROM chats WHERE user1_id = :user_id "
    "UNION SELECT id FROM chats WHERE user2_id = :user_id"
)


@pytest.fixture
def conn(sync_engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back afterwards."""
    with sync_engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def insert_user(conn: Connection, backend: str, name: str, offer: str, learn: str) -> int:
    """Seed 001's user INSERT: a VARCHAR(50)[] literal on PostgreSQL, a JSON list on SQLite."""
    email = f"{name.lower()}@seed.example.org"
    if backend == "postgresql":
        statement = (
            "INSERT INTO users (name, email, password_hash, skills_to_offer, skills_to_learn) "
            f"VALUES (:name, :email, 'pbkdf2:sha256:600000$x$y', ARRAY['{offer}'], "
            f"ARRAY['{learn}']) RETURNING id"
        )
    else:
        statement = (
            "INSERT INTO users (name, email, password_hash, skills_to_offer, skills_to_learn) "
            f"VALUES (:name, :email, 'pbkdf2:sha256:600000$x$y', '[\"{offer}\"]', "
            f"'[\"{learn}\"]') RETURNING id"
        )
    return int(conn.execute(text(statement), {"name": name, "email": email}).scalar_one())


def count(conn: Connection, table: str, where: str, **params: int) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params).scalar())


def test_seed_inserts_run_and_defaults_apply(conn, backend):
    ann = insert_user(conn, backend, "Ann", "Python", "Guitar")
    bob = insert_user(conn, backend, "Bob", "Guitar", "Python")
    # Bob opens the chat: user1_id > user2_id, as the seed's app writes it.
    chat = conn.execute(text(INSERT_CHAT), {"user1_id": bob, "user2_id": ann}).scalar_one()
    first = conn.execute(
        text(INSERT_MESSAGE), {"chat_id": chat, "sender_id": bob, "content": "Hi Ann"}
    ).scalar_one()
    conn.execute(text(INSERT_MESSAGE), {"chat_id": chat, "sender_id": ann, "content": "Hi Bob"})
    conn.execute(
        text(INSERT_RATING),
        {"rater_id": ann, "rated_id": bob, "chat_id": chat, "rating": 5, "comment": "Great"},
    )
    conn.execute(
        text(INSERT_RATING),
        {"rater_id": bob, "rated_id": ann, "chat_id": chat, "rating": 4, "comment": None},
    )

    row = conn.execute(text("SELECT created_at FROM chats WHERE id = :id"), {"id": chat}).one()
    assert row.created_at is not None
    message = conn.execute(
        text("SELECT timestamp, is_read FROM messages WHERE id = :id"), {"id": first}
    ).one()
    assert message.timestamp is not None and not message.is_read
    assert conn.execute(text(AVERAGE_RATING), {"user_id": bob}).scalar() == 5
    assert conn.execute(text(CHAT_MESSAGES), {"chat_id": chat}).scalars().all() in (
        ["Hi Ann", "Hi Bob"],
        ["Hi Bob", "Hi Ann"],  # same transaction, same timestamp: the seed orders by it only
    )
    assert conn.execute(text(USER_CHATS), {"user_id": ann}).scalars().all() == [chat]


def test_seed_check_and_the_added_constraints(conn, backend):
    ann = insert_user(conn, backend, "Ann", "Python", "Guitar")
    bob = insert_user(conn, backend, "Bob", "Guitar", "Python")
    chat = conn.execute(text(INSERT_CHAT), {"user1_id": ann, "user2_id": bob}).scalar_one()
    rating = {"rater_id": ann, "rated_id": bob, "chat_id": chat, "comment": None}
    for out_of_range in (0, 6):
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(INSERT_RATING), {**rating, "rating": out_of_range})
    conn.execute(text(INSERT_RATING), {**rating, "rating": 1})
    with pytest.raises(IntegrityError), conn.begin_nested():  # one rating per rater per chat
        conn.execute(text(INSERT_RATING), {**rating, "rating": 2})
    with pytest.raises(IntegrityError), conn.begin_nested():  # the same pair the other way
        conn.execute(text(INSERT_CHAT), {"user1_id": bob, "user2_id": ann})
    with pytest.raises(IntegrityError), conn.begin_nested():  # no chat with oneself
        conn.execute(text(INSERT_CHAT), {"user1_id": ann, "user2_id": ann})
    with pytest.raises(IntegrityError), conn.begin_nested():  # content NOT NULL
        conn.execute(text(INSERT_MESSAGE), {"chat_id": chat, "sender_id": ann, "content": None})
    with pytest.raises(IntegrityError), conn.begin_nested():  # foreign keys are enforced
        conn.execute(
            text(INSERT_MESSAGE), {"chat_id": chat + 1000, "sender_id": ann, "content": "x"}
        )


def test_seed_cascades(conn, backend):
    ann = insert_user(conn, backend, "Ann", "Python", "Guitar")
    bob = insert_user(conn, backend, "Bob", "Guitar", "Python")
    cy = insert_user(conn, backend, "Cy", "Chess", "Go")
    with_bob = conn.execute(text(INSERT_CHAT), {"user1_id": ann, "user2_id": bob}).scalar_one()
    with_cy = conn.execute(text(INSERT_CHAT), {"user1_id": cy, "user2_id": ann}).scalar_one()
    for chat, sender in ((with_bob, bob), (with_cy, cy), (with_cy, ann)):
        conn.execute(text(INSERT_MESSAGE), {"chat_id": chat, "sender_id": sender, "content": "x"})
    conn.execute(
        text(INSERT_RATING),
        {"rater_id": bob, "rated_id": ann, "chat_id": with_bob, "rating": 4, "comment": None},
    )
    conn.execute(
        text(INSERT_RATING),
        {"rater_id": ann, "rated_id": cy, "chat_id": with_cy, "rating": 5, "comment": None},
    )

    # Deleting a chat takes its messages and ratings.
    conn.execute(text("DELETE FROM chats WHERE id = :id"), {"id": with_bob})
    assert count(conn, "messages", "chat_id = :c", c=with_bob) == 0
    assert count(conn, "ratings", "chat_id = :c", c=with_bob) == 0
    assert count(conn, "messages", "chat_id = :c", c=with_cy) == 2

    # Deleting a user takes their chats, the messages in them and every rating given or received.
    conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": ann})
    assert count(conn, "chats", "user1_id = :u OR user2_id = :u", u=ann) == 0
    assert count(conn, "messages", "chat_id = :c", c=with_cy) == 0
    assert count(conn, "ratings", "rater_id = :u OR rated_id = :u", u=ann) == 0
    assert count(conn, "users", "id = :u", u=cy) == 1
