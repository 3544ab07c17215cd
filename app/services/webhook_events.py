"""Turning recorded changes into webhook events, in the transaction of the change.

Every post change, lifecycle step and week decision goes through
``audit.record``; this module listens there and keeps the changes on the
session. Just before the transaction commits, it writes one ``WebhookDelivery``
row (the outbox) per event per enabled webhook of the workspace that
subscribes to it. So an event is stored exactly when its change is: a change
that rolls back leaves no delivery, and a committed one always has its rows,
whatever happens to a worker afterwards.

The webhooks of a workspace are read once per commit; a commit without changes
of posts or weeks reads nothing. Payloads are built from the posts already in
the session (the post as the API shows it, as the transaction leaves it).

``finding.added``: when some webhook subscribes to it, the commit's changed
posts give the touched channels and moments; the findings that meet those
moments (the same engine and bounded reads as any range) are compared with the
findings already announced (table ``announced_finding``, by the finding key's
digest). Each new one is an event and is remembered; an announced finding the
change made go away is forgotten, so it is announced again if it comes back.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from app import i18n
from app.db import new_id, utcnow
from app.models import (
    AnnouncedFinding,
    AuditEvent,
    Post,
    Webhook,
    WebhookDelivery,
    WeekApproval,
    Workspace,
)
from app.rules import Finding
from app.schemas import PostPublic, format_utc
from app.services import audit
from app.services.acknowledgements import digest_of
from app.services.analysis import context, findings_in_range

PENDING = "webhook_events.pending"
POST_EVENTS = {"created": "post.created", "edited": "post.updated",
               "changes_requested": "post.updated", "deleted": "post.deleted",
               "submitted": "post.submitted", "approved": "post.approved",
               "published": "post.published"}
WEEK_EVENTS = {"approved": "week.approved", "changes_requested": "week.sent_back"}
FINDING_ADDED = "finding.added"
CHUNK = 500  # ids per IN (...) list


def message_id() -> str:
    return "msg_" + uuid.UUID(new_id()).hex


def install() -> None:
    """Listen to the audit history and to commits (idempotent; the app and the
    command line call it when they start)."""
    audit.listen(_note)
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


@dataclass(slots=True)
class Noted:
    """A recorded change, and its post while the caller still holds it: the
    session keeps loaded rows only weakly, so by the commit a post could be gone
    from it and cost a query each."""

    change: AuditEvent
    post: Post | None = None


def _note(session: Session, change: AuditEvent) -> None:
    if change.subject_type == "post" and change.action in POST_EVENTS:
        found = session.identity_map.get(identity_key(Post, (change.subject_id,)))
        post = found if isinstance(found, Post) else None
        session.info.setdefault(PENDING, []).append(Noted(change, post))
    elif change.subject_type == "week" and change.action in WEEK_EVENTS:
        session.info.setdefault(PENDING, []).append(Noted(change))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint; the transaction's own commit writes the events
    noted: list[Noted] = session.info.pop(PENDING, None) or []
    if not noted:
        return
    # New posts (an import adds them all, then records each) are still pending,
    # so held by the session: one pass finds them all.
    new_posts = {obj.id: obj for obj in session.new if isinstance(obj, Post)}
    for item in noted:
        if item.post is None and item.change.action != "deleted":
            item.post = new_posts.get(item.change.subject_id)
    session.flush()
    # A change undone by a savepoint's rollback left the session with its row.
    by_workspace: dict[str, list[Noted]] = defaultdict(list)
    for item in noted:
        if item.change in session:
            by_workspace[item.change.workspace_id].append(item)
    for workspace_id, workspace_changes in by_workspace.items():
        emit(session=session, workspace_id=workspace_id, changes=workspace_changes)


# ---- writing the outbox --------------------------------------------------------------


@dataclass
class Outbox:
    """The deliveries one commit writes for one workspace."""

    session: Session
    workspace_id: str
    hooks: list[Webhook]
    now: datetime = field(default_factory=utcnow)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def wanted(self, name: str) -> list[Webhook]:
        return [h for h in self.hooks if name in h.events]

    def add(self, name: str, at: datetime, data: dict[str, Any],
            hooks: list[Webhook] | None = None) -> None:
        targets = self.wanted(name) if hooks is None else hooks
        if not targets:
            return
        payload = {"type": name, "timestamp": format_utc(at),
                   "data": {"workspace_id": self.workspace_id, **data}}
        message = message_id()
        for hook in targets:
            self.rows.append({
                "id": new_id(), "workspace_id": self.workspace_id, "webhook_id": hook.id,
                "message_id": message, "event": name, "payload": payload,
                "status": "pending", "attempts": 0, "next_attempt_at": self.now,
                "claimed_until": None, "last_attempt_at": None, "last_status_code": None,
                "last_error": "", "created_at": self.now})

    def write(self) -> None:
        if self.rows:
            # One multi-row INSERT, not a unit of work per row: an import of
            # thousands of posts writes its events in one statement.
            self.session.execute(insert(WebhookDelivery), self.rows)
            self.rows = []


def enabled_hooks(session: Session, workspace_id: str) -> list[Webhook]:
    return list(session.exec(select(Webhook).where(
        Webhook.workspace_id == workspace_id, col(Webhook.disabled_at).is_(None))).all())


def emit(*, session: Session, workspace_id: str, changes: list[Noted]) -> None:
    hooks = enabled_hooks(session, workspace_id)
    if not hooks:
        return
    outbox = Outbox(session=session, workspace_id=workspace_id, hooks=hooks)
    for item in changes:
        change = item.change
        actor = {"user_id": change.actor_id, "token_id": change.actor_token_id}
        if change.subject_type == "post":
            name = POST_EVENTS[change.action]
            if outbox.wanted(name):
                outbox.add(name, change.at, {"post": post_data(session, item),
                                             "actor": actor})
        else:
            name = WEEK_EVENTS[change.action]
            if outbox.wanted(name):
                outbox.add(name, change.at, {"week": week_data(session, change),
                                             "actor": actor})
    if outbox.wanted(FINDING_ADDED):
        posts = [c for c in changes if c.change.subject_type == "post"]
        if posts:
            announce_findings(outbox, touched(session, posts))
    outbox.write()


def public_post(post: Post) -> dict[str, Any]:
    """The post as the API shows it (the same schema, in JSON)."""
    return PostPublic.model_validate({**post.model_dump(), "created_by": post.created_by_id}) \
        .model_dump(mode="json")


def _post(session: Session, item: Noted) -> Post | None:
    if item.change.action == "deleted":
        return None
    return item.post or session.get(Post, item.change.subject_id)


def post_data(session: Session, item: Noted) -> dict[str, Any]:
    post = _post(session, item)
    if post is not None:
        return public_post(post)
    # Deleted: the post as it was, from the snapshot the history keeps.
    return {"id": item.change.subject_id, **(item.change.before or {})}


def week_data(session: Session, change: AuditEvent) -> dict[str, Any]:
    week, _, scope = change.subject_id.partition(":")
    approval = session.exec(select(WeekApproval).where(
        WeekApproval.workspace_id == change.workspace_id, WeekApproval.week == week,
        WeekApproval.scope == scope).order_by(col(WeekApproval.created_at).desc())
        .limit(1)).first()
    if approval is None:
        return {"week": week, "scope": scope, "decision": change.action,
                "comment": change.note, **(change.after or {})}
    return {"id": approval.id, "week": week, "scope": scope, "channel_id": approval.channel_id,
            "decision": approval.decision, "comment": approval.comment,
            "override_reason": approval.override_reason, "reviewer_id": approval.reviewer_id,
            "post_ids": list(approval.post_ids), "findings": list(approval.findings),
            "created_at": format_utc(approval.created_at)}


# ---- finding.added -------------------------------------------------------------------


@dataclass
class Touched:
    """Where a commit changed the plan: channels and the moments changed."""

    channel_ids: set[str] = field(default_factory=set)
    moments: list[datetime] = field(default_factory=list)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def touched(session: Session, changes: list[Noted]) -> Touched:
    where = Touched()
    for item in changes:
        change = item.change
        post = _post(session, item)
        if post is not None:
            where.channel_ids.add(post.channel_id)
            where.moments.append(post.scheduled_at)
        before = change.before or {}
        if before.get("channel_id"):
            where.channel_ids.add(str(before["channel_id"]))
        moment = _moment(before.get("scheduled_at"))
        if moment is not None:
            where.moments.append(moment)
    return where


def current_findings(session: Session, workspace: Workspace, channel_ids: list[str],
                     start: datetime, end: datetime) -> dict[str, Finding]:
    ctx = context(session=session, workspace=workspace, channel_ids=channel_ids)
    # Receivers get one language whoever made the change: the team's.
    with i18n.speaking(workspace.language):
        found = findings_in_range(ctx, start=start, end=end, channel_ids=list(ctx.channels))
    return {digest_of(f): f for f in found}


def _announced(session: Session, workspace_id: str, digests: list[str]) -> set[str]:
    known: set[str] = set()
    for i in range(0, len(digests), CHUNK):
        known.update(session.exec(select(AnnouncedFinding.digest).where(
            AnnouncedFinding.workspace_id == workspace_id,
            col(AnnouncedFinding.digest).in_(digests[i:i + CHUNK]))).all())
    return known


def _forget_gone(session: Session, workspace_id: str, channel_ids: list[str],
                 start: datetime, end: datetime, present: set[str]) -> None:
    """Announced findings of the window that the plan no longer has."""
    rows = session.exec(select(AnnouncedFinding.digest).where(
        AnnouncedFinding.workspace_id == workspace_id,
        col(AnnouncedFinding.channel_id).in_(channel_ids),
        col(AnnouncedFinding.ends_at) >= start, col(AnnouncedFinding.starts_at) < end)).all()
    gone = [d for d in rows if d not in present]
    for i in range(0, len(gone), CHUNK):
        session.execute(delete(AnnouncedFinding).where(
            col(AnnouncedFinding.workspace_id) == workspace_id,
            col(AnnouncedFinding.digest).in_(gone[i:i + CHUNK])))


def _remember(session: Session, workspace_id: str, new: dict[str, Finding],
              now: datetime) -> None:
    if new:
        session.execute(insert(AnnouncedFinding), [
            {"workspace_id": workspace_id, "digest": digest, "channel_id": f.channel_id,
             "starts_at": f.start, "ends_at": f.end, "announced_at": now}
            for digest, f in new.items()])


def announce_findings(outbox: Outbox, where: Touched) -> None:
    if not where.moments or not where.channel_ids:
        return
    session = outbox.session
    workspace = session.get(Workspace, outbox.workspace_id)
    if workspace is None:
        return
    channel_ids = sorted(where.channel_ids)
    start = min(where.moments)
    end = max(where.moments) + timedelta(microseconds=1)
    present = current_findings(session, workspace, channel_ids, start, end)
    _forget_gone(session, workspace.id, channel_ids, start, end, set(present))
    known = _announced(session, workspace.id, list(present))
    new = {d: f for d, f in present.items() if d not in known}
    _remember(session, workspace.id, new, outbox.now)
    for digest, finding in sorted(new.items(), key=lambda item: (item[1].start, item[0])):
        outbox.add(FINDING_ADDED, outbox.now, {"finding": {"key": digest,
                                                           **finding.as_dict()}})


def baseline_findings(*, session: Session, workspace: Workspace) -> int:
    """Remember the plan's findings as already told, so that a new subscriber
    to ``finding.added`` hears of findings that changes bring from now on, not
    of every finding the plan already has. The number remembered."""
    session.execute(delete(AnnouncedFinding).where(
        col(AnnouncedFinding.workspace_id) == workspace.id))
    low, high = session.exec(select(func.min(Post.scheduled_at), func.max(Post.scheduled_at))
                             .where(Post.workspace_id == workspace.id)).one()
    if low is None or high is None:
        return 0
    channel_ids = sorted(set(session.exec(select(Post.channel_id).where(
        Post.workspace_id == workspace.id).distinct()).all()))
    present = current_findings(session, workspace, channel_ids, low,
                               high + timedelta(microseconds=1))
    _remember(session, workspace.id, present, utcnow())
    return len(present)
