"""Web pages of anonymous help: feed, ask, my requests, offers, reading, trust, keys.

The browser encrypts and decrypts (help.js with the vendored libsodium.js, the same
secret-box and sealed-box format as the CLI); these routes only ever see ciphertext,
public keys and sealed keys, exactly as the API does.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from skillnest.accounts import service as accounts
from skillnest.core.deps import CacheDep, PlatformDep, SessionDep
from skillnest.core.errors import DomainError
from skillnest.core.pages import MAX_LIMIT, Page
from skillnest.help import conversation, schemas, service
from skillnest.help.api import feed_filters
from skillnest.help.feed import Filters
from skillnest.web.forms import parse, split_list
from skillnest.web.registry import NavItem
from skillnest.web.security import SignedIn
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

NAV = [NavItem("Help", "/help")]
PAGE_SIZE = 20
Text = Annotated[str, Form(max_length=20_000)]
LABELS = {
    "skill_tags": "Skills",
    "urgency_level": "Urgency",
    "college_domain": "College",
    "encrypted_request": "Request",
    "encrypted_message": "Note",
    "ciphertext": "Message",
    "expires_in_hours": "Hours",
    "session_quality": "Quality",
    "help_duration": "Minutes",
}


def json_error(exc: DomainError) -> JSONResponse:
    """An error for the page script, worded for people."""
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


@router.get("/help", response_class=HTMLResponse)
async def read_feed(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    platform: PlatformDep,
    filters: Annotated[Filters, Depends(feed_filters)],
    offset: Annotated[int, Query(ge=0, le=1_000)] = 0,
) -> Response:
    """Active requests, most urgent and newest first, filtered; new ones arrive live."""
    raw = await service.read_feed(
        session=session,
        cache=cache,
        limiter=platform.limiter,
        user=viewer.auth,
        filters=filters,
        offset=offset,
        limit=PAGE_SIZE,
    )
    page = Page[schemas.FeedCard].model_validate_json(raw)
    query = {"skills": ",".join(sorted(filters.skills)), "min_urgency": filters.min_urgency}
    if filters.college_domain:
        query["college_domain"] = filters.college_domain
    stream = "/api/v1/help/feed/stream?" + "&".join(f"{k}={v}" for k, v in query.items() if v)
    return render(request, "help/feed.html", {"page": page, "filters": filters, "stream": stream})


async def _college_of(session: Any, user_id: int) -> str | None:
    """The domain of the person's email once it is verified (their college)."""
    user = await accounts.get_user(session=session, user_id=user_id)
    return user.email.rsplit("@", 1)[1] if user.email_verified_at else None


