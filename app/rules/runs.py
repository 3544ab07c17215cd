"""The rules on runs: every ``run_length`` consecutive posts in plan order.

Violating runs that share a post merge into one finding, through chains. A
channel with fewer than ``run_length`` posts has no runs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from fractions import Fraction
from itertools import accumulate, repeat
from operator import eq
from typing import Any

from app.rules.channel import ChannelPosts
from app.rules.facts import CATEGORIES, RuleParams
from app.rules.hits import Hit


def run_hits(view: ChannelPosts, params: RuleParams) -> list[Hit]:
    length = params.run_length
    if length is None or len(view) < length:
        return []
    hits: list[Hit] = []
    if params.max_asks_per_run is not None:
        hits += ask_runs(view, length, params.max_asks_per_run)
    if params.min_category_share:
        hits += category_mix(view, length, params.min_category_share)
    if params.min_engage_per_run is not None:
        hits += broadcast_only(view, length, params.min_engage_per_run)
    return hits


def _spans(starts: list[int], length: int) -> Iterator[list[int]]:
    """Group violating run starts into spans of runs that share posts."""
    if not starts:
        return
    group = [starts[0]]
    for start in starts[1:]:
        if start - group[-1] < length:
            group.append(start)
        else:
            yield group
            group = [start]
    yield group


def _per_run(values: list[str] | list[str | None], wanted: str, length: int) -> list[int]:
    """How many of the ``wanted`` values each run holds, by the run's first position."""
    # operator.eq rather than str.__eq__: a post without a category is None.
    prefix = list(accumulate(map(eq, repeat(wanted), values), initial=0))
    return [b - a for a, b in zip(prefix, prefix[length:], strict=False)]


def ask_runs(view: ChannelPosts, length: int, max_asks: int) -> list[Hit]:
    asks_per_run = _per_run(view.kinds, "ask", length)
    starts = [i for i, asks in enumerate(asks_per_run) if asks > max_asks]
    hits = []
    asks = view.asks
    for group in _spans(starts, length):
        first, stop = group[0], group[-1] + length
        named = asks[bisect_left(asks, first) : bisect_left(asks, stop)]
        details = {
            "asks": max(asks_per_run[i] for i in group),
            "run_length": length,
            "max_asks_per_run": max_asks,
            "runs": len(group),
        }
        hits.append(_span_hit(view, "ask_run", first, stop, view.ids(named), details))
    return hits


def category_mix(view: ChannelPosts, length: int, shares: Mapping[str, Fraction]) -> list[Hit]:
    categories = view.categories
    wanted = [c for c in CATEGORIES if c in shares]
    # The fewest posts of a category a run needs: the smallest count whose share
    # of the run is at least the minimum.
    required = {c: -((-shares[c].numerator * length) // shares[c].denominator) for c in wanted}
    counts = {c: _per_run(categories, c, length) for c in wanted if required[c] > 0}
    short: set[int] = set()
    for category, per_run in counts.items():
        need = required[category]
        short.update(i for i, count in enumerate(per_run) if count < need)
    hits = []
    for group in _spans(sorted(short), length):
        first, stop = group[0], group[-1] + length
        shortfalls: dict[str, dict[str, object]] = {}
        for category, per_run in counts.items():
            lowest = min(per_run[i] for i in group)
            if lowest < required[category]:
                share = shares[category]
                shortfalls[category] = {
                    "lowest": lowest,
                    "required": required[category],
                    "min_share": f"{share.numerator}/{share.denominator}",
                }
        details = {"run_length": length, "short": shortfalls, "runs": len(group)}
        hits.append(
            _span_hit(view, "category_mix", first, stop, view.ids(range(first, stop)), details)
        )
    return hits


def broadcast_only(view: ChannelPosts, length: int, required: int) -> list[Hit]:
    engage_per_run = _per_run(view.categories, "engage", length)
    starts = [i for i, engage in enumerate(engage_per_run) if engage < required]
    hits = []
    for group in _spans(starts, length):
        first, stop = group[0], group[-1] + length
        details = {
            "engage": min(engage_per_run[i] for i in group),
            "required": required,
            "run_length": length,
            "runs": len(group),
        }
        hits.append(
            _span_hit(view, "broadcast_only", first, stop, view.ids(range(first, stop)), details)
        )
    return hits


def _span_hit(
    view: ChannelPosts,
    code: str,
    first: int,
    stop: int,
    post_ids: tuple[str, ...],
    details: dict[str, Any],
) -> Hit:
    moments = view.moments
    return Hit(moments[first], code, post_ids, view.channel_id, None, moments[stop - 1], details)
