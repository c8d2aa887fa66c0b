"""Kept feed pages: every kind of change shows on a page a worker kept before it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from skillnest.help import feed
from skillnest.help.confirmations import KeptConfirmations
from skillnest.help.service import run_maintenance
from tests.factories import PASSWORD
from tests.help.conftest import ask, feed_ids, insert_request
from tests.help.test_flow import accept, offer, set_status


def kept_pages(cache) -> dict:  # type: ignore[no-untyped-def]
    """The pages this process keeps ready for the current version."""
    copy = feed._copy_for(cache)
    return copy.ready if copy.ready_version == copy.version else {}


async def test_a_kept_page_follows_creates_accepts_cancels_and_maintenance(
    client, session, cache, hub, platform, person
):
    owner, helper, reader = await person(), await person(), await person()
    first = await ask(client, owner, skill_tags=["rust"], urgency_level=2)
    assert await feed_ids(client, reader, skills="rust") == [first["id"]]
    assert kept_pages(cache), "the page is kept ready"
    assert await feed_ids(client, reader, skills="rust") == [first["id"]]  # from the kept bytes

    created = await ask(client, owner, skill_tags=["rust"], urgency_level=4)
    assert await feed_ids(client, reader, skills="rust") == [created["id"], first["id"]]

    offer_doc, _ = await offer(client, helper, created["id"])
    key = uuid.uuid4().bytes + uuid.uuid4().bytes
    assert (await accept(client, owner, created["id"], offer_doc, key)).status_code == 200
    assert await feed_ids(client, reader, skills="rust") == [first["id"]]

    assert (await set_status(client, owner, first["id"], "Cancelled")).status_code == 200
    assert await feed_ids(client, reader, skills="rust") == []

    # A request only the database knows appears once maintenance reconciles the set.
    sql_only = await insert_request(session, cache, hub, skill_tags=["rust"], in_feed=False)
    await session.commit()
    assert await feed_ids(client, reader, skills="rust") == []
    await run_maintenance(session=session, platform=platform)
    assert await feed_ids(client, reader, skills="rust") == [str(sql_only["id"])]


async def test_a_kept_page_lasts_until_its_first_card_expires(client, session, cache, hub, person):
    reader = await person()
    now = datetime.now(UTC)
    soon = await insert_request(session, cache, hub, skill_tags=["go"], hours=1)
    later = await insert_request(
        session, cache, hub, skill_tags=["go"], created_at=now - timedelta(minutes=5), hours=5
    )
    assert await feed_ids(client, reader, skills="go") == [str(soon["id"]), str(later["id"])]
    ((key, kept),) = kept_pages(cache).items()
    assert kept.until_us == feed._micros(soon["expires_at"])
    version = feed._copy_for(cache).version
    assert feed.ready_page(cache, version, key, kept.until_us - 1) is kept
    assert feed.ready_page(cache, version, key, kept.until_us) is None  # expired: built afresh


async def test_a_card_not_yet_committed_keeps_no_page(client, session, cache, hub, person):
    """A page read while a create is between its feed entry and its commit is not kept."""
    reader = await person()
    listed = await insert_request(session, cache, hub, skill_tags=["sql"], urgency_level=1)
    pending = dict(listed, id=uuid.uuid4(), urgency_level=5, title="Pending")
    await feed.add(cache=cache, hub=hub, row=pending)  # the card, before the row commits
    assert await feed_ids(client, reader, skills="sql") == [str(listed["id"])]
    assert not kept_pages(cache)
    committed = await insert_request(
        session, cache, hub, in_feed=False, skill_tags=["sql"], urgency_level=5, id=pending["id"]
    )
    await session.commit()  # no version change after the commit: none is needed
    assert await feed_ids(client, reader, skills="sql") == [
        str(committed["id"]),
        str(listed["id"]),
    ]


async def test_a_college_page_follows_the_callers_address(client, cache, person):
    """The caller's college is cached with their profile and dropped when it changes."""
    owner = await person(email="owner@cs.kept.edu")
    reader = await person(email="reader@cs.kept.edu")
    mine = await ask(client, owner, skill_tags=["latex"], college_domain="mine")
    assert await feed_ids(client, reader, college_domain="mine") == [mine["id"]]
    moved = await client.post(
        "/api/v1/me/email",
        json={"email": "reader@elsewhere.example.com", "password": PASSWORD},
        headers=reader.headers,
    )
    assert moved.status_code == 200, moved.text
    refused = await client.get(
        "/api/v1/help/feed", params={"college_domain": "mine"}, headers=reader.headers
    )
    assert refused.status_code == 403


async def test_kept_pages_asked_at_once_share_one_confirmation(session, cache, hub):
    """One statement confirms the pages waiting together; one asked later waits for the next."""
    from sqlalchemy import update

    from skillnest.help.models import HelpSession

    first, second, third = [
        (await insert_request(session, cache, hub, skill_tags=["ocaml"]))["id"] for _ in range(3)
    ]
    gone = (await insert_request(session, cache, hub, skill_tags=["ocaml"], hours=-1))["id"]
    dialect = session.get_bind().dialect.name
    statements: list[int] = []
    answered = asyncio.Event()
    release = asyncio.Event()

    async def fetch(statement, values):  # the session's own connection, held back on demand
        statements.append(len(statements))
        row = await statement.fetch_one(await session.connection(), values)
        answered.set()
        await release.wait()
        return row

    confirmations = KeptConfirmations()

    def ask(*uids):  # type: ignore[no-untyped-def]
        task = confirmations.all_active(fetch=fetch, dialect=dialect, uids=list(uids))
        return asyncio.ensure_future(task)

    together = [ask(first), ask(first, second), ask(third, gone)]
    await answered.wait()  # the statement ran; its answer is held back
    answered.clear()
    # Closed after that statement ran: a page asked now must not take its stale answer.
    await session.execute(
        update(HelpSession)
        .where(HelpSession.id == second)
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    later = ask(second)
    await asyncio.sleep(0.05)
    assert not later.done()
    release.set()
    assert await asyncio.gather(*together) == [True, True, False]
    assert await later is False
    assert len(statements) == 2
