"""The guest's side of a share link: the plan of its days, read-only, and the
comments a guest leaves on its posts.

A link shows exactly its days (and its channel, when it has one): the calendar
service reads whole weeks, so posts on the other days of those weeks are left
out here, and so are the findings that name none of the posts shown. The gauges
count the posts shown, not the whole weeks, so they tell nothing about the days
left out either. Findings are worked out on the whole plan as always, so they
are the ones the team sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import FieldError, Forbidden, Invalid, NotFound, TooManyRequests
from app.models import Channel, Comment, Post, ShareLink, Workspace
from app.security import token_hash
from app.services import audit, fixes
from app.services.access import Access, Principal
from app.services.calendar import CalendarFilter, calendar, local_midnight
from app.services.share_links import SHARE_PREFIX

GONE = "This link has expired or was withdrawn; ask the team for a new one."
NAME_MAX = 120
COMMENT_MAX = 2000
# Enough for a client going through a week's posts one by one; too few to spam.
COMMENTS_PER_MINUTE = 6
COMMENTS_PER_DAY = 200


@dataclass(frozen=True, slots=True)
class OpenShare:
    link: ShareLink
    workspace: Workspace
    channel: Channel | None

    @property
    def access(self) -> Access:
        """The guest reads as a viewer would, and is nobody in the history."""
        return Access(workspace=self.workspace, role="viewer", principal=Principal())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.workspace.timezone)

    @property
    def takes_comments(self) -> bool:
        # An archived workspace keeps its links readable but takes nothing new.
        return self.link.allow_comments and self.workspace.archived_at is None

    def shows(self, moment: datetime) -> bool:
        local = _aware(moment).astimezone(self.tz).date()
        return self.link.starts_on <= local <= self.link.ends_on


@dataclass
class SharedPlan:
    share: OpenShare
    # The calendar service's answer (posts, findings, weeks, channels), trimmed
    # to the link's days; app/web/calendar_view.py draws it.
    data: dict[str, Any]
    # By finding uid key (code, channel, story, posts): the fixes as sentences,
    # those changing only posts shown.
    fixes: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)
    comments: dict[str, list[Comment]] = field(default_factory=dict)  # by post id


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _moment(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def open_link(*, session: Session, token: str, now: datetime) -> OpenShare:
    """The link a token names while it works. Unknown, withdrawn and expired links
    look alike."""
    if not token.startswith(SHARE_PREFIX) or len(token) > 100:
        raise NotFound(GONE)
    link = session.exec(select(ShareLink).where(ShareLink.token_hash == token_hash(token))).first()
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise NotFound(GONE)
    workspace = session.get(Workspace, link.workspace_id)
    if workspace is None:
        raise NotFound(GONE)
    channel = session.get(Channel, link.channel_id) if link.channel_id else None
    return OpenShare(link=link, workspace=workspace, channel=channel)


def range_bounds(share: OpenShare) -> tuple[datetime, datetime]:
    """The link's days as times: from the first day's local midnight to the one
    after the last day."""
    return (local_midnight(share.link.starts_on, share.tz),
            local_midnight(share.link.ends_on + timedelta(days=1), share.tz))


def finding_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["code"], finding["channel_id"], finding["story_id"],
            tuple(finding["post_ids"]))


def _counts_against_rhythm(finding: dict[str, Any]) -> bool:
    # As acknowledgements.counts_against_rhythm: ask findings that warn or
    # block, less the warnings someone acknowledged.
    if not (finding["code"].startswith("ask_")
            and finding["severity"] in ("warning", "blocking")):
        return False
    return not (finding["severity"] == "warning" and finding.get("acknowledged"))


def _weeks(weeks: list[dict[str, Any]], posts: list[dict[str, Any]],
           findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The weekly gauges again, counting only the posts shown."""
    counted = []
    for week in weeks:
        low, high = _moment(week["start"]), _moment(week["end"])
        per_channel = []
        for channel in week["channels"]:
            in_week = [p for p in posts if p["channel_id"] == channel["channel_id"]
                       and low <= _moment(p["scheduled_at"]) < high]
            ids = {p["id"] for p in in_week}
            naming = [f for f in findings if f["channel_id"] == channel["channel_id"]
                      and ids.intersection(f["post_ids"])]
            gives = sum(1 for p in in_week if p["kind"] != "ask")
            per_channel.append({
                "channel_id": channel["channel_id"], "gives": gives,
                "asks": len(in_week) - gives,
                "on_rhythm": not any(_counts_against_rhythm(f) for f in naming),
                "findings": {s: sum(1 for f in naming if f["severity"] == s)
                             for s in ("info", "warning", "blocking")},
            })
        counted.append({**week, "channels": per_channel, "total": {
            "gives": sum(c["gives"] for c in per_channel),
            "asks": sum(c["asks"] for c in per_channel),
            "on_rhythm": all(c["on_rhythm"] for c in per_channel)}})
    return counted


