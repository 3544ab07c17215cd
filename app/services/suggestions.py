"""Suggestions for the findings of a range, and applying one: all its changes or none.

The plan the engine searches is read as the findings service reads it
(app/services/analysis.py): per channel from bounded reads with the sequence
carry-in, from the earliest finding's start (or the range's start) to the range's
end plus the search's horizon and the rules' look-back, so a move the search
tries lands among the posts really planned there. Stories a finding names are
read whole (app/services/story_analysis.py). A published post is locked: the
engine never suggests changing it.

Applying goes through app/services/posts.py, so the same checks, versioning and
audit apply as for a PATCH, POST or DELETE of a post. Every post is checked
first (in this workspace: 404; not published: 409; at the version the change
names: 412 naming it), then the changes run in order inside a savepoint; any
error raised on the way leaves nothing saved, whichever door called.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from sqlalchemy import select
from sqlmodel import Session

from app.errors import (
    AppError,
    Conflict,
    FieldError,
    Invalid,
    NotFound,
    PreconditionFailed,
    relocated,
)
from app.models import Post
from app.rules import Finding, Plan, PostFact
from app.rules.suggestions import PARTED, Limits, Suggestion, suggest, suggest_parts
from app.schemas import (
    AwareDatetime,
    Category,
    Count,
    Kind,
    Link,
    PostCreate,
    PostText,
    PostUpdate,
    category_error,
)
from app.services import posts as post_service
from app.services import story_analysis
from app.services.access import Access
from app.services.analysis import (
    Context,
    channel_plans,
    context,
    findings_in_range,
    initial_bounds,
    lookback_days,
)
from app.services.telling import rules_speech

P = Post.__table__.c  # type: ignore[attr-defined]

LIMITS = Limits()
# The text a post planned from a suggestion starts with, until an editor writes it.
PLANNED_TEXT = "Planned from a suggestion: write this post."


# ---- suggestions for a range ---------------------------------------------------------


@dataclass(frozen=True)
class Suggested:
    finding: Finding
    suggestions: list[dict[str, Any]]
    # For a long stretch no fix ends: by a week's start, the fixes that take that
    # week's asks out of it (app.rules.suggestions.suggest_parts).
    weeks: dict[datetime, list[dict[str, Any]]] = field(default_factory=dict)


def findings_with_suggestions(ctx: Context, *, start: datetime, end: datetime, now: datetime,
                              channel_ids: Sequence[str] | None = None,
                              limits: Limits = LIMITS,
                              weeks: Sequence[tuple[datetime, datetime]] = ()
                              ) -> list[Suggested]:
    """The findings of ``[start, end)``, each with its verified suggestions as
    JSON, every change naming the current version of the post it changes. With
    ``weeks``, a density stretch or run that no suggestion ends also gets, for
    each of those weeks holding some but not all of its asks, the fix for that
    week."""
    findings = findings_in_range(ctx, start=start, end=end, channel_ids=channel_ids)
    if not findings:
        return []
    plan = suggestion_plan(ctx, findings, start=start, end=end, limits=limits)
    speech = rules_speech()
    offered = suggest(plan, findings, now=now, limits=limits, speech=speech)
    parts = _week_parts(plan, [f for f in findings if f.code in PARTED
                               and not offered.get(f.key)], weeks, now)
    by_week = (suggest_parts(plan, parts, now=now, limits=limits, speech=speech) if parts
               else {})
    chosen = [s for found in (*offered.values(), *by_week.values()) for s in found]
    versions = _versions(ctx.session, {change.post_id for s in chosen for change in s.changes
                                       if change.post_id is not None})
    return [Suggested(f, [_as_json(s, versions) for s in offered.get(f.key, ())],
                      {low: [_as_json(s, versions) for s in by_week[(f.key, low)]]
                       for low, _ in weeks if by_week.get((f.key, low))})
            for f in findings]


# Each week's fix costs a search of its own: a request asks for this many at most,
# the earliest first (a month on screen has six weeks).
MAX_WEEK_PARTS = 12


def _week_parts(plan: Plan, findings: Sequence[Finding],
                weeks: Sequence[tuple[datetime, datetime]], now: datetime
                ) -> list[tuple[Finding, datetime, datetime]]:
    """The (finding, week) pairs worth a search: weeks holding some but not all of
    the finding's asks, every one of them still ahead."""
    if not weeks or not findings:
        return []
    starts = [low for low, _ in weeks]
    times = {post.id: post.at for post in plan.posts}
    parts = []
    for finding in findings:
        held: dict[int, list[datetime]] = {}
        for post_id in finding.post_ids:
            at = times.get(post_id)
            index = bisect_right(starts, at) - 1 if at is not None else -1
            if at is not None and index >= 0 and at < weeks[index][1]:
                held.setdefault(index, []).append(at)
        parts += [(finding, *weeks[index]) for index, ats in held.items()
                  if len(ats) < len(finding.post_ids) and min(ats) >= now]
    parts.sort(key=lambda part: part[1])
    return parts[:MAX_WEEK_PARTS]


