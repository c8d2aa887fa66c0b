"""``skillnest exchange ...``: look at matches and activity from the shell."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts import service as accounts
from skillnest.core.cli import console, run_in_transaction
from skillnest.core.errors import NotFound
from skillnest.core.platform import Platform
from skillnest.exchange import schemas, service

exchange = typer.Typer(help="Skill exchange: matches, chats and ratings.", no_args_is_help=True)


@exchange.command("matches")
def show_matches(
    email: str,
    limit: int = typer.Option(10, min=1, max=100, help="How many matches to show."),
) -> None:
    """Show the best two-way matches of the user with this EMAIL."""

    async def work(platform: Platform, session: AsyncSession) -> schemas.MatchPage:
        user = await accounts.get_user_by_email(session=session, email=email)
        if user is None:
            raise NotFound(f"No account with email {email}.")
        return await service.find_matches(
            session=session, cache=platform.cache, user_id=user.id, limit=limit
        )

    page = run_in_transaction(work)
    if not page.items:
        console.print(f"no two-way matches for {email} yet")
        return
    table = Table("score", "name", "teaches you", "learns from you", "rating")
    for match in page.items:
        rating = f"{match.average_rating:.1f} ({match.rating_count})" if match.rating_count else "-"
        table.add_row(
            f"{match.score:.2f}",
            match.name,
            ", ".join(match.teaches_you),
            ", ".join(match.learns_from_you),
            rating,
        )
    console.print(table)


@exchange.command("stats")
def show_stats() -> None:
    """Count chats, messages (unread too) and ratings."""

    async def work(platform: Platform, session: AsyncSession) -> dict[str, float | int | None]:
        return await service.activity_stats(session=session)

    for name, value in run_in_transaction(work).items():
        console.print(f"{name}: {value if value is not None else '-'}")


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(exchange, name="exchange")
