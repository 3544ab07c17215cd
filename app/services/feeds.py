"""Calendar feeds: secret addresses that calendar apps poll, since they send no
credentials. Like API tokens, the secret is shown once and only its hash is
kept; revoking a feed makes its address a 404. The calendar itself is written
by app/services/feed_calendar.py."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from app.db import utcnow
from app.errors import Invalid, NotFound
from app.i18n import gettext as _
from app.models import (
    Acknowledgement,
    CalendarFeed,
    Channel,
    Post,
    RulesProfile,
    Series,
    Story,
    Workspace,
)
from app.security import token_hash
from app.services import audit
from app.services.access import Access
from app.services.calendar import local_midnight

FEED_PREFIX = "gkf_"
# The feed shows the recent past and the coming half year: enough for a team's
# calendar, bounded so a poll never analyses years of plan.
WEEKS_BACK = 8
WEEKS_AHEAD = 26
# Part of every ETag: a change in how the feed is written is a change of every feed.
FEED_FORMAT = 1


def _gone() -> NotFound:
    return NotFound(_("No calendar feed at this address: it is mistyped, or the feed was "
                      "revoked."))


@dataclass(frozen=True, slots=True)
class NewFeed:
    feed: CalendarFeed
    url: str  # shown once: it carries the secret

    @property
    def webcal_url(self) -> str:
        return webcal(self.url)


def feed_url(base: str, workspace_id: str, secret: str) -> str:
    return f"{base.rstrip('/')}/api/v1/workspaces/{workspace_id}/calendar.ics?token={secret}"


def webcal(url: str) -> str:
    """The address as calendar apps open it to subscribe (webcal:// is http(s)://)."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url.removeprefix(scheme)
    return url


def create_feed(*, session: Session, access: Access, channel_id: str | None, name: str,
                link_base: str) -> NewFeed:
    """Any member may make feeds for themselves: the feed shows what they can read."""
    access.require("viewer")
    name = name.strip()
    if len(name) > 120:
        raise Invalid.one("name", _("Keep the name to %(most)d characters.") % {"most": 120})
    if channel_id:
        channel = session.get(Channel, channel_id)
        if channel is None or channel.workspace_id != access.workspace.id:
            raise Invalid.one("channel_id", _("no such channel in this workspace"))
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed(workspace_id=access.workspace.id, channel_id=channel_id or None,
                        name=name, prefix=secret[: len(FEED_PREFIX) + 6],
                        token_hash=token_hash(secret), created_by_id=access.user_id)
    session.add(feed)
    session.flush()
    audit.record(session=session, access=access, subject_type="feed", subject_id=feed.id,
                 action="created", after={"channel_id": feed.channel_id, "name": name})
    return NewFeed(feed=feed, url=feed_url(link_base, access.workspace.id, secret))


def _visible(access: Access, feed: CalendarFeed) -> bool:
    """Admins see every feed of the workspace; everyone else their own."""
    if feed.workspace_id != access.workspace.id or feed.revoked_at is not None:
        return False
    return access.can("admin") or (access.user_id is not None
                                   and feed.created_by_id == access.user_id)


def list_feeds(*, session: Session, access: Access) -> list[CalendarFeed]:
    """The live feeds the caller may see, oldest first."""
    query = select_rows(CalendarFeed).where(CalendarFeed.workspace_id == access.workspace.id,
                                            col(CalendarFeed.revoked_at).is_(None))
    if not access.can("admin"):
        if access.user_id is None:
            return []
        query = query.where(CalendarFeed.created_by_id == access.user_id)
    return list(session.exec(query.order_by(col(CalendarFeed.created_at),
                                            col(CalendarFeed.id))).all())


def revoke_feed(*, session: Session, access: Access, feed_id: str) -> None:
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or not _visible(access, feed):
        raise NotFound(_("No feed %(id)s of yours in this workspace.") % {"id": feed_id})
    feed.revoked_at = utcnow()
    session.add(feed)
    session.flush()
    audit.record(session=session, access=access, subject_type="feed", subject_id=feed.id,
                 action="revoked", note=feed.name or feed.prefix)


# ---- reading a feed ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenFeed:
    feed: CalendarFeed
    workspace: Workspace


def open_feed(*, session: Session, workspace_id: str, secret: str) -> OpenFeed:
    """The live feed a secret opens on this workspace's path; anything else is the
    same 404, so an address tells nothing about other workspaces or old feeds."""
    if not secret.startswith(FEED_PREFIX) or len(secret) > 100:
        raise _gone()
    row = session.execute(
        select(CalendarFeed, Workspace)
        .join(Workspace, col(Workspace.id) == col(CalendarFeed.workspace_id))
        .where(col(CalendarFeed.token_hash) == token_hash(secret))
    ).first()
    if row is None:
        raise _gone()
    feed, workspace = row
    if feed.revoked_at is not None or feed.workspace_id != workspace_id:
        raise _gone()
    return OpenFeed(feed=feed, workspace=workspace)


def window(today: date, workspace: Workspace) -> tuple[datetime, datetime]:
    """The stretch of plan a feed shows, from local midnights around today."""
    tz = ZoneInfo(workspace.timezone)
    return (local_midnight(today - timedelta(weeks=WEEKS_BACK), tz),
            local_midnight(today + timedelta(weeks=WEEKS_AHEAD), tz))


def etag(*, session: Session, opened: OpenFeed, today: date, link_base: str) -> str:
    """A strong ETag from one aggregate query over everything the calendar is made
    of: the posts (any of the channel's, since findings look past the window),
    channel, story and series names, the rules and the acknowledgements. Equal
    stamps give byte-equal calendars, so a poll that changed nothing is a cheap 304."""
    feed, workspace = opened.feed, opened.workspace
    post, channel, story, series, rules, ack = (
        _columns(t) for t in (Post, Channel, Story, Series, RulesProfile, Acknowledgement))
    posts = [post.workspace_id == workspace.id]
    channels = [channel.workspace_id == workspace.id]
    if feed.channel_id is not None:
        posts.append(post.channel_id == feed.channel_id)
        channels.append(channel.id == feed.channel_id)

    def stamp(c: Any, where: list[Any]) -> list[Any]:
        return [select(func.count()).where(*where).scalar_subquery(),
                select(func.coalesce(func.sum(c.version), 0)).where(*where).scalar_subquery(),
                select(func.max(c.updated_at)).where(*where).scalar_subquery()]

    acks = [ack.workspace_id == workspace.id]
    parts = [
        *stamp(post, posts), *stamp(channel, channels),
        *stamp(story, [story.workspace_id == workspace.id]),
        *stamp(series, [series.workspace_id == workspace.id]),
        select(rules.version).where(rules.workspace_id == workspace.id).scalar_subquery(),
        select(func.count()).where(*acks).scalar_subquery(),
        select(func.max(ack.created_at)).where(*acks).scalar_subquery(),
    ]
    values = session.execute(select(*parts)).one()
    key = repr((FEED_FORMAT, feed.id, workspace.version, today.isoformat(),
                link_base.rstrip("/"), *(str(v) for v in values)))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _columns(table: type) -> Any:
    return table.__table__.c  # type: ignore[attr-defined]


def none_match(header: str | None, current: str) -> bool:
    """Whether If-None-Match names the current ETag (weak comparison, as RFC 9110 asks)."""
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or current in tags
