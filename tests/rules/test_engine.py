import json
import random
from datetime import timedelta
from fractions import Fraction

import pytest

from app.errors import Invalid
from app.rules import PostFact, analyse, build_params, diff

from .builders import codes, make_plan, of_code, params, series, utc

START = utc("2026-06-01 09:00")
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def two_channels():
    return series("a a g a", START, step=DAY, channel="blog") + series(
        "g a a g", START, step=DAY, channel="news", first_row=10
    )


class TestOrder:
    rules = params(min_gives_between_asks=2, max_gives_without_ask=1)

    def test_sorted_by_start_then_code_then_first_post_id(self):
        found = analyse(make_plan(two_channels(), self.rules))
        assert [((f.start - START) // DAY, f.code, f.post_ids[0]) for f in found] == [
            (0, "no_ask_lately", "row-000010"),
            (1, "ask_too_soon", "row-000001"),
            (2, "ask_too_soon", "row-000012"),
            (2, "no_ask_lately", "row-000002"),
            (3, "ask_too_soon", "row-000003"),
            (3, "no_ask_lately", "row-000013"),
        ]

    def test_same_start_and_code_go_by_first_post_id(self):
        posts = series("a a", START, channel="news", first_row=10) + series(
            "a a", START, channel="blog"
        )
        found = analyse(make_plan(posts, self.rules))
        assert [(f.code, f.post_ids) for f in found] == [
            ("ask_too_soon", ("row-000001",)),
            ("ask_too_soon", ("row-000011",)),
        ]

    def test_the_same_plan_gives_the_same_findings_whatever_the_post_order(self):
        posts = two_channels()
        expected = analyse(make_plan(posts, self.rules))
        for seed in range(5):
            shuffled = posts[:]
            random.Random(seed).shuffle(shuffled)
            assert analyse(make_plan(shuffled, self.rules)) == expected

    def test_posts_grouped_by_channel_or_interleaved_give_the_same_findings(self):
        posts = two_channels()
        grouped = sorted(posts, key=lambda p: (p.channel_id, p.at, p.id))
        interleaved = sorted(posts, key=lambda p: (p.at, p.id))
        expected = analyse(make_plan(interleaved, self.rules))
        assert len(expected) == 6
        assert analyse(make_plan(grouped, self.rules)) == expected
        backwards = list(reversed(grouped))
        assert analyse(make_plan(backwards, self.rules)) == expected

    def test_posts_at_the_same_moment_follow_their_ids(self):
        ask = PostFact("row-000002", "c1", START, "ask")
        give = PostFact("row-000001", "c1", START, "give")
        (finding,) = analyse(make_plan([ask, give], params(min_gives_before_first_ask=2)))
        assert finding.details["gives_before_first_ask"] == 1


class TestRanges:
    rules = params(min_gives_between_asks=1, max_gap_days=7)

    def plan(self, **kwargs):
        posts = series("a a . . . . . . . . a a", START, step=DAY)
        return make_plan(posts, self.rules, **kwargs)

    def test_without_a_range_everything_is_returned(self):
        assert codes(analyse(self.plan())) == [
            "ask_too_soon",
            "channel_silent",
            "ask_too_soon",
            "ask_too_soon",
        ]

    def test_only_findings_whose_span_meets_the_range(self):
        found = analyse(self.plan(range_start=START + 2 * DAY, range_end=START + 5 * DAY))
        # The silence from day 1 to day 10 crosses the range; the asks don't.
        assert codes(found) == ["channel_silent"]

    def test_a_point_finding_on_the_range_start_is_in_and_on_its_end_is_out(self):
        at_start = analyse(self.plan(range_start=START + DAY, range_end=START + 2 * DAY))
        assert [f.post_ids for f in of_code(at_start, "ask_too_soon")] == [("row-000001",)]
        at_end = analyse(self.plan(range_start=START, range_end=START + DAY))
        assert of_code(at_end, "ask_too_soon") == []

    def test_a_finding_is_the_same_whichever_range_shows_it(self):
        whole = analyse(self.plan(range_end=START + 11 * DAY))
        window = analyse(self.plan(range_start=START + 9 * DAY, range_end=START + 11 * DAY))
        assert window == [f for f in whole if f.end >= START + 9 * DAY]

    def test_either_bound_alone(self):
        from_day_ten = analyse(self.plan(range_start=START + 10 * DAY))
        # The silence ends on day 10 with the third post, so it meets the range.
        assert [f.post_ids for f in from_day_ten] == [
            ("row-000001", "row-000002"),
            ("row-000002",),
            ("row-000003",),
        ]
        until_day_one = analyse(self.plan(range_end=START + DAY))
        assert [f.post_ids for f in until_day_one] == []
        # A range end alone still measures the silence after the last post.
        until_later = analyse(self.plan(range_end=START + 30 * DAY))
        assert until_later[-1].details["trailing"] is True

    def test_a_density_stretch_ending_at_the_range_start_is_out(self):
        rules = params(window_days=1, max_ask_share=Fraction(0), min_posts_in_window=1)
        posts = series("a", START)
        meets = make_plan(posts, rules, range_start=START + DAY - HOUR, range_end=START + 2 * DAY)
        assert codes(analyse(meets)) == ["ask_density"]
        touches = make_plan(posts, rules, range_start=START + DAY, range_end=START + 2 * DAY)
        assert analyse(touches) == []

    def test_a_run_ending_on_the_range_start_is_in(self):
        rules = params(run_length=2, max_asks_per_run=1)
        posts = series("a a", START, step=HOUR)
        plan = make_plan(posts, rules, range_start=START + HOUR, range_end=START + DAY)
        assert codes(analyse(plan)) == ["ask_run"]


class TestProfiles:
    def test_severity_overrides(self):
        rules = params(
            min_gives_between_asks=3,
            window_days=7,
            max_ask_share=Fraction(1, 5),
            min_posts_in_window=2,
        )
        posts = series("a a", START)
        default = analyse(make_plan(posts, rules))
        assert {f.code: f.severity for f in default} == {
            "ask_too_soon": "warning",
            "ask_density": "blocking",
        }
        changed = analyse(make_plan(posts, rules, severities={"ask_density": "info"}))
        assert {f.code: f.severity for f in changed} == {
            "ask_too_soon": "warning",
            "ask_density": "info",
        }

    def test_per_channel_parameters(self):
        workspace = build_params("jab_jab_jab_right_hook", {"max_gives_without_ask": None})
        relaxed = build_params("beth_dunn", {"min_gives_between_asks": None}, base=workspace)
        found = analyse(make_plan(two_channels(), workspace, channel_params={"news": relaxed}))
        assert {f.channel_id for f in found} == {"blog"}
        assert len(analyse(make_plan(two_channels(), workspace))) == 3


class TestFindingShape:
    def test_as_dict_is_the_json_of_the_rules_page(self):
        posts = series("a ggg a", START, step=DAY)
        (finding,) = analyse(make_plan(posts, params(min_gives_between_asks=9)))
        shown = finding.as_dict()
        assert shown == {
            "code": "ask_too_soon",
            "severity": "warning",
            "channel_id": "c1",
            "story_id": None,
            "post_ids": ["row-000004"],
            "start": "2026-06-05T09:00:00Z",
            "end": "2026-06-05T09:00:00Z",
            "message": "Only 3 gives since the last ask on Mon 1 Jun; the rhythm asks for 9.",
            "details": {
                "gives_since_last_ask": 3,
                "required": 9,
                "previous_ask_id": "row-000000",
            },
        }
        assert json.loads(json.dumps(shown)) == shown

    def test_every_code_has_json_ready_details(self):
        rules = build_params(
            "beth_dunn",
            {
                "run_length": 3,
                "max_asks_per_run": 0,
                "min_category_share": {"share": 0.5},
                "min_engage_per_run": 1,
                "max_posts_per_day": 1,
                "min_minutes_between_posts": 600,
                "max_gives_without_ask": 2,
            },
        )
        posts = series("g a g g g a a g", START, step=timedelta(hours=7))
        found = analyse(make_plan(posts, rules, range_end=START + 30 * DAY))
        assert len(set(codes(found))) >= 10
        for finding in found:
            json.dumps(finding.as_dict())
            assert finding.start.tzinfo is not None and finding.start.utcoffset() == timedelta(0)

    def test_dates_in_another_year_carry_the_year(self):
        posts = series("a g a", utc("2026-12-31 09:00"), step=DAY)
        (finding,) = analyse(make_plan(posts, params(min_gives_between_asks=2)))
        assert finding.message == (
            "Only 1 give since the last ask on Thu 31 Dec 2026; the rhythm asks for 2."
        )

    def test_an_unknown_time_zone_is_invalid(self):
        plan = make_plan(series("g", START), params(), timezone="Mars/Olympus")
        with pytest.raises(Invalid) as caught:
            analyse(plan)
        assert caught.value.errors[0].field == "timezone"


class TestDiff:
    rules = params(
        window_days=7, max_ask_share=Fraction(1, 5), min_posts_in_window=1, min_gives_between_asks=1
    )

    def test_added_and_resolved_by_key(self):
        before_posts = series("a g g g g g", START, step=DAY)
        moved = [
            *before_posts[:1],
            PostFact("row-000009", "c1", START + HOUR, "ask"),
            *before_posts[1:],
        ]
        before = analyse(make_plan(before_posts, self.rules))
        after = analyse(make_plan(moved, self.rules))
        added, resolved = diff(before, after)
        assert {f.key for f in added} == {
            ("ask_too_soon", "c1", None, ("row-000009",)),
            ("ask_density", "c1", None, ("row-000000", "row-000009")),
        }
        assert resolved == []
        assert diff(after, before) == ([], added)

    def test_a_density_stretch_that_grows_is_one_resolved_and_one_added(self):
        posts = series("a a g g g g", START, step=DAY)
        grown = [*posts, PostFact("row-000009", "c1", START + 2 * DAY + HOUR, "ask")]
        before = analyse(make_plan(posts, self.rules))
        after = analyse(make_plan(grown, self.rules))
        added, resolved = diff(before, after)
        assert [f.code for f in added if f.code == "ask_density"] == ["ask_density"]
        assert [f.post_ids for f in resolved] == [("row-000000", "row-000001")]
        assert [f.post_ids for f in added if f.code == "ask_density"] == [
            ("row-000000", "row-000001", "row-000009")
        ]
        assert before[0].key == ("ask_density", "c1", None, ("row-000000", "row-000001"))
