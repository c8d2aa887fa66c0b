"""``skillnest help ...``: ask for and give anonymous help from the shell, against a server.

The CLI is a client: it talks HTTP to a running skillnest (``--server`` or
``SKILLNEST_SERVER_URL``) and does the encryption itself, so the server never sees a
request's text. Tokens and keys stay in the local config directory (see ``client.py``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from skillnest.core.cli import JsonOption, ServerOption, emit, err_console
from skillnest.help import crypto
from skillnest.help.client import (
    DEFAULT_SERVER,
    ClientError,
    HelpClient,
    KeyStore,
    config_dir,
    conversation_keys,
    open_message,
    read_plaintext,
)

T = TypeVar("T")
PASSWORD_ENV = "SKILLNEST_PASSWORD"


class HelpGroup(TyperGroup):
    """The peer-help group, which also answers ``skillnest help`` the way people expect.

    ``skillnest help`` alone prints the overview of every command, and ``skillnest help
    COMMAND`` the help of any top-level command (``skillnest help careers``); the peer-help
    verbs (``skillnest help ask``...) keep their names.
    """

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """A peer-help verb, else a command that prints the help of a top-level command."""
        own = super().get_command(ctx, cmd_name)
        if own is not None:
            return own
        root = ctx.find_root()
        lookup = getattr(root.command, "get_command", None)
        target = lookup(root, cmd_name) if lookup is not None else None
        if target is None:
            return None

        def show() -> None:
            with type(ctx)(target, info_name=cmd_name, parent=root) as target_ctx:
                typer.echo(target.get_help(target_ctx))

        return TyperCommand(cmd_name, callback=show, help=f"Help of `skillnest {cmd_name}`.")


app = typer.Typer(
    cls=HelpGroup,
    help="Help: `skillnest help` shows every command, `skillnest help COMMAND` one of them. "
    "Anonymous peer help lives here too: ask, browse the live feed, offer, accept, read, rate.",
)
PEER_HELP_NOTE = (
    "\nAnonymous peer help: skillnest help ask | feed | show | mine | offer | accept | read | "
    "messages | say | complete | cancel | trust | verify | verifications  "
    "(`skillnest help --help` explains them)"
)


@dataclass
class State:
    """Options shared by every ``help`` command."""

    server: str
    store: KeyStore

    @contextmanager
    def client(self, *, authenticated: bool = True) -> Iterator[HelpClient]:
        """An API client with the saved (or ``SKILLNEST_TOKEN``) session token."""
        token = self.store.token(self.server)
        if authenticated and token is None:
            raise ClientError("Not logged in: run `skillnest login` first.")
        http = HelpClient(self.server, token)
        try:
            yield http
        finally:
            http.close()


@app.callback(invoke_without_command=True)
def _options(ctx: typer.Context, server: ServerOption = DEFAULT_SERVER) -> None:
    ctx.obj = State(server=server.rstrip("/"), store=KeyStore(config_dir()))
    if ctx.invoked_subcommand is None:
        root = ctx.find_root()
        typer.echo(root.get_help())
        typer.echo(PEER_HELP_NOTE)
        raise typer.Exit()


def _run(work: Callable[[], T]) -> T:
    try:
        return work()
    except ClientError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc


def _state(ctx: typer.Context) -> State:
    state: State = ctx.obj
    return state


def _trust_text(trust: dict[str, Any] | None) -> str:
    if not trust:
        return "-"
    if not trust["enough_data"]:
        return f"not enough data ({trust['sessions']} sessions)"
    return f"{trust['score']} ({trust['sessions']} sessions)"


@app.command("login")
def login(
    ctx: typer.Context,
    email: str = typer.Option(..., "--email", help="Account email."),
) -> None:
    """Log in and keep the session token (password from SKILLNEST_PASSWORD or a prompt)."""
    state = _state(ctx)
    password = os.environ.get(PASSWORD_ENV) or str(typer.prompt("Password", hide_input=True))

    def work() -> None:
        with state.client(authenticated=False) as http:
            state.store.save_token(state.server, http.login(email, password))
        typer.echo(f"logged in to {state.server}")

    _run(work)


@app.command("logout")
def logout(ctx: typer.Context) -> None:
    """Forget the saved session token of this server."""
    state = _state(ctx)
    state.store.forget_token(state.server)
    typer.echo(f"logged out of {state.server}")


def _read_text(text: str | None, file: Path | None) -> str:
    if text is not None:
        return text
    if file is not None:
        return file.read_text()
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return str(typer.prompt("What do you need help with"))


@app.command("ask")
def ask(
    ctx: typer.Context,
    skill: list[str] = typer.Option(..., "--skill", "-s", help="A skill tag (repeatable)."),
    urgency: int = typer.Option(1, "--urgency", "-u", min=1, max=5, help="1 (calm) to 5."),
    college: str | None = typer.Option(None, "--college", help="College domain, e.g. uni.edu."),
    title: str | None = typer.Option(None, "--title", help="Public title (100 characters)."),
    hours: int = typer.Option(24, "--hours", min=1, max=72, help="Lifetime in hours."),
    text: str | None = typer.Option(None, "--text", "-t", help="The request (else --file/stdin)."),
    file: Path | None = typer.Option(None, "--file", "-f", exists=True, dir_okay=False),
    as_json: JsonOption = False,
) -> None:
    """Ask for help anonymously; the text is encrypted here and only its ciphertext is sent."""
    state = _state(ctx)
    plaintext = _read_text(text, file).strip()
    if not plaintext:
        err_console.print("[red]error:[/red] the request is empty")
        raise typer.Exit(2)

    def work() -> None:
        key = crypto.new_request_key()
        # The key pair helpers write to: the private half stays here with the request key.
        private, public = crypto.new_keypair()
        payload: dict[str, Any] = {
            "skill_tags": skill,
            "urgency_level": urgency,
            "encrypted_request": crypto.encrypt_request(key, plaintext),
            "expires_in_hours": hours,
            "public_key": public,
        }
        if college:
            payload["college_domain"] = college
        if title:
            payload["title"] = title
        with state.client() as http:
            created = http.ask(payload)
        state.store.save_request_key(str(created["id"]), key, private)
        emit(
            created,
            as_json,
            lambda c: typer.echo(f"request {c['id']} created (avatar {c['avatar']})"),
        )

    _run(work)


@app.command("feed")
def show_feed(
    ctx: typer.Context,
    skill: list[str] = typer.Option([], "--skill", "-s", help="Any of these skills."),
    min_urgency: int = typer.Option(1, "--min-urgency", min=1, max=5),
    college: str | None = typer.Option(None, "--college"),
    limit: int = typer.Option(20, "--limit", min=1, max=50),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: JsonOption = False,
) -> None:
    """Active requests, most urgent and newest first."""
    state = _state(ctx)

    def work() -> None:
        params: dict[str, Any] = {"min_urgency": min_urgency, "limit": limit, "offset": offset}
        if skill:
            params["skills"] = ",".join(skill)
        if college:
            params["college_domain"] = college
        with state.client() as http:
            page = http.feed(params)
        if as_json:
            emit(page, True, print)
            return
        for item in page["items"]:
            typer.echo(
                f"{item['id']}  u{item['urgency_level']}  {', '.join(item['skill_tags'])}  "
                f"{item['college_domain'] or '-'}  {item['avatar'] or ''}  "
                f"{item['created_at'][11:16]}  {item['title'] or ''}"
            )
        if page["next_offset"] is not None:
            typer.echo(f"more: --offset {page['next_offset']}")

    _run(work)


@app.command("show")
def show(ctx: typer.Context, request_id: str, as_json: JsonOption = False) -> None:
    """A request as you may see it; its owner also sees the offers and each helper's trust."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            view = http.request(request_id)
        if as_json:
            emit(view, True, print)
            return
        typer.echo(
            f"{view['id']}  {view['status']}  urgency {view['urgency_level']}  "
            f"{', '.join(view['skill_tags'])}  ({view['role']})"
        )
        if view.get("title"):
            typer.echo(f"title: {view['title']}")
        private = state.store.request_private_key(request_id)
        for offer in view.get("offers") or []:
            typer.echo(
                f"offer {offer['id']}  {offer['status']}  trust {_trust_text(offer['trust'])}"
            )
            if offer.get("encrypted_message"):
                typer.echo(f"  message: {_offer_note(private, offer)}")
        if view.get("my_offer"):
            typer.echo(f"your offer {view['my_offer']['id']}: {view['my_offer']['status']}")

    _run(work)


