"""The Jinja2 environment of every page and the ``render`` helper.

Templates live beside the code that renders them: the shell's in ``web/templates/`` and each
module's in ``<module>/templates/``, named ``<module>/<file>.html``. Autoescaping is always
on, so user text can never become markup.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from skillnest import __version__
from skillnest.modules import MODULES
from skillnest.web.registry import SHELL
from skillnest.web.security import csrf_token, set_cookies

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _loader() -> jinja2.BaseLoader:
    modules = {
        name: jinja2.FileSystemLoader(PACKAGE_DIR / name / "templates")
        for name in MODULES
        if (PACKAGE_DIR / name / "templates").is_dir()
    }
    return jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(Path(__file__).parent / "templates"), jinja2.PrefixLoader(modules)]
    )


def _when(value: datetime | None) -> str:
    """A timestamp as people read it (UTC)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


ENV = jinja2.Environment(
    loader=_loader(),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["when"] = _when
ENV.globals["version"] = __version__


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    badges: dict[str, int] | None = None,
) -> HTMLResponse:
    """Render a page (or an htmx fragment) with the layout's context."""
    viewer = getattr(request.state, "viewer", None)
    values = {
        "request": request,
        "viewer": viewer,
        "csrf_token": csrf_token(request),
        "nav": [item for item in SHELL.nav if not item.admin_only or (viewer and viewer.is_admin)],
        "badges": badges or getattr(request.state, "badges", {}),
        "path": request.url.path,
        **(context or {}),
    }
    html = ENV.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    set_cookies(request, response)
    return response
