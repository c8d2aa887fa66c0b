"""The OpenAPI document as the wire answers it: problem responses, tags, offline docs.

Every operation gets the error statuses it can answer, as ``application/problem+json`` with
the ``Problem`` schema (``ValidationProblem`` for 422), derived from what the route is:
its dependencies say whether it reads credentials (401/403), rate limits
(429) or the database (503); its method says whether it writes (409) or takes a body (413).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security.base import SecurityBase
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from skillnest.core.errors import PROBLEM_JSON
from skillnest.modules import MODULES, submodule

STATIC_DIR = Path(__file__).resolve().parent / "static" / "docs"
ASSETS = "/docs/assets"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "What kind of problem."},
        "title": {"type": "string", "description": "Short summary of the kind."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong with this request."},
    },
    "additionalProperties": True,
    "examples": [
        {
            "type": "https://skillnest.dev/problems/not-found",
            "title": "Not found",
            "status": 404,
            "detail": "No such resource.",
        }
    ],
}
VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ValidationProblem",
    "type": "object",
    "description": "A problem document listing each field that failed validation.",
    "required": ["type", "title", "status", "errors"],
    "properties": {
        **PROBLEM_SCHEMA["properties"],
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
    "examples": [
        {
            "type": "https://skillnest.dev/problems/validation",
            "title": "Validation failed",
            "status": 422,
            "detail": "The request did not match the expected shape.",
            "errors": [{"loc": ["body", "email"], "msg": "Field required", "type": "missing"}],
        }
    ],
}

DESCRIPTIONS = {
    "400": "The request makes no sense as a whole.",
    "401": "No valid bearer token.",
    "403": "Signed in, but not allowed.",
    "404": "Missing, or not yours.",
    "409": "Clashes with the current state (for example, already exists).",
    "413": "The request body is too large.",
    "415": "The uploaded content is not of an accepted type.",
    "422": "A field failed validation.",
    "429": "Too many attempts; see Retry-After.",
    "500": "Something went wrong on the server.",
    "503": "The database is unavailable; see Retry-After.",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route with its effective path, methods and dependencies (routers included)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every dependency callable of a route, however deeply nested."""
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _names(route: Any) -> set[str]:
    return {getattr(call, "__name__", "") for call in _calls(route.dependant)}


def error_statuses(route: Any) -> list[str]:
    """The error statuses this route can answer."""
    names = _names(route)
    # 422: the request guard refuses NUL and lone surrogates on every route.
    statuses = {"400", "404", "422", "500"}
    # Any credential the route reads (bearer token, API key), even optional, can be wrong.
    if any(isinstance(call, SecurityBase) for call in _calls(route.dependant)):
        statuses |= {"401", "403"}
    if "get_limiter" in names:
        statuses.add("429")
    if names & {"get_session", "get_platform"}:
        statuses.add("503")
    if route.methods & WRITE_METHODS:
        statuses |= {"409", "413"}
    return sorted(statuses)


# Dependencies that read a bearer token without requiring one, and those that require one.
OPTIONAL_CREDENTIALS = frozenset({"get_optional_user", "get_read_session"})
REQUIRED_CREDENTIALS = frozenset({"get_token", "get_current_user", "get_gauge_caller"})


def _optional_credentials(route: Any) -> bool:
    """Whether the route serves anonymous callers and signed-in ones alike."""
    names = _names(route)
    return bool(names & OPTIONAL_CREDENTIALS) and not names & REQUIRED_CREDENTIALS


def _problem(status: str) -> dict[str, Any]:
    name = "ValidationProblem" if status == "422" else "Problem"
    response: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "An error."),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }
    if status in ("429", "503"):
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return response


def _tags() -> list[dict[str, str]]:
    """One tag per module, described by the first line of its package docstring."""
    tags = []
    for module in MODULES:
        package = submodule(module, "__init__")
        doc = inspect.getdoc(package) if package is not None else None
        tags.append({"name": module, "description": (doc or module).splitlines()[0]})
    return tags


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with every error status declared as problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=_tags(),
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ValidationProblem"] = VALIDATION_PROBLEM_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    _unique_titles(schemas)
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        path_item = document["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if _optional_credentials(route) and operation.get("security"):
                # Signing in only adds to the answer: calling without credentials is fine too.
                operation["security"] = [{}, *operation["security"]]
            declared_errors = {s for s in responses if s.isdigit() and int(s) >= 400}
            body_types = operation.get("requestBody", {}).get("content", {})
            if any("json" not in media_type for media_type in body_types):
                declared_errors.add("415")  # uploads are judged by their content
            for status in sorted(set(error_statuses(route)) | declared_errors):
                declared = responses.get(status, {})
                if PROBLEM_JSON not in declared.get("content", {}) or status == "422":
                    responses[status] = {**_problem(status), **_described(declared)}
    app.openapi_schema = document
    return document


def _unique_titles(schemas: dict[str, Any]) -> None:
    """Give same-named models of two modules distinct titles (client generators name by title).

    FastAPI keys them ``skillnest__catalog__schemas__SkillUpdate``; the title becomes
    ``CatalogSkillUpdate``.
    """
    for key, schema in schemas.items():
        if key.startswith("skillnest__") and isinstance(schema, dict):
            parts = key.split("__")
            schema["title"] = parts[1].title() + parts[-1]


def _described(declared: dict[str, Any]) -> dict[str, Any]:
    """Keep a route's own description of a status, if it wrote one."""
    description = declared.get("description")
    if description and description not in ("Validation Error", "Successful Response"):
        return {"description": description}
    return {}


def install_docs(app: FastAPI) -> None:
    """Serve the OpenAPI document, Swagger UI and ReDoc from the installed package."""
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    app.mount(ASSETS, StaticFiles(directory=STATIC_DIR), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(_: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=None,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(_: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} API",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon-32x32.png",
            with_google_fonts=False,
        )
