from datetime import timedelta
from fractions import Fraction

from app.rules import PostFact, analyse

from .builders import BERLIN, local, make_plan, params, series, utc

DAY = timedelta(days=1)
START = utc("2026-06-01 09:00")
WEEK_RULE = params(window_days=7, max_ask_share=Fraction(1, 5), min_posts_in_window=5)


def density(pattern, rules=WEEK_RULE, step=DAY, timezone="UTC"):
    posts = series(pattern, START, step=step)
    return analyse(make_plan(posts, rules, timezone=timezone))


class TestExactShare:
    def test_one_ask_in_five_posts_is_exactly_the_limit_and_fine(self):
        assert density("a gggg") == []

    def test_two_asks_in_five_posts_is_too_many(self):
        (finding,) = density("a a ggg")
        assert finding.code == "ask_density"
        assert finding.severity == "blocking"
        assert finding.post_ids == ("row-000000", "row-000001")
        assert finding.start == START
        assert finding.end == START + 7 * DAY
        assert dict(finding.details) == {
            "asks": 2,
            "posts": 5,
            "share": "2/5",
            "max_ask_share": "1/5",
            "window_days": 7,
            "min_posts_in_window": 5,
            "windows": 1,
            "worst_window_start": "2026-06-01T09:00:00Z",
        }
        assert finding.message == (
            "Too many asks from Mon 1 Jun to Mon 8 Jun: 2 of 5 posts within 7 days are asks; "
            "the rhythm allows 1 in 5."
        )

    def test_a_share_that_floats_would_round_is_compared_exactly(self):
        # 1/3 as a decimal is 0.333…; 3 asks in 9 posts is exactly 1/3 and fine.
        rules = params(window_days=30, max_ask_share=Fraction(1, 3), min_posts_in_window=9)
        assert density("a gg a gg a gg", rules) == []
        assert len(density("a gg a gg a g a", rules)) == 1


class TestMinimumPosts:
    def test_a_window_with_fewer_posts_is_not_judged(self):
        assert density("a a gg") == []

    def test_reaching_the_minimum_makes_it_count(self):
        assert len(density("a a gg g")) == 1


class TestWindowBounds:
    def test_a_post_exactly_at_the_window_end_is_outside(self):
        # Posts on days 0-3 and day 7: the window [day 0, day 7) holds four.
        assert density("a a gg ... g") == []
        assert len(density("a a gg .. g")) == 1

    def test_posts_at_the_same_moment_share_one_window(self):
        posts = series("g g g g", START, step=DAY) + series("a", START, first_row=10)
        (finding,) = analyse(
            make_plan(
                posts, params(window_days=7, max_ask_share=Fraction(1, 6), min_posts_in_window=5)
            )
        )
        assert finding.details["posts"] == 5
        assert finding.post_ids == ("row-000010",)

    def test_a_window_always_starts_with_the_first_post_at_its_moment(self):
        # A give and an ask at the same moment: their one window is half asks.
        posts = [
            PostFact("row-000000", "c1", START, "give"),
            PostFact("row-000001", "c1", START, "ask"),
        ]
        rules = params(window_days=7, max_ask_share=Fraction(1, 2), min_posts_in_window=1)
        assert analyse(make_plan(posts, rules)) == []


class TestMerging:
    any_ask = params(window_days=2, max_ask_share=Fraction(0), min_posts_in_window=1)

    def test_overlapping_windows_merge_through_chains(self):
        # Windows of two days from each day: days 0, 1, 2 chain (0-2 and 2-4
        # only touch, but 1-3 overlaps both); days 5 and 6 form another stretch.
        found = density("a a a g g g a", self.any_ask)
        assert [(f.start, f.end, f.post_ids) for f in found] == [
            (START, START + 4 * DAY, ("row-000000", "row-000001", "row-000002")),
            (START + 5 * DAY, START + 8 * DAY, ("row-000006",)),
        ]
        assert [f.details["windows"] for f in found] == [3, 2]

    def test_windows_that_only_touch_do_not_merge(self):
        one_day = params(window_days=1, max_ask_share=Fraction(0), min_posts_in_window=1)
        found = density("a a", one_day)
        assert [(f.start, f.end, f.post_ids) for f in found] == [
            (START, START + DAY, ("row-000000",)),
            (START + DAY, START + 2 * DAY, ("row-000001",)),
        ]

    def test_merged_stretch_reports_its_worst_window(self):
        # Windows from days 0-3 all violate (1/3, 2/3, 2/3, 1/2): the worst is
        # the earliest of the two at 2/3.
        rules = params(window_days=3, max_ask_share=Fraction(1, 4), min_posts_in_window=2)
        (finding,) = density("g g a a g", rules)
        assert finding.details["windows"] == 4
        assert finding.details["share"] == "2/3"
        assert finding.details["worst_window_start"] == "2026-06-02T09:00:00Z"
        assert finding.end == START + 6 * DAY
        assert finding.message == (
            "Too many asks from Mon 1 Jun to Sun 7 Jun: as many as 2 of 3 posts within 3 days "
            "are asks; the rhythm allows 1 in 4."
        )


class TestDaylightSaving:
    """Seven days keep the wall time: a week across the spring change is 167
    hours, across the autumn change 169."""

    def around(self, times, timezone):
        kinds = "a" + "g" * (len(times) - 2) + "a"
        posts = [
            p.__class__(p.id, p.channel_id, when, p.kind)
            for p, when in zip(series(kinds, START), times, strict=True)
        ]
        return analyse(make_plan(posts, WEEK_RULE, timezone=timezone))

    def test_spring_week_ends_at_the_same_wall_time(self):
        week = [local(f"2026-03-{day} 12:00") for day in (23, 24, 25, 26)]
        after_end = [*week, local("2026-03-30 12:30")]
        assert self.around(after_end, BERLIN) == []
        # In UTC the same instants fall inside one 168-hour window.
        assert len(self.around(after_end, "UTC")) == 1
        inside = [*week, local("2026-03-30 11:59")]
        (finding,) = self.around(inside, BERLIN)
        assert finding.end == local("2026-03-30 12:00")
        assert finding.end - finding.start == timedelta(hours=167)

    def test_autumn_week_ends_at_the_same_wall_time(self):
        week = [local(f"2026-10-{day} 12:00") for day in (19, 20, 21, 22)]
        inside = [*week, local("2026-10-26 11:30")]
        (finding,) = self.around(inside, BERLIN)
        assert finding.end - finding.start == timedelta(hours=169)
        assert self.around(inside, "UTC") == []

    def test_windows_from_the_repeated_hour_end_where_they_should(self):
        # 02:30 summer time, then 02:10 winter time (40 minutes later): the
        # second window ends earlier, at 02:10 the next day.
        first = local("2026-10-25 02:30", fold=0)
        second = local("2026-10-25 02:10", fold=1)
        give = local("2026-10-26 02:20")
        posts = [
            PostFact("row-000000", "c1", first, "ask"),
            PostFact("row-000001", "c1", second, "ask"),
            PostFact("row-000002", "c1", give, "give"),
        ]
        rules = params(window_days=1, max_ask_share=Fraction(1, 2), min_posts_in_window=1)
        (finding,) = analyse(make_plan(posts, rules, timezone=BERLIN))
        assert finding.details["windows"] == 2
        assert finding.end == local("2026-10-26 02:30")
        assert finding.post_ids == ("row-000000", "row-000001")
