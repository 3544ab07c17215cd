"""Webhooks of a workspace: make one (its secret shown once), change, disable,
delete; read its delivery log; send an event again, or a test event.

Only admins manage webhooks: a webhook sends the workspace's plan to another
address. The secret is kept (it signs every delivery), unlike tokens' hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Webhook, WebhookDelivery
from app.schemas import format_utc
from app.schemas_webhooks import EVENTS, PING, WebhookCreate, WebhookUpdate
from app.services import webhook_events, webhook_signing, webhook_targets
from app.services.access import Access
from app.services.paging import check_limit, cursor_time, decode_cursor, encode_cursor

DESCRIPTION_MAX = 120


@dataclass(frozen=True, slots=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once


def checked_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        words = {"event": repr(unknown[0]), "known": ", ".join(EVENTS)}
        raise Invalid("events: " + _("unknown event %(event)s") % words, errors=[FieldError(
            "events", _("unknown event %(event)s; choose from %(known)s") % words)])
    if not events:
        raise Invalid.one("events", _("choose at least one event"))
    return [e for e in EVENTS if e in events]  # the list's own order, once each


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > DESCRIPTION_MAX:
        raise Invalid.one("description", _("keep it to %(most)d characters") % {
            "most": DESCRIPTION_MAX})
    return text


def create_webhook(*, session: Session, access: Access, data: WebhookCreate,
                   allow_private: bool) -> NewWebhook:
    access.require("admin")
    events = checked_events(data.events)
    url = webhook_targets.checked_url(data.url, allow_private=allow_private)
    description = _description(data.description)
    secret = webhook_signing.new_secret()
    hook = Webhook(workspace_id=access.workspace.id, url=url, events=events,
                   description=description, secret=secret, created_by_id=access.user_id)
    _baseline_if_first(session, access, hook, events)
    session.add(hook)
    session.flush()
    return NewWebhook(webhook=hook, secret=secret)


def _baseline_if_first(session: Session, access: Access, hook: Webhook,
                       events: list[str]) -> None:
    """A first subscriber to finding.added starts from the plan as it is."""
    if webhook_events.FINDING_ADDED not in events:
        return
    others = [h for h in webhook_events.enabled_hooks(session, access.workspace.id)
              if h.id != hook.id and webhook_events.FINDING_ADDED in h.events]
    if not others:
        webhook_events.baseline_findings(session=session, workspace=access.workspace)


def list_webhooks(*, session: Session, access: Access) -> list[Webhook]:
    access.require("admin")
    return list(session.exec(select(Webhook).where(
        Webhook.workspace_id == access.workspace.id).order_by(col(Webhook.created_at),
                                                                col(Webhook.id))).all())


def get_webhook(*, session: Session, access: Access, webhook_id: str) -> Webhook:
    access.require("admin")
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.workspace_id != access.workspace.id:
        raise NotFound(_("No webhook %(id)s in this workspace.") % {"id": webhook_id})
    return hook


def update_webhook(*, session: Session, access: Access, webhook_id: str, data: WebhookUpdate,
                   allow_private: bool) -> Webhook:
    hook = get_webhook(session=session, access=access, webhook_id=webhook_id)
    changes = data.model_dump(exclude_unset=True)
    was_listening = hook.disabled_at is None and webhook_events.FINDING_ADDED in hook.events
    if changes.get("url") is not None:
        hook.url = webhook_targets.checked_url(changes["url"], allow_private=allow_private)
    if changes.get("events") is not None:
        hook.events = checked_events(changes["events"])
    if changes.get("description") is not None:
        hook.description = _description(changes["description"])
    if changes.get("disabled") is not None:
        if changes["disabled"] and hook.disabled_at is None:
            hook.disabled_at = utcnow()
        elif not changes["disabled"]:
            hook.disabled_at = None
    listening = hook.disabled_at is None and webhook_events.FINDING_ADDED in hook.events
    if listening and not was_listening:
        _baseline_if_first(session, access, hook, hook.events)
    session.add(hook)
    session.flush()
    return hook


def delete_webhook(*, session: Session, access: Access, webhook_id: str) -> None:
    hook = get_webhook(session=session, access=access, webhook_id=webhook_id)
    session.delete(hook)  # its deliveries go with it (ON DELETE CASCADE)
    session.flush()


# ---- the delivery log ------------------------------------------------------------------


def deliveries(*, session: Session, access: Access, webhook_id: str, limit: int | None = None,
               cursor: str | None = None, status: str | None = None,
               ) -> tuple[list[WebhookDelivery], str | None]:
    """One page of a webhook's deliveries, newest first, and the next page's cursor."""
    hook = get_webhook(session=session, access=access, webhook_id=webhook_id)
    size = check_limit(limit)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if status:
        if status not in ("pending", "delivered", "failed"):
            # The statuses as the API spells them: they are what the client sends.
            raise Invalid.one("query.status", _("%(pending)s, %(delivered)s or %(failed)s") % {
                "pending": "pending", "delivered": "delivered", "failed": "failed"})
        query = query.where(WebhookDelivery.status == status)
    if cursor:
        at_text, after_id = decode_cursor(cursor, expect=2)
        at = cursor_time(at_text)
        query = query.where(or_(col(WebhookDelivery.created_at) < at,
                                and_(col(WebhookDelivery.created_at) == at,
                                     col(WebhookDelivery.id) < after_id)))
    rows = list(session.exec(query.order_by(col(WebhookDelivery.created_at).desc(),
                                            col(WebhookDelivery.id).desc())
                             .limit(size + 1)).all())
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return rows[:size], next_cursor


def resend(*, session: Session, access: Access, webhook_id: str, delivery_id: str,
           now: datetime | None = None) -> WebhookDelivery:
    """The same message (same webhook-id and body) as a fresh delivery, tried at
    once and for another day; the old one stays in the log as it ended."""
    hook = get_webhook(session=session, access=access, webhook_id=webhook_id)
    old = session.get(WebhookDelivery, delivery_id)
    if old is None or old.webhook_id != hook.id:
        raise NotFound(_("No delivery %(id)s of this webhook.") % {"id": delivery_id})
    now = now or utcnow()
    fresh = WebhookDelivery(workspace_id=hook.workspace_id, webhook_id=hook.id,
                            message_id=old.message_id, event=old.event, payload=old.payload,
                            next_attempt_at=now, created_at=now)
    session.add(fresh)
    session.flush()
    return fresh


def send_test(*, session: Session, access: Access, webhook_id: str) -> WebhookDelivery:
    """A ``webhook.ping`` to this webhook alone, to check the receiver."""
    hook = get_webhook(session=session, access=access, webhook_id=webhook_id)
    now = utcnow()
    payload = {"type": PING, "timestamp": format_utc(now),
               "data": {"workspace_id": hook.workspace_id, "webhook_id": hook.id}}
    row = WebhookDelivery(workspace_id=hook.workspace_id, webhook_id=hook.id,
                          message_id=webhook_events.message_id(), event=PING, payload=payload,
                          next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    return row


def delivery_counts(*, session: Session, access: Access) -> dict[str, dict[str, int]]:
    """Per webhook of the workspace: how many deliveries are pending, delivered
    and failed, in one grouped query."""
    access.require("admin")
    counts: dict[str, dict[str, int]] = {}
    for webhook_id, status, number in session.exec(
            select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.workspace_id == access.workspace.id)
            .group_by(col(WebhookDelivery.webhook_id), col(WebhookDelivery.status))).all():
        counts.setdefault(webhook_id, {})[status] = int(number)
    return counts