@router.get("/help/ask", response_class=HTMLResponse)
async def read_ask(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """The ask form; the details are sealed in the browser before anything is sent."""
    college = await _college_of(session, viewer.id)
    return render(request, "help/ask.html", {"college": college})


@router.post("/help/ask")
async def create_request(
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    platform: PlatformDep,
    skills: Text = "",
    urgency_level: Text = "1",
    title: Text = "",
    show_college: Text = "",
    expires_in_hours: Text = "24",
    encrypted_request: Text = "",
    public_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Store the sealed request; answers its id (JSON) so the browser can keep its key."""
    college = await _college_of(session, viewer.id) if show_college else None
    try:
        data = parse(
            schemas.HelpRequestCreate,
            {
                "skill_tags": split_list(skills),
                "urgency_level": urgency_level,
                "title": title.strip() or None,
                "college_domain": college,
                "expires_in_hours": expires_in_hours,
                "encrypted_request": encrypted_request,
                "public_key": public_key or None,
            },
            LABELS,
        )
        created = await service.create_request(
            session=session,
            cache=cache,
            hub=platform.hub,
            limiter=platform.limiter,
            settings=platform.settings,
            user=viewer.auth,
            data=data,
        )
    except DomainError as exc:
        return json_error(exc)
    return JSONResponse({"id": str(created.id), "avatar": created.avatar}, status_code=201)


@router.get("/help/mine", response_class=HTMLResponse)
async def list_mine(
    request: Request, viewer: SignedIn, session: SessionDep, platform: PlatformDep
) -> Response:
    """The person's own requests with their offers."""
    page = await service.list_mine(
        session=session, settings=platform.settings, user=viewer.auth, limit=MAX_LIMIT
    )
    mine = page.items
    return render(request, "help/mine.html", {"items": mine})


def _peer_key(view: schemas.HelpRequestRead) -> str | None:
    """The other side's public key while the caller can talk on the request, else None."""
    if view.status not in conversation.OPEN_FOR_MESSAGES or not view.asker_public_key:
        return None
    if view.role == "helper":
        return view.asker_public_key
    if view.role == "owner":
        accepted = [o for o in view.offers or [] if o.status == "Accepted"]
        return accepted[0].helper_public_key if accepted else None
    return None


@router.get("/help/requests/{request_id}", response_class=HTMLResponse)
async def read_request(
    request: Request,
    request_id: uuid.UUID,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    platform: PlatformDep,
) -> Response:
    """A request as the person may see it: owner, accepted helper, or anyone else."""
    view = schemas.HelpRequestRead.model_validate(
        await service.get_request(
            session=session,
            cache=cache,
            settings=platform.settings,
            user=viewer.auth,
            request_id=request_id,
        )
    )
    messages: list[schemas.HelpMessageRead] = []
    peer_key = _peer_key(view)
    if peer_key:
        page = await conversation.list_messages(
            session=session,
            settings=platform.settings,
            user=viewer.auth,
            request_id=request_id,
            limit=MAX_LIMIT,
        )
        messages = page.items
    context = {"item": view, "errors": [], "messages": messages, "peer_key": peer_key}
    return render(request, "help/request.html", context)


@router.post("/help/requests/{request_id}/offers")
async def create_offer(
    request_id: uuid.UUID,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    platform: PlatformDep,
    public_key: Annotated[str, Form(max_length=100)] = "",
    encrypted_message: Annotated[str, Form(max_length=schemas.MAX_MESSAGE_CHARS)] = "",
) -> Response:
    """Offer help with a public key made in the browser, and a note encrypted there."""
    values = {"public_key": public_key, "encrypted_message": encrypted_message or None}
    try:
        data = parse(schemas.OfferCreate, values, LABELS)
        offer = await service.create_offer(
            session=session,
            cache=cache,
            hub=platform.hub,
            settings=platform.settings,
            user=viewer.auth,
            request_id=request_id,
            data=data,
        )
    except DomainError as exc:
        return json_error(exc)
    return JSONResponse({"id": str(offer.id)}, status_code=201)


@router.post("/help/requests/{request_id}/messages")
async def create_message(
    request_id: uuid.UUID,
    viewer: SignedIn,
    session: SessionDep,
    platform: PlatformDep,
    ciphertext: Annotated[str, Form(max_length=schemas.MAX_MESSAGE_CHARS)] = "",
) -> Response:
    """Send a message of the conversation, encrypted in the browser; answers it as JSON."""
    try:
        data = parse(schemas.HelpMessageCreate, {"ciphertext": ciphertext}, LABELS)
        message = await conversation.post_message(
            session=session,
            hub=platform.hub,
            limiter=platform.limiter,
            settings=platform.settings,
            user=viewer.auth,
            request_id=request_id,
            data=data,
        )
    except DomainError as exc:
        return json_error(exc)
    return JSONResponse(message.model_dump(mode="json"), status_code=201)


@router.post("/help/requests/{request_id}/accept")
async def accept_offer(
    request_id: uuid.UUID,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    platform: PlatformDep,
    offer_id: Annotated[str, Form(max_length=40)] = "",
    sealed_key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Accept an offer with the request key sealed in the browser to that helper."""
    try:
        data = parse(schemas.AcceptIn, {"offer_id": offer_id, "sealed_key": sealed_key}, LABELS)
        view = await service.accept_offer(
            session=session,
            cache=cache,
            hub=platform.hub,
            settings=platform.settings,
            user=viewer.auth,
            request_id=request_id,
            data=data,
        )
    except DomainError as exc:
        return json_error(exc)
    return JSONResponse({"status": view.status})


@router.post("/help/requests/{request_id}/status")
async def update_status(
    request_id: uuid.UUID,
    viewer: SignedIn,
    session: SessionDep,
    cache: CacheDep,
    platform: PlatformDep,
    status: Annotated[str, Form(max_length=20)] = "",
    session_quality: Annotated[str, Form(max_length=3)] = "",
    help_duration: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Start, complete (rating the helper) or cancel; back to the request page."""
    values: dict[str, Any] = {"status": status}
    if session_quality:
        values["session_quality"] = session_quality
    if help_duration:
        values["help_duration"] = help_duration
    data = parse(schemas.StatusUpdate, values, LABELS)
    await service.update_status(
        session=session,
        cache=cache,
        hub=platform.hub,
        settings=platform.settings,
        user=viewer.auth,
        request_id=request_id,
        data=data,
    )
    return RedirectResponse(f"/help/requests/{request_id}", status_code=303)


@router.get("/help/trust", response_class=HTMLResponse)
async def read_trust(
    request: Request, viewer: SignedIn, session: SessionDep, cache: CacheDep, platform: PlatformDep
) -> Response:
    """The person's trust score as a helper ("not enough data" until enough seekers rated)."""
    trust = schemas.TrustRead.model_validate(
        await service.my_trust(
            session=session, cache=cache, settings=platform.settings, user=viewer.auth
        )
    )
    return render(request, "help/trust.html", {"trust": trust})


@router.get("/help/keys", response_class=HTMLResponse)
async def read_keys(request: Request, viewer: SignedIn) -> Response:
    """Export or import the keys this browser keeps (request keys and helper key pairs)."""
    return render(request, "help/keys.html")
