"""The rules on pace, whatever the kind: silence, crowded days, posts too close."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import islice

from app.rules.channel import ChannelPosts
from app.rules.facts import CORRECTION, RuleParams
from app.rules.hits import Hit
from app.rules.timeline import DAY, EPOCH_ORDINAL


def pacing_hits(view: ChannelPosts, params: RuleParams, range_end: float | None) -> list[Hit]:
    hits: list[Hit] = []
    if not len(view):
        return hits
    if params.max_gap_days is not None:
        hits += silences(view, params.max_gap_days, range_end)
    if params.max_posts_per_day is not None:
        hits += crowded_days(view, params.max_posts_per_day)
    if params.min_minutes_between_posts is not None:
        hits += posts_too_close(view, params.min_minutes_between_posts)
    return hits


def wall_days_between(view: ChannelPosts, earlier: float, later: float) -> float:
    """Days between two moments on the local wall clock, so a week across a DST
    change reads as 7, not 6.96."""
    timeline = view.timeline
    return round((timeline.local(later) - timeline.local(earlier)) / DAY, 2)


def silences(view: ChannelPosts, max_gap_days: int, range_end: float | None) -> list[Hit]:
    moments, id_of, channel_id = view.moments, view.id_of, view.channel_id
    ends = view.shifted(max_gap_days)
    nexts = islice(moments, 1, None)
    gaps = [i for i, (end, after) in enumerate(zip(ends, nexts, strict=False)) if after > end]
    hits = []
    for i in gaps:
        details = {
            "gap_days": wall_days_between(view, moments[i], moments[i + 1]),
            "max_gap_days": max_gap_days,
            "trailing": False,
        }
        hits.append(
            Hit(
                moments[i],
                "channel_silent",
                (id_of(i), id_of(i + 1)),
                channel_id,
                None,
                moments[i + 1],
                details,
            )
        )
    last = moments[-1]
    if range_end is not None and last < range_end and range_end > ends[-1]:
        details = {
            "gap_days": wall_days_between(view, last, range_end),
            "max_gap_days": max_gap_days,
            "trailing": True,
        }
        hits.append(
            Hit(
                last,
                "channel_silent",
                (id_of(len(moments) - 1),),
                channel_id,
                None,
                range_end,
                details,
            )
        )
    return hits


def _counted(view: ChannelPosts) -> range | list[int]:
    """The positions the pacing rules count: every post but corrections, which
    they never hold back (docs/rules.md)."""
    if CORRECTION not in view.categories:
        return range(len(view))
    return [at for at, category in enumerate(view.categories) if category != CORRECTION]


def crowded_days(view: ChannelPosts, max_posts: int) -> list[Hit]:
    counted = _counted(view)
    locals_ = view.locals
    days = [int(locals_[at] // DAY) for at in counted]
    crowded = {day for day, posts in Counter(days).items() if posts > max_posts}
    if not crowded:
        return []
    # Gather by day rather than by neighbours: where clocks go back at midnight a
    # local day's posts need not sit together in plan order.
    positions: dict[int, list[int]] = {}
    for at, day in zip(counted, days, strict=True):
        if day in crowded:
            positions.setdefault(day, []).append(at)
    hits = []
    moments = view.moments
    for day, on_day in positions.items():
        details = {
            "day": date.fromordinal(EPOCH_ORDINAL + day).isoformat(),
            "posts": len(on_day),
            "max_posts_per_day": max_posts,
        }
        hits.append(
            Hit(
                moments[on_day[0]],
                "too_many_posts_per_day",
                view.ids(on_day),
                view.channel_id,
                None,
                moments[on_day[-1]],
                details,
            )
        )
    return hits


def posts_too_close(view: ChannelPosts, minutes: int) -> list[Hit]:
    moments, id_of, channel_id = view.moments, view.id_of, view.channel_id
    limit = minutes * 60
    counted = _counted(view)
    # Each counted post and the next counted one: a correction between two
    # posts leaves them as close as they are.
    pairs = [
        (i, j)
        for i, j in zip(counted, islice(counted, 1, None), strict=False)
        if moments[j] - moments[i] < limit
    ]
    hits = []
    for i, j in pairs:
        apart = (moments[j] - moments[i]) / 60
        details = {
            "minutes_apart": int(apart) if apart.is_integer() else round(apart, 2),
            "min_minutes_between_posts": minutes,
        }
        hits.append(
            Hit(
                moments[i],
                "posts_too_close",
                (id_of(i), id_of(j)),
                channel_id,
                None,
                moments[j],
                details,
            )
        )
    return hits
