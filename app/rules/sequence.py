"""The rules that count gives and asks in plan order: the listening time, the
first ask, the gives between asks, and the long streak with no ask at all."""

from __future__ import annotations

from datetime import timedelta

from app.rules.channel import ChannelPosts
from app.rules.facts import ChannelFact, RuleParams
from app.rules.hits import Hit


def sequence_hits(view: ChannelPosts, params: RuleParams, channel: ChannelFact | None) -> list[Hit]:
    """``channel`` is ``None`` for a channel the plan doesn't list: an
    established channel with no known start, so no listening check."""
    hits: list[Hit] = []
    if not len(view):
        return hits
    asked_before = channel.asked_before if channel else False
    gives_before = channel.gives_before if channel else 0
    if params.listen_days is not None and channel is not None:
        hits += listening(view, params.listen_days, channel)
    if params.min_gives_before_first_ask is not None and not asked_before:
        hits += first_ask(view, params.min_gives_before_first_ask, gives_before)
    if params.min_gives_between_asks is not None:
        hits += asks_too_soon(view, params.min_gives_between_asks, asked_before, gives_before)
    if params.max_gives_without_ask is not None:
        hits += streaks_without_ask(view, params.max_gives_without_ask, gives_before)
    return hits


def listening(view: ChannelPosts, listen_days: int, channel: ChannelFact) -> list[Hit]:
    timeline = view.timeline
    started_on = channel.started_on or timeline.local_date(view.moments[0])
    asks_from = started_on + timedelta(days=listen_days)
    # Comparing local dates is comparing with the first moment of that date.
    threshold = timeline.start_of_day(asks_from)
    details = {
        "listen_days": listen_days,
        "channel_started_on": started_on.isoformat(),
        "asks_from": asks_from.isoformat(),
    }
    hits = []
    moments, id_of = view.moments, view.id_of
    for at in view.asks:
        moment = moments[at]
        if moment >= threshold:
            break
        hits.append(
            Hit(
                moment,
                "ask_during_listening",
                (id_of(at),),
                view.channel_id,
                None,
                moment,
                dict(details),
            )
        )
    return hits


def first_ask(view: ChannelPosts, required: int, gives_before: int) -> list[Hit]:
    if not view.asks:
        return []
    at = view.asks[0]
    # Everything before the first ask is a give.
    gives = gives_before + at
    if gives >= required:
        return []
    moment = view.moments[at]
    details = {"gives_before_first_ask": gives, "required": required}
    return [Hit(moment, "ask_too_early", (view.id_of(at),), view.channel_id, None, moment, details)]


def asks_too_soon(
    view: ChannelPosts, required: int, asked_before: bool, gives_before: int
) -> list[Hit]:
    hits = []
    moments, id_of, channel_id = view.moments, view.id_of, view.channel_id
    previous = -1
    for at in view.asks:
        if previous >= 0:
            gives = at - previous - 1
            previous_id: str | None = id_of(previous)
            named: float | None = moments[previous]
        elif asked_before:
            # The previous ask lies before the posts given: count the carried-in gives.
            gives, previous_id, named = gives_before + at, None, None
        else:
            previous = at
            continue
        previous = at
        if gives < required:
            moment = moments[at]
            details = {
                "gives_since_last_ask": gives,
                "required": required,
                "previous_ask_id": previous_id,
            }
            hits.append(
                Hit(
                    moment,
                    "ask_too_soon",
                    (id_of(at),),
                    channel_id,
                    None,
                    moment,
                    details,
                    named,
                )
            )
    return hits


def streaks_without_ask(view: ChannelPosts, limit: int, gives_before: int) -> list[Hit]:
    """One hit per streak of gives that reaches ``limit``, on the give that
    completes it. A streak already complete before the posts given belongs to
    posts the engine wasn't shown, so it gives no hit here."""
    hits = []
    asks, id_of, moments = view.asks, view.id_of, view.moments
    starts = [0, *(at + 1 for at in asks)]
    stops = [*asks, len(moments)]
    for streak, (start, stop) in enumerate(zip(starts, stops, strict=True)):
        carried = gives_before if streak == 0 else 0
        needed = limit - carried
        if needed < 1 or needed > stop - start:
            continue
        completing = start + needed - 1
        moment = moments[completing]
        details = {
            "max_gives_without_ask": limit,
            "streak_length": carried + stop - start,
            "last_ask_id": id_of(asks[streak - 1]) if streak else None,
        }
        hits.append(
            Hit(
                moment,
                "no_ask_lately",
                (id_of(completing),),
                view.channel_id,
                None,
                moment,
                details,
            )
        )
    return hits
