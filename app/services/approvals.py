"""Week approval: a lead approves or sends back an ISO week, for all channels or
one, with the week's findings in front of them.

The week shown to the lead carries a review token, a digest of the submitted
posts and their versions. A decision that brings a token that no longer
matches is refused, so nothing submitted while the lead was reading is
approved unseen; and the same token cannot be decided twice (a unique key),
so two leads approving at once give one approval.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, func, select

from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n import gettext as _
from app.models import Channel, Comment, Post, WeekApproval
from app.rules import Finding
from app.services import acknowledgements, audit
from app.services import capacity as team_capacity
from app.services.access import Access
from app.services.analysis import context, findings_in_range
from app.services.calendar import iso_week, local_midnight, parse_iso_week
from app.services.lifecycle import check_not_own, check_override, empty_comment

ALL = "all"


@dataclass
class WeekReview:
    week: str
    monday: date
    start: datetime
    end: datetime
    channel_id: str | None
    posts: list[Post]
    submitted: list[Post]
    findings: list[Finding]
    review_token: str
    gives: int
    asks: int
    approvals: list[WeekApproval]
    acks: acknowledgements.Acknowledgements = field(
        default_factory=acknowledgements.Acknowledgements)
    # Members over their weekly capacity (app/services/capacity.py).
    over_capacity: list[team_capacity.OverCapacity] = field(default_factory=list)

    @property
    def on_rhythm(self) -> bool:
        return not any(self.acks.counts_against_rhythm(f) for f in self.findings)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "blocking"]

    @property
    def open_blocking(self) -> list[Finding]:
        """The blocking findings an approval needs an override reason for: those no
        lead or admin acknowledged."""
        return self.acks.open_blocking(self.findings)

    @property
    def overridden(self) -> list[tuple[Finding, acknowledgements.Acknowledged]]:
        """The blocking findings whose acknowledgement note is their override reason."""
        return self.acks.overridden(self.findings)

    def acknowledgement(self, finding: Finding) -> acknowledgements.Acknowledged | None:
        return self.acks.of(finding)

    def finding_dicts(self) -> list[dict[str, Any]]:
        return [self.acks.annotate(f) for f in self.findings]


def review_token(posts: list[Post]) -> str:
    digest = hashlib.sha256()
    for post in sorted(posts, key=lambda p: p.id):
        digest.update(f"{post.id}:{post.version};".encode())
    return digest.hexdigest()[:32]


def _channel_scope(session: Session, access: Access, channel_id: str | None) -> list[str] | None:
    if channel_id is None:
        return None
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != access.workspace.id:
        raise Invalid.one("channel_id", _("no such channel in this workspace"))
    return [channel_id]


def week_review(*, session: Session, access: Access, week: str,
                channel_id: str | None = None) -> WeekReview:
    tz = ZoneInfo(access.workspace.timezone)
    monday = parse_iso_week(week)
    start, end = local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)
    scope = _channel_scope(session, access, channel_id)
    query = select(Post).where(Post.workspace_id == access.workspace.id,
                               col(Post.scheduled_at) >= start, col(Post.scheduled_at) < end)
    if scope:
        query = query.where(col(Post.channel_id).in_(scope))
    posts = list(session.exec(query.order_by(col(Post.scheduled_at), col(Post.id))).all())
    ctx = context(session=session, workspace=access.workspace, channel_ids=scope)
    in_week = {p.id for p in posts}
    # The week's findings are those with a post in the week, on the channels in scope.
    findings = [f for f in findings_in_range(ctx, start=start, end=end)
                if in_week.intersection(f.post_ids)]
    submitted = [p for p in posts if p.status == "submitted"]
    approvals = list(session.exec(
        select(WeekApproval).where(WeekApproval.workspace_id == access.workspace.id,
                                   WeekApproval.week == iso_week(monday),
                                   WeekApproval.scope == (channel_id or ALL))
        .order_by(col(WeekApproval.created_at).desc())
    ).all())
    gives = sum(1 for p in posts if p.kind != "ask")
    return WeekReview(week=iso_week(monday), monday=monday, start=start, end=end,
                      channel_id=channel_id, posts=posts, submitted=submitted, findings=findings,
                      review_token=review_token(submitted), gives=gives,
                      asks=len(posts) - gives, approvals=approvals,
                      acks=acknowledgements.lookup(
                          session=session, workspace_id=access.workspace.id, findings=findings),
                      over_capacity=team_capacity.over_capacity(
                          session=session, access=access, start=start, end=end))


def decide(*, session: Session, access: Access, week: str, channel_id: str | None,
           decision: str, comment: str = "", override_reason: str | None = None,
           token: str | None = None) -> WeekApproval:
    access.require("lead")
    if decision not in ("approve", "send_back"):
        # The decisions as the API spells them: they are what the client sends.
        raise Invalid.one("decision", _("must be %(approve)s or %(send_back)s") % {
            "approve": "approve", "send_back": "send_back"})
    review = week_review(session=session, access=access, week=week, channel_id=channel_id)
    if not review.submitted:
        raise Conflict(_("Nothing is waiting for review in %(week)s: submit posts first.") % {
            "week": review.week})
    if token is not None and token != review.review_token:
        raise Conflict(
            _("The week changed while you were reviewing it (posts were submitted or edited). "
              "Look at it again before deciding."),
            extra={"review_token": review.review_token},
        )
    text = (comment or "").strip()
    reason = ""
    if decision == "approve":
        check_not_own(access, review.submitted)
        reason = acknowledgements.override_reason(
            check_override(override_reason, review.open_blocking,
                           _("The week %(week)s") % {"week": review.week}),
            review.overridden)
        new_status = "approved"
    else:
        if not text:
            raise empty_comment()
        new_status = "changes_requested"
    for post in review.submitted:
        post.status = new_status
        post.updated_at = utcnow()
        session.add(post)
    try:
        # One flush for the week. A post another lead decided meanwhile fails its
        # version check (on PostgreSQL the UPDATE waits for their commit, then
        # matches nothing): the week was decided, a 409 rather than a stale edit.
        session.flush()
    except StaleDataError:
        raise Conflict(_("%(week)s was just decided or changed by someone else; look at it "
                         "again.") % {"week": review.week}) from None
    for post in review.submitted:
        if new_status == "changes_requested":
            session.add(Comment(workspace_id=access.workspace.id, post_id=post.id,
                                author_id=access.user_id, kind="send_back", body=text))
        audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                     action=new_status, before={"status": "submitted"},
                     after={"status": new_status}, note=f"Week {review.week}: {text or reason}")
    approval = WeekApproval(
        workspace_id=access.workspace.id, week=review.week, scope=channel_id or ALL,
        channel_id=channel_id, decision="approved" if decision == "approve"
        else "changes_requested",
        reviewer_id=access.user_id, comment=text, override_reason=reason,
        review_token=review.review_token, post_ids=[p.id for p in review.submitted],
        findings=review.finding_dicts(),
    )
    try:
        with session.begin_nested():
            session.add(approval)
    except IntegrityError:
        raise Conflict(_("%(week)s was just decided by someone else.") % {
            "week": review.week}) from None
    audit.record(session=session, access=access, subject_type="week",
                 subject_id=f"{review.week}:{channel_id or ALL}", action=approval.decision,
                 after={"posts": len(review.submitted), "findings": len(review.findings)},
                 note=text or reason)
    return approval


def weeks_waiting(*, session: Session, access: Access) -> list[dict[str, Any]]:
    """Weeks with submitted posts, oldest first: the lead's queue."""
    tz = ZoneInfo(access.workspace.timezone)
    rows = session.exec(
        select(Post.scheduled_at, Post.channel_id).where(
            Post.workspace_id == access.workspace.id, Post.status == "submitted")
    ).all()
    weeks: dict[str, dict[str, Any]] = {}
    for at, channel_id in rows:
        local = at.astimezone(tz).date()
        monday = local - timedelta(days=local.weekday())
        key = iso_week(monday)
        entry = weeks.setdefault(key, {"week": key, "monday": monday, "submitted": 0,
                                       "channel_ids": set()})
        entry["submitted"] += 1
        entry["channel_ids"].add(channel_id)
    return [dict(w, channel_ids=sorted(w["channel_ids"]))
            for w in sorted(weeks.values(), key=lambda w: w["monday"])]


