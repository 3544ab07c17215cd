"""Suggestions: every fix offered resolves its finding and adds no warning or
blocking finding, checked here against the whole plan, not the engine's own
narrowed what-if."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules import ChannelFact, Finding, Plan, PostFact, StoryFact, analyse
from app.rules.suggestions import (
    Change,
    Limits,
    Suggestion,
    apply_changes,
    apply_to_plan,
    suggest,
)

from .builders import make_plan, of_code, params, series, utc
from .test_properties import START, plans

DAY = timedelta(days=1)
FIRST = utc("2026-06-01 12:00")  # a Monday
NOW = utc("2026-05-01 00:00")  # the whole plan lies ahead


def daily(pattern: str, **kwargs) -> list[PostFact]:
    return series(pattern, FIRST, step=DAY, **kwargs)


# Findings that span several posts: one naming only posts a finding of the same
# code and channel names is that finding made smaller, not a new one.
SHRINKING = {"ask_density", "ask_run", "category_mix", "broadcast_only",
             "too_many_posts_per_day"}


def all_findings(plan: Plan) -> list[Finding]:
    """Every finding of the plan, ranges aside, and the trailing silence the
    plan's range end gives."""
    whole = analyse(replace(plan, range_start=None, range_end=None))
    trailing = [
        f for f in analyse(replace(plan, range_start=None))
        if f.code == "channel_silent" and f.details.get("trailing")
    ]
    return whole + trailing


def smaller(finding: Finding, than: Iterable[Finding]) -> bool:
    return finding.code in SHRINKING and any(
        other.code == finding.code and other.channel_id == finding.channel_id
        and set(finding.post_ids) <= set(other.post_ids) for other in than)


def assert_resolves(plan: Plan, finding: Finding, suggestion: Suggestion) -> None:
    """The finding is gone, no smaller version of it is left, and every other
    warning or blocking finding of the changed plan was there before, or is one
    that was there made smaller."""
    before = all_findings(plan)
    after = all_findings(apply_to_plan(plan, suggestion.changes))
    assert finding.key in {f.key for f in before}
    assert finding.key not in {f.key for f in after}, suggestion.summary
    assert not [f for f in after if smaller(f, [finding])], suggestion.summary
    known = {f.key for f in before}
    added = [f.key for f in after if f.severity in ("warning", "blocking")
             and f.key not in known and not smaller(f, before)]
    assert not added, (suggestion.summary, added)
    # A moved ask (of a density stretch or run) lands where no ask rule flags it.
    if finding.code in ("ask_density", "ask_run"):
        moved = {c.post_id for c in suggestion.changes if c.action == "move"}
        flagged = {pid for f in after if f.code.startswith("ask_")
                   and f.severity in ("warning", "blocking") for pid in f.post_ids}
        assert not moved & flagged, (suggestion.summary, sorted(moved & flagged))


def suggestions_for(
    plan: Plan, code: str, *, now=NOW, **limits
) -> tuple[Finding, list[Suggestion]]:
    findings = of_code(analyse(plan), code)
    assert findings, f"the plan has no {code}"
    found = suggest(plan, findings, now=now, limits=Limits(**limits))
    return findings[0], found[findings[0].key]


STORY = StoryFact("launch", "Launch", 1, 3, 2)


def episode(row: int, days: float, number: int, kind: str = "give") -> PostFact:
    return PostFact(f"row-{row:06d}", "c1", FIRST + days * DAY, kind, None, "launch", number)


