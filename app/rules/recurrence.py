"""Recurrence rules of a series: RRULE text in, local dates and UTC times out.

Pure, like the rest of the rules engine: no database, no clock. A series repeats at one
local wall time in its zone, so each occurrence is that wall time on its date:
09:00 stays 09:00 across a DST change and its UTC time moves by the hour. A wall
time the clocks skip becomes the moment they jump, one they repeat is the first
of the two, as for every other "day" in Giveask (app/rules/timeline.py).

A series must end, with a date (``until``) or a number of occurrences
(``count``), and may span at most two years from its start: occurrences are
real posts (docs/series.md), and an endless rule cannot be stored as rows.
``count`` counts the rule's dates before skipped dates are taken out, as
COUNT and EXDATE do in RFC 5545.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from dateutil.rrule import rrule, rrulestr

from app.errors import N_, FieldError, Invalid
from app.rules.timeline import DAY, EPOCH_ORDINAL, Timeline

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYWEEKNO",
         "BYYEARDAY", "WKST")
MAX_SPAN_DAYS = 731  # two years
MAX_INTERVAL = 1000
EXAMPLE = "e.g. FREQ=WEEKLY;BYDAY=TU"


class RuleError(Invalid):
    """A series that cannot be expanded, naming the field at fault: a 422 in
    either door, like any other invalid input."""

    def __init__(self, field: str, message: str, **values: object) -> None:
        # ``message`` is a catalog word (N_), worded in the reader's language.
        error = FieldError(field, message, values=values)
        super().__init__(f"{field}: {error.message}", errors=[error])
        self.field = field
        self.message = error.message


def normalise_rule(text: str) -> str:
    """The rule as ``FREQ=…;PART=…`` in capitals, or a RuleError saying why not."""
    raw = text.strip()
    if raw.upper().startswith("RRULE:"):
        raw = raw[len("RRULE:"):]
    if not raw:
        raise RuleError("rrule", N_("must not be empty (%(example)s)"), example=EXAMPLE)
    if any(mark in raw for mark in ("\n", "\r", "DTSTART", "dtstart")):
        raise RuleError("rrule", N_("one RRULE only; the start is the series' starts_on and "
                                    "time"))
    parts: dict[str, str] = {}
    for chunk in raw.split(";"):
        if not chunk.strip():
            continue
        name, sep, value = chunk.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise RuleError("rrule", N_("%(part)s is not NAME=VALUE (%(example)s)"),
                            part=repr(chunk.strip()), example=EXAMPLE)
        if name in ("UNTIL", "COUNT"):
            raise RuleError("rrule", N_("put the end in the series' own %(part)s field, not "
                                        "in the rule"), part=name.lower())
        if name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            raise RuleError("rrule", N_("the time of day is the series' time field; the "
                                        "rule picks dates only"))
        if name not in PARTS:
            raise RuleError("rrule", N_("%(part)s is not a rule part a series understands "
                                        "(use %(parts)s)"), part=name, parts=", ".join(PARTS))
        if name in parts:
            raise RuleError("rrule", N_("%(part)s is given twice"), part=name)
        parts[name] = value
    frequency = parts.get("FREQ")
    if frequency is None:
        raise RuleError("rrule", N_("needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY "
                                    "(%(example)s)"), example=EXAMPLE)
    if frequency not in FREQUENCIES:
        if frequency in ("HOURLY", "MINUTELY", "SECONDLY"):
            raise RuleError("rrule", N_("a series repeats at most once a day (FREQ=DAILY)"))
        raise RuleError("rrule", N_("unknown FREQ %(frequency)s (use DAILY, WEEKLY, MONTHLY "
                                    "or YEARLY)"), frequency=frequency)
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        raise RuleError("rrule", N_("INTERVAL must be a whole number from 1 to %(most)s"),
                        most=MAX_INTERVAL)
    rule = ";".join([f"FREQ={frequency}"]
                    + [f"{name}={value}" for name, value in parts.items() if name != "FREQ"])
    try:
        rrulestr(rule, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RuleError("rrule", N_("not a valid RRULE: %(reason)s (%(example)s)"),
                        reason=exc or "unreadable", example=EXAMPLE) from None
    return rule


@dataclass(frozen=True, slots=True)
class Recurrence:
    rule: str
    starts_on: date
    until: date | None = None
    count: int | None = None
    skipped: frozenset[date] = frozenset()

    @property
    def horizon(self) -> date:
        """The last date a series may reach."""
        return self.starts_on + timedelta(days=MAX_SPAN_DAYS - 1)


def rule_dates(recurrence: Recurrence) -> list[date]:
    """Every date the rule gives from the start to the end, skipped dates
    included; a RuleError when the series has no end, reaches past two years
    or never occurs."""
    if recurrence.until is None and recurrence.count is None:
        raise RuleError("until", N_("a series needs an end: give until (a date) or count"))
    if recurrence.until is not None and recurrence.count is not None:
        raise RuleError("count", N_("give until or count, not both"))
    if recurrence.count is not None and recurrence.count < 1:
        raise RuleError("count", N_("must be at least 1"))
    if recurrence.until is not None:
        if recurrence.until < recurrence.starts_on:
            raise RuleError("until", N_("must not be before starts_on"))
        if recurrence.until > recurrence.horizon:
            raise RuleError("until", N_("a series may span at most two years: until must be "
                                        "on or before %(last)s"),
                            last=recurrence.horizon.isoformat())
    last = recurrence.until or recurrence.horizon
    expanded = rrulestr(normalise_rule(recurrence.rule),
                        dtstart=datetime.combine(recurrence.starts_on, time(0, 0)))
    assert isinstance(expanded, rrule)
    bounded = expanded.replace(until=datetime.combine(last, time(0, 0)))
    dates = [moment.date() for moment in islice(bounded, recurrence.count)]
    if recurrence.count is not None and len(dates) < recurrence.count:
        if not dates:
            raise RuleError("rrule", N_("gives no date in the two years from starts_on"))
        raise RuleError("count", N_("a series may span at most two years: only %(count)s "
                                    "occurrences fit before %(last)s"),
                        count=len(dates), last=recurrence.horizon.isoformat())
    if not dates:
        raise RuleError("rrule", N_("gives no date between starts_on and until"))
    return dates


def occurrence_dates(recurrence: Recurrence) -> list[date]:
    """The dates that get a post: the rule's dates without the skipped ones."""
    return [day for day in rule_dates(recurrence) if day not in recurrence.skipped]


def local_moment(day: date, clock: time, timeline: Timeline) -> datetime:
    """The UTC moment the local clock shows ``clock`` on ``day`` (or the moment
    the clocks jump past it)."""
    wall = (day.toordinal() - EPOCH_ORDINAL) * DAY + clock.hour * 3600 + clock.minute * 60
    return datetime.fromtimestamp(timeline.moment_of_wall(wall), UTC)


def occurrences(recurrence: Recurrence, clock: time, zone_name: str) -> dict[date, datetime]:
    """Each occurrence's date and its UTC time."""
    timeline = Timeline(zone_name)
    return {day: local_moment(day, clock, timeline) for day in occurrence_dates(recurrence)}


def parse_dates(values: Iterable[str | date], field: str = "skipped_dates") -> list[date]:
    """ISO dates, sorted and without repeats."""
    days: set[date] = set()
    for value in values:
        if isinstance(value, date):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise RuleError(field, N_("%(value)s is not a date like 2026-12-24"),
                            value=repr(value)) from None
    return sorted(days)
