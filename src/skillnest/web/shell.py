"""Mounting the pages: each module's page router, the static assets and HTML error pages."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from skillnest.core.errors import HTTP_TITLES, PROBLEM_JSON, DomainError
from skillnest.modules import MODULES, submodule
from skillnest.web.registry import SHELL
from skillnest.web.security import SignInRequired, verify_csrf
from skillnest.web.templating import render

log = logging.getLogger("skillnest.web")
STATIC_DIR = Path(__file__).parent / "static"
# Everything outside these prefixes is a page and gets HTML errors; these keep problem+json.
NON_PAGE_PREFIXES = (
    "/api/",
    "/graphql",
    "/health",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/media/",
    "/admin",  # sqladmin renders its own pages
)


def page_router(**kwargs: Any) -> APIRouter:
    """A router for a module's pages: HTML responses, CSRF on unsafe requests, not in OpenAPI."""
    return APIRouter(
        default_response_class=HTMLResponse,
        include_in_schema=False,
        dependencies=[Depends(verify_csrf)],
        **kwargs,
    )


def is_page(request: Request) -> bool:
    """Whether the request is for a web page (rather than the API)."""
    return not request.url.path.startswith(NON_PAGE_PREFIXES)


def error_page(request: Request, status: int, title: str, detail: str | None) -> HTMLResponse:
    """The HTML error page."""
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )


def _page_errors(app: FastAPI) -> None:
    """Wrap the problem+json handlers so that page requests get HTML instead."""
    api_handlers = dict(app.exception_handlers)

    def wrap(kind: Any) -> Any:
        api_handler = api_handlers[kind]

        async def handler(request: Request, exc: Exception) -> Response:
            if not is_page(request):
                return await api_handler(request, exc)
            return page_error(request, exc)

        return handler

    def as_page(kind: Any) -> Any:
        api_handler = api_handlers[kind]

        async def handler(request: Request, exc: Exception) -> Response:
            response = await api_handler(request, exc)
            return problem_as_page(request, response) if is_page(request) else response

        return handler

    page_kinds = (DomainError, StarletteHTTPException, RequestValidationError, Exception)
    for kind in api_handlers:
        # The rest (an unreachable database: 503; a value out of range: 422) keep the API's
        # status and Retry-After, shown as a page.
        app.add_exception_handler(kind, wrap(kind) if kind in page_kinds else as_page(kind))


def problem_as_page(request: Request, response: Response) -> Response:
    """A problem+json answer of the API's handlers as the HTML error page (same status)."""
    if response.media_type != PROBLEM_JSON:
        return response
    problem = orjson.loads(bytes(response.body))
    title, detail = problem.get("title", "Error"), problem.get("detail")
    page = error_page(request, response.status_code, title, detail)
    if retry_after := response.headers.get("retry-after"):
        page.headers["Retry-After"] = retry_after
    return page


def page_error(request: Request, exc: Exception) -> Response:
    """The page answer to an error raised by a page route."""
    if isinstance(exc, SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    if isinstance(exc, DomainError):
        return error_page(request, exc.status, exc.title, exc.detail)
    if isinstance(exc, StarletteHTTPException):
        title = HTTP_TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        if exc.status_code == 404:
            detail = "There is no page at this address."
        return error_page(request, exc.status_code, title, detail)
    if isinstance(exc, RequestValidationError):
        return error_page(request, 422, "Check the form", "Some fields were missing or invalid.")
    log.error("unhandled page error", exc_info=exc)
    return error_page(request, 500, "Something went wrong", "Please try again in a moment.")


def install(app: FastAPI) -> None:
    """Mount the static assets, every module's pages and the HTML error pages."""
    # Python before 3.12 does not know .mjs; browsers refuse modules of another type.
    mimetypes.add_type("text/javascript", ".mjs")
    for module in MODULES:  # a module's own scripts, e.g. /static/help/help.js
        folder = STATIC_DIR.parent.parent / module / "static"
        if folder.is_dir():
            app.mount(f"/static/{module}", StaticFiles(directory=folder), name=f"static-{module}")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    SHELL.nav.clear()
    SHELL.badge_sources.clear()
    for module in MODULES:
        pages = submodule(module, "pages")
        if pages is None:
            continue
        app.include_router(pages.router)
        SHELL.nav.extend(getattr(pages, "NAV", ()))
        if hasattr(pages, "badges"):
            SHELL.badge_sources.append(pages.badges)
    _page_errors(app)
    from skillnest.web.admin import mount_admin  # sqladmin loads its views lazily

    mount_admin(app)
