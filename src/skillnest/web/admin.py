"""The admin UI: sqladmin at /admin for administrators, one view per table.

Signed in with the same session cookie as the pages. Secrets never appear (password and
token digests, encrypted OAuth tokens, help ciphertexts and sealed keys, pseudonyms, API key
digests); append-only tables are read-only; every write lands in ``admin_audit_log`` and
drops the cached answers (``core.cache.forget_answers``): the edit bypassed the services that
know which answers depend on a row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from sqladmin import Admin, ModelView
from sqladmin.audit import AuditEntry, DBAuditBackend
from sqladmin.authentication import AuthenticationBackend
from sqlalchemy import JSON, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from skillnest.accounts import service as accounts
from skillnest.accounts.deps import SESSION_COOKIE
from skillnest.core.cache import forget_answers
from skillnest.core.db import Base
from skillnest.modules import import_all_models
from skillnest.web.models import AdminAuditEntry

ADMIN_PATH = "/admin"
# Columns whose values are secrets or pseudonyms: never listed, shown or edited.
SECRET_COLUMNS = frozenset(
    {
        "password_hash",
        "token_hash",
        "access_token_encrypted",
        "refresh_token_encrypted",
        "encrypted_request",
        "encrypted_message",
        "ciphertext",
        "sealed_key",
        "owner_hash",
        "helper_hash",
        "seeker_hash",
        "user_hash",
        "verified_by_hash",
        "api_key_hash",
        "credential_hash",
    }
)
# Rows written once and never changed (history, events, anonymous help records), and rows
# kept by triggers from other tables (exchange_match_profiles, suggest_mappings): read-only.
READ_ONLY_TABLES = frozenset(
    {
        "admin_audit_log",
        "analytics",
        "anonymous_help_sessions",
        "application_timeline",
        "document_versions",
        "exchange_match_profiles",
        "help_key_envelopes",
        "help_messages",
        "help_offers",
        "job_alert_deliveries",
        "ratings",
        "skill_score_history",
        "skill_verifications",
        "suggest_mappings",
        "trust_interactions",
        "user_sessions",
    }
)
# Generated or internal columns left out of the forms.
UNEDITABLE_COLUMNS = frozenset({"search_vector", "created_at", "updated_at"})


def _engine_of(app: FastAPI) -> Any:
    return app.state.platform.db.engine


class CookieAuth(AuthenticationBackend):
    """Admins only, recognised by the pages' session cookie (no second login)."""

    def __init__(self, app: FastAPI, maker: async_sessionmaker[AsyncSession]) -> None:
        self.middlewares = []  # no sqladmin session: the cookie is the session
        self.app = app
        self.maker = maker

    async def login(self, request: Request) -> Response | bool:
        """Sign-in happens on the site's own page."""
        return RedirectResponse(f"/signin?next={quote(ADMIN_PATH + '/')}", status_code=303)

    async def logout(self, request: Request) -> Response | bool:
        """Signing out happens with the site's own button."""
        return RedirectResponse("/settings", status_code=303)

    async def authenticate(self, request: Request) -> Response | bool:
        """Let administrators in; others get 403, strangers the sign-in page."""
        if self.maker.kw.get("bind") is None:  # the platform exists once the app has started
            self.maker.configure(bind=_engine_of(self.app))
        token = request.cookies.get(SESSION_COOKIE)
        caller = None
        if token:
            async with self.maker() as session:
                caller = await accounts.resolve_token(
                    session=session, cache=self.app.state.platform.cache, token=token
                )
        if caller is None:
            return RedirectResponse(f"/signin?next={quote(ADMIN_PATH + '/')}", status_code=303)
        if not caller.is_admin:
            return HTMLResponse(
                "<!doctype html><html lang=en><title>Forbidden</title><main><h1>Forbidden</h1>"
                "<p>The admin pages are for administrators only.</p>"
                '<p><a href="/">Back to skillnest</a></p></main></html>',
                status_code=403,
            )
        request.state.admin_id = caller.id
        return True

    async def get_user_id(self, request: Request) -> Any:
        """The administrator acting (recorded in the audit log)."""
        return getattr(request.state, "admin_id", None)


class AuditLog(DBAuditBackend):
    """Writes each admin change to ``admin_audit_log``, secrets removed."""

    def build_row(self, entry: AuditEntry, actor: Any, request: Request) -> AdminAuditEntry:
        """The audit row of one change."""
        changes = None
        if entry.changes is not None:
            changes = {
                key: value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
                for key, value in entry.changes.items()
                if key not in SECRET_COLUMNS
            }
        return AdminAuditEntry(
            admin_id=actor,
            action=entry.action,
            table_name=entry.identity,
            object_pk=entry.pk,
            changes=changes,
        )


class TableView(ModelView):
    """The base of every table's view: cached answers go after each write."""

    # The request of a hook is the admin sub-application's: the platform is on the main one.
    platform_app: FastAPI

    async def after_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        """A row written here bypassed the services: cached answers may show its old values."""
        await forget_answers(self.platform_app.state.platform.cache)

    async def after_model_delete(self, model: Any, request: Request) -> None:
        """A row deleted here bypassed the services: cached answers may still show it."""
        await forget_answers(self.platform_app.state.platform.cache)


def view_for(model: type[Any], app: FastAPI) -> type[ModelView]:
    """A ModelView for one table of ``app``: secrets hidden, read-only when append-only."""
    table = model.__table__
    mapper = inspect(model)
    columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]

    def attribute(column: Any) -> Any:  # "metadata" columns are mapped under another name
        return getattr(model, mapper.get_property_by_column(column).key)

    visible = [attribute(c) for c in columns]
    # JSON documents and arrays stay read-only here: sqladmin's JSON field turns an empty
    # list into {} on save, which would corrupt array columns.
    editable = [
        attribute(c)
        for c in columns
        if c.name not in UNEDITABLE_COLUMNS
        and not (c.primary_key and c.autoincrement is True)
        and not isinstance(c.type, JSON)
    ]
    read_only = table.name in READ_ONLY_TABLES
    attributes: dict[str, Any] = {
        "name": table.name.replace("_", " ").capitalize(),
        "name_plural": table.name.replace("_", " ").capitalize(),
        "column_list": visible[:8],
        "column_details_list": visible,
        "form_columns": editable,
        "column_export_list": visible,
        "can_create": not read_only,
        "can_edit": not read_only,
        "can_delete": not read_only,
        "can_export": True,
        "page_size": 25,
    }
    if table.name == "admin_audit_log":
        attributes["column_default_sort"] = [("created_at", True)]
    attributes["platform_app"] = app
    view: type[ModelView] = type(f"{model.__name__}Admin", (TableView,), attributes, model=model)
    view.identity = table.name  # URLs and audit entries name the table itself
    return view


def mount_admin(app: FastAPI) -> Admin:
    """Mount sqladmin at /admin with a view for every table."""
    import_all_models()
    maker = async_sessionmaker(class_=AsyncSession, expire_on_commit=False)
    admin = Admin(
        app,
        session_maker=maker,
        base_url=ADMIN_PATH,
        title="skillnest admin",
        templates_dir=str(Path(__file__).parent / "admin_templates"),
        authentication_backend=CookieAuth(app, maker),
        audit_backend=AuditLog(maker),
    )
    models = sorted(
        (mapper.class_ for mapper in Base.registry.mappers), key=lambda m: m.__table__.name
    )
    for model in models:
        admin.add_view(view_for(model, app))
    return admin
