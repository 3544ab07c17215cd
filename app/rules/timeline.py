"""Days and wall-clock time in the workspace time zone, on epoch seconds.

The engine compares posts as epoch seconds (floats) and never builds a datetime
per post. What needs the time zone (local dates, "t + N days") goes through a
:class:`Timeline`, which knows the zone's UTC-offset changes over the years a
plan spans and answers by bisection.

"t + N days" is the same local wall time N calendar days later. When that wall
time does not exist (the hour skipped when clocks go forward) it is the moment
the clocks jump, the first instant whose wall time is at or past it; when it
exists twice (the hour repeated when clocks go back) it is the first of the two.
Put simply: the first moment the local clock shows that time or later.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import N_, Invalid

DAY = 86400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SAMPLE = 6 * 3600
# Offsets differ by at most a day, so a post this far before a change can't feel it.
_MARGIN = 2 * DAY
# Outside these years the offset is taken as constant: plans live in between.
_FIRST_YEAR, _LAST_YEAR = 1900, 2500
_LOWEST = datetime(_FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp()
_HIGHEST = datetime(_LAST_YEAR, 12, 31, tzinfo=UTC).timestamp()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid.later("timezone", N_("unknown time zone %(name)s"),
                            name=repr(name)) from exc


def _offset(tz: ZoneInfo, moment: int) -> int:
    delta = datetime.fromtimestamp(moment, tz).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


@lru_cache(maxsize=8192)
def year_transitions(zone_name: str, year: int) -> tuple[tuple[int, int, int], ...]:
    """``(moment, offset_before, offset_after)`` for each offset change in the
    UTC calendar year, found by sampling every six hours and bisecting to the
    second. (No zone changes its offset twice within six hours.)"""
    tz = zone(zone_name)
    moment = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    offset = _offset(tz, moment)
    found: list[tuple[int, int, int]] = []
    while moment < stop:
        probe = min(moment + _SAMPLE, stop)
        if _offset(tz, probe) == offset:
            moment = probe
            continue
        low, high = moment, probe
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(tz, middle) == offset:
                low = middle
            else:
                high = middle
        after = _offset(tz, high)
        found.append((high, offset, after))
        moment, offset = high, after
    return tuple(found)


def _year_of(moment: float) -> int:
    return datetime.fromtimestamp(min(max(moment, _LOWEST), _HIGHEST), UTC).year


class Timeline:
    """Offset changes of one zone over the years asked for so far.

    ``changes[i]`` is the first moment with offset ``after[i]``; ``walls[i]`` is
    the local wall time just before it (``changes[i] + offset before``).
    """

    __slots__ = (
        "_first",
        "_high",
        "_last",
        "_low",
        "_stretch",
        "after",
        "changes",
        "initial",
        "name",
        "tz",
        "walls",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.tz = zone(name)
        self._first = self._last = 0
        # The moments known for sure, kept as numbers so the check is cheap.
        self._low, self._high = float("inf"), -float("inf")
        # The last stretch between offset changes asked about: (from, until, offset).
        # Findings come sorted by time, so the next question is mostly the same one.
        self._stretch = (float("inf"), -float("inf"), 0)
        self.changes: list[float] = []
        self.after: list[int] = []
        self.walls: list[float] = []
        self.initial = 0

    def ensure(self, low: float, high: float) -> None:
        """Know the offset changes from ``low`` to ``high`` (epoch seconds)."""
        if self._low <= low and high <= self._high:
            return
        first, last = _year_of(low - _MARGIN), _year_of(high + _MARGIN)
        if self._first and self._first <= first and last <= self._last:
            return
        if self._first:
            first, last = min(first, self._first), max(last, self._last)
        changes: list[float] = []
        after: list[int] = []
        walls: list[float] = []
        for year in range(first, last + 1):
            for moment, before, offset in year_transitions(self.name, year):
                changes.append(float(moment))
                after.append(offset)
                walls.append(float(moment + before))
        start = int(datetime(first, 1, 1, tzinfo=UTC).timestamp())
        self.initial = _offset(self.tz, start)
        self.changes, self.after, self.walls = changes, after, walls
        self._stretch = (float("inf"), -float("inf"), 0)
        self._first, self._last = first, last
        self._low = start + _MARGIN if first > _FIRST_YEAR else -float("inf")
        stop = datetime(last + 1, 1, 1, tzinfo=UTC).timestamp()
        self._high = stop - _MARGIN if last < _LAST_YEAR else float("inf")

    # One moment at a time: for the few places that need it.

    def offset_at(self, moment: float) -> int:
        since, until, offset = self._stretch
        if since <= moment < until:
            return offset
        if not self._low <= moment <= self._high:
            self.ensure(moment, moment)
        changes = self.changes
        k = bisect_right(changes, moment)
        offset = self.after[k - 1] if k else self.initial
        since = changes[k - 1] if k else self._low
        until = changes[k] if k < len(changes) else self._high
        self._stretch = (since, until, offset)
        return offset

    def local(self, moment: float) -> float:
        """Local wall time as seconds since 1970-01-01 00:00 local."""
        return moment + self.offset_at(moment)

    def moment_of_wall(self, wall: float) -> float:
        """The first moment the local clock shows ``wall`` or later."""
        if not self._low + DAY <= wall <= self._high - DAY:
            self.ensure(wall - DAY, wall + DAY)
        k = bisect_right(self.walls, wall)
        if not k:
            return wall - self.initial
        return max(wall - self.after[k - 1], self.changes[k - 1])

    def add_days(self, moment: float, days: float) -> float:
        return self.moment_of_wall(self.local(moment) + days * DAY)

    def day_number(self, moment: float) -> int:
        """Days since 1970-01-01 of the local date."""
        return int(self.local(moment) // DAY)

    def local_date(self, moment: float) -> date:
        return date.fromordinal(EPOCH_ORDINAL + self.day_number(moment))

    def start_of_day(self, day: date) -> float:
        return self.moment_of_wall((day.toordinal() - EPOCH_ORDINAL) * DAY)

    # Whole lists of sorted moments: the hot paths.

    def locals(self, moments: list[float]) -> list[float]:
        """Local wall times of sorted moments, one offset per stretch between changes."""
        if not moments:
            return []
        self.ensure(moments[0], moments[-1])
        low = bisect_right(self.changes, moments[0])
        high = bisect_right(self.changes, moments[-1])
        offset = self.after[low - 1] if low else self.initial
        if low == high:
            return [m + offset for m in moments]
        out: list[float] = []
        begin = 0
        for k in range(low, high):
            cut = bisect_left(moments, self.changes[k], begin)
            out.extend([m + offset for m in moments[begin:cut]])
            begin, offset = cut, self.after[k]
        out.extend([m + offset for m in moments[begin:]])
        return out

    def shifted(self, moments: list[float], days: float) -> list[float]:
        """``m + days`` (local wall time) for each of the sorted ``moments``.

        Away from an offset change that is plain addition; only the posts within
        ``days`` before a change are worked out on the wall clock.
        """
        span = days * DAY
        out = [m + span for m in moments]
        if not moments:
            return out
        self.ensure(moments[0], moments[-1] + span)
        low = bisect_left(self.changes, moments[0])
        high = bisect_right(self.changes, moments[-1] + span + _MARGIN)
        for k in range(low, high):
            change = self.changes[k]
            first = bisect_left(moments, change - span - _MARGIN)
            last = bisect_left(moments, change, first)
            for i in range(first, last):
                out[i] = self.moment_of_wall(self.local(moments[i]) + span)
        return out
