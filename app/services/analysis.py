"""Findings for a range, what-if checks and next slots, on bounded reads.

The engine needs a channel's whole plan in principle, but a week's findings
must not load years of history. What each rule needs from before a range:

- sequence rules (first ask, gives since the last ask, gives in a row): only two
  numbers, which two indexed queries answer (``asked_before``, ``gives_before``),
  handed to the engine as the channel's carry-in;
- listening: the channel's start (its ``started_on`` or first post, one query);
- density: the posts of the ``window_days`` before the range, since a window
  that starts there reaches into it;
- runs: the ``run_length`` posts before the range;
- gaps (``channel_silent``, ``posts_too_close``) and posts per day: the post
  before the range and the range's first local day.

So each channel is read from ``C = min(start - lookback days, the K-th post
before start)``, and after the range up to the mirror bound. When fewer gives
than any sequence rule counts lie between the last ask before ``C`` and ``C``,
the read starts at that ask instead (or at the channel's first post, when it
never asked before): an ``ask_too_soon`` names the previous ask and its date,
and a ``no_ask_lately`` the ask its streak started after, so the engine must see
that ask itself, not only the carried-in count (at most that many posts more).
Likewise, when a ``no_ask_lately`` streak in the range runs on past the upper
bound, the read goes on to the ask that ends it, since the finding states the
streak's length. Density and run
findings merge through chains, which could in principle reach past those
bounds; when a finding in the range touches a bound, that side is read further
back (doubling) until no finding touches it or the channel's plan is whole.

Stories are the exception to reading by channel: a story's episodes may lie far
apart and on several channels. The channel reads above hand the engine no
stories (``run`` checks channel rules only); ``findings_in_range`` adds the
story codes from a pass over whole stories, those with a post in the range or
posts on both sides of it, each read entirely since a story is small
(app/services/story_analysis.py). So story findings are exact, and the bounded
channel reads stay as they are: a far-off episode never joins a channel's plan,
where it would change that channel's gaps or runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from app.models import Post
from app.rules import ChannelFact, Finding, Plan, PostFact, RuleParams, analyse
from app.services import findings_cache, story_analysis

# Re-exported, so callers take everything an analysis needs from this module.
from app.services.plan_context import Context as Context
from app.services.plan_context import context as context
from app.services.telling import told

MERGING_CODES = ("ask_density", "ask_run", "category_mix", "broadcast_only")
MAX_WIDENINGS = 6

P = Post.__table__.c  # type: ignore[attr-defined]


@dataclass
class Bounds:
    """What is read of one channel: posts with low <= scheduled_at < high."""

    low: datetime | None = None
    high: datetime | None = None


# ---- how far to look ---------------------------------------------------------


def lookback_days(params: RuleParams) -> int:
    spans = [params.window_days or 0, params.max_gap_days or 0, 1]
    return max(spans) + 1


def lookback_posts(params: RuleParams) -> int:
    return max(params.run_length or 0, 2)


def _kth_time(session: Session, channel_id: str, at: datetime, k: int,
              before: bool) -> datetime | None:
    """The time of the k-th post before (or at-or-after) a moment."""
    if before:
        query = (select(P.scheduled_at).where(P.channel_id == channel_id, P.scheduled_at < at)
                 .order_by(P.scheduled_at.desc()))
    else:
        query = (select(P.scheduled_at).where(P.channel_id == channel_id, P.scheduled_at >= at)
                 .order_by(P.scheduled_at.asc()))
    row = session.execute(query.offset(k - 1).limit(1)).first()
    return _aware(row[0]) if row else None


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def initial_bounds(ctx: Context, channel_id: str, start: datetime | None,
                   end: datetime | None) -> Bounds:
    params = ctx.params(channel_id)
    days = timedelta(days=lookback_days(params))
    k = lookback_posts(params) + 1
    bounds = Bounds()
    # With fewer than k posts on a side, that side is read whole: a run needs
    # its k posts, wherever they lie in time.
    if start is not None:
        kth = _kth_time(ctx.session, channel_id, start, k, before=True)
        if kth is not None:
            bounds.low = _sequence_low(ctx.session, channel_id, min(start - days, kth),
                                       _cap(params))
    if end is not None:
        kth = _kth_time(ctx.session, channel_id, end, k, before=False)
        if kth is not None:
            bounds.high = max(end + days, kth + timedelta(seconds=1))
    return bounds


# ---- reading ------------------------------------------------------------------


def _post_fact(row: Any) -> PostFact:
    return PostFact(id=row.id, channel_id=row.channel_id, at=_aware(row.scheduled_at),
                    kind=row.kind, category=row.category, story_id=row.story_id,
                    episode=row.episode)


def read_posts(session: Session, channel_id: str, bounds: Bounds) -> list[PostFact]:
    query = select(P.id, P.channel_id, P.scheduled_at, P.kind, P.category, P.story_id,
                   P.episode).where(P.channel_id == channel_id)
    if bounds.low is not None:
        query = query.where(P.scheduled_at >= bounds.low)
    if bounds.high is not None:
        query = query.where(P.scheduled_at < bounds.high)
    query = query.order_by(P.scheduled_at, P.id)
    return [_post_fact(row) for row in session.execute(query)]


def _last_ask_and_gives(session: Session, channel_id: str, low: datetime,
                        cap: int) -> tuple[datetime | None, int]:
    """(the time of the last ask before `low`, gives since it before `low`), the
    count capped where no rule can tell a larger one apart."""
    last_ask = session.execute(
        select(P.scheduled_at, P.id)
        .where(P.channel_id == channel_id, P.kind == "ask", P.scheduled_at < low)
        .order_by(P.scheduled_at.desc(), P.id.desc()).limit(1)
    ).first()
    gives = select(P.id).where(P.channel_id == channel_id, P.kind != "ask", P.scheduled_at < low)
    if last_ask is not None:
        at, ask_id = last_ask
        # A plain lower bound too, so the index range starts at that ask: the OR
        # alone left the database scanning the channel's whole history.
        gives = gives.where(P.scheduled_at >= at,
                            or_(P.scheduled_at > at, and_(P.scheduled_at == at, P.id > ask_id)))
    # Newest first: with no ask before, the count stops after `cap` posts back.
    gives = gives.order_by(P.scheduled_at.desc()).limit(cap)
    count = session.execute(select(func.count()).select_from(gives.subquery())).scalar_one()
    return (_aware(last_ask[0]) if last_ask is not None else None), int(count)


def _carry_in(session: Session, channel_id: str, low: datetime | None,
              cap: int) -> tuple[bool, int]:
    """(an ask before `low`?, gives since the last ask before `low`), capped."""
    if low is None:
        return False, 0
    last_ask, count = _last_ask_and_gives(session, channel_id, low, cap)
    return last_ask is not None, count


def _sequence_low(session: Session, channel_id: str, low: datetime,
                  cap: int) -> datetime | None:
    """Where to start reading so that the sequence rules' findings are exact.

    With `cap` gives or more since the last ask before `low`, no sequence rule
    fires on a post from `low` on that depends on what lies before, so the
    carried-in count is enough. With fewer, the read starts at that ask (posts at
    its very time included; reading more never changes a finding), or at the
    channel's first post when it never asked: at most `cap` posts more.
    """
    last_ask, count = _last_ask_and_gives(session, channel_id, low, cap)
    if count >= cap:
        return low
    return last_ask


def _cap(params: RuleParams) -> int:
    counts = [params.min_gives_before_first_ask, params.min_gives_between_asks,
              params.max_gives_without_ask]
    return max([c for c in counts if c is not None] + [0]) + 1


def first_posts(ctx: Context, channel_ids: Sequence[str]) -> dict[str, datetime]:
    """When each channel without a start date posted first: its start."""
    missing = [cid for cid in channel_ids if ctx.channels[cid].started_on is None]
    if not missing:
        return {}
    rows = ctx.session.execute(
        select(P.channel_id, func.min(P.scheduled_at))
        .where(P.channel_id.in_(missing)).group_by(P.channel_id)
    )
    return {cid: _aware(first) for cid, first in rows if first}


def channel_fact(ctx: Context, channel_id: str, bounds: Bounds,
                 firsts: dict[str, datetime]) -> ChannelFact:
    channel = ctx.channels[channel_id]
    asked_before, gives_before = _carry_in(ctx.session, channel_id, bounds.low,
                                           _cap(ctx.params(channel_id)))
    started_on: date | None = channel.started_on
    first = firsts.get(channel_id)
    if started_on is None and first is not None and bounds.low is not None and first < bounds.low:
        # The first post lies before what is read, so the engine cannot see it;
        # otherwise it finds the start itself (and a what-if post planned before
        # the first post moves the start, as it would once saved).
        started_on = first.astimezone(ctx.tz).date()
    return ChannelFact(
        id=channel.id, name=channel.name, started_on=started_on,
        asked_before=asked_before, gives_before=gives_before,
    )


# ---- analysing --------------------------------------------------------------------


@dataclass
class ChannelPlan:
    fact: ChannelFact
    posts: list[PostFact]
    bounds: Bounds


def _touches(finding: Finding, plan: ChannelPlan, params: RuleParams) -> tuple[bool, bool]:
    """Whether a merged finding may continue past the lower or upper bound."""
    if finding.code not in MERGING_CODES or not plan.posts:
        return False, False
    reach = timedelta(days=(params.window_days or 0) + 1)
    k = lookback_posts(params)
    low_edge = plan.posts[min(k, len(plan.posts)) - 1].at
    high_edge = plan.posts[-min(k, len(plan.posts))].at
    low = plan.bounds.low is not None and (
        finding.start <= plan.bounds.low + reach or finding.start <= low_edge)
    high = plan.bounds.high is not None and (
        finding.end >= plan.bounds.high - reach or finding.end >= high_edge)
    return low, high


def _has_posts(session: Session, channel_id: str, *, before: datetime | None = None,
               after: datetime | None = None) -> bool:
    query = select(P.id).where(P.channel_id == channel_id)
    if before is not None:
        query = query.where(P.scheduled_at < before)
    if after is not None:
        query = query.where(P.scheduled_at >= after)
    return ctx_first(session, query)


def ctx_first(session: Session, query: Any) -> bool:
    return session.execute(query.limit(1)).first() is not None


def _widen(bounds: Bounds, start: datetime | None, end: datetime | None,
           low: bool, high: bool) -> Bounds:
    new = replace(bounds)
    if low and bounds.low is not None:
        anchor = start or bounds.high or bounds.low
        new.low = bounds.low - max(anchor - bounds.low, timedelta(days=7))
    if high and bounds.high is not None:
        anchor = end or bounds.low or bounds.high
        new.high = bounds.high + max(bounds.high - anchor, timedelta(days=7))
    return new


def channel_plans(ctx: Context, channel_ids: Sequence[str], bounds: dict[str, Bounds]
                  ) -> dict[str, ChannelPlan]:
    firsts = first_posts(ctx, channel_ids)
    return {
        cid: ChannelPlan(fact=channel_fact(ctx, cid, bounds[cid], firsts),
                         posts=read_posts(ctx.session, cid, bounds[cid]), bounds=bounds[cid])
        for cid in channel_ids
    }


def run(ctx: Context, plans: dict[str, ChannelPlan], *, start: datetime | None,
        end: datetime | None, extra: Sequence[PostFact] = (),
        drop: frozenset[str] = frozenset()) -> list[Finding]:
    posts = [p for plan in plans.values() for p in plan.posts if p.id not in drop]
    posts.extend(extra)
    return analyse(Plan(posts=posts, channels=[p.fact for p in plans.values()],
                        profile=ctx.profile, timezone=ctx.workspace.timezone,
                        range_start=start, range_end=end))


@dataclass
class RangeAnalysis:
    findings: list[Finding]
    # Each channel's first post, where it was read along (the cached path).
    first_posts: dict[str, datetime] | None


def findings_in_range(ctx: Context, *, start: datetime, end: datetime,
                      channel_ids: Sequence[str] | None = None) -> list[Finding]:
    """Every finding whose span meets [start, end): the same findings whichever
    range shows them (only the trailing channel_silent depends on `end`)."""
    return analyse_range(ctx, start=start, end=end, channel_ids=channel_ids).findings


def analyse_range(ctx: Context, *, start: datetime, end: datetime,
                  channel_ids: Sequence[str] | None = None,
                  kept_weeks: int = findings_cache.MAX_CACHED_WEEKS) -> RangeAnalysis:
    """The findings of a range. A calendar's range (whole weeks, at most
    ``kept_weeks``) is read from the findings cache where the plan is unchanged
    since it was computed (app/services/findings_cache.py); only the channels
    that changed are analysed again."""
    ids = list(channel_ids) if channel_ids is not None else list(ctx.channels)
    cached = findings_cache.lookup(ctx, start, end, ids, kept_weeks)
    hits = cached.hits if cached is not None else {}
    computed: dict[str, list[Finding]] = {}
    findings: list[Finding] = []
    for cid in ids:
        if cid in hits:
            findings.extend(hits[cid])
            continue
        computed[cid] = _settled(ctx, cid, initial_bounds(ctx, cid, start, end), start, end)
        findings.extend(computed[cid])
    stories = hits.get(findings_cache.STORIES)
    if stories is None:
        stories = story_analysis.findings_in_range(ctx, start=start, end=end, channel_ids=None)
        computed[findings_cache.STORIES] = stories
    wanted = set(ids)
    findings.extend(f for f in stories if f.channel_id in wanted)
    if cached is not None:
        findings_cache.store(ctx, cached, computed)
    findings.sort(key=lambda f: (f.start, f.code, f.post_ids[:1]))
    findings = told(ctx.session, workspace_id=ctx.workspace.id, timezone=ctx.workspace.timezone,
                    findings=findings)
    return RangeAnalysis(findings=findings,
                         first_posts=cached.first_posts if cached is not None else None)


def _settled(ctx: Context, channel_id: str, bounds: Bounds, start: datetime | None,
             end: datetime | None) -> list[Finding]:
    params = ctx.params(channel_id)
    for _ in range(MAX_WIDENINGS):
        plans = channel_plans(ctx, [channel_id], {channel_id: bounds})
        findings = run(ctx, plans, start=start, end=end)
        low = high = False
        for finding in findings:
            touch_low, touch_high = _touches(finding, plans[channel_id], params)
            low |= touch_low
            high |= touch_high
        low = low and _has_posts(ctx.session, channel_id, before=bounds.low)
        high = high and _has_posts(ctx.session, channel_id, after=bounds.high)
        streak, streak_high = _open_streak(ctx.session, plans[channel_id], findings)
        if not (low or high or streak):
            return findings
        bounds = _widen(bounds, start, end, low, high)
        if streak:
            bounds.high = (None if streak_high is None or bounds.high is None
                           else max(bounds.high, streak_high))
    whole = Bounds()
    plans = channel_plans(ctx, [channel_id], {channel_id: whole})
    return run(ctx, plans, start=start, end=end)


def _open_streak(session: Session, plan: ChannelPlan,
                 findings: Sequence[Finding]) -> tuple[bool, datetime | None]:
    """Whether a ``no_ask_lately`` streak runs on past what is read (its length is
    in the finding), and if so the bound that reaches the ask ending it (None:
    none follows, read to the channel's last post)."""
    high = plan.bounds.high
    if high is None:
        return False, None
    streaks = [f for f in findings if f.code == "no_ask_lately"]
    if not streaks:
        return False, high
    position = {post.id: i for i, post in enumerate(plan.posts)}
    last_ask = max((i for i, post in enumerate(plan.posts) if post.kind == "ask"), default=-1)
    if all(position.get(f.post_ids[0], -1) < last_ask for f in streaks):
        return False, high
    if not _has_posts(session, plan.fact.id, after=high):
        return False, high
    row = session.execute(
        select(P.scheduled_at)
        .where(P.channel_id == plan.fact.id, P.kind == "ask", P.scheduled_at >= high)
        .order_by(P.scheduled_at).limit(1)
    ).first()
    # Posts at the ask's very time are read too; reading more never changes a finding.
    return True, (_aware(row[0]) + timedelta(seconds=1) if row else None)


def by_channel(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.channel_id].append(finding)
    return grouped