# One plan per code where a fix lies within the search, and what it says.
FIXABLE = {
    "ask_too_soon": (
        make_plan(daily("a g a gggg"), params(min_gives_between_asks=3)),
        "Move this ask to Sat 6 Jun 09:00",
    ),
    "ask_too_early": (
        make_plan(daily("g a ggg"), params(min_gives_before_first_ask=3)),
        "Move this ask to Fri 5 Jun 09:00",
    ),
    "ask_during_listening": (
        make_plan(daily("g a ggg"), params(listen_days=4),
                  channels=[ChannelFact("c1", started_on=FIRST.date())]),
        "Move this ask to Fri 5 Jun 09:00",
    ),
    "ask_density": (
        make_plan(daily("gagagggggggg"),
                  params(window_days=5, max_ask_share=Fraction(1, 4), min_posts_in_window=4)),
        "Move the ask of Thu 4 Jun 12:00 to Mon 8 Jun 09:00",
    ),
    "ask_run": (
        make_plan(daily("gaagggggg"), params(run_length=4, max_asks_per_run=1)),
        "Move the ask of Wed 3 Jun 12:00 to Sun 7 Jun 09:00",
    ),
    "category_mix": (
        make_plan(daily("gggg", categories=["help"] * 4),
                  params(run_length=4, min_category_share={"share": Fraction(1, 4)})),
        "Change the category of this give: Thu 4 Jun (share)",
    ),
    "broadcast_only": (
        make_plan(daily("gggg", categories=["share"] * 4),
                  params(run_length=4, min_engage_per_run=1)),
        "Change the category of this give: Thu 4 Jun (engage)",
    ),
    "channel_silent": (
        make_plan(daily("g.......g"), params(max_gap_days=3)),
        "Plan 2 gives: Thu 4 Jun 09:00, Sun 7 Jun 09:00",
    ),
    "too_many_posts_per_day": (
        make_plan(series("gggg", FIRST, step=timedelta(hours=3)), params(max_posts_per_day=2)),
        "Move 2 posts: Mon 1 Jun 21:00 to Tue 2 Jun 09:00; Mon 1 Jun 18:00 to Wed 3 Jun 09:00",
    ),
    "posts_too_close": (
        make_plan(series("gg", FIRST, step=timedelta(minutes=30)),
                  params(min_minutes_between_posts=60)),
        "Move the give of Mon 1 Jun 12:30 to Tue 2 Jun 09:00",
    ),
    "no_ask_lately": (
        make_plan(daily("gggggg"), params(max_gives_without_ask=4)),
        "Plan an ask on Thu 4 Jun 09:00",
    ),
    "story_out_of_order": (
        make_plan([episode(0, 0, 2), episode(1, 1, 1), episode(2, 2, 3)], params(),
                  stories=[STORY]),
        "Swap episode 2 with episode 1 of Tue 2 Jun",
    ),
    "story_stalled": (
        make_plan([episode(0, 0, 1), episode(1, 6, 2)], params(), stories=[STORY]),
        "Move episode 2 to Thu 4 Jun 09:00",
    ),
    "story_rushed": (
        make_plan([episode(0, 0, 1), episode(1, 0.1, 2)], params(), stories=[STORY]),
        "Move episode 2 to Wed 3 Jun 09:00",
    ),
    "story_ask_before_payoff": (
        make_plan([episode(0, 0, 1), episode(1, 1, 2, "ask"), episode(2, 2, 3)], params(),
                  stories=[STORY]),
        "Turn episode 2 into a give (last resort)",
    ),
}


@pytest.mark.parametrize("code", sorted(FIXABLE))
def test_a_fix_within_the_search_is_offered_and_resolves_the_finding(code):
    plan, summary = FIXABLE[code]
    finding, offered = suggestions_for(plan, code)
    assert offered, f"no suggestion for {code}"
    assert offered[0].summary == summary
    for suggestion in offered:
        assert_resolves(plan, finding, suggestion)


def test_an_ask_gets_a_move_a_swap_and_last_the_last_resort():
    plan, _ = FIXABLE["ask_too_soon"]
    _, offered = suggestions_for(plan, "ask_too_soon")
    assert [s.summary for s in offered] == [
        "Move this ask to Sat 6 Jun 09:00",
        "Swap with the give of Fri 5 Jun",
        "Turn this ask into a give (last resort)",
    ]
    assert [s.last_resort for s in offered] == [False, False, True]
    assert offered[0].as_dict() == {
        "summary": "Move this ask to Sat 6 Jun 09:00",
        "changes": [{"action": "move", "post_id": "row-000002",
                     "patch": {"scheduled_at": "2026-06-06T09:00:00Z"}}],
        "last_resort": False,
    }
    swap = offered[1].changes
    assert [(c.action, c.post_id, c.patch["scheduled_at"]) for c in swap] == [
        ("move", "row-000002", FIRST + 4 * DAY), ("move", "row-000004", FIRST + 2 * DAY)]
    assert offered[2].changes == (
        Change("update", "row-000002", {"kind": "give", "category": None}),)


