"""What-if checks and next slots: the engine on a changed plan, nothing saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    RootModel,
    ValidationError,
    model_validator,
)

from app.errors import FieldError, Invalid, relocated
from app.rules import ChannelFact, Finding, Plan, PostFact, analyse, diff
from app.rules.engine import next_slot as engine_next_slot
from app.schemas import AwareDatetime, Kind, PostCreate, PostUpdate, category_error
from app.services.access import Access
from app.services.analysis import (
    Bounds,
    Context,
    _has_posts,
    _touches,
    channel_plans,
    context,
    initial_bounds,
    run,
)
from app.services.channels import get_channel
from app.services.posts import get_post
from app.services.story_analysis import story_changes
from app.services.telling import rules_speech, told

# The id a planned-but-unsaved post carries in check results. It sorts after
# every real id, so the new post comes after existing posts at the same time.
NEW_POST_ID = "new"


class CreateCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["create"]
    post: PostCreate


class UpdateCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["update"]
    post_id: str
    changes: PostUpdate


class MoveCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["move"]
    post_id: str
    scheduled_at: AwareDatetime


class DeleteCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["delete"]
    post_id: str


CheckRequest = Annotated[
    CreateCheck | UpdateCheck | MoveCheck | DeleteCheck, Field(discriminator="action")
]


class CheckBody(RootModel[CheckRequest]):
    """The API's request body: one change, told apart by ``action``."""

    @model_validator(mode="wrap")
    @classmethod
    def _fields_as_sent(cls, value: Any, handler: ModelWrapValidatorHandler[CheckBody]
                        ) -> CheckBody:
        """Name a bad field by its place in the JSON ("post.category"), not behind
        the union's tag as pydantic does ("create.post.category"); a bad or
        missing action is the "action" field's fault."""
        try:
            return handler(value)
        except ValidationError as exc:
            tag = value.get("action") if isinstance(value, dict) else None

            def place(error: Any) -> tuple[Any, ...]:
                loc = tuple(error["loc"])
                if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                    return ("action",)
                if tag is not None and loc[:1] == (tag,):
                    return loc[1:]
                return loc

            raise relocated(exc, place) from None


@dataclass(frozen=True)
class CheckResult:
    added: list[Finding]
    resolved: list[Finding]


def _fact(post_id: str, values: dict[str, Any]) -> PostFact:
    return PostFact(id=post_id, channel_id=values["channel_id"], at=values["scheduled_at"],
                    kind=values["kind"], category=values.get("category"),
                    story_id=values.get("story_id"), episode=values.get("episode"))


def check_change(*, access: Access, session: Any, request: BaseModel) -> CheckResult:
    """The findings a change would add and resolve, by finding key."""
    access.require("editor")
    drop: frozenset[str] = frozenset()
    new: PostFact | None = None
    touched: dict[str, list[datetime]] = {}
    story_ids: set[str | None] = set()
    if isinstance(request, CreateCheck):
        get_channel(session=session, access=access, channel_id=request.post.channel_id,
                    field="post.channel_id")
        new = _fact(NEW_POST_ID, request.post.model_dump())
    else:
        post = get_post(session=session, access=access, post_id=request.post_id)  # type: ignore[attr-defined]
        drop = frozenset({post.id})
        story_ids.add(post.story_id)
        touched[post.channel_id] = [post.scheduled_at]
        if isinstance(request, UpdateCheck | MoveCheck):
            values = {k: getattr(post, k) for k in
                      ("channel_id", "scheduled_at", "kind", "category", "story_id", "episode")}
            if isinstance(request, MoveCheck):
                values["scheduled_at"] = request.scheduled_at
            else:
                changes = request.changes.model_dump(exclude_unset=True)
                if "channel_id" in changes:
                    get_channel(session=session, access=access, channel_id=changes["channel_id"],
                                field="changes.channel_id")
                values.update(changes)
                problem = category_error(values["kind"], values.get("category"))
                if problem:
                    raise Invalid(problem, errors=[FieldError("changes.category", problem)])
            new = _fact(post.id, values)
    if new is not None:
        touched.setdefault(new.channel_id, []).append(new.at)
    ctx = context(session=session, workspace=access.workspace, channel_ids=list(touched))
    # Stories are checked whole, apart from the bounded channel reads below.
    story_ids.add(new.story_id if new is not None else None)
    story_added, story_resolved = story_changes(
        ctx, story_ids=[s for s in story_ids if s], new=new, drop=drop)
    added, resolved = _channel_changes(session, ctx, touched, [new] if new else [], drop)
    return CheckResult(added=_told(ctx, _in_order(added + story_added)),
                       resolved=_told(ctx, _in_order(resolved + story_resolved)))


