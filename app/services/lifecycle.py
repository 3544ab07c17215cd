"""A post's way to publication: draft → submitted → approved → published, and
back to changes_requested when a lead sends it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import Conflict, FieldError, Forbidden, Invalid
from app.i18n import gettext as _
from app.i18n import ngettext, pgettext
from app.models import AuditEvent, Comment, Post
from app.rules import Finding
from app.rules.facts import CORRECTION
from app.schemas import at_most_text, check_link
from app.services import acknowledgements, audit, share_links
from app.services.access import Access
from app.services.analysis import context, findings_in_range
from app.services.people import display_names
from app.services.posts import get_post
from app.services.versioning import save


def status_words(status: str) -> str:
    """What a post is, in "This post is …" ("a draft", "waiting for review")."""
    words = {"draft": pgettext("post is", "a draft"),
             "submitted": pgettext("post is", "waiting for review"),
             "approved": pgettext("post is", "approved"),
             "changes_requested": pgettext("post is", "sent back for changes"),
             "published": pgettext("post is", "published")}
    return words.get(status, status)


def empty_comment() -> Invalid:
    return Invalid("comment: " + _("say what should change"), errors=[
        FieldError("comment", _("must not be empty: say what should change"))])


def _move(session: Session, access: Access, post: Post, status: str, action: str,
          note: str = "") -> Post:
    before = post.status
    post.status = status
    if status == "submitted":
        post.submitted_at = utcnow()
    save(session, post)  # another request moving it first (two leads at once) is a 412
    audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                 action=action, before={"status": before}, after={"status": status}, note=note)
    return post


def submit(*, session: Session, access: Access, post_id: str) -> Post:
    access.require("editor")
    post = get_post(session=session, access=access, post_id=post_id)
    if post.status == "submitted":
        return post
    if post.status not in ("draft", "changes_requested"):
        raise Conflict(_("This post is %(status)s; only drafts and posts sent back for "
                         "changes can be submitted.") % {"status": status_words(post.status)})
    return _move(session, access, post, "submitted", "submitted")


def blocking_findings(*, session: Session, access: Access, posts: list[Post]) -> list[Finding]:
    """The blocking findings that name any of these posts."""
    if not posts:
        return []
    ids = {p.id for p in posts}
    channel_ids = sorted({p.channel_id for p in posts})
    ctx = context(session=session, workspace=access.workspace, channel_ids=channel_ids)
    start = min(p.scheduled_at for p in posts)
    end = max(p.scheduled_at for p in posts) + timedelta(microseconds=1)
    return [f for f in findings_in_range(ctx, start=start, end=end, channel_ids=channel_ids)
            if f.severity == "blocking" and ids.intersection(f.post_ids)]


def check_override(reason: str | None, findings: list[Finding], what: str) -> str:
    """A blocking finding needs a recorded reason to be approved anyway."""
    if not findings:
        return (reason or "").strip()
    if reason is not None and not reason.strip():
        raise Invalid.one("override_reason", _("must not be empty: say why this is approved "
                                               "despite the blocking finding"))
    if reason is None:
        # English keeps its one wording ("finding(s)"); a language may tell 1 from many.
        raise Conflict(
            ngettext("%(what)s has %(n)d blocking finding(s). Give an override reason to "
                     "approve it anyway; the reason is kept with the approval.",
                     "%(what)s has %(n)d blocking finding(s). Give an override reason to "
                     "approve it anyway; the reason is kept with the approval.",
                     len(findings)) % {"what": what, "n": len(findings)},
            extra={"findings": [f.as_dict() for f in findings]},
        )
    return reason.strip()


def check_not_own(access: Access, posts: list[Post]) -> None:
    if access.workspace.allow_self_approval or access.user_id is None:
        return
    own = [p for p in posts if p.created_by_id == access.user_id]
    if own:
        raise Forbidden(
            ngettext("You created %(n)d of these post(s); another lead must approve them "
                     "(or an admin can allow self-approval in the workspace settings).",
                     "You created %(n)d of these post(s); another lead must approve them "
                     "(or an admin can allow self-approval in the workspace settings).",
                     len(own)) % {"n": len(own)},
            extra={"post_ids": [p.id for p in own]},
        )


def approve(*, session: Session, access: Access, post_id: str,
            override_reason: str | None = None) -> Post:
    access.require("lead")
    post = get_post(session=session, access=access, post_id=post_id)
    if post.status == "approved":
        return post
    # A correction needs no week: a lead may approve it straight from a draft.
    early = post.category == CORRECTION and post.status in ("draft", "changes_requested")
    if post.status != "submitted" and not early:
        raise Conflict(_("This post is %(status)s; only submitted posts can be approved.") % {
            "status": status_words(post.status)})
    check_not_own(access, [post])
    findings = blocking_findings(session=session, access=access, posts=[post])
    acks = acknowledgements.lookup(session=session, workspace_id=access.workspace.id,
                                   findings=findings)
    # A blocking finding a lead or admin acknowledged has its reason already: the note.
    reason = acknowledgements.override_reason(
        check_override(override_reason, acks.open_blocking(findings), _("This post")),
        acks.overridden(findings))
    note = f"Approved despite {len(findings)} blocking finding(s): {reason}" if findings else ""
    return _move(session, access, post, "approved", "approved", note)


def request_changes(*, session: Session, access: Access, post_id: str, comment: str) -> Post:
    access.require("lead")
    post = get_post(session=session, access=access, post_id=post_id)
    if post.status != "submitted":
        raise Conflict(_("This post is %(status)s; only submitted posts can be sent back.") % {
            "status": status_words(post.status)})
    text = (comment or "").strip()
    if not text:
        raise empty_comment()
    session.add(Comment(workspace_id=access.workspace.id, post_id=post.id,
                        author_id=access.user_id, kind="send_back", body=text))
    return _move(session, access, post, "changes_requested", "changes_requested", text)


def publish(*, session: Session, access: Access, post_id: str, external_url: str | None = None,
            published_at: datetime | None = None) -> Post:
    """Another tool reports that the post went out. Repeating it changes nothing."""
    access.require("editor")
    post = get_post(session=session, access=access, post_id=post_id)
    if post.status == "published":
        return post
    if post.status != "approved":
        raise Conflict(_("This post is %(status)s; only approved posts can be published.") % {
            "status": status_words(post.status)})
    try:
        post.external_url = check_link(external_url)
    except ValueError as exc:
        raise Invalid.one("external_url", str(exc)) from None
    post.published_at = published_at or utcnow()
    return _move(session, access, post, "published", "published")


def add_comment(*, session: Session, access: Access, post_id: str, body: str) -> Comment:
    access.require("editor")
    post = get_post(session=session, access=access, post_id=post_id)
    text = (body or "").strip()
    if not text:
        raise Invalid.one("body", _("must not be empty"))
    if len(text) > 5000:
        raise Invalid.one("body", at_most_text(5000))
    comment = Comment(workspace_id=access.workspace.id, post_id=post.id,
                      author_id=access.user_id, body=text)
    session.add(comment)
    session.flush()
    return comment


def comments(*, session: Session, access: Access, post_id: str) -> list[Comment]:
    """A post's comments, oldest first; 404 for a post of another workspace."""
    post = get_post(session=session, access=access, post_id=post_id)
    return list(session.exec(select(Comment).where(Comment.post_id == post.id)
                             .order_by(col(Comment.created_at), col(Comment.id))).all())