def sent_back_count(*, session: Session, access: Access) -> int:
    """Posts sent back to this editor (posts they created, waiting for changes)."""
    if access.user_id is None:
        return 0
    return int(session.exec(
        select(func.count()).select_from(Post).where(
            Post.workspace_id == access.workspace.id, Post.status == "changes_requested",
            Post.created_by_id == access.user_id)
    ).one())


def ready_to_submit(*, session: Session, access: Access, week: str,
                    channel_id: str | None = None) -> list[Post]:
    """The week's drafts and sent-back posts (of one channel, or all), in plan
    order: what "Submit week" submits, and what its button counts."""
    tz = ZoneInfo(access.workspace.timezone)
    monday = parse_iso_week(week)
    start, end = local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)
    scope = _channel_scope(session, access, channel_id)
    query = select(Post).where(Post.workspace_id == access.workspace.id,
                               col(Post.scheduled_at) >= start, col(Post.scheduled_at) < end,
                               col(Post.status).in_(("draft", "changes_requested")))
    if scope:
        query = query.where(col(Post.channel_id).in_(scope))
    return list(session.exec(query.order_by(col(Post.scheduled_at), col(Post.id))).all())


def submit_week(*, session: Session, access: Access, week: str,
                channel_id: str | None = None) -> list[Post]:
    """Submit the week's drafts and sent-back posts in one go."""
    from app.services.lifecycle import submit

    access.require("editor")
    ready = ready_to_submit(session=session, access=access, week=week, channel_id=channel_id)
    if not ready:
        raise Conflict(_("Nothing to submit in %(week)s: no drafts or sent-back posts.") % {
            "week": iso_week(parse_iso_week(week))})
    return [submit(session=session, access=access, post_id=p.id) for p in ready]


def recent_decisions(*, session: Session, access: Access, limit: int = 10,
                     week: str | None = None, channel_id: str | None = None
                     ) -> list[WeekApproval]:
    """The workspace's week decisions, newest first, optionally of one ISO week
    (any spelling parse_iso_week takes) and one channel."""
    query = select(WeekApproval).where(WeekApproval.workspace_id == access.workspace.id)
    if week:
        query = query.where(WeekApproval.week == iso_week(parse_iso_week(week, "query.week")))
    if channel_id:
        query = query.where(WeekApproval.channel_id == channel_id)
    return list(session.exec(
        query.order_by(col(WeekApproval.created_at).desc()).limit(limit)).all())
