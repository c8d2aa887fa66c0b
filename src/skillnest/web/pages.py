"""The shell's own pages: the landing page and the notes on pages still to come."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from skillnest.web.security import MaybeViewer
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

PRODUCTS = [
    (
        "Skill exchange",
        "Offer what you know, learn what you want: meet people whose skills fit yours both "
        "ways, chat and rate each other.",
        "/exchange/matches",
    ),
    (
        "Anonymous help",
        "Ask fellow students for help without giving your name; only the helper you accept "
        "can read the request.",
        "/help",
    ),
    (
        "Careers",
        "Profile, skill score, job search with match analysis, applications and documents.",
        None,
    ),
    (
        "Skill catalog",
        "Paste a package.json or requirements.txt and get the agent skills that fit it.",
        None,
    ),
    (
        "MetaGauge",
        "Contract analytics: contracts, competitors, analyses and a chat per contract.",
        None,
    ),
]


@router.get("/", response_class=HTMLResponse)
async def read_landing(request: Request, viewer: MaybeViewer) -> HTMLResponse:
    """The landing page presenting the five products."""
    return render(request, "index.html", {"products": PRODUCTS})
