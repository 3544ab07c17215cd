"""Every per-channel rule on one channel's plan."""

from __future__ import annotations

from app.rules.channel import ChannelPosts
from app.rules.density import density_hits
from app.rules.facts import ChannelFact, RuleParams
from app.rules.hits import Hit
from app.rules.pacing import pacing_hits
from app.rules.runs import run_hits
from app.rules.sequence import sequence_hits


def channel_hits(
    view: ChannelPosts,
    params: RuleParams,
    channel: ChannelFact | None,
    range_end: float | None = None,
) -> list[Hit]:
    """All hits of one channel. ``channel`` is ``None`` when the plan doesn't list
    it; ``range_end`` (epoch seconds) turns on the trailing silence check."""
    hits = sequence_hits(view, params, channel)
    if (
        params.window_days is not None
        and params.max_ask_share is not None
        and params.min_posts_in_window is not None
    ):
        hits += density_hits(
            view, params.window_days, params.max_ask_share, params.min_posts_in_window
        )
    hits += run_hits(view, params)
    hits += pacing_hits(view, params, range_end)
    return hits