def test_a_silent_channel_gets_gives_in_the_gap_to_create():
    plan, _ = FIXABLE["channel_silent"]
    _, offered = suggestions_for(plan, "channel_silent")
    assert [c.as_dict() for c in offered[0].changes] == [
        {"action": "create", "post_id": None,
         "patch": {"channel_id": "c1", "scheduled_at": "2026-06-04T09:00:00Z", "kind": "give"}},
        {"action": "create", "post_id": None,
         "patch": {"channel_id": "c1", "scheduled_at": "2026-06-07T09:00:00Z", "kind": "give"}},
    ]


def test_the_trailing_silence_of_a_range_gets_a_give_before_its_end():
    plan = make_plan(daily("gg"), params(max_gap_days=3), range_start=FIRST,
                     range_end=FIRST + 10 * DAY)
    finding, offered = suggestions_for(plan, "channel_silent")
    assert finding.details["trailing"] is True
    assert offered
    assert_resolves(plan, finding, offered[0])
    assert all(c.action == "create" for c in offered[0].changes)


def test_times_are_the_channels_posting_times_in_its_zone():
    from datetime import time

    plan = make_plan(daily("a g a gggg"), params(min_gives_between_asks=3),
                     channels=[ChannelFact("c1", posting_times=(time(17, 30),))],
                     timezone="Europe/Berlin")
    _, offered = suggestions_for(plan, "ask_too_soon")
    # 17:30 in Berlin is 15:30 UTC in June; the fourth give is Fri 5 Jun 12:00 UTC.
    assert offered[0].summary == "Move this ask to Fri 5 Jun 17:30"
    assert offered[0].changes[0].patch["scheduled_at"] == utc("2026-06-05 15:30")


def test_density_moves_as_few_asks_as_it_takes():
    rules = params(window_days=5, max_ask_share=Fraction(1, 4), min_posts_in_window=4)
    plan = make_plan(daily("gaaagggggggggggg"), rules)
    finding, offered = suggestions_for(plan, "ask_density")
    moves = [s for s in offered if not s.last_resort]
    assert moves, [s.summary for s in offered]
    assert moves[0].summary.startswith("Move 2 asks: ")
    assert len(moves[0].changes) == 2
    assert_resolves(plan, finding, moves[0])
    turns = [s for s in offered if s.last_resort]
    assert turns and turns[0].summary.startswith("Turn 2 asks into gives (last resort): ")


def test_an_info_stretch_is_ended_whole_too():
    """A profile that counts density as info still gets fixes that end the
    stretch: one move that only shortens it is not offered."""
    rules = params(window_days=5, max_ask_share=Fraction(1, 4), min_posts_in_window=4)
    plan = make_plan(daily("gaaagggggggggggg"), rules, severities={"ask_density": "info"})
    finding, offered = suggestions_for(plan, "ask_density")
    assert offered
    for suggestion in offered:
        assert len(suggestion.changes) == 2, suggestion.summary
        assert_resolves(plan, finding, suggestion)


