"""Work that waits for a commit: queued on a session, started in the background by it.

Mail, live events and announcements that cached answers are stale must never go out for a
transaction the database then rolls back, and the request must not wait for them. Each kind
of work has one ``CommitQueue``: items are queued on the session, the commit hands them to
background tasks, and a rollback of the whole transaction drops them (a savepoint's does not,
so queue after those). The tasks are kept until done, so a process can wait for them before
it closes what they use (``drain``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

Launch = Callable[[Session, list[Any]], Iterable[Coroutine[Any, Any, Any]]]


class CommitQueue:
    """One kind of work queued on sessions and started once their transactions commit."""

    def __init__(self, name: str, launch: Launch, failure: str, log: logging.Logger) -> None:
        self._pending = f"{name}.pending"
        self._hooked = f"{name}.hooked"
        self._launch = launch  # the committed session and its items -> the coroutines to run
        self._failure = failure  # the log line of a task that raised
        self._log = log
        self.tasks: set[asyncio.Task[Any]] = set()

    def add(self, session: AsyncSession, item: Any) -> None:
        """Queue an item on the session, for its transaction's commit."""
        info = session.info
        if not info.get(self._hooked):
            event.listen(session.sync_session, "after_commit", self._on_commit)
            event.listen(session.sync_session, "after_soft_rollback", self._on_rollback)
            info[self._hooked] = True
        info.setdefault(self._pending, []).append(item)

    def pending(self, session: AsyncSession) -> list[Any]:
        """The items the session's coming commit will start."""
        return list(session.info.get(self._pending, ()))

    async def drain(self, timeout: float | None = None, *, this_loop: bool = False) -> None:
        """Wait for the started work still under way (of the running event loop only, if asked)."""
        tasks = list(self.tasks)
        if this_loop:
            loop = asyncio.get_running_loop()
            tasks = [task for task in tasks if task.get_loop() is loop]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    def _on_commit(self, sync_session: Session) -> None:
        items = sync_session.info.pop(self._pending, None)
        if not items:
            return
        loop = asyncio.get_running_loop()
        for work in self._launch(sync_session, items):
            task = loop.create_task(work)
            self.tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error(self._failure, exc_info=task.exception())

    def _on_rollback(self, sync_session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the outermost transaction, not a savepoint
            sync_session.info.pop(self._pending, None)
