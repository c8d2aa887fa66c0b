"""``skillnest exchange ...``: skills, matches, chats, messages and ratings from the shell.

The commands are thin clients of the REST API (``--server``, token from ``skillnest login``).
``matches EMAIL`` and ``stats`` read a local database directly, for operators; they are kept
as they were.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts import service as accounts
from skillnest.core.cli import (
    JsonOption,
    ServerOption,
    api,
    console,
    emit,
    run_in_transaction,
    table,
)
from skillnest.core.client import DEFAULT_SERVER
from skillnest.core.errors import NotFound
from skillnest.core.pages import Page
from skillnest.core.platform import Platform
from skillnest.exchange import schemas, service

exchange = typer.Typer(
    help="Skill exchange: skills, matches, chats, messages and ratings.", no_args_is_help=True
)


def _match_table(items: list[dict[str, Any]]) -> None:
    rows = Table("id", "score", "name", "teaches you", "learns from you", "related", "rating")
    for match in items:
        rating = (
            f"{match['average_rating']:.1f} ({match['rating_count']})"
            if match.get("rating_count")
            else "-"
        )
        rows.add_row(
            str(match["id"]),
            f"{match['score']:.2f}",
            match["name"],
            ", ".join(match["teaches_you"]),
            ", ".join(match["learns_from_you"]),
            ", ".join(f"{p['offered']} ≈ {p['wanted']}" for p in match.get("related", [])),
            rating,
        )
    console.print(rows)


@exchange.command("matches")
def show_matches(
    email: str | None = typer.Argument(
        None, help="Operators: a user's email, read from the local database."
    ),
    limit: int = typer.Option(10, min=1, max=100, help="How many matches to show."),
    offset: int = typer.Option(0, min=0, help="Skip this many (next page)."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Your best two-way matches (or, given EMAIL, that user's, from the local database)."""
    if email is None:
        with api(server) as http:
            page = http.call("GET", "/matches", params={"limit": limit, "offset": offset})
    else:
        page = _local_matches(email, limit).model_dump(mode="json")
    if not page["items"] and not as_json:
        console.print("no two-way matches yet")
        return
    emit(page, as_json, lambda p: _match_table(p["items"]))


def _local_matches(email: str, limit: int) -> Page[schemas.Match]:
    async def work(platform: Platform, session: AsyncSession) -> Page[schemas.Match]:
        user = await accounts.get_user_by_email(session=session, email=email)
        if user is None:
            raise NotFound(f"No account with email {email}.")
        return await service.find_matches(
            session=session, cache=platform.cache, user_id=user.id, limit=limit
        )

    return run_in_transaction(work)


@exchange.command("stats")
def show_stats(as_json: JsonOption = False) -> None:
    """Operators: count chats, messages (unread too) and ratings in the local database."""

    async def work(platform: Platform, session: AsyncSession) -> schemas.ActivityStats:
        return await service.activity_stats(session=session)

    def render(stats: dict[str, Any]) -> None:
        for name, value in stats.items():
            console.print(f"{name}: {value if value is not None else '-'}")

    emit(run_in_transaction(work).model_dump(mode="json"), as_json, render)


