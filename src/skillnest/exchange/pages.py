"""Web pages of the skill exchange: skills, matches, people, chats and ratings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from skillnest.accounts import schemas as account_schemas
from skillnest.accounts import service as accounts
from skillnest.core.deps import CacheDep, PlatformDep, SessionDep
from skillnest.core.errors import Conflict
from skillnest.exchange import schemas, service
from skillnest.web.forms import FormInvalid, parse, split_list
from skillnest.web.registry import NavItem
from skillnest.web.security import SignedIn, Viewer
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

NAV = [
    NavItem("Matches", "/exchange/matches"),
    NavItem("Chats", "/exchange/chats", badge="unread"),
    NavItem("My skills", "/exchange/skills"),
]
PAGE_SIZE = 20
MAX_MESSAGES_SHOWN = 500
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=10_000)]


async def badges(*, session: Any, viewer: Viewer) -> dict[str, int]:
    """The unread-messages counter beside "Chats"."""
    return {"unread": (await service.unread_total(session=session, user_id=viewer.id)).unread}


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (answer with a fragment)."""
    return request.headers.get("hx-request") == "true"


def wants_json(request: Request) -> bool:
    """Whether the page's script asked for JSON."""
    return "application/json" in request.headers.get("accept", "")


# --- skills -----------------------------------------------------------------------------