def _offer_note(private: str | None, offer: dict[str, Any]) -> str:
    """An offer's message decrypted with the asker's key, or why it cannot be."""
    if private is None:
        return "(the key to read it is not on this machine)"
    try:
        return open_message(private, offer["helper_public_key"], offer["encrypted_message"])
    except ClientError as exc:
        return f"({exc.detail})"


@app.command("mine")
def mine(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Your own requests."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            items = http.mine()
        if as_json:
            emit(items, True, print)
            return
        for item in items:
            typer.echo(
                f"{item['id']}  {item['status']}  {item['offers']} offers  "
                f"{', '.join(item['skill_tags'])}"
            )

    _run(work)


@app.command("offer")
def offer(
    ctx: typer.Context,
    request_id: str,
    message: str | None = typer.Option(
        None, "--message", "-m", help="A note to the asker, encrypted here for them alone."
    ),
    as_json: JsonOption = False,
) -> None:
    """Offer to help; a key pair is made for this request and its private half kept here."""
    state = _state(ctx)

    def work() -> None:
        private, public = crypto.new_keypair()
        with state.client() as http:
            sealed = None
            if message:
                asker = http.request(request_id).get("asker_public_key")
                if not asker:
                    raise ClientError("This request was made without a key for messages.")
                sealed = crypto.encrypt_message(private, asker, message)
            made = http.offer(request_id, public, sealed)
        state.store.save_offer_key(request_id, str(made["id"]), private)
        emit(
            made,
            as_json,
            lambda m: typer.echo(
                f"offer {m['id']} sent (your trust: {_trust_text(m.get('trust'))})"
            ),
        )

    _run(work)


@app.command("accept")
def accept(ctx: typer.Context, request_id: str, offer_id: str, as_json: JsonOption = False) -> None:
    """Accept an offer: the request key is sealed to that helper's public key and sent."""
    state = _state(ctx)

    def work() -> None:
        key = state.store.request_key(request_id)
        if key is None:
            raise ClientError("The key of this request is not on this machine.")
        with state.client() as http:
            view = http.request(request_id)
            chosen = next((o for o in view.get("offers") or [] if o["id"] == offer_id), None)
            if chosen is None:
                raise ClientError("No such offer on this request.")
            sealed = crypto.seal_key(key, chosen["helper_public_key"])
            result = http.accept(request_id, offer_id, sealed)
        emit(
            result,
            as_json,
            lambda r: typer.echo(
                f"request {request_id} is {r['status']}: offer {offer_id} accepted"
            ),
        )

    _run(work)


@app.command("read")
def read(
    ctx: typer.Context,
    request_id: str,
    start: bool = typer.Option(
        True, "--start/--no-start", help="As the helper, mark a matched request InProgress."
    ),
    as_json: JsonOption = False,
) -> None:
    """Decrypt and print a request (as its owner, or as the accepted helper)."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            view = http.request(request_id)
            plaintext = read_plaintext(state.store, view)
            if start and view["role"] == "helper" and view["status"] == "Matched":
                http.set_status(request_id, "InProgress")
        emit({"id": request_id, "text": plaintext}, as_json, lambda d: typer.echo(d["text"]))

    _run(work)


@app.command("messages")
def messages(ctx: typer.Context, request_id: str, as_json: JsonOption = False) -> None:
    """The conversation of an accepted request, decrypted here (asker or accepted helper)."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            view = http.request(request_id)
            private, their_public = conversation_keys(state.store, view)
            items = http.messages(request_id)
        me = "asker" if view["role"] == "owner" else "helper"
        thread = []
        for item in items:
            try:
                text = open_message(private, their_public, item["ciphertext"])
            except ClientError:
                text = None
            thread.append(
                {
                    "id": item["id"],
                    "sender": item["sender"],
                    "mine": item["sender"] == me,
                    "text": text,
                    "created_at": item["created_at"],
                }
            )
        if as_json:
            emit(thread, True, print)
            return
        for entry in thread:
            who = "you" if entry["mine"] else entry["sender"]
            text = entry["text"] if entry["text"] is not None else "(does not decrypt)"
            typer.echo(f"{entry['created_at'][11:16]}  {who}: {text}")

    _run(work)


@app.command("say")
def say(ctx: typer.Context, request_id: str, text: str, as_json: JsonOption = False) -> None:
    """Write to the other side of an accepted request; encrypted here, for the two of you."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            view = http.request(request_id)
            private, their_public = conversation_keys(state.store, view)
            sent = http.say(request_id, crypto.encrypt_message(private, their_public, text))
        emit(sent, as_json, lambda m: typer.echo(f"message {m['id']} sent"))

    _run(work)


@app.command("complete")
def complete(
    ctx: typer.Context,
    request_id: str,
    quality: int = typer.Option(..., "--quality", "-q", min=1, max=10, help="1 to 10."),
    minutes: int = typer.Option(..., "--minutes", "-m", min=1, max=1440, help="Help duration."),
    as_json: JsonOption = False,
) -> None:
    """Mark your request Completed and rate the helper who took it."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            result = http.set_status(
                request_id, "Completed", session_quality=quality, help_duration=minutes
            )
        state.store.forget_request(request_id)
        emit(
            result,
            as_json,
            lambda r: typer.echo(f"request {request_id} is {r['status']}; thank you for rating"),
        )

    _run(work)