@exchange.command("skills")
def skills(
    offer: list[str] = typer.Option(
        None, "--offer", help="A skill you teach (repeatable; replaces the list)."
    ),
    learn: list[str] = typer.Option(
        None, "--learn", help="A skill you want to learn (repeatable; replaces the list)."
    ),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Show your profile skills, or replace them with --offer / --learn."""
    change: dict[str, list[str]] = {}
    if offer:
        change["skills_to_offer"] = offer
    if learn:
        change["skills_to_learn"] = learn
    with api(server) as http:
        me = http.call("PATCH", "/me", json=change) if change else http.call("GET", "/me")
    shown = {k: me.get(k) or [] for k in ("skills_to_offer", "skills_to_learn")}

    def render(data: dict[str, list[str]]) -> None:
        console.print(f"offers: {', '.join(data['skills_to_offer']) or '-'}")
        console.print(f"learns: {', '.join(data['skills_to_learn']) or '-'}")

    emit(shown, as_json, render)


@exchange.command("people")
def people(
    skill: str = typer.Option(..., "--skill", help="The skill, whole, any letter case."),
    role: str = typer.Option(
        "offers", "--role", help="Look in what people offer, want (wants) or either (any)."
    ),
    location: str | None = typer.Option(None, "--location", help="Part of the location."),
    limit: int = typer.Option(20, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """People who offer (or want) a skill, most recently active first."""
    params: dict[str, Any] = {"skill": skill, "role": role, "limit": limit, "offset": offset}
    if location:
        params["location"] = location
    with api(server) as http:
        page = http.call("GET", "/users", params=params)

    def render(p: dict[str, Any]) -> None:
        if not p["items"]:
            console.print(f"nobody lists {skill} yet")
            return
        table(p["items"], ["id", "name", "location", "skills_to_offer", "skills_to_learn"])
        if p.get("next_offset") is not None:
            console.print(f"more: --offset {p['next_offset']}")

    emit(page, as_json, render)


@exchange.command("chats")
def chats(
    limit: int = typer.Option(50, min=1, max=100),
    offset: int = typer.Option(0, min=0),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Your chats, newest first, with the last message and the unread count."""
    with api(server) as http:
        page = http.call("GET", "/chats", params={"limit": limit, "offset": offset})
    emit(
        page,
        as_json,
        lambda p: table(
            p["items"],
            ["id", "other_user.id", "other_user.name", "unread_count", "last_message.content"],
        ),
    )


@exchange.command("chat")
def open_chat(
    user_id: int = typer.Argument(..., help="The other person's user id (see `matches`)."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Open the chat with another user (or show the one that exists)."""
    with api(server) as http:
        chat = http.call("POST", "/chats", json={"user_id": user_id})
    emit(chat, as_json, lambda c: console.print(f"chat {c['id']} with {c['other_user']['name']}"))


@exchange.command("messages")
def messages(
    chat_id: int,
    limit: int = typer.Option(50, min=1, max=100),
    cursor: int | None = typer.Option(None, help="Continue after this message id."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """The messages of a chat, oldest first."""
    params: dict[str, Any] = {"limit": limit}
    if cursor is not None:
        params["cursor"] = cursor
    with api(server) as http:
        page = http.call("GET", f"/chats/{chat_id}/messages", params=params)

    def render(p: dict[str, Any]) -> None:
        for message in p["items"]:
            mark = "" if message["is_read"] else " (unread)"
            console.print(
                f"{message['timestamp'][:16]}  #{message['sender_id']}: {message['content']}{mark}",
                markup=False,
            )
        if p.get("next_cursor"):
            console.print(f"more: --cursor {p['next_cursor']}")

    emit(page, as_json, render)


@exchange.command("send")
def send(
    chat_id: int,
    text: str = typer.Argument(..., help="The message."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Send a message in a chat."""
    with api(server) as http:
        sent = http.call("POST", f"/chats/{chat_id}/messages", json={"content": text})
    emit(sent, as_json, lambda m: console.print(f"message {m['id']} sent"))


@exchange.command("read")
def mark_read(
    chat_id: int, server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False
) -> None:
    """Mark the other person's messages in a chat as read."""
    with api(server) as http:
        result = http.call("POST", f"/chats/{chat_id}/read")
    emit(result, as_json, lambda r: console.print(f"{r['marked']} messages marked read"))


@exchange.command("unread")
def unread(server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False) -> None:
    """How many messages you have not read, across your chats."""
    with api(server) as http:
        result = http.call("GET", "/me/unread")
    emit(result, as_json, lambda r: console.print(f"unread: {r.get('unread', r)}"))


@exchange.command("rate")
def rate(
    chat_id: int,
    rating: int = typer.Option(..., "--rating", "-r", min=1, max=5, help="1 to 5."),
    comment: str | None = typer.Option(None, "--comment", help="A few words (optional)."),
    server: ServerOption = DEFAULT_SERVER,
    as_json: JsonOption = False,
) -> None:
    """Rate the other person of one of your chats (once per chat)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "rating": rating}
    if comment:
        payload["comment"] = comment
    with api(server) as http:
        made = http.call("POST", "/ratings", json=payload)
    emit(made, as_json, lambda r: console.print(f"rated {r['rating']}/5"))


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(exchange, name="exchange")