async def _skills_page(
    request: Request,
    viewer: Viewer,
    session: Any,
    cache: Any,
    *,
    offer: list[str] | None = None,
    learn: list[str] | None = None,
    errors: list[str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    if offer is None or learn is None:
        user = account_schemas.Me.model_validate(
            await accounts.get_user(session=session, user_id=viewer.id)
        )
        offer, learn = user.skills_to_offer, user.skills_to_learn
    vocabulary = await service.skill_vocabulary(session=session, cache=cache)
    context = {
        "offer": offer,
        "learn": learn,
        "vocabulary": vocabulary,
        "errors": errors or [],
        "saved": saved,
    }
    return render(request, "exchange/skills.html", context, status_code=status_code)


@router.get("/exchange/skills", response_class=HTMLResponse)
async def read_skills(
    request: Request, viewer: SignedIn, session: SessionDep, cache: CacheDep
) -> Response:
    """The skills editor: what you offer and what you want to learn."""
    return await _skills_page(request, viewer, session, cache)


@router.post("/exchange/skills", response_class=HTMLResponse)
async def update_skills(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    skills_to_offer: Text = "",
    skills_to_learn: Text = "",
    new_skill: Text = "",
    add_to: Text = "",
) -> Response:
    """Save both lists; "add" buttons append the suggested skill to one of them first."""
    offer, learn = split_list(skills_to_offer), split_list(skills_to_learn)
    if new_skill.strip() and add_to in ("offer", "learn"):
        (offer if add_to == "offer" else learn).append(new_skill.strip())
    try:
        data = parse(
            account_schemas.ProfileUpdate,
            {"skills_to_offer": offer, "skills_to_learn": learn},
            {"skills_to_offer": "Skills you offer", "skills_to_learn": "Skills to learn"},
        )
    except FormInvalid as exc:
        return await _skills_page(
            request,
            viewer,
            session,
            cache,
            offer=offer,
            learn=learn,
            errors=exc.messages,
            status_code=422,
        )
    user = await accounts.update_profile(session=session, cache=cache, user_id=viewer.id, data=data)
    return await _skills_page(
        request,
        viewer,
        session,
        cache,
        offer=list(user.skills_to_offer or []),
        learn=list(user.skills_to_learn or []),
        saved=True,
    )


# --- matches and people -----------------------------------------------------------------


@router.get("/exchange/matches", response_class=HTMLResponse)
async def read_matches(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """People who teach what you want to learn and learn what you teach, best first."""
    page = await service.find_matches(
        session=session, cache=cache, user_id=viewer.id, limit=PAGE_SIZE, offset=offset
    )
    me = account_schemas.Me.model_validate(
        await accounts.get_user(session=session, user_id=viewer.id)
    )
    return render(request, "exchange/matches.html", {"page": page, "me": me})


@router.get("/people/{user_id}", response_class=HTMLResponse)
async def read_person(
    request: Request,
    user_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """A person's public profile with the ratings they received."""
    person = account_schemas.PublicUser.model_validate(
        await accounts.public_profile(session=session, user_id=user_id)
    )
    ratings = await service.ratings_received(
        session=session, user_id=user_id, cursor=cursor, limit=PAGE_SIZE
    )
    return render(request, "exchange/person.html", {"person": person, "ratings": ratings})


# --- chats ------------------------------------------------------------------------------


@router.post("/exchange/chats")
async def open_chat(
    viewer: SignedIn, session: SessionDep, user_id: Annotated[str, Form(max_length=12)] = ""
) -> Response:
    """Open (or find) the chat with a person and go there."""
    data = parse(schemas.ChatOpen, {"user_id": user_id}, {"user_id": "Person"})
    chat, _ = await service.open_chat(session=session, user_id=viewer.id, other_id=data.user_id)
    return RedirectResponse(f"/exchange/chats/{chat.id}", status_code=303)


@router.get("/exchange/chats", response_class=HTMLResponse)
async def list_chats(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """Your chats, newest activity first, with unread counts."""
    page = await service.list_chats(
        session=session, user_id=viewer.id, limit=PAGE_SIZE, offset=offset
    )
    return render(request, "exchange/chats.html", {"page": page})


async def _all_messages(session: Any, chat_id: int, user_id: int) -> list[schemas.MessageOut]:
    messages: list[schemas.MessageOut] = []
    cursor = None
    while len(messages) < MAX_MESSAGES_SHOWN:
        page = await service.list_messages(
            session=session, chat_id=chat_id, user_id=user_id, cursor=cursor, limit=100
        )
        messages.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return messages


@router.get("/exchange/chats/{chat_id}", response_class=HTMLResponse)
async def read_chat(
    request: Request, chat_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """One chat: its messages, the message form and the rating form (until rated)."""
    summaries = await service.chat_summaries(session=session, user_id=viewer.id, chat_id=chat_id)
    if not summaries:
        await service.get_chat_for(session=session, chat_id=chat_id, user_id=viewer.id)
    messages = await _all_messages(session, chat_id, viewer.id)
    rated = await service.has_rated(session=session, rater_id=viewer.id, chat_id=chat_id)
    mine = [message for message in messages if message.sender_id == viewer.id]
    context = {
        "chat": summaries[0],
        "messages": messages,
        "last_mine": mine[-1] if mine else None,
        "rated": rated,
    }
    return render(request, "exchange/chat.html", context)


@router.post("/exchange/chats/{chat_id}/messages", response_class=HTMLResponse)
async def create_message(
    request: Request,
    chat_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    platform: PlatformDep,
    content: Text = "",
) -> Response:
    """Send a message: a fragment for htmx, otherwise back to the chat."""
    data = parse(schemas.MessageCreate, {"content": content}, {"content": "Message"})
    message = await service.send_message(
        session=session,
        hub=platform.hub,
        limiter=platform.limiter,
        chat_id=chat_id,
        sender_id=viewer.id,
        content=data.content,
    )
    if is_htmx(request):
        return render(request, "exchange/_message.html", {"message": message}, status_code=201)
    return RedirectResponse(f"/exchange/chats/{chat_id}", status_code=303)


@router.post("/exchange/chats/{chat_id}/read")
async def mark_chat_read(
    request: Request, chat_id: Id, viewer: SignedIn, session: SessionDep, platform: PlatformDep
) -> Response:
    """Mark the other person's messages read; JSON for the page script, else a redirect."""
    result = await service.mark_read(
        session=session, hub=platform.hub, chat_id=chat_id, user_id=viewer.id
    )
    if wants_json(request):
        unread = await service.unread_total(session=session, user_id=viewer.id)
        return JSONResponse({"marked": result.marked, "unread": unread.unread})
    return RedirectResponse(f"/exchange/chats/{chat_id}", status_code=303)


@router.post("/exchange/chats/{chat_id}/rating", response_class=HTMLResponse)
async def create_rating(
    request: Request,
    chat_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    rating: Annotated[str, Form(max_length=2)] = "",
    comment: Text = "",
) -> Response:
    """Rate the other person of the chat, once; the form is replaced by the rating."""
    data = parse(
        schemas.RatingCreate,
        {"chat_id": chat_id, "rating": rating, "comment": comment.strip() or None},
        {"rating": "Rating", "comment": "Comment"},
    )
    try:
        saved = await service.rate(session=session, rater_id=viewer.id, data=data)
    except Conflict:
        saved = None
    if is_htmx(request):
        return render(request, "exchange/_rated.html", {"rating": saved})
    return RedirectResponse(f"/exchange/chats/{chat_id}", status_code=303)
