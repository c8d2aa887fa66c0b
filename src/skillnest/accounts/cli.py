"""``skillnest users ...``: administer accounts from the shell."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts import export, recovery, schemas, service
from skillnest.accounts.models import UserSession
from skillnest.core.cli import (
    JsonOption,
    ServerOption,
    api,
    console,
    emit,
    err_console,
    run_in_transaction,
)
from skillnest.core.client import DEFAULT_SERVER, ApiClient, ClientError, TokenStore, config_dir
from skillnest.core.errors import NotFound
from skillnest.core.mail import drain_mail
from skillnest.core.platform import Platform

users = typer.Typer(help="Manage accounts.", no_args_is_help=True)

PASSWORD_ENV = "SKILLNEST_ADMIN_PASSWORD"
LOGIN_PASSWORD_ENV = "SKILLNEST_PASSWORD"


def _read_password() -> str:
    """The new password from the environment or an interactive prompt, never an argument."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("create-admin")
def create_admin(
    email: str,
    name: str = typer.Option("Administrator", help="Display name of the new account."),
) -> None:
    """Create an admin account, or make an existing one admin and set its password."""
    password = _read_password()
    try:
        data = schemas.SignupIn(name=name, email=email, password=password)
    except ValidationError as exc:
        err_console.print(f"[red]error:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc

    async def work(platform: Platform, session: AsyncSession) -> str:
        existing = await service.get_user_by_email(session=session, email=email)
        if existing is None:
            await service.create_user(session=session, data=data, is_admin=True)
            return f"created admin {data.email}"
        existing.is_admin = True
        await service.set_password(
            session=session, cache=platform.cache, user=existing, password=password
        )
        await service.invalidate_user(session=session, cache=platform.cache, user_id=existing.id)
        return f"{existing.email} is now an admin; its password was reset"

    console.print(run_in_transaction(work))


@users.command("set-admin")
def set_admin(
    email: str,
    on: bool = typer.Option(..., "--on/--off", help="Grant or withdraw admin rights."),
) -> None:
    """Grant (--on) or withdraw (--off) admin rights."""

    async def work(platform: Platform, session: AsyncSession) -> str:
        user = await service.set_admin(
            session=session, cache=platform.cache, email=email, is_admin=on
        )
        return f"{user.email}: admin {'on' if on else 'off'}"

    console.print(run_in_transaction(work))


@users.command("reset-password")
def reset_password(email: str) -> None:
    """Mail a password reset link to the account (as if its owner had asked)."""

    async def work(platform: Platform, session: AsyncSession) -> str:
        user = await service.get_user_by_email(session=session, email=email)
        if user is None:
            raise NotFound(f"No account with email {email}.")
        await recovery.send_reset(session=session, settings=platform.settings, user=user)
        return user.email

    address = run_in_transaction(_then_drain(work))
    console.print(f"reset link mailed to {address}")


def _then_drain(
    work: Callable[[Platform, AsyncSession], Awaitable[str]],
) -> Callable[[Platform, AsyncSession], Awaitable[str]]:
    """Wrap CLI work so that mails queued by its commit are sent before the process exits."""

    async def wrapped(platform: Platform, session: AsyncSession) -> str:
        result = await work(platform, session)
        await session.commit()
        await drain_mail()
        return str(result)

    return wrapped


@users.command("sessions")
def list_sessions(
    email: str,
    revoke_all: bool = typer.Option(False, "--revoke-all", help="Sign every session out."),
    as_json: JsonOption = False,
) -> None:
    """List an account's open sessions, or revoke them all with --revoke-all."""

    async def work(platform: Platform, session: AsyncSession) -> dict[str, Any]:
        user, rows = await service.user_sessions_by_email(
            session=session, cache=platform.cache, email=email, revoke_all=revoke_all
        )
        return {
            "email": user.email,
            "revoked": revoke_all,
            "sessions": [_session_record(row) for row in rows],
        }

    def render(found: dict[str, Any]) -> None:
        head = f"{found['email']}: {len(found['sessions'])} open session(s)" + (
            " (all revoked)" if found["revoked"] else ""
        )
        console.print(head, highlight=False)
        for row in found["sessions"]:
            line = [row["id"], row["created_at"], row["last_seen_at"], row["ip_address"]]
            line.append(row["user_agent"])
            console.print("\t".join(str(v or "-") for v in line), highlight=False, markup=False)

    emit(run_in_transaction(work), as_json, render)


def _session_record(row: UserSession) -> dict[str, Any]:
    minute = "%Y-%m-%d %H:%M"
    return {
        "id": row.id,
        "created_at": f"{row.created_at:{minute}}",
        "last_seen_at": f"{row.last_seen_at:{minute}}" if row.last_seen_at else None,
        "ip_address": row.ip_address,
        "user_agent": row.user_agent,
    }


@users.command("export")
def export_data(email: str) -> None:
    """Print everything the account owns across the modules, as one JSON document."""

    async def work(platform: Platform, session: AsyncSession) -> bytes:
        user = await service.get_user_by_email(session=session, email=email)
        if user is None:
            raise NotFound(f"No account with email {email}.")
        document = await export.export_everything(session=session, user_id=user.id)
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)

    typer.echo(run_in_transaction(work).decode())


def login(
    email: str = typer.Option(..., "--email", help="Account email."),
    server: ServerOption = DEFAULT_SERVER,
) -> None:
    """Log in to a server and keep the session token in your config directory.

    The password comes from SKILLNEST_PASSWORD or a prompt, never from an argument.
    """
    password = os.environ.get(LOGIN_PASSWORD_ENV) or str(typer.prompt("Password", hide_input=True))
    server = server.rstrip("/")
    with api(server, authenticated=False) as http:
        token = http.login(email, password)
    TokenStore(config_dir()).save_token(server, token)
    console.print(f"logged in to {server}")


def logout(server: ServerOption = DEFAULT_SERVER) -> None:
    """End the session on the server and forget its token here."""
    server = server.rstrip("/")
    store = TokenStore(config_dir())
    token = store.token(server)
    if token:
        # An expired or revoked session, or a server that is gone, still logs out here.
        with contextlib.suppress(ClientError), ApiClient(server, token) as http:
            http.call("POST", "/auth/logout")
    store.forget_token(server)
    console.print(f"logged out of {server}")


def whoami(server: ServerOption = DEFAULT_SERVER, as_json: JsonOption = False) -> None:
    """The account you are logged in with."""
    with api(server) as http:
        me = http.call("GET", "/me")
    emit(me, as_json, lambda m: console.print(f"{m['name']} <{m['email']}> (id {m['id']})"))


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(users, name="users")
    root.command("login")(login)
    root.command("logout")(logout)
    root.command("whoami")(whoami)
