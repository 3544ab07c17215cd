"""A post's place in a story and in a series: what the posts service checks and
records about it when a post is created, edited or deleted.

- An episode belongs to a story of the same workspace (another workspace's
  story is a 404 naming ``story_id``); an episode number without a story is a
  422; a number already used in the story is a 422 naming ``episode``. Leaving a
  story (``story_id`` set to null) drops the episode number too.
- Editing a series occurrence's channel, time, kind, category, text or link
  marks it changed, so changing the series later leaves it as it is; deleting
  one skips its date in the series, so the series does not bring it back.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app.errors import FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Post, Series, Story
from app.services.access import Access
from app.services.versioning import save

# The fields a series gives its occurrences.
SERIES_FIELDS = ("channel_id", "scheduled_at", "kind", "category", "text", "link")


def story_in_workspace(session: Session, access: Access, story_id: str,
                       field: str = "story_id") -> Story:
    story = session.get(Story, story_id)
    if story is None or story.workspace_id != access.workspace.id:
        raise NotFound(_("No story %(id)s in this workspace.") % {"id": story_id},
                       errors=[FieldError(field, _("no such story in this workspace"))])
    return story


def check_story(*, session: Session, access: Access, story_id: str | None,
                episode: int | None, post_id: str | None = None) -> None:
    """Refuse an episode without a story, a foreign story, or a repeated number."""
    if story_id is None:
        if episode is not None:
            raise Invalid.one("episode", _("an episode number needs a story: set story_id too"))
        return
    story = story_in_workspace(session, access, story_id)
    if episode is None:
        return
    query = select(Post.id).where(Post.story_id == story_id, Post.episode == episode)
    if post_id is not None:
        query = query.where(Post.id != post_id)
    other = session.exec(query).first()
    if other is not None:
        message = _("episode %(episode)d of %(story)s is already planned; pick another "
                    "number") % {"episode": episode, "story": repr(story.name)}
        raise Invalid(f"episode: {message}",
                      errors=[FieldError("episode", message, extra={"post_id": other})])


def settle_story_changes(*, session: Session, access: Access, post: Post,
                         changes: dict[str, Any]) -> None:
    """Check a PATCH's story and episode against the post as it will be."""
    if "story_id" not in changes and "episode" not in changes:
        return
    if "story_id" in changes and changes["story_id"] is None and "episode" not in changes:
        changes["episode"] = None
    check_story(session=session, access=access,
                story_id=changes.get("story_id", post.story_id),
                episode=changes.get("episode", post.episode), post_id=post.id)


def note_occurrence_edit(post: Post, changed: dict[str, Any]) -> None:
    if post.series_id is not None and any(name in changed for name in SERIES_FIELDS):
        post.series_changed = True


def note_occurrence_delete(session: Session, post: Post) -> None:
    if post.series_id is None or post.series_date is None:
        return
    series = session.get(Series, post.series_id)
    if series is None:
        return
    day = post.series_date.isoformat()
    if day not in series.skipped_dates:
        series.skipped_dates = sorted([*series.skipped_dates, day])
        save(session, series)
