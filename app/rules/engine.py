"""The rules engine: a plan in, its findings out, sorted and worded.

RULES.md is the contract. Where it is silent, the engine decides as follows
(docs/rules.md says the same for editors and developers):

Time
- Posts are compared as epoch seconds; plan order is ``(at, id)``.
- "t + N days" is the same local wall time N calendar days later in the
  workspace zone. A wall time skipped when clocks go forward becomes the moment
  the clocks jump (the first moment the clock shows that time or later); a wall
  time repeated when clocks go back is its first occurrence.
- Days (listening, posts per day) are local calendar dates.

Sequence
- Any kind other than ``ask`` counts as a give (the app only lets ``give`` in).
- Carry-in: with ``asked_before`` the first ask given is not the channel's first
  ask (no ``ask_too_early``), and its ``ask_too_soon`` count is ``gives_before``
  plus the gives before it. Without it, ``ask_too_early`` counts ``gives_before``
  plus the gives before the first ask. A ``no_ask_lately`` streak at the start
  counts ``gives_before`` either way; a streak that already reached the limit
  before the posts given has no hit (the give completing it wasn't given).
- ``no_ask_lately`` fires when a streak reaches the limit (20 gives in a row with
  a limit of 20), once per streak, on the give that completes it.
- ``ask_during_listening`` needs the channel listed in the plan: a channel
  missing from ``Plan.channels`` is an established channel with no known start.
  Everything else applies to it with nothing carried in.

Spans and ranges
- ``too_many_posts_per_day`` spans the day's first to last post; ``no_ask_lately``
  and the per-ask codes span their one post.
- A finding meets a range ``[start, end)`` when it starts before the range ends
  and ends at or after the range starts. A density stretch's end is exclusive
  (its last window ends there), so a stretch ending exactly at the range start is
  not in the range.
- The trailing ``channel_silent`` needs ``range_end``; it names the last post and
  spans from it to ``range_end``. Either bound of a range may be given alone.

Details
- ``ask_density`` reports the stretch's worst window (highest share, earliest of
  equals): ``asks``, ``posts``, ``share`` ("3/5", unreduced), ``max_ask_share``,
  ``window_days``, ``min_posts_in_window``, ``windows`` merged and
  ``worst_window_start``. Run codes report the worst run and how many merged.
- Gaps in days (``gap_days``) are wall-clock days, rounded to two decimals.

Stories
- ``story_out_of_order`` and ``story_ask_before_payoff`` compare scheduled times:
  episodes at the same moment are not before one another.
  ``story_stalled``/``story_rushed`` look at neighbours in plan order; their
  day limits may be fractional and are wall-clock days like every other "days".
- Posts of a story missing from ``Plan.stories``, and numberless episodes for
  ``story_out_of_order``, are left out of the story rules.

Messages
- Dates are named in the workspace zone ("Fri 20 Nov"), with the year when it
  differs from the year the finding starts in. The engine doesn't know the
  preset's name, so counts are "the rhythm's" ("the rhythm asks for 9").

Next slot (:mod:`app.rules.slots`)
- Times tried: each local day from ``after``'s date at the channel's posting
  times (09:00 without any), from ``after`` up to ``horizon_days`` after it; a
  skipped wall time becomes the moment the clocks jump.
- Only the channel's own rules run, without a range. The hypothetical post has
  the id ``~next-slot``, which sorts after other posts at the same moment.
- A post inside a gap that is already silent (or, after the last post, whose
  limit had passed by ``after``) only shortens the silence, so the silence left
  around it does not count against the time.
- With no slot, the reason comes from what blocked the last time tried:
  "Plan 6 more gives first: …", the listening end, or the finding's message.

Speed
- Posts are read once in the order given and dealt out by channel; a channel
  already in time order skips the sort. Each rule is one pass over a channel's
  epoch seconds, density with one pointer walking forward. Only hits inside the
  range become worded findings.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import compress, islice
from operator import attrgetter, eq, itemgetter

from app.rules.channel import ChannelPosts
from app.rules.checks import channel_hits
from app.rules.facts import RULE_CODES, Finding, Plan, PostFact
from app.rules.hits import Hit, order
from app.rules.messages import ENGLISH, Speech, Words, message
from app.rules.slots import Slot, next_slot
from app.rules.stories import StoryPosts, story_hits
from app.rules.timeline import Timeline

__all__ = ["Slot", "analyse", "diff", "next_slot", "plan_hits"]

_at = attrgetter("at")
_start = itemgetter(0)
_channel_id = attrgetter("channel_id")
_story_id = attrgetter("story_id")
_utc = partial(datetime.fromtimestamp, tz=UTC)


def analyse(plan: Plan, speech: Speech = ENGLISH) -> list[Finding]:
    """Every finding of the plan, sorted by start, code and first post id; only
    those meeting the plan's range when it has one; told in `speech`."""
    timeline = Timeline(plan.timezone)
    hits = plan_hits(plan, timeline)
    low = plan.range_start.timestamp() if plan.range_start is not None else None
    high = plan.range_end.timestamp() if plan.range_end is not None else None
    if low is not None or high is not None:
        hits = [hit for hit in hits if _meets(hit, low, high)]
    _sort(hits)
    words = Words(timeline, {story.id: story.name or story.id for story in plan.stories}, speech)
    severity = {code: plan.profile.severity_of(code) for code in RULE_CODES}
    findings = []
    for hit in hits:
        start = _utc(hit.start)
        end = start if hit.end == hit.start else _utc(hit.end)
        findings.append(
            Finding(
                hit.code,
                severity[hit.code],
                hit.channel_id,
                hit.story_id,
                hit.post_ids,
                start,
                end,
                message(hit, words),
                hit.details,
                None if hit.other is None else _utc(hit.other),
            )
        )
    return findings


