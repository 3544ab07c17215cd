from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.timeline import DAY, EPOCH_ORDINAL, Timeline, year_transitions

from .builders import BERLIN, local, utc

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",  # clocks change at midnight
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Asia/Kolkata",  # no change at all
    "UTC",
]


def seconds(moment: datetime) -> float:
    return moment.timestamp()


def first_moment_showing(zone: str, wall: datetime) -> float:
    """Independent answer from zoneinfo: the wall time itself when it exists
    (its first occurrence when it exists twice), else the moment clocks jump."""
    tz = ZoneInfo(zone)
    earlier = wall.replace(tzinfo=tz, fold=0)
    if earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return earlier.timestamp()
    low = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    high = int(earlier.timestamp())
    after = datetime.fromtimestamp(high, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return float(high)


class TestOffsetChanges:
    def test_berlin_2026(self):
        assert year_transitions(BERLIN, 2026) == (
            (int(seconds(utc("2026-03-29 01:00"))), 3600, 7200),
            (int(seconds(utc("2026-10-25 01:00"))), 7200, 3600),
        )

    def test_utc_has_none(self):
        assert year_transitions("UTC", 2026) == ()


class TestWallClock:
    timeline = Timeline(BERLIN)

    def wall(self, text: str) -> float:
        naive = datetime.fromisoformat(text)
        return (naive.toordinal() - EPOCH_ORDINAL) * DAY + naive.hour * 3600 + naive.minute * 60

    def test_a_skipped_time_is_the_moment_clocks_jump(self):
        assert self.timeline.moment_of_wall(self.wall("2026-03-29 02:30")) == seconds(
            utc("2026-03-29 01:00")
        )

    def test_a_repeated_time_is_its_first_occurrence(self):
        assert self.timeline.moment_of_wall(self.wall("2026-10-25 02:30")) == seconds(
            utc("2026-10-25 00:30")
        )

    def test_a_day_across_the_spring_change_is_23_hours(self):
        start = seconds(local("2026-03-28 10:00"))
        assert self.timeline.add_days(start, 1) - start == 23 * 3600

    def test_local_dates(self):
        assert str(self.timeline.local_date(seconds(utc("2026-06-01 22:30")))) == "2026-06-02"
        assert self.timeline.start_of_day(local("2026-03-29 12:00").date()) == seconds(
            utc("2026-03-28 23:00")
        )


moments = st.integers(
    min_value=int(seconds(utc("2019-01-01 00:00"))),
    max_value=int(seconds(utc("2031-01-01 00:00"))),
)


class TestAgainstZoneinfo:
    @settings(max_examples=150, deadline=None)
    @given(zone=st.sampled_from(ZONES), moment=moments, days=st.integers(0, 40))
    def test_adding_days_matches_zoneinfo(self, zone, moment, days):
        timeline = Timeline(zone)
        wall = datetime.fromtimestamp(moment, ZoneInfo(zone)).replace(tzinfo=None)
        expected = first_moment_showing(zone, wall + timedelta(days=days))
        assert timeline.add_days(float(moment), days) == expected

    @settings(max_examples=60, deadline=None)
    @given(
        zone=st.sampled_from(ZONES),
        start=moments,
        gaps=st.lists(st.integers(0, 5 * 86400), min_size=1, max_size=60),
        days=st.integers(1, 30),
    )
    def test_whole_lists_match_one_at_a_time(self, zone, start, gaps, days):
        timeline = Timeline(zone)
        sorted_moments = []
        moment = float(start)
        for gap in gaps:
            moment += gap
            sorted_moments.append(moment)
        assert timeline.shifted(sorted_moments, days) == [
            timeline.add_days(m, days) for m in sorted_moments
        ]
        assert timeline.locals(sorted_moments) == [timeline.local(m) for m in sorted_moments]

    @settings(max_examples=150, deadline=None)
    @given(
        zone=st.sampled_from(ZONES[:4]),
        year=st.integers(2019, 2030),
        which=st.integers(0, 1),
        days=st.integers(0, 10),
        near=st.integers(-3 * 3600, 3 * 3600),
    )
    def test_adding_days_onto_a_clock_change_matches_zoneinfo(self, zone, year, which, days, near):
        changes = year_transitions(zone, year)
        change = changes[which % len(changes)][0]
        moment = change - days * 86400 + near
        wall = datetime.fromtimestamp(moment, ZoneInfo(zone)).replace(tzinfo=None)
        expected = first_moment_showing(zone, wall + timedelta(days=days))
        assert Timeline(zone).add_days(float(moment), days) == expected
