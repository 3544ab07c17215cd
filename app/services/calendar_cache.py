"""Calendars kept by each app process, checked against the database on every read.

The calendar a team looks at changes far less often than it is read: every
HTMX swap, every open tab and every polling client asks again. Each process
keeps the answers it computed (the JSON body, the built view, the rendered
weeks), stamped with the workspace's ``calendar_revision`` and ``version``.
Triggers bump the revision in the same transaction as any write to what a
calendar shows, so a read takes the stamp in one indexed query and uses a kept
answer only when the stamp is the same: an edit made through another process,
a replica or plain SQL is seen at once, and no process can serve a stale one.

Only read requests keep answers (``session.info["read_request"]``, set by the
session dependency): a write request sees its own uncommitted revision, and an
answer kept under it could outlive a rollback. The stamp is read before the
answer is computed, so an answer is never filed under a newer stamp than its
data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlmodel import Session

from app import i18n
from app.models import Workspace

T = TypeVar("T")
W = Workspace.__table__.c  # type: ignore[attr-defined]

READ_REQUEST = "read_request"
# Answers kept per process; a week's JSON for 20 channels is about 300 kB.
CAPACITY = 256


class Kept:
    """A small LRU of answers, each with the stamp it was computed at."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, stamp: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != stamp:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: Hashable, stamp: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


KEPT = Kept()


STAMP = "calendar_stamp"


def note_loaded(session: Session, workspace: Workspace) -> None:
    """`workspace` was just read from its row in this transaction (access
    checks read it first): its stamp needs no query of its own. The object is
    held here too, as the session's identity map holds it only weakly."""
    session.info[STAMP] = (session.get_transaction(), workspace.id,
                           (int(workspace.calendar_revision), int(workspace.version)),
                           workspace)


def _memo(session: Session, workspace_id: str) -> tuple[Any, ...] | None:
    """What this transaction noted of the workspace: (transaction, id, stamp,
    the workspace if its whole row was read)."""
    memo: tuple[Any, ...] | None = session.info.get(STAMP)
    if memo is None or memo[0] is not session.get_transaction() or memo[1] != workspace_id:
        return None
    return memo


def loaded_here(session: Session, workspace_id: str) -> Workspace | None:
    """The workspace as this transaction has read its row, if it has."""
    memo = _memo(session, workspace_id)
    found: Workspace | None = memo[3] if memo is not None else None
    return found


_STAMP = select(W.calendar_revision, W.version).where(W.id == bindparam("workspace_id"))


def stamp(session: Session, workspace_id: str) -> tuple[int, int] | None:
    """The workspace's stamp, read once per transaction: the page's several
    kept parts are all checked against the same one."""
    memo = _memo(session, workspace_id)
    if memo is not None:
        found: tuple[int, int] | None = memo[2]
        return found
    row = session.execute(_STAMP, {"workspace_id": workspace_id}).first()
    found = (int(row[0]), int(row[1])) if row is not None else None
    session.info[STAMP] = (session.get_transaction(), workspace_id, found, None)
    return found


def kept(session: Session, workspace_id: str, key: tuple[Hashable, ...],
         compute: Callable[[], T]) -> T:
    """The answer kept for `key` if the workspace's calendar is unchanged since,
    else `compute()` (kept for the next read when this request only reads)."""
    if not session.info.get(READ_REQUEST):
        return compute()
    current = stamp(session, workspace_id)
    if current is None:
        return compute()
    full_key = (workspace_id, i18n.current(), *key)
    found = KEPT.get(full_key, current)
    if found is not None:
        return found
    value = compute()
    KEPT.put(full_key, current, value)
    return value
