"""Stories: arcs of posts that build on each other, episode by episode.

A story holds its pacing (``min_gap_days``, ``max_gap_days``) and its payoff
rule (``min_gives_before_ask``); its posts point at it with ``story_id`` and an
``episode`` number (checked in app/services/post_links.py). Deleting a story
keeps its posts: they leave the story (story and episode cleared), so nothing
planned disappears with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import Conflict, FieldError, Invalid
from app.i18n import gettext as _
from app.models import Post, Story
from app.rules import Finding
from app.schemas_stories import StoryCreate, StoryPublic, StoryUpdate
from app.services import audit
from app.services.access import Access
from app.services.analysis import context
from app.services.paging import workspace_page
from app.services.post_links import story_in_workspace
from app.services.story_analysis import story_findings
from app.services.telling import told
from app.services.versioning import check_version, save


def _name_taken(session: Session, workspace_id: str, name: str, but: str | None = None) -> bool:
    query = select(Story.id).where(Story.workspace_id == workspace_id, Story.name == name)
    if but:
        query = query.where(Story.id != but)
    return session.exec(query).first() is not None


def _taken(name: str) -> Conflict:
    return Conflict(_("There is already a story named %(name)s in this workspace.") % {
        "name": repr(name)},
        errors=[FieldError("name", _("already used by another story of this workspace"))])


def get_story(*, session: Session, access: Access, story_id: str) -> Story:
    story = story_in_workspace(session, access, story_id)
    return story


def create_story(*, session: Session, access: Access, data: StoryCreate) -> Story:
    access.require("editor")
    if _name_taken(session, access.workspace.id, data.name):
        raise _taken(data.name)
    story = Story(workspace_id=access.workspace.id, **data.model_dump())
    session.add(story)
    session.flush()
    return story


def update_story(*, session: Session, access: Access, story_id: str, data: StoryUpdate,
                 if_match: int | None) -> Story:
    access.require("editor")
    story = get_story(session=session, access=access, story_id=story_id)
    check_version(story, if_match)
    changes = data.model_dump(exclude_unset=True)
    low = changes.get("min_gap_days", story.min_gap_days)
    high = changes.get("max_gap_days", story.max_gap_days)
    if low is not None and high is not None and low > high:
        raise Invalid.one("min_gap_days", _("must not be more than max_gap_days"))
    if "name" in changes and _name_taken(session, story.workspace_id, changes["name"],
                                         but=story.id):
        raise _taken(changes["name"])
    changed = {k: v for k, v in changes.items() if getattr(story, k) != v}
    for field, value in changed.items():
        setattr(story, field, value)
    if changed:
        save(session, story)
    return story


def delete_story(*, session: Session, access: Access, story_id: str,
                 if_match: int | None) -> None:
    """Delete the story; its posts stay, out of the story."""
    access.require("editor")
    story = get_story(session=session, access=access, story_id=story_id)
    check_version(story, if_match)
    for post in episodes(session=session, access=access, story_id=story.id):
        before = {"story_id": post.story_id, "episode": post.episode}
        post.story_id, post.episode = None, None
        save(session, post)
        audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                     action="edited", before=before, after={"story_id": None, "episode": None},
                     note=f"The story {story.name!r} was deleted; the post stays.")
    session.delete(story)
    session.flush()


def list_stories(*, session: Session, access: Access, limit: int | None, cursor: str | None
                 ) -> tuple[list[Story], str | None]:
    return workspace_page(session, Story, access.workspace.id, limit, cursor)


def all_stories(*, session: Session, access: Access) -> list[Story]:
    """Every story of the workspace by name, for pickers and the stories page."""
    query = select(Story).where(Story.workspace_id == access.workspace.id)
    return sorted(session.exec(query).all(), key=lambda s: s.name.lower())


def episodes(*, session: Session, access: Access, story_id: str) -> list[Post]:
    """The story's posts in plan order."""
    query = (select(Post).where(Post.workspace_id == access.workspace.id,
                                Post.story_id == story_id)
             .order_by(col(Post.scheduled_at), col(Post.id)))
    return list(session.exec(query).all())


def next_episode(*, session: Session, access: Access, story_id: str) -> int:
    """The number after the story's highest episode (1 for a story without one)."""
    highest = session.exec(select(func.max(Post.episode)).where(
        Post.workspace_id == access.workspace.id, Post.story_id == story_id)).one()
    return int(highest or 0) + 1


def findings(*, session: Session, access: Access, story: Story) -> list[Finding]:
    """Every story finding of this story (its whole plan, no range)."""
    ctx = context(session=session, workspace=access.workspace)
    return told(session, workspace_id=access.workspace.id, timezone=access.workspace.timezone,
                findings=story_findings(ctx, [story.id]))


def to_public(story: Story) -> StoryPublic:
    return StoryPublic.model_validate(story, from_attributes=True)


@dataclass(frozen=True)
class EpisodeSpan:
    episodes: int
    first: datetime
    last: datetime


def episode_spans(*, session: Session, access: Access) -> dict[str, EpisodeSpan]:
    """Per story of the workspace: how many episodes, the first and the last."""
    rows = session.exec(
        select(Post.story_id, func.count(), func.min(Post.scheduled_at),
               func.max(Post.scheduled_at))
        .where(Post.workspace_id == access.workspace.id, col(Post.story_id).is_not(None))
        .group_by(Post.story_id)).all()
    return {story_id: EpisodeSpan(episodes=int(count), first=_aware(first), last=_aware(last))
            for story_id, count, first, last in rows if story_id}


def _aware(value: datetime) -> datetime:
    # An aggregate bypasses the column type: SQLite hands back naive UTC (or text).
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
