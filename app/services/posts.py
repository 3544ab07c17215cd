"""Planning posts: create, edit, move, delete, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, col, or_, select

from app.db import utcnow
from app.errors import Conflict, FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Post
from app.platforms import too_long
from app.schemas import PostCreate, PostPublic, PostUpdate, at_most_text, category_error
from app.services import audit, corrections, post_links
from app.services.access import Access
from app.services.channels import archived_text, get_channel
from app.services.paging import check_limit, cursor_time, decode_cursor, encode_cursor
from app.services.versioning import check_version, save

# Changing any of these changes what a lead approved, so the post goes back to review.
REVIEWED_FIELDS = ("text", "kind", "category", "channel_id", "scheduled_at", "link")


@dataclass(frozen=True, slots=True)
class PostFilter:
    channel_id: str | None = None
    kind: str | None = None
    status: str | None = None
    story_id: str | None = None
    series_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_since: datetime | None = None


def get_post(*, session: Session, access: Access, post_id: str) -> Post:
    post = session.get(Post, post_id)
    if post is None or post.workspace_id != access.workspace.id:
        raise NotFound(_("No post %(id)s in this workspace.") % {"id": post_id})
    return post


def _by_key(session: Session, workspace_id: str, key: str) -> Post | None:
    return session.exec(
        select(Post).where(Post.workspace_id == workspace_id, Post.idempotency_key == key)
    ).first()


def check_channel(*, session: Session, access: Access, channel_id: str,
                  text: str | None) -> None:
    """The one check of the channel a post is planned on, for a new post and an
    edit alike: of this workspace, not archived, and (unless ``text`` is None)
    the text within the channel's platform limit."""
    if access.workspace.archived_at is not None:
        raise Conflict(_("This workspace is archived: its posts stay as history and it takes "
                         "no new ones. An admin can bring it back under Settings."))
    channel = get_channel(session=session, access=access, channel_id=channel_id,
                          field="channel_id")
    if channel.archived_at is not None:
        archived = archived_text()
        raise Invalid(archived, errors=[FieldError("channel_id", archived)])
    problem = too_long(channel.platform, text) if text is not None else None
    if problem:
        raise Invalid(problem, errors=[FieldError("text", problem)])


@dataclass(frozen=True)
class Telling:
    """How the leads hear of a correction just planned (app/services/corrections.py):
    by mail when the app can send it, with links to ``link_base``."""

    mail: bool = False
    link_base: str = ""


def create_post(
    *, session: Session, access: Access, data: PostCreate, idempotency_key: str | None = None,
    telling: Telling | None = None,
) -> tuple[Post, bool]:
    """Plan a post as a draft. With an idempotency key, a repeat of the same
    request returns the post the first one created: (post, created?)."""
    access.require("editor")
    key = (idempotency_key or "").strip() or None
    if key is not None:
        if len(key) > 64:
            raise Invalid.one("header.Idempotency-Key", at_most_text(64))
        existing = _by_key(session, access.workspace.id, key)
        if existing is not None:
            return existing, False
    check_channel(session=session, access=access, channel_id=data.channel_id, text=data.text)
    post_links.check_story(session=session, access=access, story_id=data.story_id,
                           episode=data.episode)
    post = Post(
        workspace_id=access.workspace.id,
        created_by_id=access.user_id,
        status="draft",
        idempotency_key=key,
        **data.model_dump(),
    )
    try:
        with session.begin_nested():
            session.add(post)
        audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                     action="created", after=audit.post_snapshot(post))
    except IntegrityError:
        # The same key raced us in another request; its post is the answer.
        existing = _by_key(session, access.workspace.id, key) if key else None
        if existing is None:
            raise
        return existing, False
    _tell(session, access, post, telling)
    return post, True


def _tell(session: Session, access: Access, post: Post, telling: Telling | None) -> None:
    if telling is not None and corrections.is_correction(post):
        corrections.planned(session=session, access=access, post=post, now=utcnow(),
                            mail=telling.mail, link_base=telling.link_base)


def update_post(
    *, session: Session, access: Access, post_id: str, data: PostUpdate, if_match: int | None,
    telling: Telling | None = None,
) -> Post:
    access.require("editor")
    post = get_post(session=session, access=access, post_id=post_id)
    check_version(post, if_match)
    if post.status == "published":
        raise Conflict(_("This post is published: it is history now and cannot be edited."))
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if changes:
        # Edits and moves into an archived channel are refused; the text is checked
        # against the limit of the channel it ends up on when either changes.
        text = changes.get("text", post.text) or "" \
            if "text" in changes or "channel_id" in changes else None
        check_channel(session=session, access=access,
                      channel_id=changes.get("channel_id", post.channel_id), text=text)
    kind = changes.get("kind", post.kind)
    category = changes.get("category", post.category)
    problem = category_error(kind, category)
    if problem:
        raise Invalid(f"category: {problem}", errors=[FieldError("category", problem)])
    post_links.settle_story_changes(session=session, access=access, post=post, changes=changes)
    changed = {k: v for k, v in changes.items() if getattr(post, k) != v}
    before = audit.post_snapshot(post)
    for field, value in changed.items():
        setattr(post, field, value)
    post_links.note_occurrence_edit(post, changed)
    note = ""
    if post.status == "approved" and any(f in changed for f in REVIEWED_FIELDS):
        post.status = "submitted"
        post.submitted_at = utcnow()
        note = "Edited after approval, so it is back in review."
    if changed:
        save(session, post)
        old, new = audit.changed_only(before, audit.post_snapshot(post))
        audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                     action="edited", before=old, after=new, note=note)
    if "category" in changed:  # it has just become a correction
        _tell(session, access, post, telling)
    return post


def delete_post(*, session: Session, access: Access, post_id: str, if_match: int | None) -> None:
    access.require("editor")
    post = get_post(session=session, access=access, post_id=post_id)
    check_version(post, if_match)
    if post.status == "published":
        raise Conflict(_("This post is published: it is history now and cannot be deleted."))
    audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                 action="deleted", before=audit.post_snapshot(post))
    post_links.note_occurrence_delete(session, post)
    session.delete(post)
    session.flush()


def list_posts(
    *, session: Session, access: Access, filters: PostFilter, limit: int | None,
    cursor: str | None,
) -> tuple[list[Post], str | None]:
    limit = check_limit(limit)
    if filters.start and filters.end and filters.start >= filters.end:
        raise Invalid.one("query.end", _("must be after start"))
    query = select(Post).where(Post.workspace_id == access.workspace.id)
    for field in ("channel_id", "kind", "status", "story_id", "series_id"):
        value = getattr(filters, field)
        if value is not None:
            query = query.where(getattr(Post, field) == value)
    if filters.start is not None:
        query = query.where(col(Post.scheduled_at) >= filters.start)
    if filters.end is not None:
        query = query.where(col(Post.scheduled_at) < filters.end)
    if filters.updated_since is not None:
        query = query.where(col(Post.updated_at) >= filters.updated_since)
    if cursor:
        at_text, after_id = decode_cursor(cursor, expect=2)
        at = cursor_time(at_text)
        query = query.where(
            or_(
                col(Post.scheduled_at) > at,
                and_(col(Post.scheduled_at) == at, col(Post.id) > after_id),
            )
        )
    query = query.order_by(col(Post.scheduled_at), col(Post.id)).limit(limit + 1)
    rows = list(session.exec(query).all())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.scheduled_at, last.id)
    return rows[:limit], next_cursor


def to_public(post: Post) -> PostPublic:
    return PostPublic.model_validate({**post.model_dump(), "created_by": post.created_by_id})
