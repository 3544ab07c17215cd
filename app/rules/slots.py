"""Next slot: the earliest time a post of a kind fits a channel's rhythm.

Candidates are each local day from ``after``'s date at the channel's posting
times (09:00 where it has none), at or after ``after`` and up to
``horizon_days`` after it. A candidate fits when a hypothetical post there
(sorting after existing posts at the same moment) would add no ``warning`` or
``blocking`` finding on any post, comparing finding keys with and without it.

Only the channel's own rules are run: other channels can't change, and a post
outside any story can't change a story's findings. There is no range, so no
trailing silence.

One exception: a post placed inside a gap that is already silent (the next
post is more than ``max_gap_days`` away, or there is no next post and the gap
had passed its limit by ``after``) only shortens that silence. The silence left
on either side of it is not held against the candidate; otherwise a channel gone
quiet could never be given a slot.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from app.errors import N_, Invalid
from app.rules.channel import ChannelPosts
from app.rules.checks import channel_hits
from app.rules.facts import (
    CATEGORIES_BY_KIND,
    HYPOTHETICAL_POST_ID,
    RULE_CODES,
    ChannelFact,
    Plan,
    PostFact,
    rfc3339,
)
from app.rules.hits import Hit
from app.rules.messages import ENGLISH, Speech, Words, message
from app.rules.timeline import DAY, Timeline

DEFAULT_POSTING_TIME = time(9, 0)

# Which blocker explains a missing slot best: the ones an editor can fix by
# planning gives come first.
_EXPLAIN_FIRST = (
    "ask_during_listening",
    "ask_too_early",
    "ask_too_soon",
    "ask_density",
    "ask_run",
    "category_mix",
    "broadcast_only",
    "too_many_posts_per_day",
    "posts_too_close",
    "channel_silent",
    "no_ask_lately",
)


@dataclass(frozen=True, slots=True)
class Slot:
    slot: datetime | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"slot": rfc3339(self.slot) if self.slot else None, "reason": self.reason}


def next_slot(
    plan: Plan,
    *,
    channel_id: str,
    kind: str,
    after: datetime,
    category: str | None = None,
    horizon_days: int = 90,
    speech: Speech = ENGLISH,
) -> Slot:
    _check(kind, category, after, horizon_days)
    timeline = Timeline(plan.timezone)
    channel = next((c for c in plan.channels if c.id == channel_id), None)
    params = plan.profile.params_for(channel_id)
    view = ChannelPosts.of(
        channel_id, [p for p in plan.posts if p.channel_id == channel_id], timeline
    )
    existing = {hit.key for hit in channel_hits(view, params, channel)}
    serious = {code for code in RULE_CODES if plan.profile.severity_of(code) != "info"}
    start = after.timestamp()
    words = Words(timeline, speech=speech)
    year = words.year(start)
    candidates = candidate_moments(
        timeline, start, horizon_days, channel.posting_times if channel else ()
    )
    if not candidates:
        return Slot(
            None,
            words.gettext("No posting time to try from %(day)s %(within)s.") % {
                "day": words.day(start, year),
                "within": words.counted("within %(count)s day", "within %(count)s days",
                                        horizon_days)},
        )
    inside_silent_gap = _silent_gaps(view, params.max_gap_days, start)
    blockers: list[Hit] = []
    for moment in candidates:
        post = PostFact(
            HYPOTHETICAL_POST_ID, channel_id, datetime.fromtimestamp(moment, UTC), kind, category
        )
        trial = view.with_post(post, moment)
        inside_silence = inside_silent_gap(moment)
        blockers = [
            hit
            for hit in channel_hits(trial, params, channel)
            if hit.code in serious
            and hit.key not in existing
            and not (
                inside_silence
                and hit.code == "channel_silent"
                and HYPOTHETICAL_POST_ID in hit.post_ids
            )
        ]
        if not blockers:
            return Slot(post.at, _fits(trial, post, channel, words, year))
    return Slot(None, _why_not(blockers, kind, category, words, year))


def _check(kind: str, category: str | None, after: datetime, horizon_days: int) -> None:
    if kind not in CATEGORIES_BY_KIND:
        raise Invalid.later("kind", N_("must be give or ask"))
    if category is not None and category not in CATEGORIES_BY_KIND[kind]:
        raise Invalid.later("category", N_("%(category)s is not a category of %(kind)s"),
                            category=repr(category), kind=kind)
    if after.tzinfo is None or after.utcoffset() is None:
        raise Invalid.later("after", N_("needs a time zone"))
    if horizon_days < 0:
        raise Invalid.later("horizon_days", N_("must be at least 0"))


def candidate_moments(
    timeline: Timeline, start: float, horizon_days: int, posting_times: Sequence[time]
) -> list[float]:
    """Each local day's posting times from ``start``'s date, from ``start`` up to
    ``horizon_days`` after it, earliest first."""
    times = sorted(set(posting_times)) or [DEFAULT_POSTING_TIME]
    limit = timeline.add_days(start, horizon_days)
    moments: list[float] = []
    for day in range(timeline.day_number(start), timeline.day_number(limit) + 1):
        for clock in times:
            wall = day * DAY + clock.hour * 3600 + clock.minute * 60 + clock.second
            moment = timeline.moment_of_wall(wall)
            # A skipped wall time lands on the clock change, maybe on another time's moment.
            if start <= moment <= limit and (not moments or moment > moments[-1]):
                moments.append(moment)
    return moments


def _silent_gaps(
    view: ChannelPosts, max_gap_days: int | None, start: float
) -> Callable[[float], bool]:
    """A test: does a moment fall inside a gap that is already silent?"""
    if max_gap_days is None or not len(view):
        return lambda moment: False
    moments = view.moments
    ends = view.shifted(max_gap_days)

    def inside(moment: float) -> bool:
        before = bisect_right(moments, moment) - 1
        if before < 0:
            return False
        if before + 1 < len(moments):
            return moments[before + 1] > ends[before]
        return ends[before] < start

    return inside


def _fits(
    trial: ChannelPosts, post: PostFact, channel: ChannelFact | None, words: Words, year: int
) -> str:
    _ = words.gettext
    moment = post.at.timestamp()
    when = _("on %(day)s at %(time)s") % {"day": words.day(moment, year),
                                          "time": words.clock(moment)}
    if post.kind != "ask":
        if post.category:
            return _("A %(category)s post fits %(when)s.") % {
                "category": words.category(post.category), "when": when}
        return _("A give fits %(when)s.") % {"when": when}
    what = (_("An ask (%(category)s)") % {"category": words.category(post.category)}
            if post.category else _("An ask"))
    at = trial.posts.index(post)
    earlier = [i for i in trial.asks if i < at]
    if earlier:
        gives = at - earlier[-1] - 1
    elif channel is not None and channel.asked_before:
        gives = channel.gives_before + at
    else:
        gives = (channel.gives_before if channel else 0) + at
        return words.ngettext("%(what)s fits %(when)s: the channel's first ask, after "
                              "%(count)s give.",
                              "%(what)s fits %(when)s: the channel's first ask, after "
                              "%(count)s gives.", gives) % {
            "what": what, "when": when, "count": words.number(gives)}
    return words.ngettext("%(what)s fits %(when)s: %(count)s give since the last ask.",
                          "%(what)s fits %(when)s: %(count)s gives since the last ask.",
                          gives) % {"what": what, "when": when, "count": words.number(gives)}


def _why_not(blockers: list[Hit], kind: str, category: str | None, words: Words, year: int) -> str:
    """What would open a slot, read from what still blocked the last time tried."""
    _ = words.gettext
    what = (_("an ask") if kind == "ask" else
            _("a %(category)s post") % {"category": words.category(category)} if category
            else _("a give"))
    ranked = sorted(
        blockers,
        key=lambda hit: (
            _EXPLAIN_FIRST.index(hit.code) if hit.code in _EXPLAIN_FIRST else len(_EXPLAIN_FIRST)
        ),
    )
    hit = ranked[0]
    d = hit.details
    named = HYPOTHETICAL_POST_ID in hit.post_ids
    if hit.code in ("ask_too_soon", "ask_too_early") and named:
        counted = "gives_since_last_ask" if hit.code == "ask_too_soon" else "gives_before_first_ask"
        more = d["required"] - d[counted]
        values = {"more": words.number(more), "required": words.number(d["required"])}
        first = words.ngettext("Plan %(more)s more give first", "Plan %(more)s more gives first",
                               more) % values
        if hit.code == "ask_too_soon":
            rule = words.ngettext("the rhythm asks for %(required)s give between asks",
                                  "the rhythm asks for %(required)s gives between asks",
                                  d["required"]) % values
        else:
            rule = words.ngettext(
                "the rhythm asks for %(required)s give before a channel's first ask",
                "the rhythm asks for %(required)s gives before a channel's first ask",
                d["required"]) % values
        return _("%(first)s: %(rule)s.") % {"first": first, "rule": rule}
    if hit.code == "ask_during_listening" and named:
        asks_from = words.date(date.fromisoformat(d["asks_from"]), year)
        return _("The channel is still listening: asks fit from %(day)s.") % {"day": asks_from}
    text = message(hit, words)
    return _("No time for %(what)s fits in the days tried; at the last one: %(why)s") % {
        "what": what, "why": text}
