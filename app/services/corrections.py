"""Corrections: posts that admit a mistake (docs/rules.md, "Corrections").

Planning one tells the leads at once: their approvals page lists every
correction not yet approved, and, when the app can send mail, each lead and
admin but the author gets one, in their own language. A lead may approve a
correction straight from a draft, outside the week's approval.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from app import i18n
from app.i18n import gettext as _
from app.models import Membership, Post, User
from app.rules.facts import CORRECTION
from app.services.access import Access
from app.services.channels import get_channel
from app.services.outbox import Mail, enqueue_mail
from app.services.people import display_names

# A correction in any of these may still be approved at once.
OPEN = ("draft", "submitted", "changes_requested")
LEADS = ("lead", "admin")


def is_correction(post: Post) -> bool:
    return post.category == CORRECTION


# The approvals page lists this many at most; the badge counts them all.
SHOWN = 50


def _open(access: Access) -> Any:
    return (Post.workspace_id == access.workspace.id, Post.category == CORRECTION,
            col(Post.status).in_(OPEN))


def open_corrections(*, session: Session, access: Access, limit: int = SHOWN) -> list[Post]:
    """The workspace's corrections not yet approved, soonest first."""
    return list(session.exec(select(Post).where(*_open(access))
                             .order_by(col(Post.scheduled_at), col(Post.id)).limit(limit)).all())


def open_count(*, session: Session, access: Access) -> int:
    return int(session.exec(select(func.count()).select_from(Post).where(*_open(access))).one())


def planned(*, session: Session, access: Access, post: Post, now: datetime,
            mail: bool, link_base: str = "") -> int:
    """Tell the leads of a correction just planned (or just made one); the
    number of mails written to the outbox, in this transaction."""
    if not mail or not is_correction(post):
        return 0
    rows = session.exec(
        select(User.id, User.email, User.language).join(Membership,
                                                        col(Membership.user_id) == User.id)
        .where(Membership.workspace_id == access.workspace.id,
               col(Membership.role).in_(LEADS), User.id != (access.user_id or ""))).all()
    author = display_names(session=session, ids=[access.user_id]).get(
        access.user_id or "", _("Someone"))
    channel = get_channel(session=session, access=access, channel_id=post.channel_id)
    link = f"{link_base.rstrip('/')}/w/{access.workspace.id}/approvals" if link_base else ""
    for _user_id, email, language in rows:
        with i18n.speaking(language or access.workspace.language):
            enqueue_mail(session=session, now=now, mail=_mail(
                email, author, access.workspace.name, channel.name, post, link,
                ZoneInfo(access.workspace.timezone)))
    return len(rows)


def _mail(to: str, author: str, workspace: str, channel: str, post: Post, link: str,
          zone: ZoneInfo) -> Mail:
    at = post.scheduled_at if post.scheduled_at.tzinfo else post.scheduled_at.replace(tzinfo=UTC)
    values = {"author": author, "workspace": workspace, "channel": channel,
              "when": i18n.when(at.astimezone(zone), "day_year_time")}
    body = [_("%(author)s planned a correction on %(channel)s for %(when)s:") % values, "",
            post.text, "",
            _("A correction can be approved on its own, at once: it is listed on the "
              "Approvals page.")]
    if link:
        body += ["", link]
    return Mail(to=to, subject=_("A correction to approve in %(workspace)s") % values,
                body="\n".join(body) + "\n")
