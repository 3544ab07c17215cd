"""Findings in an editor's words, naming dates in the workspace time zone.

Dates read like "Fri 20 Nov"; the year is added when it differs from the year
the finding starts in. The engine doesn't know which preset a profile came from,
so the numbers are "the rhythm's" (or "the mix's", "the story's").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from app.rules.hits import Hit
from app.rules.timeline import DAY, EPOCH_ORDINAL, Timeline

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def plural(count: int | float, word: str) -> str:
    return f"{count:g} {word}" if count == 1 else f"{count:g} {word}s"


def only(count: int, word: str) -> str:
    """'No gives', 'Only 1 give', 'Only 3 gives'."""
    return f"No {word}s" if count == 0 else f"Only {plural(count, word)}"


def span_words(seconds: float) -> str:
    """A duration on the wall clock: '9 days', '7 days and 3 hours',
    '7 days, 1 hour and 5 minutes'. Minutes stay, so a gap just over a limit
    never reads as the limit itself."""
    minutes_in_all = int(seconds // 60)
    days, rest = divmod(minutes_in_all, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        plural(count, unit)
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    if not parts:
        return "less than a minute"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


class Words:
    """Dates and times of a plan in its time zone, with story names."""

    __slots__ = ("_days", "_last", "stories", "timeline")

    def __init__(self, timeline: Timeline, stories: Mapping[str, str] | None = None) -> None:
        self.timeline = timeline
        self.stories = dict(stories or {})
        self._days: dict[int, tuple[str, int]] = {}
        # A message names its start's day and year in turn: remember the last.
        self._last: tuple[float, tuple[str, int]] = (float("nan"), ("", 0))

    def _label(self, day_number: int) -> tuple[str, int]:
        found = self._days.get(day_number)
        if found is None:
            day = date.fromordinal(EPOCH_ORDINAL + day_number)
            label = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
            found = self._days[day_number] = (label, day.year)
        return found

    def _of(self, moment: float) -> tuple[str, int]:
        last, found = self._last
        if moment != last:
            found = self._label(self.timeline.day_number(moment))
            self._last = (moment, found)
        return found

    def year(self, moment: float) -> int:
        return self._of(moment)[1]

    def day(self, moment: float, year: int | None = None) -> str:
        label, its_year = self._of(moment)
        return label if its_year == year else f"{label} {its_year}"

    def date(self, day: date, year: int | None = None) -> str:
        label, its_year = self._label(day.toordinal() - EPOCH_ORDINAL)
        return label if its_year == year else f"{label} {its_year}"

    def clock(self, moment: float) -> str:
        seconds = int(self.timeline.local(moment) % DAY)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    def pair(self, first: float, second: float, year: int) -> tuple[str, str]:
        """Two moments as days, with the time of day when they share a day."""
        one, two = self.day(first, year), self.day(second, year)
        if one == two:
            return f"{one} at {self.clock(first)}", f"{two} at {self.clock(second)}"
        return one, two

    def wall_span(self, earlier: float, later: float) -> str:
        return span_words(self.timeline.local(later) - self.timeline.local(earlier))

    def story(self, story_id: str | None) -> str:
        return f'"{self.stories.get(story_id or "", story_id)}"'


def share_words(share: str) -> str:
    """'1/5' -> '1 in 5'; '0/1' -> 'none'."""
    numerator, _, denominator = share.partition("/")
    if numerator == "0":
        return "no asks"
    if numerator == denominator or not denominator:
        return "all posts to be asks"
    return f"{numerator} in {denominator}"


def _listening(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    started = words.date(date.fromisoformat(d["channel_started_on"]), year)
    asks_from = words.date(date.fromisoformat(d["asks_from"]), year)
    return (
        f"Ask on {words.day(hit.start, year)} comes while the channel is still listening: "
        f"it started on {started} and listens for {plural(d['listen_days'], 'day')}, "
        f"so asks fit from {asks_from}."
    )


def _too_early(hit: Hit, words: Words) -> str:
    d = hit.details
    return (
        f"{only(d['gives_before_first_ask'], 'give')} before the channel's first ask on "
        f"{words.day(hit.start, words.year(hit.start))}; the rhythm asks for {d['required']}."
    )


def _too_soon(hit: Hit, words: Words) -> str:
    d = hit.details
    since = "since the last ask"
    if hit.other is not None:
        since += f" on {words.day(hit.other, words.year(hit.start))}"
    gives = only(d["gives_since_last_ask"], "give")
    return f"{gives} {since}; the rhythm asks for {d['required']}."


def _density(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    many = "as many as " if d["windows"] > 1 else ""
    return (
        f"Too many asks from {words.day(hit.start, year)} to {words.day(hit.end, year)}: "
        f"{many}{d['asks']} of {d['posts']} posts within {plural(d['window_days'], 'day')} "
        f"are asks; the rhythm allows {share_words(d['max_ask_share'])}."
    )


def _between(hit: Hit, words: Words) -> str:
    year = words.year(hit.start)
    return f"from {words.day(hit.start, year)} to {words.day(hit.end, year)}"


def _ask_run(hit: Hit, words: Words) -> str:
    d = hit.details
    most = "Up to " if d["runs"] > 1 else ""
    allowed = d["max_asks_per_run"] or "none"
    return (
        f"{most}{plural(d['asks'], 'ask')} in {d['run_length']} posts in a row, "
        f"{_between(hit, words)}; the rhythm allows {allowed}."
    )


def _category_mix(hit: Hit, words: Words) -> str:
    d = hit.details
    short: dict[str, dict[str, Any]] = d["short"]
    parts = [
        f"{_as_few(gap['lowest'], f'{category} post', d['runs'])} in {d['run_length']} posts "
        f"in a row, where the mix asks for at least {gap['required']}"
        for category, gap in short.items()
    ]
    return f"Too few {' and '.join(short)} posts {_between(hit, words)}: {'; '.join(parts)}."


def _as_few(count: int, word: str, runs: int) -> str:
    """'no share post', '2 share posts', or 'as few as 2 share posts' over many runs."""
    if count == 0:
        return f"no {word}"
    return f"as few as {plural(count, word)}" if runs > 1 else plural(count, word)


def _broadcast(hit: Hit, words: Words) -> str:
    d = hit.details
    return (
        f"Talking at people, not with them, {_between(hit, words)}: "
        f"{_as_few(d['engage'], 'engage post', d['runs'])} in {d['run_length']} posts in a row; "
        f"the rhythm asks for at least {d['required']}."
    )


def _silent(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    limit = f"the rhythm allows gaps of up to {plural(d['max_gap_days'], 'day')}"
    gap = words.wall_span(hit.start, hit.end)
    if d["trailing"]:
        return (
            f"No post for {gap} after {words.day(hit.start, year)}, up to the end of the range "
            f"on {words.day(hit.end, year)}; {limit}."
        )
    return (
        f"The channel is silent for {gap}, from {words.day(hit.start, year)} to "
        f"{words.day(hit.end, year)}; {limit}."
    )


def _crowded(hit: Hit, words: Words) -> str:
    d = hit.details
    return (
        f"{d['posts']} posts on {words.day(hit.start, words.year(hit.start))}; "
        f"the rhythm allows {d['max_posts_per_day']} a day."
    )


def _too_close(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    leave = f"leave at least {span_words(d['min_minutes_between_posts'] * 60)} between posts"
    first, second = hit.start, hit.end
    if first == second:
        when = f"{words.day(first, year)} at {words.clock(first)}"
        return f"Two posts at the same time, {when}; {leave}."
    when = f"on {words.day(first, year)} at {words.clock(first)} and {words.clock(second)}"
    if words.timeline.day_number(first) != words.timeline.day_number(second):
        when = (
            f"on {words.day(first, year)} at {words.clock(first)} and "
            f"{words.day(second, year)} at {words.clock(second)}"
        )
    return f"Two posts only {span_words(second - first)} apart, {when}; {leave}."


def _no_ask(hit: Hit, words: Words) -> str:
    d = hit.details
    limit = d["max_gives_without_ask"]
    text = (
        f"{limit} gives in a row without an ask by {words.day(hit.start, words.year(hit.start))}: "
        "never asking is a missed chance too, so plan an ask."
    )
    if d["streak_length"] > limit:
        text += f" The streak runs to {d['streak_length']} gives."
    return text


def _out_of_order(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    lower = hit.start if hit.other is None else hit.other
    this_one, that_one = words.pair(hit.start, lower, year)
    return (
        f"Episode {d['episode']} of {words.story(hit.story_id)} goes out on {this_one}, "
        f"before episode {d['lower_episode']} on {that_one}."
    )


def _episode(number: int | None) -> str:
    return f"episode {number}" if number is not None else "a post"


def _story_gap(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    first, second = words.pair(hit.start, hit.end, year)
    between = (
        f"{_episode(d['from_episode'])} on {first} and {_episode(d['to_episode'])} on {second}"
    )
    gap = words.wall_span(hit.start, hit.end)
    story = words.story(hit.story_id)
    if hit.code == "story_stalled":
        return (
            f"{story} stalls for {gap} between {between}; the story allows "
            f"up to {plural(d['max_gap_days'], 'day')}."
        )
    return (
        f"{story} rushes on: only {gap} between {between}; the story asks for "
        f"at least {plural(d['min_gap_days'], 'day')}."
    )


def _payoff(hit: Hit, words: Words) -> str:
    d = hit.details
    gives = d["gives_before"]
    after = "no give episode" if gives == 0 else f"only {plural(gives, 'give episode')}"
    return (
        f"The ask in {words.story(hit.story_id)} on {words.day(hit.start, words.year(hit.start))} "
        f"comes after {after}; the story asks for {d['required']} first."
    )


WRITERS: dict[str, Callable[[Hit, Words], str]] = {
    "ask_during_listening": _listening,
    "ask_too_early": _too_early,
    "ask_too_soon": _too_soon,
    "ask_density": _density,
    "ask_run": _ask_run,
    "category_mix": _category_mix,
    "broadcast_only": _broadcast,
    "channel_silent": _silent,
    "too_many_posts_per_day": _crowded,
    "posts_too_close": _too_close,
    "no_ask_lately": _no_ask,
    "story_out_of_order": _out_of_order,
    "story_stalled": _story_gap,
    "story_rushed": _story_gap,
    "story_ask_before_payoff": _payoff,
}


def message(hit: Hit, words: Words) -> str:
    return WRITERS[hit.code](hit, words)
