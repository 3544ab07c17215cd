"""Share links: a lead lets someone without an account (a client) see a week or a
range of the plan, read-only, behind a secret link that expires and can be
withdrawn. Like API tokens, the secret is shown once and only its hash is kept.

What the guest sees and says through a link is app/services/shared_view.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Channel, Comment, ShareLink
from app.schemas import at_most_text
from app.security import token_hash
from app.services import audit
from app.services.access import Access
from app.services.calendar import parse_iso_week

SHARE_PREFIX = "gks_"
MAX_DAYS_SHOWN = 13 * 7  # a quarter: more is a plan to hand over, not to look at
DEFAULT_VALID_DAYS = 14
MAX_VALID_DAYS = 90
LABEL_MAX = 120


def share_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/s/{token}"


def status_of(link: ShareLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    return "active" if link.expires_at > now else "expired"


@dataclass(frozen=True, slots=True)
class ShareRequest:
    """What the lead asks for, as typed: the range by dates or by ISO week, and the
    expiry by a time or a number of days. ``check`` turns it into a link's values."""

    starts_on: date | None = None
    ends_on: date | None = None
    week: str | None = None
    channel_id: str | None = None
    label: str = ""
    expires_at: datetime | None = None
    expires_in_days: int | None = None
    allow_comments: bool = True


@dataclass(frozen=True, slots=True)
class NewShareLink:
    link: ShareLink
    token: str  # shown once; only its hash is kept
    url: str


@dataclass(frozen=True, slots=True)
class ShareLinkRow:
    link: ShareLink
    status: str
    guest_comments: int
    channel_name: str | None


def _range(ask: ShareRequest) -> tuple[date, date]:
    errors: list[FieldError] = []
    if ask.week:
        if ask.starts_on or ask.ends_on:
            raise Invalid.one("week", _("give a week or the dates starts_on and ends_on, not "
                                        "both"))
        monday = parse_iso_week(ask.week)
        return monday, monday + timedelta(days=6)
    if ask.starts_on is None:
        errors.append(FieldError("starts_on", _("is required (or give a week like 2026-W51)")))
    if ask.ends_on is None:
        errors.append(FieldError("ends_on", _("is required (or give a week like 2026-W51)")))
    if ask.starts_on is None or ask.ends_on is None:
        raise Invalid(_("Say which days the link shows."), errors=errors)
    if ask.ends_on < ask.starts_on:
        raise Invalid.one("ends_on", _("must not be before starts_on"))
    if (ask.ends_on - ask.starts_on).days + 1 > MAX_DAYS_SHOWN:
        raise Invalid.one("ends_on", _("a link shows at most %(weeks)d weeks (%(days)d days)") % {
            "weeks": MAX_DAYS_SHOWN // 7, "days": MAX_DAYS_SHOWN})
    return ask.starts_on, ask.ends_on


def _expiry(ask: ShareRequest, now: datetime) -> datetime:
    if ask.expires_at is not None and ask.expires_in_days is not None:
        raise Invalid.one("expires_in_days", _("give expires_at or expires_in_days, not both"))
    if ask.expires_at is None:
        days = DEFAULT_VALID_DAYS if ask.expires_in_days is None else ask.expires_in_days
        if not 1 <= days <= MAX_VALID_DAYS:
            raise Invalid.one("expires_in_days", _("must be 1 to %(most)d days") % {
                "most": MAX_VALID_DAYS})
        return now + timedelta(days=days)
    if ask.expires_at <= now:
        raise Invalid.one("expires_at", _("must be in the future"))
    if ask.expires_at > now + timedelta(days=MAX_VALID_DAYS):
        raise Invalid.one("expires_at", _("must be within %(most)d days from now") % {
            "most": MAX_VALID_DAYS})
    return ask.expires_at


def _channel(session: Session, access: Access, channel_id: str | None) -> Channel | None:
    if not channel_id:
        return None
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != access.workspace.id:
        raise Invalid.one("channel_id", _("no such channel in this workspace"))
    return channel


def create_link(*, session: Session, access: Access, ask: ShareRequest, now: datetime,
                link_base: str) -> NewShareLink:
    access.require("lead")
    label = ask.label.strip()
    if len(label) > LABEL_MAX:
        raise Invalid.one("label", at_most_text(LABEL_MAX))
    starts_on, ends_on = _range(ask)
    expires_at = _expiry(ask, now)
    channel = _channel(session, access, ask.channel_id)
    token = SHARE_PREFIX + secrets.token_urlsafe(32)
    link = ShareLink(workspace_id=access.workspace.id, channel_id=channel.id if channel else None,
                     label=label, starts_on=starts_on, ends_on=ends_on,
                     allow_comments=ask.allow_comments, prefix=token[:len(SHARE_PREFIX) + 6],
                     token_hash=token_hash(token), expires_at=expires_at,
                     created_by_id=access.user_id, created_at=now)
    session.add(link)
    session.flush()
    audit.record(session=session, access=access, subject_type="share_link", subject_id=link.id,
                 action="created", after={"starts_on": starts_on.isoformat(),
                                          "ends_on": ends_on.isoformat(),
                                          "channel_id": link.channel_id, "label": label},
                 note=f"Share link {label or link.prefix} for {starts_on} to {ends_on}")
    return NewShareLink(link=link, token=token, url=share_url(link_base, token))


def list_links(*, session: Session, access: Access, now: datetime) -> list[ShareLinkRow]:
    """The workspace's links, newest first, withdrawn and expired ones too; never
    their secrets."""
    access.require("lead")
    counts = dict(session.exec(
        select(Comment.share_link_id, func.count())
        .where(Comment.workspace_id == access.workspace.id,
               col(Comment.share_link_id).is_not(None))
        .group_by(col(Comment.share_link_id))).all())
    names = dict(session.exec(select(Channel.id, Channel.name).where(
        Channel.workspace_id == access.workspace.id)).all())
    links = session.exec(
        select(ShareLink).where(ShareLink.workspace_id == access.workspace.id)
        .order_by(col(ShareLink.created_at).desc(), col(ShareLink.id))).all()
    return [ShareLinkRow(link=link, status=status_of(link, now),
                         guest_comments=int(counts.get(link.id, 0)),
                         channel_name=names.get(link.channel_id) if link.channel_id else None)
            for link in links]


def get_link(*, session: Session, access: Access, link_id: str, now: datetime) -> ShareLinkRow:
    for row in list_links(session=session, access=access, now=now):
        if row.link.id == link_id:
            return row
    raise NotFound(_("No share link %(id)s in this workspace.") % {"id": link_id})


def revoke_link(*, session: Session, access: Access, link_id: str, now: datetime) -> ShareLink:
    """Withdraw a link: from now on it shows the guest only that it was withdrawn.
    Withdrawing it again changes nothing."""
    access.require("lead")
    link = session.get(ShareLink, link_id)
    if link is None or link.workspace_id != access.workspace.id:
        raise NotFound(_("No share link %(id)s in this workspace.") % {"id": link_id})
    if link.revoked_at is None:
        link.revoked_at = now
        session.add(link)
        audit.record(session=session, access=access, subject_type="share_link",
                     subject_id=link.id, action="revoked",
                     note=f"Share link {link.label or link.prefix} withdrawn")
        session.flush()
    return link


def labels(*, session: Session, workspace_id: str, ids: list[str | None]) -> dict[str, str]:
    """The labels of the links guest comments came through, for the post dialog."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {i: label for i, label in session.exec(
        select(ShareLink.id, ShareLink.label).where(
            ShareLink.workspace_id == workspace_id, col(ShareLink.id).in_(wanted))).all()}