@app.command("cancel")
def cancel(ctx: typer.Context, request_id: str, as_json: JsonOption = False) -> None:
    """Cancel your request."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            result = http.set_status(request_id, "Cancelled")
        state.store.forget_request(request_id)
        emit(result, as_json, lambda r: typer.echo(f"request {request_id} is {r['status']}"))

    _run(work)


@app.command("trust")
def trust(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Your trust score as a helper (shown once 5 different people rated you)."""
    state = _state(ctx)

    def work() -> None:
        with state.client() as http:
            result = http.trust()
        emit(result, as_json, lambda r: typer.echo(f"trust score: {_trust_text(r)}"))

    _run(work)


@app.command("verify")
def verify(
    ctx: typer.Context,
    user_id: int,
    skill_name: str,
    kind: str = typer.Option("peer", "--type", help="peer, quiz or project."),
    score: int = typer.Option(..., "--score", min=0, max=100),
    as_json: JsonOption = False,
) -> None:
    """Vouch for another user's skill."""
    state = _state(ctx)

    def work() -> None:
        payload = {
            "user_id": user_id,
            "skill_name": skill_name,
            "verification_type": kind,
            "score": score,
        }
        with state.client() as http:
            made = http.verify(payload)
        emit(
            made,
            as_json,
            lambda m: typer.echo(
                f"verified {m['skill_name']} ({m['verification_type']}, {m['score']})"
            ),
        )

    _run(work)