def suggestion_plan(ctx: Context, findings: Sequence[Finding], *, start: datetime,
                    end: datetime, limits: Limits = LIMITS) -> Plan:
    """The plan the search needs: each finding's channel around its findings and
    the horizon, the stories the findings name whole, and each channel a story
    post sits on around that post, so a move of an episode is checked among its
    channel's neighbours too."""
    story_ids = {f.story_id for f in findings if f.story_id}
    stories = story_analysis.load_stories(ctx.session, ctx.workspace.id, story_ids)
    story_posts = story_analysis.story_posts(ctx.session, ctx.workspace.id,
                                             {s.id for s in stories})
    spans: dict[str, list[datetime]] = {}
    for finding in findings:
        spans.setdefault(finding.channel_id, []).extend((start, end, finding.start, finding.end))
    for post in story_posts:
        spans.setdefault(post.channel_id, []).append(post.at)
    if any(cid not in ctx.channels for cid in spans):
        # A story runs on a channel the findings were not asked for.
        ctx = context(session=ctx.session, workspace=ctx.workspace)
    channel_ids = [cid for cid in spans if cid in ctx.channels]
    bounds = {}
    for cid in channel_ids:
        reach = timedelta(days=limits.horizon_days + lookback_days(ctx.params(cid)))
        bounds[cid] = initial_bounds(ctx, cid, min(spans[cid]), max(spans[cid]) + reach)
    plans = channel_plans(ctx, channel_ids, bounds)
    posts: dict[str, PostFact] = {p.id: p for plan in plans.values() for p in plan.posts}
    for post in story_posts:
        posts.setdefault(post.id, post)
    published = _published(ctx.session, list(posts))
    facts = [PostFact(p.id, p.channel_id, p.at, p.kind, p.category, p.story_id, p.episode,
                      locked=p.id in published) for p in posts.values()]
    return Plan(posts=facts, channels=[plan.fact for plan in plans.values()],
                profile=ctx.profile, timezone=ctx.workspace.timezone, stories=stories,
                range_start=start, range_end=end)


