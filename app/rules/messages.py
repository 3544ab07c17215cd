"""Findings in an editor's words, naming dates in the workspace time zone.

Dates read like "Fri 20 Nov"; the year is added when it differs from the year
the finding starts in. The engine doesn't know which preset a profile came from,
so the numbers are "the rhythm's" (or "the mix's", "the story's").

The rules know no language: a :class:`Speech` brings one (its gettext, its
dates and numbers), passed in like "now". The sentences below are the source
language's; ``make messages`` extracts them as the words of ``_`` and
``ngettext``, and a reader in another language gets the same sentence from the
catalog with the same named values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.rules.facts import Finding
from app.rules.hits import Hit
from app.rules.timeline import DAY, EPOCH_ORDINAL, Timeline

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _same(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _english_context(context: str, message: str) -> str:
    return message


def _english_day(day: date, with_year: bool) -> str:
    label = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return f"{label} {day.year}" if with_year else label


def _english_number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Speech:
    """One language's words, days and numbers, as plain functions."""

    gettext: Callable[[str], str] = _same
    ngettext: Callable[[str, str, int], str] = _english_plural
    pgettext: Callable[[str, str], str] = _english_context
    day: Callable[[date, bool], str] = _english_day
    number: Callable[[float], str] = _english_number


ENGLISH = Speech()


def _count(value: float) -> int:
    """The count that picks a plural form: a whole number as itself."""
    return int(value) if float(value).is_integer() else 2