def _channel_changes(session: Any, ctx: Context, touched: dict[str, list[datetime]],
                     extra: Sequence[PostFact], drop: frozenset[str]
                     ) -> tuple[list[Finding], list[Finding]]:
    """(added, resolved) channel findings when ``extra`` joins the plan and
    ``drop`` leaves it, each touched channel read from before its earliest
    touched time, further back while a merged finding reaches the bound."""
    bounds = {cid: _room_before(ctx, cid, min(times),
                                initial_bounds(ctx, cid, min(times), None))
              for cid, times in touched.items()}
    for _ in range(6):
        plans = channel_plans(ctx, list(touched), bounds)
        before = run(ctx, plans, start=None, end=None)
        after = run(ctx, plans, start=None, end=None, extra=extra, drop=drop)
        added, resolved = diff(before, after)
        widen = [
            cid for cid, plan in plans.items()
            if plan.bounds.low is not None
            and any(_touches(f, plan, ctx.params(cid))[0]
                    for f in added + resolved if f.channel_id == cid)
            and _has_posts(session, cid, before=plan.bounds.low)
        ]
        if not widen:
            return added, resolved
        for cid in widen:
            low = bounds[cid].low
            assert low is not None
            bounds[cid] = Bounds(low=low - max(min(touched[cid]) - low, timedelta(days=7)))
    plans = channel_plans(ctx, list(touched), {cid: Bounds() for cid in touched})
    before = run(ctx, plans, start=None, end=None)
    after = run(ctx, plans, start=None, end=None, extra=extra, drop=drop)
    return diff(before, after)


def _room_before(ctx: Context, channel_id: str, at: datetime, bounds: Bounds) -> Bounds:
    """`bounds` reaching back far enough that a finding a change at `at` adds
    or resolves (its density window ends at the change at the latest) starts
    clear of the lower edge, where a merged finding would make the loop above
    read again from further back: one read instead of two or three, and reading
    more never changes a finding."""
    if bounds.low is None:
        return bounds
    reach = timedelta(days=(ctx.params(channel_id).window_days or 0) + 1)
    return replace(bounds, low=min(bounds.low, at - 3 * reach))


def added_by_posts(*, access: Access, session: Any, posts: Sequence[PostFact],
                   new_channels: Sequence[ChannelFact] = ()) -> list[Finding]:
    """The channel findings a batch of new posts would add to the plan (an
    import's dry run): posts on existing channels are checked against what is
    planned there, posts on ``new_channels`` (not saved yet) on their own."""
    access.require("editor")
    fresh = {c.id for c in new_channels}
    touched: dict[str, list[datetime]] = {}
    for post in posts:
        if post.channel_id not in fresh:
            touched.setdefault(post.channel_id, []).append(post.at)
    ctx = context(session=session, workspace=access.workspace, channel_ids=list(touched))
    added: list[Finding] = []
    if touched:
        added, _ = _channel_changes(session, ctx, touched,
                                    [p for p in posts if p.channel_id in touched], frozenset())
    if fresh:
        added += analyse(Plan(posts=[p for p in posts if p.channel_id in fresh],
                              channels=list(new_channels), profile=ctx.profile,
                              timezone=ctx.workspace.timezone))
    return _told(ctx, _in_order(added))


def _in_order(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.start, f.code, f.post_ids[:1]))


def _told(ctx: Context, findings: list[Finding]) -> list[Finding]:
    return told(ctx.session, workspace_id=ctx.workspace.id, timezone=ctx.workspace.timezone,
                findings=findings)


@dataclass(frozen=True)
class SlotAnswer:
    slot: datetime | None
    reason: str


def next_slot(*, access: Access, session: Any, channel_id: str, kind: Kind,
              after: datetime, category: str | None = None) -> SlotAnswer:
    get_channel(session=session, access=access, channel_id=channel_id)
    problem = category_error(kind, category)
    if problem:
        raise Invalid.one("query.category", problem)
    ctx: Context = context(session=session, workspace=access.workspace, channel_ids=[channel_id])
    bounds = {channel_id: initial_bounds(ctx, channel_id, after, None)}
    plans = channel_plans(ctx, [channel_id], bounds)
    plan = Plan(posts=plans[channel_id].posts, channels=[plans[channel_id].fact],
                profile=ctx.profile, timezone=ctx.workspace.timezone)
    answer = engine_next_slot(plan, channel_id=channel_id, kind=kind, after=after,
                              category=category, speech=rules_speech())
    return SlotAnswer(slot=answer.slot, reason=answer.reason)