def _published(session: Session, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        found.update(session.execute(
            select(P.id).where(P.id.in_(chunk), P.status == "published")).scalars())
    return found


def _versions(session: Session, ids: set[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = session.execute(select(P.id, P.version).where(P.id.in_(sorted(ids))))
    return {post_id: version for post_id, version in rows}


def _as_json(suggestion: Suggestion, versions: dict[str, int]) -> dict[str, Any]:
    data = suggestion.as_dict()
    for change in data["changes"]:
        post_id = change["post_id"]
        change["version"] = versions.get(post_id) if post_id is not None else None
    return data


# ---- applying -------------------------------------------------------------------------


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MovePatch(_Change):
    scheduled_at: AwareDatetime


class NoPatch(_Change):
    pass


class CreatePatch(_Change):
    """A new post, as POST /posts takes it; the text may wait (it starts as a
    placeholder the editor replaces)."""

    channel_id: str = Field(max_length=36)
    scheduled_at: AwareDatetime
    kind: Kind
    category: Category | None = None
    text: PostText = PLANNED_TEXT
    link: Link = None
    story_id: str | None = Field(default=None, max_length=36)
    episode: Count | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _category_fits_kind(self) -> CreatePatch:
        problem = category_error(self.kind, self.category)
        if problem:
            raise ValueError(f"category: {problem}")
        return self


class MoveChange(_Change):
    action: Literal["move"]
    post_id: str = Field(max_length=36)
    version: Count = Field(ge=1, description="The post's version the change was made for")
    patch: MovePatch


class UpdateChange(_Change):
    action: Literal["update"]
    post_id: str = Field(max_length=36)
    version: Count = Field(ge=1)
    patch: PostUpdate


class DeleteChange(_Change):
    action: Literal["delete"]
    post_id: str = Field(max_length=36)
    version: Count = Field(ge=1)
    patch: NoPatch = Field(default_factory=NoPatch)


class CreateChange(_Change):
    action: Literal["create"]
    post_id: None = None
    version: None = None
    patch: CreatePatch


ChangeIn = Annotated[
    MoveChange | UpdateChange | DeleteChange | CreateChange, Field(discriminator="action")
]


class ApplyBody(BaseModel):
    """The changes of one suggestion, as the findings list them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"changes": [
        {"action": "move", "post_id": "0193a0c2-5d1e-7c4a-9f00-1b2c3d4e5f60", "version": 3,
         "patch": {"scheduled_at": "2026-12-15T08:00:00Z"}}]}]})

    changes: list[ChangeIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="wrap")
    @classmethod
    def _fields_as_sent(cls, value: Any,
                        handler: ModelWrapValidatorHandler[ApplyBody]) -> ApplyBody:
        """Name a bad field by its place in the JSON (``changes.0.patch.scheduled_at``),
        not behind the union's tag as pydantic does (``changes.0.move.patch…``)."""
        try:
            return handler(value)
        except ValidationError as exc:
            def place(error: Any) -> tuple[Any, ...]:
                loc = tuple(error["loc"])
                if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                    return (*loc[:2], "action")
                if len(loc) > 2 and loc[0] == "changes" and loc[2] in (
                        "move", "update", "delete", "create"):
                    return loc[:2] + loc[3:]
                return loc

            raise relocated(exc, place) from None


@dataclass(frozen=True)
class Applied:
    posts: list[Post]
    deleted: list[str]


def apply_changes(*, session: Session, access: Access,
                  changes: Sequence[MoveChange | UpdateChange | DeleteChange | CreateChange]
                  ) -> Applied:
    access.require("editor")
    for at, change in enumerate(changes):
        if isinstance(change, CreateChange):
            continue
        try:
            current = post_service.get_post(session=session, access=access,
                                            post_id=change.post_id)
        except NotFound as exc:
            raise NotFound(exc.detail, extra={"post_id": change.post_id, "change": at}) from None
        if current.status == "published":
            raise Conflict(f"Post {current.id} is published: it is history now and cannot be "
                           "changed.", extra={"post_id": current.id, "change": at})
        if current.version != change.version:
            raise _stale(current.id, at, change.version, current.version)
    touched: list[Post] = []
    deleted: list[str] = []
    seen: set[str] = set()
    # A savepoint of its own: a door that catches the error and goes on (a page
    # showing the reason) still finds none of the changes saved.
    with session.begin_nested():
        for at, change in enumerate(changes):
            try:
                post = _apply(session, access, change, first=change.post_id not in seen)
            except PreconditionFailed:
                raise _stale(change.post_id or "", at, change.version, None) from None
            except AppError as exc:
                raise _renamed(exc, at) from None
            if change.post_id is not None:
                seen.add(change.post_id)
            if post is None:
                deleted.append(change.post_id or "")
                touched = [p for p in touched if p.id != change.post_id]
            elif all(p.id != post.id for p in touched):
                touched.append(post)
    return Applied(posts=touched, deleted=deleted)


def _apply(session: Session, access: Access,
           change: MoveChange | UpdateChange | DeleteChange | CreateChange,
           *, first: bool) -> Post | None:
    if isinstance(change, CreateChange):
        data = PostCreate.model_validate(change.patch.model_dump())
        post, _ = post_service.create_post(session=session, access=access, data=data)
        return post
    version = change.version if first else None
    if isinstance(change, DeleteChange):
        post_service.delete_post(session=session, access=access, post_id=change.post_id,
                                 if_match=version)
        return None
    if isinstance(change, MoveChange):
        data_update = PostUpdate(scheduled_at=change.patch.scheduled_at)
    else:
        data_update = change.patch
    return post_service.update_post(session=session, access=access, post_id=change.post_id,
                                    data=data_update, if_match=version)


def _stale(post_id: str, at: int, given: int | None,
           current: int | None) -> PreconditionFailed:
    now = f"it is now version {current}" if current is not None else "it was changed meanwhile"
    return PreconditionFailed(
        f"Post {post_id} was changed by someone else (the suggestion was made for version "
        f"{given}, {now}). Nothing was applied: reload the findings and try again.",
        extra={"post_id": post_id, "change": at, "current_version": current},
    )


def _renamed(exc: AppError, at: int) -> AppError:
    """The same error, its fields named where they sit in the request: the
    services name a post's own fields (``category``), here they are in a change's
    patch (``changes.0.patch.category``)."""
    errors = [FieldError(f"changes.{at}.patch.{error.field}", error.message, error.extra)
              for error in exc.errors]
    if isinstance(exc, Invalid) and not errors:
        errors = [FieldError(f"changes.{at}", exc.detail)]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5]) if isinstance(
        exc, Invalid) else exc.detail
    return type(exc)(detail, errors=errors, extra={**exc.extra, "change": at})