@dataclass(frozen=True)
class PostReview:
    """What the post dialog shows around a saved post: its comments, its
    history, and for a lead the blocking findings that an approval must
    override."""

    comments: list[Comment]
    events: list[AuditEvent]
    names: dict[str, str]
    blocking: list[Finding]  # those still needing an override reason
    overridden: list[tuple[Finding, acknowledgements.Acknowledged]] = field(
        default_factory=list)  # those whose acknowledgement note is the reason
    # The labels of the share links guests' comments came through, by link id.
    share_labels: dict[str, str] = field(default_factory=dict)


def review_of(*, session: Session, access: Access, post: Post) -> PostReview:
    found = comments(session=session, access=access, post_id=post.id)
    events = audit.history(session=session, access=access, subject_type="post",
                           subject_id=post.id, limit=50)
    blocking: list[Finding] = []
    overridden: list[tuple[Finding, acknowledgements.Acknowledged]] = []
    if access.can("lead") and post.status == "submitted":
        findings = blocking_findings(session=session, access=access, posts=[post])
        acks = acknowledgements.lookup(session=session, workspace_id=access.workspace.id,
                                       findings=findings)
        blocking, overridden = acks.open_blocking(findings), acks.overridden(findings)
    names = display_names(session=session,
                          ids=[c.author_id for c in found] + [e.actor_id for e in events])
    labels = share_links.labels(session=session, workspace_id=access.workspace.id,
                                ids=[c.share_link_id for c in found])
    return PostReview(comments=found, events=events, names=names, blocking=blocking,
                      overridden=overridden, share_labels=labels)