class Words:
    """Dates and times of a plan in its time zone, with story names, in a language."""

    __slots__ = ("_days", "_last", "speech", "stories", "timeline")

    def __init__(self, timeline: Timeline, stories: Mapping[str, str] | None = None,
                 speech: Speech = ENGLISH) -> None:
        self.timeline = timeline
        self.stories = dict(stories or {})
        self.speech = speech
        self._days: dict[int, tuple[date, str]] = {}
        # A message names its start's day and year in turn: remember the last.
        self._last: tuple[float, tuple[date, str]] = (float("nan"), (date.min, ""))

    # ---- the language's own words --------------------------------------------
    def gettext(self, message: str) -> str:
        return self.speech.gettext(message)

    def ngettext(self, singular: str, plural: str, count: float) -> str:
        return self.speech.ngettext(singular, plural, _count(count))

    def number(self, value: float) -> str:
        return self.speech.number(value)

    def counted(self, singular: str, plural: str, count: float) -> str:
        """A counted phrase: the message's ``%(count)s`` takes the number."""
        return self.ngettext(singular, plural, count) % {"count": self.number(count)}

    def days(self, count: float) -> str:
        return self.counted("%(count)s day", "%(count)s days", count)

    def category(self, name: str) -> str:
        return self.speech.pgettext("post category", name)

    def joined(self, parts: list[str]) -> str:
        """'a', 'a and b', 'a, b and c'."""
        if len(parts) == 1:
            return parts[0]
        _ = self.gettext
        return _("%(rest)s and %(last)s") % {"rest": ", ".join(parts[:-1]), "last": parts[-1]}

    def span(self, seconds: float) -> str:
        """A duration on the wall clock: '9 days', '7 days and 3 hours',
        '7 days, 1 hour and 5 minutes'. Minutes stay, so a gap just over a limit
        never reads as the limit itself."""
        minutes_in_all = int(seconds // 60)
        days, rest = divmod(minutes_in_all, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = []
        if days:
            parts.append(self.days(days))
        if hours:
            parts.append(self.counted("%(count)s hour", "%(count)s hours", hours))
        if minutes:
            parts.append(self.counted("%(count)s minute", "%(count)s minutes", minutes))
        if not parts:
            return self.gettext("less than a minute")
        return self.joined(parts)

    # ---- days and times --------------------------------------------------------
    def _label(self, day_number: int) -> tuple[date, str]:
        found = self._days.get(day_number)
        if found is None:
            day = date.fromordinal(EPOCH_ORDINAL + day_number)
            found = self._days[day_number] = (day, self.speech.day(day, False))
        return found

    def _of(self, moment: float) -> tuple[date, str]:
        last, found = self._last
        if moment != last:
            found = self._label(self.timeline.day_number(moment))
            self._last = (moment, found)
        return found

    def year(self, moment: float) -> int:
        return self._of(moment)[0].year

    def day(self, moment: float, year: int | None = None) -> str:
        day, label = self._of(moment)
        return label if day.year == year else self.speech.day(day, True)

    def date(self, day: date, year: int | None = None) -> str:
        label = self._label(day.toordinal() - EPOCH_ORDINAL)[1]
        return label if day.year == year else self.speech.day(day, True)

    def clock(self, moment: float) -> str:
        seconds = int(self.timeline.local(moment) % DAY)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    def at(self, moment: float, year: int) -> str:
        return self.gettext("%(day)s at %(time)s") % {"day": self.day(moment, year),
                                                       "time": self.clock(moment)}

    def pair(self, first: float, second: float, year: int) -> tuple[str, str]:
        """Two moments as days, with the time of day when they share a day."""
        one, two = self.day(first, year), self.day(second, year)
        if one == two:
            return self.at(first, year), self.at(second, year)
        return one, two

    def wall_span(self, earlier: float, later: float) -> str:
        return self.span(self.timeline.local(later) - self.timeline.local(earlier))

    def story(self, story_id: str | None) -> str:
        return self.gettext('"%(story)s"') % {
            "story": self.stories.get(story_id or "", story_id)}


def plural(count: int | float, word: str) -> str:
    """English only: a count and a noun ('1 day', '3 gives'), for words not yet
    in a catalog's sentences."""
    return f"{count:g} {word}" if count == 1 else f"{count:g} {word}s"


def span_words(seconds: float) -> str:
    return Words(Timeline("UTC")).span(seconds)


def share_words(share: str, words: Words) -> str:
    """'1/5' -> '1 in 5'; '0/1' -> 'no asks'."""
    _ = words.gettext
    numerator, _sep, denominator = share.partition("/")
    if numerator == "0":
        return _("no asks")
    if numerator == denominator or not denominator:
        return _("all posts to be asks")
    return _("%(part)s in %(whole)s") % {"part": numerator, "whole": denominator}


def _listening(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d, year = hit.details, words.year(hit.start)
    started = words.date(date.fromisoformat(d["channel_started_on"]), year)
    asks_from = words.date(date.fromisoformat(d["asks_from"]), year)
    return _("Ask on %(day)s comes while the channel is still listening: it started on "
             "%(started)s and listens for %(listen)s, so asks fit from %(asks_from)s.") % {
        "day": words.day(hit.start, year), "started": started,
        "listen": words.days(d["listen_days"]), "asks_from": asks_from}


def _too_early(hit: Hit, words: Words) -> str:
    d = hit.details
    gives = d["gives_before_first_ask"]
    values = {"count": words.number(gives), "required": d["required"],
              "day": words.day(hit.start, words.year(hit.start))}
    if gives == 0:
        return words.gettext("No gives before the channel's first ask on %(day)s; the rhythm "
                             "asks for %(required)s.") % values
    return words.ngettext(
        "Only %(count)s give before the channel's first ask on %(day)s; the rhythm asks for "
        "%(required)s.",
        "Only %(count)s gives before the channel's first ask on %(day)s; the rhythm asks for "
        "%(required)s.", gives) % values


def _too_soon(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d = hit.details
    since = _("since the last ask")
    if hit.other is not None:
        since = _("since the last ask on %(day)s") % {
            "day": words.day(hit.other, words.year(hit.start))}
    gives = d["gives_since_last_ask"]
    values = {"count": words.number(gives), "since": since, "required": d["required"]}
    if gives == 0:
        return _("No gives %(since)s; the rhythm asks for %(required)s.") % values
    return words.ngettext("Only %(count)s give %(since)s; the rhythm asks for %(required)s.",
                          "Only %(count)s gives %(since)s; the rhythm asks for %(required)s.",
                          gives) % values


def _density(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d, year = hit.details, words.year(hit.start)
    values = {"start": words.day(hit.start, year), "end": words.day(hit.end, year),
              "asks": d["asks"], "posts": d["posts"],
              "share": share_words(d["max_ask_share"], words),
              "within": words.counted("within %(count)s day", "within %(count)s days",
                                      d["window_days"])}
    if d["windows"] > 1:
        return _("Too many asks from %(start)s to %(end)s: as many as %(asks)s of %(posts)s "
                 "posts %(within)s are asks; the rhythm allows %(share)s.") % values
    return _("Too many asks from %(start)s to %(end)s: %(asks)s of %(posts)s posts "
             "%(within)s are asks; the rhythm allows %(share)s.") % values


def _between(hit: Hit, words: Words) -> str:
    year = words.year(hit.start)
    return words.gettext("from %(start)s to %(end)s") % {
        "start": words.day(hit.start, year), "end": words.day(hit.end, year)}


def _ask_run(hit: Hit, words: Words) -> str:
    d = hit.details
    allowed = d["max_asks_per_run"] or words.gettext("none")
    values = {"asks": words.number(d["asks"]), "run": d["run_length"],
              "between": _between(hit, words), "allowed": allowed}
    if d["runs"] > 1:
        return words.ngettext(
            "Up to %(asks)s ask in %(run)s posts in a row, %(between)s; the rhythm allows "
            "%(allowed)s.",
            "Up to %(asks)s asks in %(run)s posts in a row, %(between)s; the rhythm allows "
            "%(allowed)s.", d["asks"]) % values
    return words.ngettext(
        "%(asks)s ask in %(run)s posts in a row, %(between)s; the rhythm allows %(allowed)s.",
        "%(asks)s asks in %(run)s posts in a row, %(between)s; the rhythm allows %(allowed)s.",
        d["asks"]) % values


def _category_mix(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d = hit.details
    short: dict[str, dict[str, Any]] = d["short"]
    parts = [
        _("%(few)s in %(run)s posts in a row, where the mix asks for at least %(required)s") % {
            "few": _as_few(gap["lowest"], category, d["runs"], words), "run": d["run_length"],
            "required": gap["required"]}
        for category, gap in short.items()
    ]
    names = [words.category(category) for category in short]
    return _("Too few %(categories)s posts %(between)s: %(parts)s.") % {
        "categories": (" " + _("and") + " ").join(names), "between": _between(hit, words),
        "parts": "; ".join(parts)}


def _as_few(count: int, category: str, runs: int, words: Words) -> str:
    """'no share post', '2 share posts', or 'as few as 2 share posts' over many runs."""
    values = {"count": words.number(count), "category": words.category(category)}
    if count == 0:
        return words.gettext("no %(category)s post") % values
    if runs > 1:
        return words.ngettext("as few as %(count)s %(category)s post",
                              "as few as %(count)s %(category)s posts", count) % values
    return words.ngettext("%(count)s %(category)s post", "%(count)s %(category)s posts",
                          count) % values


def _broadcast(hit: Hit, words: Words) -> str:
    d = hit.details
    return words.gettext(
        "Talking at people, not with them, %(between)s: %(few)s in %(run)s posts in a row; "
        "the rhythm asks for at least %(required)s.") % {
        "between": _between(hit, words), "few": _as_few(d["engage"], "engage", d["runs"], words),
        "run": d["run_length"], "required": d["required"]}


def _silent(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d, year = hit.details, words.year(hit.start)
    values = {"limit": words.counted("the rhythm allows gaps of up to %(count)s day",
                                     "the rhythm allows gaps of up to %(count)s days",
                                     d["max_gap_days"]),
              "gap": words.wall_span(hit.start, hit.end),
              "start": words.day(hit.start, year), "end": words.day(hit.end, year)}
    if d["trailing"]:
        return _("No post for %(gap)s after %(start)s, up to the end of the range on %(end)s; "
                 "%(limit)s.") % values
    return _("The channel is silent for %(gap)s, from %(start)s to %(end)s; %(limit)s.") % values


def _crowded(hit: Hit, words: Words) -> str:
    d = hit.details
    return words.gettext("%(posts)s posts on %(day)s; the rhythm allows %(most)s a day.") % {
        "posts": d["posts"], "day": words.day(hit.start, words.year(hit.start)),
        "most": d["max_posts_per_day"]}


def _too_close(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d, year = hit.details, words.year(hit.start)
    leave = _("leave at least %(span)s between posts") % {
        "span": words.span(d["min_minutes_between_posts"] * 60)}
    first, second = hit.start, hit.end
    if first == second:
        return _("Two posts at the same time, %(when)s; %(leave)s.") % {
            "when": words.at(first, year), "leave": leave}
    when = _("on %(day)s at %(first)s and %(second)s") % {
        "day": words.day(first, year), "first": words.clock(first),
        "second": words.clock(second)}
    if words.timeline.day_number(first) != words.timeline.day_number(second):
        when = _("on %(first)s and %(second)s") % {"first": words.at(first, year),
                                                     "second": words.at(second, year)}
    return _("Two posts only %(span)s apart, %(when)s; %(leave)s.") % {
        "span": words.span(second - first), "when": when, "leave": leave}


def _no_ask(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d = hit.details
    limit = d["max_gives_without_ask"]
    text = _("%(count)s gives in a row without an ask by %(day)s: never asking is a missed "
             "chance too, so plan an ask.") % {
        "count": limit, "day": words.day(hit.start, words.year(hit.start))}
    if d["streak_length"] > limit:
        text += " " + _("The streak runs to %(count)s gives.") % {"count": d["streak_length"]}
    return text


def _out_of_order(hit: Hit, words: Words) -> str:
    d, year = hit.details, words.year(hit.start)
    lower = hit.start if hit.other is None else hit.other
    this_one, that_one = words.pair(hit.start, lower, year)
    return words.gettext(
        "Episode %(episode)s of %(story)s goes out on %(this_one)s, before episode "
        "%(lower)s on %(that_one)s.") % {
        "episode": d["episode"], "story": words.story(hit.story_id), "this_one": this_one,
        "lower": d["lower_episode"], "that_one": that_one}


def _episode(number: int | None, words: Words) -> str:
    if number is None:
        return words.gettext("a post")
    return words.gettext("episode %(number)s") % {"number": number}


def _story_gap(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d, year = hit.details, words.year(hit.start)
    first, second = words.pair(hit.start, hit.end, year)
    values = {
        "story": words.story(hit.story_id), "gap": words.wall_span(hit.start, hit.end),
        "between": _("%(first)s on %(first_day)s and %(second)s on %(second_day)s") % {
            "first": _episode(d["from_episode"], words), "first_day": first,
            "second": _episode(d["to_episode"], words), "second_day": second}}
    if hit.code == "story_stalled":
        return _("%(story)s stalls for %(gap)s between %(between)s; the story allows up to "
                 "%(most)s.") % {**values, "most": words.days(d["max_gap_days"])}
    return _("%(story)s rushes on: only %(gap)s between %(between)s; the story asks for at "
             "least %(least)s.") % {**values, "least": words.days(d["min_gap_days"])}


def _payoff(hit: Hit, words: Words) -> str:
    _ = words.gettext
    d = hit.details
    gives = d["gives_before"]
    after = (_("no give episode") if gives == 0 else
             words.counted("only %(count)s give episode", "only %(count)s give episodes", gives))
    return _("The ask in %(story)s on %(day)s comes after %(after)s; the story asks for "
             "%(required)s first.") % {
        "story": words.story(hit.story_id), "day": words.day(hit.start, words.year(hit.start)),
        "after": after, "required": d["required"]}


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


def reworded(findings: Iterable[Finding], words: Words) -> list[Finding]:
    """The same findings with messages in `words`' language: from their codes,
    details and moments alone, as a cached analysis keeps them."""
    out = []
    for finding in findings:
        if finding.code not in WRITERS:
            out.append(finding)
            continue
        start = finding.start.timestamp()
        hit = Hit(start, finding.code, finding.post_ids, finding.channel_id, finding.story_id,
                  finding.end.timestamp(), dict(finding.details),
                  finding.other.timestamp() if finding.other is not None else None)
        out.append(replace(finding, message=message(hit, words)))
    return out
