"""Story findings on bounded reads: the story pass of the analysis service.

A story's episodes may lie weeks apart and on several channels, so the reads
that bound a channel's plan around a range (app/services/analysis.py) may hold
only some of them. The story codes are therefore checked in a pass of their
own, on whole stories: a story is small (a handful of episodes), so reading all
of its posts is bounded by the story, not by the workspace's history.

Which stories a range needs: a story finding spans episodes that follow each
other (or one episode), so it meets ``[start, end)`` only if the story has a
post in the range, or one before it and one at or after its end. Both are found
by indexed queries (posts of the range by time; per story, one probe on each
side), then those stories are read whole and handed to the engine with every
channel rule switched off, so the channel findings stay those of the bounded
channel reads and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select
from sqlmodel import Session

from app.models import Post, Story
from app.rules import STORY_CODES, Finding, Plan, PostFact, Profile, RuleParams, StoryFact, analyse
from app.rules import diff as diff_findings

if TYPE_CHECKING:
    from app.services.plan_context import Context

P = Post.__table__.c  # type: ignore[attr-defined]
S = Story.__table__.c  # type: ignore[attr-defined]


def story_fact(story: Any) -> StoryFact:
    return StoryFact(id=story.id, name=story.name, min_gap_days=story.min_gap_days,
                     max_gap_days=story.max_gap_days,
                     min_gives_before_ask=story.min_gives_before_ask)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_stories(session: Session, workspace_id: str,
                 story_ids: Iterable[str]) -> list[StoryFact]:
    ids = sorted(set(story_ids))
    if not ids:
        return []
    rows = session.execute(select(Story).where(S.workspace_id == workspace_id, S.id.in_(ids)))
    return [story_fact(story) for story in rows.scalars()]


def story_posts(session: Session, workspace_id: str, story_ids: Iterable[str]) -> list[PostFact]:
    ids = sorted(set(story_ids))
    if not ids:
        return []
    query = (select(P.id, P.channel_id, P.scheduled_at, P.kind, P.category, P.story_id,
                    P.episode)
             .where(P.workspace_id == workspace_id, P.story_id.in_(ids))
             .order_by(P.scheduled_at, P.id))
    return [PostFact(id=row.id, channel_id=row.channel_id, at=_aware(row.scheduled_at),
                     kind=row.kind, category=row.category, story_id=row.story_id,
                     episode=row.episode)
            for row in session.execute(query)]


def stories_meeting(session: Session, workspace_id: str, start: datetime,
                    end: datetime) -> set[str]:
    """The stories whose findings may meet ``[start, end)``."""
    inside = session.execute(
        select(P.story_id).distinct()
        .where(P.workspace_id == workspace_id, P.scheduled_at >= start, P.scheduled_at < end,
               P.story_id.is_not(None))
    ).scalars()
    found = set(inside)
    before = exists().where(P.story_id == S.id, P.scheduled_at < start)
    after = exists().where(P.story_id == S.id, P.scheduled_at >= end)
    across = session.execute(
        select(S.id).where(S.workspace_id == workspace_id, before, after)
    ).scalars()
    found.update(across)
    return found


def _story_profile(profile: Profile) -> Profile:
    """The workspace's severities with every channel rule off."""
    return Profile(params=RuleParams(), severities=profile.severities)


def story_findings(ctx: Context, story_ids: Iterable[str], *, start: datetime | None = None,
                   end: datetime | None = None, extra: Sequence[PostFact] = (),
                   drop: Collection[str] = frozenset()) -> list[Finding]:
    """The story findings of whole stories (meeting the range, when one is given),
    with hypothetical posts added (``extra``) or taken out (``drop``)."""
    stories = load_stories(ctx.session, ctx.workspace.id, story_ids)
    if not stories:
        return []
    known = {story.id for story in stories}
    posts = [p for p in story_posts(ctx.session, ctx.workspace.id, known) if p.id not in drop]
    posts.extend(p for p in extra if p.story_id in known)
    if not posts:
        return []
    findings = analyse(Plan(posts=posts, channels=[], profile=_story_profile(ctx.profile),
                            timezone=ctx.workspace.timezone, stories=stories,
                            range_start=start, range_end=end))
    return [f for f in findings if f.code in STORY_CODES]


def findings_in_range(ctx: Context, *, start: datetime, end: datetime,
                      channel_ids: Collection[str] | None) -> list[Finding]:
    """The story findings meeting ``[start, end)`` that belong to these channels
    (a story finding belongs to the channel of the first post it names; None:
    every channel's)."""
    ids = stories_meeting(ctx.session, ctx.workspace.id, start, end)
    if not ids:
        return []
    return [f for f in story_findings(ctx, ids, start=start, end=end)
            if channel_ids is None or f.channel_id in channel_ids]


def story_changes(ctx: Context, *, story_ids: Iterable[str], new: PostFact | None,
                  drop: Collection[str]) -> tuple[list[Finding], list[Finding]]:
    """What-if for stories: (added, resolved) story findings of the stories a
    change touches."""
    ids = {story_id for story_id in story_ids if story_id}
    if not ids:
        return [], []
    before = story_findings(ctx, ids)
    after = story_findings(ctx, ids, extra=[new] if new is not None else (), drop=drop)
    return diff_findings(before, after)