def _sort(hits: list[Hit]) -> None:
    """RULES.md's order: start, code, first post id (then the rest of the key).

    Sorting on the start alone compares plain floats; the few hits that share a
    start are then put in order among themselves.
    """
    hits.sort(key=_start)
    starts = list(map(_start, hits))
    count = len(hits)
    for at in compress(range(count - 1), map(eq, starts, islice(starts, 1, None))):
        if at and starts[at - 1] == starts[at]:
            continue
        stop = at + 2
        while stop < count and starts[stop] == starts[at]:
            stop += 1
        hits[at:stop] = sorted(hits[at:stop], key=order)


def _meets(hit: Hit, low: float | None, high: float | None) -> bool:
    if high is not None and hit.start >= high:
        return False
    if low is None:
        return True
    return hit.end > low if hit.open_end else hit.end >= low


def plan_hits(plan: Plan, timeline: Timeline) -> list[Hit]:
    """The unsorted, unworded hits of every rule on every channel and story."""
    posts = plan.posts
    channels = {channel.id: channel for channel in plan.channels}
    range_end = plan.range_end.timestamp() if plan.range_end is not None else None
    profile = plan.profile
    hits: list[Hit] = []
    for channel_id, index, moments, kinds in _by_channel(posts):
        view = ChannelPosts(channel_id, posts, index, moments, kinds, timeline)
        hits += channel_hits(
            view, profile.params_for(channel_id), channels.get(channel_id), range_end
        )
    if plan.stories:
        hits += _story_hits(plan, timeline)
    return hits


def _by_channel(
    posts: Sequence[PostFact],
) -> list[tuple[str, array[int], list[float], list[str]]]:
    """Each channel's positions in ``posts``, moments and kinds.

    One pass over the posts in the order they came (usually their order in
    memory) reads everything the channel rules need. Moments collect in flat
    arrays and become float objects channel by channel, all before any rule
    runs: each channel's floats then sit side by side in fresh memory, rather
    than in the holes the previous channel's work left, and every later pass
    over a channel reads memory in order.
    """
    buckets: dict[str, tuple[array[int], array[float], list[str]]] = {}
    timestamp = datetime.timestamp
    for at, post in enumerate(posts):
        bucket = buckets.get(post.channel_id)
        if bucket is None:
            bucket = buckets[post.channel_id] = (array("q"), array("d"), [])
        index, moments, kinds = bucket
        index.append(at)
        moments.append(timestamp(post.at))
        kinds.append(post.kind)
    return [
        (channel_id, index, moments.tolist(), kinds)
        for channel_id, (index, moments, kinds) in buckets.items()
    ]


def _story_hits(plan: Plan, timeline: Timeline) -> list[Hit]:
    stories = {story.id: story for story in plan.stories}
    by_story: defaultdict[str, list[tuple[float, PostFact]]] = defaultdict(list)
    for post in plan.posts:
        if post.story_id is not None and post.story_id in stories:
            by_story[post.story_id].append((post.at.timestamp(), post))
    hits: list[Hit] = []
    for story_id, posts in by_story.items():
        hits += story_hits(StoryPosts(stories[story_id], posts), timeline)
    return hits


def diff(
    before: Sequence[Finding], after: Sequence[Finding]
) -> tuple[list[Finding], list[Finding]]:
    """``(added, resolved)``: findings whose key only ``after`` has, and those
    whose key only ``before`` has, each in its own order."""
    before_keys = {finding.key for finding in before}
    after_keys = {finding.key for finding in after}
    added = [finding for finding in after if finding.key not in before_keys]
    resolved = [finding for finding in before if finding.key not in after_keys]
    return added, resolved
