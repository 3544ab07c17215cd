"""What the workspace's Connect page shows about each way in and out: the last
import, the feeds, the webhooks and how their deliveries go, the share links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import CalendarFeed, ImportRun, ShareLink, Webhook, WebhookDelivery
from app.services.access import Access


@dataclass(frozen=True)
class ConnectOverview:
    last_import: ImportRun | None
    feeds: int  # the caller's own live feeds (an admin: all of them)
    webhooks: int  # enabled ones
    failed_deliveries: int
    share_links: int  # live: neither revoked nor expired


def overview(*, session: Session, access: Access, now: datetime) -> ConnectOverview:
    ws = access.workspace.id
    last_import = session.exec(
        select(ImportRun).where(ImportRun.workspace_id == ws)
        .order_by(col(ImportRun.created_at).desc()).limit(1)).first()
    feeds = select(func.count()).select_from(CalendarFeed).where(
        CalendarFeed.workspace_id == ws, col(CalendarFeed.revoked_at).is_(None))
    if not access.can("admin"):
        feeds = feeds.where(CalendarFeed.created_by_id == access.user_id)
    webhooks = failed = 0
    if access.can("admin"):
        webhooks = session.exec(select(func.count()).select_from(Webhook).where(
            Webhook.workspace_id == ws, col(Webhook.disabled_at).is_(None))).one()
        failed = session.exec(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.workspace_id == ws, WebhookDelivery.status == "failed")).one()
    links = session.exec(select(func.count()).select_from(ShareLink).where(
        ShareLink.workspace_id == ws, col(ShareLink.revoked_at).is_(None),
        col(ShareLink.expires_at) > now)).one()
    return ConnectOverview(last_import=last_import, feeds=session.exec(feeds).one(),
                           webhooks=webhooks, failed_deliveries=failed, share_links=links)