def shared_plan(*, session: Session, share: OpenShare, now: datetime) -> SharedPlan:
    start, end = range_bounds(share)
    access = share.access
    data = calendar(session=session, access=access, start=start, end=end, now=now,
                    filters=CalendarFilter(channel_id=share.link.channel_id))
    posts = [p for p in data["posts"] if share.shows(_moment(p["scheduled_at"]))]
    shown = {p["id"] for p in posts}
    findings = [f for f in data["findings"]
                if shown.intersection(f["post_ids"])
                or (not f["post_ids"] and share.shows(_moment(f["start"])))]
    offers = fixes.for_range(session=session, access=access, start=start, end=end, now=now,
                             channel_id=share.link.channel_id)
    sentences = {}
    for finding in findings:
        key = finding_key(finding)
        sentences[key] = [s["summary"] for s in offers.whole.get(key, [])
                          if all(c["post_id"] is None or c["post_id"] in shown
                                 for c in s["changes"])]
        # The team's notes stay with the team; the guest sees that one was made.
        finding["acknowledged"] = {"by_team": True} if finding.get("acknowledged") else None
    data = {**data, "posts": posts, "findings": findings,
            "weeks": _weeks(data["weeks"], posts, findings)}
    return SharedPlan(share=share, data=data, fixes=sentences,
                      comments=guest_comments(session=session, share=share, post_ids=shown))


def guest_comments(*, session: Session, share: OpenShare,
                   post_ids: set[str]) -> dict[str, list[Comment]]:
    """The comments guests left through this link, by post, oldest first."""
    if not post_ids:
        return {}
    found: dict[str, list[Comment]] = {}
    for comment in session.exec(
            select(Comment).where(Comment.share_link_id == share.link.id,
                                  col(Comment.post_id).in_(sorted(post_ids)))
            .order_by(col(Comment.created_at), col(Comment.id))).all():
        found.setdefault(comment.post_id, []).append(comment)
    return found


def shown_post(*, session: Session, share: OpenShare, post_id: str) -> Post:
    """A post the link shows; any other (another workspace's, another channel's,
    another day's) is a 404, as if it did not exist."""
    post = session.get(Post, post_id) if len(post_id) <= 36 else None
    if (post is None or post.workspace_id != share.workspace.id
            or (share.link.channel_id and post.channel_id != share.link.channel_id)
            or not share.shows(post.scheduled_at)):
        raise NotFound("This link shows no such post.")
    return post


def _check_words(name: str, body: str) -> None:
    errors = []
    if not name:
        errors.append(FieldError("name", "Say who you are, so the team knows whom to answer."))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", f"Keep your name to {NAME_MAX} characters."))
    if not body:
        errors.append(FieldError("comment", "Write your comment."))
    elif len(body) > COMMENT_MAX:
        errors.append(FieldError("comment", f"Keep the comment to {COMMENT_MAX} characters "
                                         f"(it has {len(body)})."))
    if errors:
        raise Invalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def _throttle(session: Session, link: ShareLink, now: datetime) -> None:
    """A link is passed around by hand, so its comments are counted per link."""
    for window, most, wait in ((timedelta(minutes=1), COMMENTS_PER_MINUTE, 60),
                               (timedelta(days=1), COMMENTS_PER_DAY, 3600)):
        recent = session.exec(select(func.count()).select_from(Comment).where(
            Comment.share_link_id == link.id, col(Comment.created_at) > now - window)).one()
        if recent >= most:
            raise TooManyRequests("Many comments came through this link just now; wait a "
                                  "minute and send yours again.", retry_after=wait)


def add_guest_comment(*, session: Session, share: OpenShare, post_id: str, name: str,
                      body: str, now: datetime) -> Comment:
    """A guest's comment on a post the link shows, in the post's thread."""
    post = shown_post(session=session, share=share, post_id=post_id)
    if not share.takes_comments:
        raise Forbidden("This link is for reading only; it takes no comments."
                        if share.workspace.archived_at is None else
                        "This workspace is archived; it takes no comments.")
    name, body = name.strip(), body.strip()
    _check_words(name, body)
    _throttle(session, share.link, now)
    comment = Comment(workspace_id=share.workspace.id, post_id=post.id, author_id=None,
                      kind="guest", body=body, guest_name=name, share_link_id=share.link.id,
                      created_at=now)
    session.add(comment)
    session.flush()
    label = share.link.label or share.link.prefix
    audit.record(session=session, access=share.access, subject_type="post", subject_id=post.id,
                 action="guest_commented",
                 after={"guest_name": name, "share_link_id": share.link.id},
                 note=f"{name} (guest, via share link '{label}') commented")
    return comment
