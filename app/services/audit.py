"""The audit history: who did what and when, with before and after values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.errors import Invalid
from app.models import AuditEvent, Post
from app.services.access import Access
from app.services.paging import check_limit, decode_cursor, encode_cursor

# Others that hear of every recorded change, in the session (and so the
# transaction) that makes it: the webhooks' outbox (app/services/webhook_events.py).
Listener = Callable[[Session, AuditEvent], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


POST_FIELDS = ("channel_id", "scheduled_at", "kind", "category", "text", "link", "status",
               "story_id", "episode", "version")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def post_snapshot(post: Post) -> dict[str, Any]:
    return {name: _plain(getattr(post, name)) for name in POST_FIELDS}


def changed_only(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any],
                                                                         dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    *, session: Session, access: Access, subject_type: str, subject_id: str, action: str,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, note: str = "",
) -> AuditEvent:
    event = AuditEvent(
        workspace_id=access.workspace.id, subject_type=subject_type, subject_id=subject_id,
        action=action, actor_id=access.user_id, actor_token_id=access.principal.token_id,
        note=note, before=before, after=after,
    )
    session.add(event)
    for listener in _listeners:
        listener(session, event)
    return event


def history(
    *, session: Session, access: Access, subject_type: str | None = None,
    subject_id: str | None = None, limit: int = 200,
) -> list[AuditEvent]:
    events, _ = history_page(session=session, access=access, subject_type=subject_type,
                             subject_id=subject_id, limit=limit, cursor=None)
    return events


def history_page(
    *, session: Session, access: Access, subject_type: str | None = None,
    subject_id: str | None = None, actor_id: str | None = None, action: str | None = None,
    limit: int | None = None, cursor: str | None = None,
) -> tuple[list[AuditEvent], str | None]:
    """One page of the history, newest first, and the cursor of the next
    (older) page: a keyset on (time, id), so paging through a post with
    thousands of edits reads each event once."""
    size = check_limit(limit)
    query = select(AuditEvent).where(AuditEvent.workspace_id == access.workspace.id)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if cursor:
        at, event_id = _history_cursor(cursor)
        query = query.where(or_(col(AuditEvent.at) < at,
                                and_(col(AuditEvent.at) == at, col(AuditEvent.id) < event_id)))
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(size + 1)
    rows = list(session.exec(query).all())
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = encode_cursor(last.at, last.id)
    return rows[:size], next_cursor


def _history_cursor(cursor: str) -> tuple[datetime, str]:
    at_text, event_id = decode_cursor(cursor, expect=2)
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise Invalid.one("query.cursor", "not a cursor this API gave out; start again without it")
    return at, event_id


def actions(*, session: Session, access: Access) -> list[str]:
    """The kinds of change the workspace's history holds, for its filter."""
    rows = session.exec(select(AuditEvent.action).where(
        AuditEvent.workspace_id == access.workspace.id).distinct()).all()
    return sorted(str(r) for r in rows)
