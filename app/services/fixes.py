"""Suggestions where the pages show them: for a calendar range, for one post's
dialog, and the undo of an applied suggestion.

The search itself is app/rules/suggestions.py, read and applied through
app/services/suggestions.py; this module only picks what a page needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.models import Post
from app.schemas import format_utc
from app.services import posts as post_service
from app.services.access import Access
from app.services.analysis import context
from app.services.calendar import local_weeks
from app.services.suggestions import (
    Applied,
    ChangeIn,
    CreateChange,
    DeleteChange,
    MoveChange,
    Suggested,
    UpdateChange,
    findings_with_suggestions,
)

Key = tuple[str, str, str | None, tuple[str, ...]]
# Fields an update suggestion may change, and so what its undo puts back.
UNDONE_FIELDS = ("kind", "category", "scheduled_at")


@dataclass(frozen=True)
class Offers:
    """The fixes a page offers: for whole findings by key, and for a long
    stretch no fix ends, the fix for one week by (key, the week's local Monday)."""

    whole: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    weeks: dict[tuple[Key, date], list[dict[str, Any]]] = field(default_factory=dict)


def for_range(*, session: Session, access: Access, start: datetime, end: datetime,
              now: datetime, channel_id: str | None = None) -> Offers:
    """The fixes of the range's findings, whole and for each of its weeks."""
    tz = ZoneInfo(access.workspace.timezone)
    ctx = context(session=session, workspace=access.workspace,
                  channel_ids=[channel_id] if channel_id else None)
    found = findings_with_suggestions(ctx, start=start, end=end, now=now,
                                      channel_ids=[channel_id] if channel_id else None,
                                      weeks=local_weeks(start, end, tz))
    return Offers(
        whole={s.finding.key: s.suggestions for s in found if s.suggestions},
        weeks={(s.finding.key, low.astimezone(tz).date()): fixes
               for s in found for low, fixes in s.weeks.items()})


def for_post(*, session: Session, access: Access, post: Post, now: datetime) -> list[Suggested]:
    """The findings that name the post now, each with its suggestions (a long
    stretch no fix ends: with the fix for the post's week)."""
    ctx = context(session=session, workspace=access.workspace)
    moment = post.scheduled_at
    found = findings_with_suggestions(
        ctx, start=moment - timedelta(seconds=1), end=moment + timedelta(seconds=1), now=now,
        channel_ids=[post.channel_id],
        weeks=local_weeks(moment, moment + timedelta(seconds=1),
                          ZoneInfo(access.workspace.timezone)))
    return [s for s in found if post.id in s.finding.post_ids]


KEPT = ("channel_id", "scheduled_at", "kind", "category", "text", "link", "story_id",
        "episode")


def before_applying(*, session: Session, access: Access, changes: Sequence[ChangeIn]
                    ) -> dict[str, dict[str, Any]]:
    """What an undo needs of the posts a suggestion will change, as they are now."""
    found: dict[str, dict[str, Any]] = {}
    for change in changes:
        if change.post_id is not None and change.post_id not in found:
            post = post_service.get_post(session=session, access=access, post_id=change.post_id)
            found[post.id] = {name: getattr(post, name) for name in KEPT}
    return found


def undo_of(before: dict[str, dict[str, Any]], changes: Sequence[ChangeIn], applied: Applied
            ) -> list[dict[str, Any]]:
    """The changes that put the plan back as it was, at the versions the applied
    suggestion left; a deleted post comes back as a new draft with its text."""
    now_posts = {p.id: p for p in applied.posts}
    undo: list[dict[str, Any]] = []
    for change in changes:
        if isinstance(change, CreateChange):
            created = [p for p in applied.posts if p.id not in before]
            undo.extend({"action": "delete", "post_id": p.id, "version": p.version, "patch": {}}
                        for p in created)
            continue
        old = before[change.post_id]
        if isinstance(change, DeleteChange):
            undo.append({"action": "create", "post_id": None, "version": None, "patch": {
                **old, "scheduled_at": format_utc(old["scheduled_at"])}})
            continue
        current = now_posts.get(change.post_id)
        if current is None or any(u.get("post_id") == current.id for u in undo):
            continue
        if isinstance(change, MoveChange):
            undo.append({"action": "move", "post_id": current.id, "version": current.version,
                         "patch": {"scheduled_at": format_utc(old["scheduled_at"])}})
        elif isinstance(change, UpdateChange):
            patch: dict[str, Any] = {}
            for name in UNDONE_FIELDS:
                if old[name] != getattr(current, name):
                    value = old[name]
                    patch[name] = format_utc(value) if isinstance(value, datetime) else value
            undo.append({"action": "update", "post_id": current.id, "version": current.version,
                         "patch": patch})
    return undo
