from datetime import timedelta
from fractions import Fraction

from app.rules import analyse

from .builders import make_plan, params, series, utc

START = utc("2026-06-01 09:00")
HOUR = timedelta(hours=1)


def run_findings(pattern, rules, categories=None):
    posts = series(pattern, START, step=HOUR, categories=categories)
    return analyse(make_plan(posts, rules))


def spans(findings):
    return [(f.code, f.post_ids) for f in findings]


class TestAskRun:
    rules = params(run_length=4, max_asks_per_run=1)

    def test_at_most_the_allowed_asks_in_every_run_is_fine(self):
        assert run_findings("a ggg a ggg a", self.rules) == []

    def test_one_ask_too_many_in_a_run(self):
        (finding,) = run_findings("a gg a", self.rules)
        assert finding.code == "ask_run"
        assert finding.post_ids == ("row-000000", "row-000003")
        assert (finding.start, finding.end) == (START, START + 3 * HOUR)
        assert dict(finding.details) == {
            "asks": 2,
            "run_length": 4,
            "max_asks_per_run": 1,
            "runs": 1,
        }
        assert finding.message == (
            "2 asks in 4 posts in a row, from Mon 1 Jun to Mon 1 Jun; the rhythm allows 1."
        )

    def test_runs_sharing_posts_merge_through_chains(self):
        (finding,) = run_findings("a a g g a a", self.rules)
        assert finding.post_ids == ("row-000000", "row-000001", "row-000004", "row-000005")
        assert finding.details["runs"] == 3
        assert finding.end == START + 5 * HOUR

    def test_runs_without_a_shared_post_stay_apart(self):
        pairs = params(run_length=2, max_asks_per_run=1)
        assert spans(run_findings("a a g a a", pairs)) == [
            ("ask_run", ("row-000000", "row-000001")),
            ("ask_run", ("row-000003", "row-000004")),
        ]
        assert spans(run_findings("a a a", pairs)) == [
            ("ask_run", ("row-000000", "row-000001", "row-000002")),
        ]

    def test_fewer_posts_than_a_run_has_no_runs(self):
        assert run_findings("a a a", self.rules) == []
        assert len(run_findings("a a a g", self.rules)) == 1


class TestCategoryMix:
    half_shares = params(run_length=4, min_category_share={"share": Fraction(1, 2)})

    def test_the_minimum_share_reached_in_every_run_is_fine(self):
        cats = ["share", "help", "share", "help", "share"]
        assert run_findings("ggggg", self.half_shares, cats) == []

    def test_a_short_category_names_every_post_of_the_span(self):
        cats = ["share", "help", "help", "help", "share"]
        (finding,) = run_findings("ggggg", self.half_shares, cats)
        assert finding.code == "category_mix"
        assert finding.post_ids == tuple(f"row-{i:06d}" for i in range(5))
        assert dict(finding.details) == {
            "run_length": 4,
            "short": {"share": {"lowest": 1, "required": 2, "min_share": "1/2"}},
            "runs": 2,
        }
        assert finding.message == (
            "Too few share posts from Mon 1 Jun to Mon 1 Jun: as few as 1 share post in 4 posts "
            "in a row, where the mix asks for at least 2."
        )

    def test_one_finding_per_span_whichever_categories_fall_short(self):
        rules = params(
            run_length=4,
            min_category_share={"share": Fraction(1, 2), "personal": Fraction(1, 4)},
        )
        cats = ["share", "help", "help", "help", "personal", "share"]
        (finding,) = run_findings("gggggg", rules, cats)
        assert set(finding.details["short"]) == {"share", "personal"}
        assert finding.details["short"]["personal"]["lowest"] == 0
        assert finding.message == (
            "Too few share and personal posts from Mon 1 Jun to Mon 1 Jun: no share post in 4 "
            "posts in a row, where the mix asks for at least 2; no personal post in 4 posts in a "
            "row, where the mix asks for at least 1."
        )

    def test_share_boundary_is_exact(self):
        rules = params(run_length=10, min_category_share={"share": Fraction(3, 10)})
        three = ["share"] * 3 + ["help"] * 7
        assert run_findings("g" * 10, rules, three) == []
        two = ["share"] * 2 + ["help"] * 8
        assert len(run_findings("g" * 10, rules, two)) == 1

    def test_posts_without_a_category_count_for_none(self):
        assert len(run_findings("gggg", self.half_shares, [None, None, "share", None])) == 1


class TestBroadcastOnly:
    rules = params(run_length=3, min_engage_per_run=1)

    def test_a_run_without_engaging_is_flagged(self):
        cats = ["engage", "help", "help", "engage", "help", "help", "help"]
        (finding,) = run_findings("ggggggg", self.rules, cats)
        assert finding.code == "broadcast_only"
        assert finding.post_ids == ("row-000004", "row-000005", "row-000006")
        assert dict(finding.details) == {
            "engage": 0,
            "required": 1,
            "run_length": 3,
            "runs": 1,
        }

    def test_an_engage_post_in_every_run_is_fine(self):
        cats = ["engage", "help", "help", "engage", "help", "help", "engage"]
        assert run_findings("ggggggg", self.rules, cats) == []

    def test_off_without_a_run_length(self):
        cats = ["help"] * 5
        assert run_findings("ggggg", params(min_engage_per_run=1), cats) == []
