"""``skillnest users ...``: administer accounts from the shell."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

import orjson
import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts import export, recovery, schemas, service
from skillnest.accounts.models import UserSession
from skillnest.core.cli import console, err_console, run_in_transaction
from skillnest.core.errors import NotFound
from skillnest.core.mail import drain_mail
from skillnest.core.platform import Platform

users = typer.Typer(help="Manage accounts.", no_args_is_help=True)

PASSWORD_ENV = "SKILLNEST_ADMIN_PASSWORD"


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
        await service.invalidate_user(cache=platform.cache, user_id=existing.id)
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
) -> None:
    """List an account's open sessions, or revoke them all with --revoke-all."""

    async def work(platform: Platform, session: AsyncSession) -> str:
        user, rows = await service.user_sessions_by_email(
            session=session, cache=platform.cache, email=email, revoke_all=revoke_all
        )
        lines = [_session_line(row) for row in rows]
        head = f"{user.email}: {len(rows)} open session(s)" + (
            " (all revoked)" if revoke_all else ""
        )
        return "\n".join([head, *lines])

    console.print(run_in_transaction(work), highlight=False)


def _session_line(row: UserSession) -> str:
    seen = f"{row.last_seen_at:%Y-%m-%d %H:%M}" if row.last_seen_at else "-"
    return "\t".join(
        [
            str(row.id),
            f"{row.created_at:%Y-%m-%d %H:%M}",
            seen,
            row.ip_address or "-",
            row.user_agent or "-",
        ]
    )


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


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(users, name="users")
