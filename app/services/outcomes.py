"""A published post's outcome: reach, impressions, engagements, clicks and
conversions, as the team reads them off the platform.

Only a published post takes one: what was never sent out has no results. A
post of another workspace is as unknown as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.errors import Conflict
from app.i18n import gettext as _
from app.models import Post, PostOutcome
from app.schemas_outcomes import FIGURES, OutcomeIn, OutcomePublic
from app.services.access import Access
from app.services.lifecycle import status_words
from app.services.posts import get_post
from app.services.versioning import check_version, save, stale


@dataclass(frozen=True)
class Outcome:
    """A post's outcome as it stands; ``row`` is None while nothing was entered."""

    post: Post
    row: PostOutcome | None

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0

    def figures(self) -> dict[str, int | None]:
        return {name: getattr(self.row, name) if self.row is not None else None
                for name in FIGURES}


def not_published_text(post: Post) -> str:
    return _("This post is %(status)s; only published posts have results to enter.") % {
        "status": status_words(post.status)}


def check_published(post: Post) -> None:
    if post.status != "published":
        raise Conflict(not_published_text(post), extra={"post_status": post.status})


def get_outcome(*, session: Session, access: Access, post_id: str) -> Outcome:
    """Any post of the workspace has an outcome to read: all unknown until
    someone enters one."""
    post = get_post(session=session, access=access, post_id=post_id)
    return Outcome(post=post, row=session.get(PostOutcome, post.id))


def put_outcome(*, session: Session, access: Access, post_id: str, data: OutcomeIn,
                if_match: int | None) -> Outcome:
    """Replace the post's outcome with ``data``, whole: a figure it leaves out
    becomes unknown. ``if_match`` 0 says "nothing entered yet"."""
    access.require("editor")
    post = get_post(session=session, access=access, post_id=post_id)
    row = session.get(PostOutcome, post.id)
    if row is None:
        if if_match not in (None, 0):
            raise stale(0, if_match)
    else:
        check_version(row, if_match)
    check_published(post)
    figures = data.model_dump()
    if row is None:
        row = PostOutcome(post_id=post.id, workspace_id=access.workspace.id, **figures,
                          updated_by_id=access.user_id)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another request entered the first outcome meanwhile.
            if if_match is not None:
                raise stale(None, if_match) from None
            row = session.get(PostOutcome, post.id, populate_existing=True)
            if row is None:
                raise
            _apply(session, access, row, figures)
        return Outcome(post=post, row=row)
    _apply(session, access, row, figures)
    return Outcome(post=post, row=row)


def _apply(session: Session, access: Access, row: PostOutcome,
           figures: dict[str, int | None]) -> None:
    for name, value in figures.items():
        setattr(row, name, value)
    row.updated_by_id = access.user_id
    save(session, row)


def rows_of(session: Session, post_ids: list[str]) -> dict[str, PostOutcome]:
    """The outcomes already entered for these posts, by post id."""
    found: dict[str, PostOutcome] = {}
    for i in range(0, len(post_ids), 500):
        found.update({row.post_id: row for row in session.exec(
            select(PostOutcome).where(col(PostOutcome.post_id).in_(post_ids[i:i + 500]))).all()})
    return found


def write_figures(*, session: Session, access: Access, post: Post, row: PostOutcome | None,
                  figures: dict[str, int | None], now: datetime) -> None:
    """Set the figures named and keep the others, on a published post the
    caller checked; flushed by the caller, once for many posts."""
    if row is None:
        row = PostOutcome(post_id=post.id, workspace_id=access.workspace.id)
        session.add(row)
    for name, value in figures.items():
        setattr(row, name, value)
    row.updated_by_id = access.user_id
    row.updated_at = now


def to_public(outcome: Outcome) -> OutcomePublic:
    row = outcome.row
    data: dict[str, Any] = {"post_id": outcome.post.id, **outcome.figures(),
                            "version": outcome.version,
                            "updated_at": row.updated_at if row is not None else None,
                            "updated_by": row.updated_by_id if row is not None else None}
    return OutcomePublic.model_validate(data)

