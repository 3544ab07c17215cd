"""What-if in people's words: a stretch that grows is one change, not an add
and a resolve."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from app.rules import analyse, diff
from app.rules.changes import pair
from app.rules.facts import PostFact
from tests.rules.builders import local, make_plan, of_code, params, series

DENSITY = params(window_days=7, max_ask_share=Fraction(1, 5), min_posts_in_window=5)


def plan_with(posts: list[PostFact]):  # type: ignore[no-untyped-def]
    return make_plan(posts, DENSITY, timezone="Europe/Berlin")


class TestPair:
    def test_a_dense_stretch_that_grows_is_one_change(self):
        start = local("2026-11-02T09:00")
        posts = series("gagagagag", start, step=timedelta(days=1))
        before = analyse(plan_with(posts))
        later_ask = PostFact("row-000100", "c1", start + timedelta(days=9, hours=3), "ask")
        after = analyse(plan_with([*posts, later_ask]))
        added, resolved = diff(before, after)
        assert of_code(added, "ask_density") and of_code(resolved, "ask_density")
        only_added, only_resolved, changed = pair(added, resolved, "Europe/Berlin")
        assert of_code(only_added, "ask_density") == []
        assert of_code(only_resolved, "ask_density") == []
        assert len(changed) == 1
        assert changed[0].words.startswith("makes the dense stretch longer (now Mon 2 Nov – ")
        assert changed[0].after.end > changed[0].before.end

    def test_a_stretch_that_shrinks_says_shorter(self):
        start = local("2026-11-02T09:00")
        posts = series("gagagagaga", start, step=timedelta(days=1))
        before = analyse(plan_with(posts))
        after = analyse(plan_with(posts[:-1]))
        added, resolved = diff(before, after)
        _, _, changed = pair(added, resolved, "Europe/Berlin")
        assert [c.words.split(" (")[0] for c in changed] == ["makes the dense stretch shorter"]

    def test_findings_of_other_channels_or_codes_stay_apart(self):
        start = local("2026-11-02T09:00")
        first = series("gagagagag", start, step=timedelta(days=1))
        other = series("gagagagag", start, step=timedelta(days=1), channel="c2", first_row=50)
        before = analyse(plan_with(first))
        after = analyse(plan_with(first[:3] + other))
        added, resolved = diff(before, after)
        only_added, only_resolved, changed = pair(added, resolved, "Europe/Berlin")
        assert changed == []
        assert only_added == added and only_resolved == resolved
