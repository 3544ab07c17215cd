from datetime import timedelta

from app.rules import PostFact, analyse

from .builders import BERLIN, local, make_plan, params, series, utc

START = utc("2026-06-01 09:00")
DAY = timedelta(days=1)


def posts_at(*moments, channel="c1"):
    return [PostFact(f"row-{i:06d}", channel, moment, "give") for i, moment in enumerate(moments)]


class TestChannelSilent:
    rules = params(max_gap_days=7)

    def test_exactly_the_limit_apart_is_fine(self):
        assert analyse(make_plan(posts_at(START, START + 7 * DAY), self.rules)) == []

    def test_a_minute_more_is_silent(self):
        later = START + 7 * DAY + timedelta(minutes=1)
        (finding,) = analyse(make_plan(posts_at(START, later), self.rules))
        assert finding.code == "channel_silent"
        assert finding.post_ids == ("row-000000", "row-000001")
        assert (finding.start, finding.end) == (START, later)
        assert dict(finding.details) == {"gap_days": 7.0, "max_gap_days": 7, "trailing": False}
        assert finding.message == (
            "The channel is silent for 7 days and 1 minute, from Mon 1 Jun to Mon 8 Jun; "
            "the rhythm allows gaps of up to 7 days."
        )

    def test_days_are_wall_clock_days_across_the_autumn_change(self):
        # 12:00 to 12:00 a week later is 169 hours when clocks go back in between.
        first, second = local("2026-10-20 12:00"), local("2026-10-27 12:00")
        assert second - first == timedelta(hours=169)
        assert analyse(make_plan(posts_at(first, second), self.rules, timezone=BERLIN)) == []
        assert len(analyse(make_plan(posts_at(first, second), self.rules, timezone="UTC"))) == 1
        late = local("2026-10-27 12:01")
        assert len(analyse(make_plan(posts_at(first, late), self.rules, timezone=BERLIN))) == 1

    def test_trailing_silence_needs_a_range(self):
        posts = posts_at(START)
        assert analyse(make_plan(posts, self.rules)) == []
        end = START + 10 * DAY
        (finding,) = analyse(make_plan(posts, self.rules, range_start=START, range_end=end))
        assert finding.post_ids == ("row-000000",)
        assert (finding.start, finding.end) == (START, end)
        assert finding.details["trailing"] is True
        assert finding.message == (
            "No post for 10 days after Mon 1 Jun, up to the end of the range on Thu 11 Jun; "
            "the rhythm allows gaps of up to 7 days."
        )

    def test_no_trailing_silence_within_the_limit_or_before_the_last_post(self):
        posts = posts_at(START, START + 20 * DAY)
        plan = make_plan(posts, self.rules, range_start=START, range_end=START + 7 * DAY)
        # The gap between the two posts is silent; nothing trails after the last.
        found = analyse(plan)
        assert [f.post_ids for f in found] == [("row-000000", "row-000001")]
        near = make_plan(posts, self.rules, range_end=START + 27 * DAY)
        assert [f.details["trailing"] for f in analyse(near)] == [False]

    def test_a_channel_without_posts_has_no_silence(self):
        other = posts_at(START, channel="other")
        plan = make_plan(other, params(max_gap_days=30), range_end=START + 5 * DAY)
        assert analyse(plan) == []


class TestTooManyPostsPerDay:
    def test_spring_change_day_is_cut_in_local_time(self):
        # 29 March 2026 has 23 hours in Berlin.
        moments = [
            local("2026-03-28 23:30"),
            local("2026-03-29 00:30"),
            local("2026-03-29 03:30"),
            local("2026-03-29 23:30"),
        ]
        rules = params(max_posts_per_day=2)
        (finding,) = analyse(make_plan(posts_at(*moments), rules, timezone=BERLIN))
        assert finding.code == "too_many_posts_per_day"
        assert finding.post_ids == ("row-000001", "row-000002", "row-000003")
        assert (finding.start, finding.end) == (moments[1], moments[3])
        assert dict(finding.details) == {"day": "2026-03-29", "posts": 3, "max_posts_per_day": 2}
        assert finding.message == "3 posts on Sun 29 Mar; the rhythm allows 2 a day."
        assert analyse(make_plan(posts_at(*moments), rules, timezone="UTC")) == []

    def test_autumn_change_day_is_cut_in_local_time(self):
        # 25 October 2026 has 25 hours in Berlin; 02:30 happens twice.
        moments = [
            local("2026-10-25 00:30"),
            local("2026-10-25 02:30", fold=0),
            local("2026-10-25 02:30", fold=1),
            local("2026-10-25 23:30"),
        ]
        assert moments[2] - moments[1] == timedelta(hours=1)
        rules = params(max_posts_per_day=3)
        (finding,) = analyse(make_plan(posts_at(*moments), rules, timezone=BERLIN))
        assert finding.details["posts"] == 4
        assert analyse(make_plan(posts_at(*moments), rules, timezone="UTC")) == []

    def test_at_the_limit_is_fine(self):
        posts = series("ggg", START, step=timedelta(hours=2))
        assert analyse(make_plan(posts, params(max_posts_per_day=3))) == []
        assert len(analyse(make_plan(posts, params(max_posts_per_day=2)))) == 1


class TestPostsTooClose:
    rules = params(min_minutes_between_posts=60)

    def test_an_hour_apart_is_fine(self):
        posts = series("ggg", START, step=timedelta(minutes=60))
        assert analyse(make_plan(posts, self.rules)) == []

    def test_one_finding_per_pair_of_neighbours(self):
        posts = series("ggg", START, step=timedelta(minutes=59))
        found = analyse(make_plan(posts, self.rules))
        assert [f.post_ids for f in found] == [
            ("row-000000", "row-000001"),
            ("row-000001", "row-000002"),
        ]
        assert dict(found[0].details) == {"minutes_apart": 59, "min_minutes_between_posts": 60}
        assert found[0].message == (
            "Two posts only 59 minutes apart, on Mon 1 Jun at 09:00 and 09:59; "
            "leave at least 1 hour between posts."
        )

    def test_posts_at_the_same_moment_and_across_midnight(self):
        same = posts_at(START, START)
        (finding,) = analyse(make_plan(same, self.rules))
        assert finding.message == (
            "Two posts at the same time, Mon 1 Jun at 09:00; leave at least 1 hour between posts."
        )
        night = posts_at(utc("2026-06-01 23:50"), utc("2026-06-02 00:10"))
        (finding,) = analyse(make_plan(night, self.rules))
        assert "on Mon 1 Jun at 23:50 and Tue 2 Jun at 00:10" in finding.message
