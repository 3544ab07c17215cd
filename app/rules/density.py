"""``ask_density``: too much self-promotion in time.

Each post opens a window ``[post, post + window_days)``. A window violates when it
holds at least ``min_posts_in_window`` posts and more than ``max_ask_share`` of
them are asks, compared exactly. Overlapping violating windows merge into one
stretch, through chains; windows that only touch stay apart.
"""

from __future__ import annotations

from bisect import bisect_left
from fractions import Fraction
from itertools import accumulate, islice, repeat
from operator import le
from typing import NamedTuple

from app.rules.channel import ChannelPosts
from app.rules.hits import Hit, moment_text


def density_hits(
    view: ChannelPosts, window_days: int, max_share: Fraction, min_posts: int
) -> list[Hit]:
    allowed, per = max_share.numerator, max_share.denominator
    if not view.asks or allowed >= per:
        return []
    ends = view.shifted(window_days)
    windows = violating_windows(view, ends, per, allowed, min_posts)
    return _merge(view, windows, ends, window_days, max_share, min_posts)


class Windows(NamedTuple):
    """Violating windows: where each starts and stops (positions: the first
    post in it and the first after it) and how many asks it holds."""

    starts: list[int]
    stops: list[int]
    asks: list[int]


def violating_windows(
    view: ChannelPosts, ends: list[float], per: int, allowed: int, min_posts: int
) -> Windows:
    """asks/posts > allowed/per is compared as per*asks > allowed*posts: exact,
    no division.

    Usually one pointer walks forward through the plan for all windows at once,
    counting asks as they enter and leave. Posts at the same moment (which share
    one window) or in the hour repeated when clocks go back (whose windows end
    before the one before) take a search per window instead.
    """
    moments, kinds = view.moments, view.kinds
    count = len(moments)
    found = Windows([], [], [])
    keep_start, keep_stop, keep_asks = found.starts.append, found.stops.append, found.asks.append
    if view.distinct and all(map(le, ends, islice(ends, 1, None))):
        stop = asks = 0
        for start, end in enumerate(ends):
            while stop < count and moments[stop] < end:
                if kinds[stop] == "ask":
                    asks += 1
                stop += 1
            posts = stop - start
            if posts >= min_posts and asks * per > allowed * posts:
                keep_start(start)
                keep_stop(stop)
                keep_asks(asks)
            if kinds[start] == "ask":
                asks -= 1
        return found
    counts = list(accumulate(map("ask".__eq__, kinds), initial=0))
    stops = map(bisect_left, repeat(moments, count), ends, range(count))
    firsts = map(bisect_left, repeat(moments, count), moments)
    for start, (first, stop) in enumerate(zip(firsts, stops, strict=True)):
        posts = stop - start
        asks = counts[stop] - counts[start]
        if first == start and posts >= min_posts and asks * per > allowed * posts:
            keep_start(start)
            keep_stop(stop)
            keep_asks(asks)
    return found


def _merge(
    view: ChannelPosts,
    windows: Windows,
    ends: list[float],
    window_days: int,
    max_share: Fraction,
    min_posts: int,
) -> list[Hit]:
    hits: list[Hit] = []
    if not windows.starts:
        return hits
    moments, asks = view.moments, view.asks

    def stretch(first: int, last_stop: int, end: float, merged: int, worst: int) -> Hit:
        start, stop, worst_asks = (windows.starts[worst], windows.stops[worst], windows.asks[worst])
        worst_posts = stop - start
        named = asks[bisect_left(asks, first) : bisect_left(asks, last_stop)]
        details = {
            "asks": worst_asks,
            "posts": worst_posts,
            "share": f"{worst_asks}/{worst_posts}",
            "max_ask_share": f"{max_share.numerator}/{max_share.denominator}",
            "window_days": window_days,
            "min_posts_in_window": min_posts,
            "windows": merged,
            "worst_window_start": moment_text(moments[start]),
        }
        return Hit(
            moments[first],
            "ask_density",
            view.ids(named),
            view.channel_id,
            None,
            end,
            details,
            open_end=True,
        )

    starts, stops, counts = windows
    first, last_stop, end = starts[0], stops[0], ends[starts[0]]
    merged, worst = 1, 0
    for k in range(1, len(starts)):
        start, stop = starts[k], stops[k]
        if moments[start] < end:
            merged += 1
            # Ends can go backwards where clocks go back, so keep the latest.
            if ends[start] > end:
                end = ends[start]
            if stop > last_stop:
                last_stop = stop
            # The worst window has the highest share; the earliest one wins a tie.
            if counts[k] * (stops[worst] - starts[worst]) > counts[worst] * (stop - start):
                worst = k
            continue
        hits.append(stretch(first, last_stop, end, merged, worst))
        first, last_stop, end = start, stop, ends[start]
        merged, worst = 1, k
    hits.append(stretch(first, last_stop, end, merged, worst))
    return hits