@app.command("verifications")
def verifications(ctx: typer.Context, user_id: int, as_json: JsonOption = False) -> None:
    """A user's verified skills."""
    state = _state(ctx)

    def work() -> None:
        with state.client(authenticated=False) as http:
            result = http.verifications(user_id)
        if as_json:
            emit(result, True, print)
            return
        for skill in result["skills"]:
            typer.echo(f"{skill['skill_name']}: {skill['count']} x, avg {skill['average_score']}")

    _run(work)


@app.command("import-keys")
def import_keys(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Exported keys file."),
    as_json: JsonOption = False,
) -> None:
    """Import the keys a browser exported (My keys page) so this machine can read and accept."""
    state = _state(ctx)

    def work() -> None:
        try:
            data = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise ClientError(f"cannot read {file}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != "skillnest-help-keys":
            raise ClientError(f"{file} is not a skillnest help keys file")
        requests = data.get("requests") or {}
        offers = data.get("offers") or {}
        for request_id, key in requests.items():
            # A request's entry is its key, or its key and the private key of its key pair.
            entry = key if isinstance(key, dict) else {"key": key}
            state.store.save_request_key(
                request_id, crypto.b64decode(str(entry["key"])), entry.get("private_key")
            )
        for request_id, offer in offers.items():
            state.store.save_offer_key(request_id, str(offer["offer_id"]), offer["private_key"])
        counts = {"request_keys": len(requests), "offer_keys": len(offers)}
        emit(
            counts,
            as_json,
            lambda c: typer.echo(
                f"imported {c['request_keys']} request keys and {c['offer_keys']} offer keys"
            ),
        )

    _run(work)


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root CLI."""
    root.add_typer(app, name="help")