class TestNoFix:
    def test_a_published_ask_is_never_moved_or_changed(self):
        posts = daily("a g a gggg")
        posts[2] = replace(posts[2], locked=True)
        plan = make_plan(posts, params(min_gives_between_asks=3))
        _, offered = suggestions_for(plan, "ask_too_soon")
        assert offered == []

    def test_nothing_before_now_moves(self):
        plan, _ = FIXABLE["ask_too_soon"]
        _, offered = suggestions_for(plan, "ask_too_soon", now=FIRST + 30 * DAY)
        assert offered == []

    def test_nothing_is_moved_to_a_time_before_now(self):
        plan, _ = FIXABLE["ask_too_soon"]
        now = FIRST + 2 * DAY  # the ask itself is at noon that day
        _, offered = suggestions_for(plan, "ask_too_soon", now=now)
        assert offered
        for suggestion in offered:
            for change in suggestion.changes:
                assert change.patch.get("scheduled_at", now) >= now

    def test_a_gap_longer_than_the_search_allows_gets_no_gives(self):
        plan = make_plan(daily("g" + "." * 30 + "g"), params(max_gap_days=3))
        _, offered = suggestions_for(plan, "channel_silent", max_posts=2)
        assert offered == []

    def test_no_later_time_fits_within_the_horizon(self):
        # Every later ask is too soon and turning it into a give starts a streak
        # the profile counts as a warning: nothing to offer within a week.
        plan = make_plan(daily("a g a g g"), params(min_gives_between_asks=9,
                                                    max_gives_without_ask=3),
                         severities={"no_ask_lately": "warning"})
        _, offered = suggestions_for(plan, "ask_too_soon", horizon_days=7)
        assert offered == []

    def test_a_finding_the_plan_does_not_have_gets_nothing(self):
        plan, _ = FIXABLE["ask_too_soon"]
        finding = of_code(analyse(plan), "ask_too_soon")[0]
        stranger = replace(finding, post_ids=("row-999999",))
        assert suggest(plan, [stranger], now=NOW) == {stranger.key: []}

    def test_the_search_stops_after_its_what_if_budget(self):
        plan, _ = FIXABLE["ask_too_soon"]
        # The move fits at the first time tried; the swap and the last resort
        # would need what-if runs of their own.
        _, offered = suggestions_for(plan, "ask_too_soon", max_trials=1)
        assert [s.summary for s in offered] == ["Move this ask to Sat 6 Jun 09:00"]
        plan, _ = FIXABLE["channel_silent"]
        _, offered = suggestions_for(plan, "channel_silent", max_trials=0)
        assert offered == []


def test_suggest_without_findings_covers_every_finding():
    plan, _ = FIXABLE["ask_run"]
    found = suggest(plan, now=NOW)
    assert set(found) == {f.key for f in analyse(plan)}


def test_apply_changes_names_new_posts_after_every_real_one():
    posts = daily("g")
    moved = apply_changes(posts, [
        Change("create", None, {"channel_id": "c1", "scheduled_at": FIRST, "kind": "give"}),
        Change("delete", "row-000000", {}),
    ])
    assert [p.id for p in moved] == ["~suggested-1"]


# ---- every offered fix holds, on random plans -------------------------------------


@st.composite
def plans_with_now(draw):
    plan = draw(plans(min_posts=3))
    locked = draw(st.sets(st.integers(0, len(plan.posts) - 1), max_size=3))
    posts = [replace(p, locked=i in locked) for i, p in enumerate(plan.posts)]
    now = START + timedelta(hours=draw(st.integers(0, 24 * 21)))
    if draw(st.booleans()):
        plan = replace(plan, range_start=START, range_end=START + timedelta(days=draw(
            st.integers(1, 28))))
    return replace(plan, posts=posts), now


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans_with_now())
def test_every_offered_suggestion_resolves_its_finding_and_adds_no_warning(case):
    plan, now = case
    findings = analyse(plan)
    offered = suggest(plan, findings, now=now, limits=Limits(horizon_days=7, max_trials=30))
    posts = {p.id: p for p in plan.posts}
    for finding in findings:
        for suggestion in offered[finding.key]:
            assert_resolves(plan, finding, suggestion)
            for change in suggestion.changes:
                if change.post_id is not None:
                    assert not posts[change.post_id].locked
                    assert posts[change.post_id].at >= now
                if "scheduled_at" in change.patch:
                    assert change.patch["scheduled_at"] >= now
