"""Suggestions for a week of a long density stretch or run: a fix offered for a
part takes that part's asks out of every finding of the code, moves no ask into
one, and adds no warning or blocking finding but smaller versions of those the
plan had, checked here against the whole plan, not the engine's own narrowed
what-if."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from app.rules import (
    ChannelFact,
    Finding,
    Plan,
    PostFact,
    Profile,
    RuleParams,
    Severity,
    analyse,
)
from app.rules.suggestions import Limits, Suggestion, apply_to_plan, suggest, suggest_parts

from .builders import BERLIN, local, make_plan, of_code, params, series
from .test_properties import START
from .test_suggestions import all_findings, smaller

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
DENSITY = params(window_days=5, max_ask_share=Fraction(1, 4), min_posts_in_window=4)
PARTED = ("ask_density", "ask_run")


def monday(moment: datetime, zone: str) -> datetime:
    """Monday 00:00 local of the week holding ``moment``, in UTC."""
    tz = ZoneInfo(zone)
    day = moment.astimezone(tz).date()
    first = day - timedelta(days=day.weekday())
    return datetime.combine(first, time(0), tz).astimezone(ZoneInfo("UTC"))


def weeks(plan: Plan) -> list[tuple[datetime, datetime]]:
    """Every Monday-to-Monday week, local to the plan, holding a post."""
    found = sorted({monday(p.at, plan.timezone) for p in plan.posts})
    tz = ZoneInfo(plan.timezone)
    out = []
    for start in found:
        local_start = start.astimezone(tz)
        # The next Monday by the calendar, so a week with a clock change is 167
        # or 169 hours long.
        end_day = local_start.date() + timedelta(days=7)
        out.append((start, datetime.combine(end_day, time(0), tz).astimezone(ZoneInfo("UTC"))))
    return out


def part_of(plan: Plan, finding: Finding, start: datetime, end: datetime) -> set[str]:
    at = {p.id: p.at for p in plan.posts}
    return {pid for pid in finding.post_ids if start <= at[pid] < end}


def assert_takes_part_out(plan: Plan, finding: Finding, start: datetime, end: datetime,
                          suggestion: Suggestion, now: datetime) -> None:
    """The promise of a part's fix, checked on the whole plan with the changes
    made: none of the part's asks (nor any post the fix changed) is named by a
    finding of the code and channel, and every warning or blocking finding that
    wasn't there before is one that was there made smaller."""
    what = (finding.key, start, suggestion.summary)
    assert suggestion.summary.startswith("This week: "), what
    posts = {p.id: p for p in plan.posts}
    part = part_of(plan, finding, start, end)
    touched = {c.post_id for c in suggestion.changes if c.post_id is not None}
    assert touched, what
    # Only the part's asks change, none past or published, none to before now.
    assert touched <= part, (what, touched - part)
    for change in suggestion.changes:
        assert change.action in ("move", "update"), what
        post = posts[change.post_id or ""]
        assert not post.locked and post.at >= now, what
        if "scheduled_at" in change.patch:
            assert change.patch["scheduled_at"] >= now, what
        if change.action == "update":
            assert change.patch.get("kind") == "give", what
    assert suggestion.last_resort == any(c.action == "update" for c in suggestion.changes), what

    before = all_findings(plan)
    after = all_findings(apply_to_plan(plan, suggestion.changes))
    named = {pid for f in after
             if f.code == finding.code and f.channel_id == finding.channel_id
             for pid in f.post_ids}
    assert not part & named, (what, sorted(part & named))
    assert not touched & named, (what, sorted(touched & named))
    known = {f.key for f in before}
    added = [f.key for f in after if f.severity in ("warning", "blocking")
             and f.key not in known and not smaller(f, before)]
    assert not added, (what, added)
    # A moved ask lands where no ask rule flags it (not even by a finding it had).
    moved = {c.post_id for c in suggestion.changes if c.action == "move"}
    flagged = {pid for f in after if f.code.startswith("ask_")
               and f.severity in ("warning", "blocking") for pid in f.post_ids}
    assert not moved & flagged, (what, sorted(moved & flagged))


def assert_ordered(offered: list[Suggestion]) -> None:
    """Moves first, then the last resort."""
    flags = [s.last_resort for s in offered]
    assert flags == sorted(flags), [s.summary for s in offered]


# ---- a long stretch whose start is past ------------------------------------------------

# Three weeks of an ask every other day, Mondays first, then two weeks of gives,
# at noon in Berlin from Monday 1 June: one stretch of twelve asks.
FIRST = local("2026-06-01 12:00")
LONG = make_plan(series("agagaga" * 3 + "ggggggg" * 2, FIRST, step=DAY), DENSITY,
                 timezone=BERLIN)
# The first two asks (Mon 1 and Wed 3 Jun noon) are past by Wednesday morning.
NOW = local("2026-06-03 00:00")
LAST_WEEK = (local("2026-06-15 00:00"), local("2026-06-22 00:00"))


def the_stretch(plan: Plan) -> Finding:
    [finding] = of_code(analyse(plan), "ask_density")
    return finding


def test_the_stretch_spans_three_weeks_and_its_past_asks_leave_no_whole_fix():
    finding = the_stretch(LONG)
    assert len(finding.post_ids) == 12
    start, end = LAST_WEEK
    assert len(part_of(LONG, finding, start, end)) == 4
    at = {p.id: p.at for p in LONG.posts}
    assert at[finding.post_ids[0]] < NOW
    assert suggest(LONG, [finding], now=NOW) == {finding.key: []}


def test_a_week_ahead_gets_fixes_that_take_its_asks_out_of_the_stretch():
    finding = the_stretch(LONG)
    start, end = LAST_WEEK
    found = suggest_parts(LONG, [(finding, start, end)], now=NOW)
    assert set(found) == {(finding.key, start)}
    offered = found[(finding.key, start)]
    assert offered, "no fix for the last week of the stretch"
    assert_ordered(offered)
    assert not offered[0].last_resort
    assert offered[-1].last_resort
    for suggestion in offered:
        assert_takes_part_out(LONG, finding, start, end, suggestion, NOW)
    # The weeks before keep what is left of the stretch: the fix doesn't end it.
    after = of_code(analyse(apply_to_plan(LONG, offered[0].changes)), "ask_density")
    assert after and all(set(f.post_ids) < set(finding.post_ids) for f in after)


def test_several_parts_are_answered_each_by_its_own_start():
    finding = the_stretch(LONG)
    parts = [(finding, start, start + WEEK) for start in
             (local("2026-06-01 00:00"), local("2026-06-08 00:00"), LAST_WEEK[0])]
    found = suggest_parts(LONG, parts, now=NOW)
    assert set(found) == {(finding.key, start) for _, start, _ in parts}
    # The first week holds the past asks.
    assert found[(finding.key, parts[0][1])] == []
    for _, start, end in parts:
        for suggestion in found[(finding.key, start)]:
            assert_takes_part_out(LONG, finding, start, end, suggestion, NOW)


# ---- what gets nothing ---------------------------------------------------------------


class TestNoPartFix:
    def test_a_week_holding_a_past_ask_gets_nothing(self):
        finding = the_stretch(LONG)
        start = local("2026-06-01 00:00")
        assert part_of(LONG, finding, start, start + WEEK)
        assert suggest_parts(LONG, [(finding, start, start + WEEK)], now=NOW) == {
            (finding.key, start): []}

    def test_a_week_whose_ask_is_past_by_an_hour_gets_nothing(self):
        finding = the_stretch(LONG)
        start, end = LAST_WEEK
        # The week's first ask is Mon 15 Jun noon: an hour later it is past.
        now = local("2026-06-15 13:00")
        assert suggest_parts(LONG, [(finding, start, end)], now=now) == {
            (finding.key, start): []}
        # Just before, the same week gets fixes.
        assert suggest_parts(LONG, [(finding, start, end)], now=local("2026-06-15 11:00"))[
            (finding.key, start)]

    def test_a_week_holding_a_locked_ask_gets_nothing(self):
        start, end = LAST_WEEK
        finding = the_stretch(LONG)
        locked_id = sorted(part_of(LONG, finding, start, end))[1]
        posts = [replace(p, locked=p.id == locked_id) for p in LONG.posts]
        plan = replace(LONG, posts=posts)
        finding = the_stretch(plan)
        assert suggest_parts(plan, [(finding, start, end)], now=NOW) == {
            (finding.key, start): []}

    def test_a_week_without_asks_of_the_stretch_gets_nothing(self):
        finding = the_stretch(LONG)
        start = local("2026-06-22 00:00")
        assert not part_of(LONG, finding, start, start + WEEK)
        assert suggest_parts(LONG, [(finding, start, start + WEEK)], now=NOW) == {
            (finding.key, start): []}

    def test_a_finding_of_another_code_gets_nothing(self):
        plan = make_plan(series("a g a gggg", FIRST, step=DAY),
                         params(min_gives_between_asks=3), timezone=BERLIN)
        [finding] = of_code(analyse(plan), "ask_too_soon")
        # The whole fix exists: only the part search refuses the code.
        assert suggest(plan, [finding], now=NOW)[finding.key]
        start = local("2026-06-01 00:00")
        assert suggest_parts(plan, [(finding, start, start + WEEK)], now=NOW) == {
            (finding.key, start): []}

    def test_a_finding_the_plan_does_not_have_gets_nothing(self):
        finding = the_stretch(LONG)
        start, end = LAST_WEEK
        stranger = replace(finding, post_ids=finding.post_ids[:-1])
        assert suggest_parts(LONG, [(stranger, start, end)], now=NOW) == {
            (stranger.key, start): []}


# ---- a stretch whose code the profile counts as info ---------------------------------


def test_a_week_of_an_info_stretch_is_taken_out_of_it_too():
    """With the finding's own code at ``info``, what is left of the stretch still
    counts: one move or turn must not pass for clearing the whole week (the
    search once took "This week: move the ask of Sun 21 Jun 12:00 to Thu 25 Jun
    09:00" as enough, leaving the asks of Mon 15, Wed 17 and Fri 19 Jun)."""
    plan = make_plan(LONG.posts, DENSITY, timezone=BERLIN, severities={"ask_density": "info"})
    finding = the_stretch(plan)
    start, end = LAST_WEEK
    offered = suggest_parts(plan, [(finding, start, end)], now=NOW)[(finding.key, start)]
    assert offered
    for suggestion in offered:
        assert_takes_part_out(plan, finding, start, end, suggestion, NOW)


# ---- every offered part fix holds, on random plans -----------------------------------

SEEDS = list(range(40))
CHANNELS = ("blog", "news")
RANDOM_LIMITS = Limits(horizon_days=10, max_trials=40)


def random_rules(rng: random.Random) -> RuleParams:
    """Density and run always on, tight enough for long stretches; some other
    rules on at times, so a fix has something to trip over."""

    def sometimes(value):
        return value if rng.random() < 0.35 else None

    return RuleParams(
        window_days=rng.randint(2, 6),
        max_ask_share=rng.choice([Fraction(1, 5), Fraction(1, 4), Fraction(1, 3)]),
        min_posts_in_window=rng.randint(2, 4),
        run_length=rng.randint(3, 6),
        max_asks_per_run=rng.randint(1, 2),
        min_gives_between_asks=sometimes(rng.randint(1, 2)),
        min_gives_before_first_ask=sometimes(rng.randint(1, 2)),
        max_posts_per_day=sometimes(rng.randint(1, 3)),
        min_minutes_between_posts=sometimes(rng.choice([30, 180])),
        max_gap_days=sometimes(rng.randint(2, 4)),
        min_engage_per_run=sometimes(1),
    )


def random_plan(seed: int) -> tuple[Plan, datetime]:
    """Four to six weeks of posts on one or two channels, about a day apart and
    a third to a half of them asks, around the spring clock change; a few published posts,
    ``now`` somewhere in the first weeks, and at times a range."""
    rng = random.Random(seed)
    zone = rng.choice(["UTC", BERLIN])
    days = rng.randint(28, 42)
    ask_share = rng.choice([0.3, 0.4, 0.5])
    channels = CHANNELS[: rng.randint(1, 2)]
    posts: list[PostFact] = []
    for channel in channels:
        moment = START + timedelta(minutes=30 * rng.randint(0, 47))
        while moment < START + days * DAY:
            kind = "ask" if rng.random() < ask_share else "give"
            category = rng.choice([None, "engage", "share", "help"]) if kind == "give" else None
            posts.append(PostFact("", channel, moment, kind, category))
            moment += timedelta(minutes=30 * rng.randint(16, 72))
    posts.sort(key=lambda p: p.at)
    posts = [replace(p, id=f"row-{row:06d}", locked=rng.random() < 0.04)
             for row, p in enumerate(posts)]
    # Another rule made info now and then, the stretch's own code too: its new
    # findings may come, and what is left of an info stretch still counts.
    severities: dict[str, Severity] = (
        {rng.choice(["posts_too_close", "too_many_posts_per_day", "ask_too_soon",
                     "ask_density", "ask_run"]): "info"}
        if rng.random() < 0.3 else {})
    plan = Plan(
        posts=posts,
        channels=[ChannelFact(c, started_on=date(2026, 3, 1), asked_before=True,
                              gives_before=3) for c in channels],
        profile=Profile(random_rules(rng), severities),
        timezone=zone,
    )
    if rng.random() < 0.3:
        plan = replace(plan, range_start=START + 7 * DAY, range_end=START + 21 * DAY)
    now = START + timedelta(hours=rng.randint(0, 24 * 14))
    return plan, now


def split_parts(plan: Plan) -> list[tuple[Finding, datetime, datetime]]:
    """Every density stretch or run, with each week holding some but not all of
    its asks."""
    return [(f, start, end) for f in analyse(plan) if f.code in PARTED
            for start, end in weeks(plan)
            if 0 < len(part_of(plan, f, start, end)) < len(f.post_ids)]


def test_the_random_plans_have_stretches_split_across_weeks():
    split = [seed for seed in SEEDS if split_parts(random_plan(seed)[0])]
    assert len(split) >= len(SEEDS) // 2, split


@pytest.mark.parametrize("seed", SEEDS)
def test_every_offered_part_fix_takes_the_weeks_asks_out_and_adds_nothing(seed):
    plan, now = random_plan(seed)
    parts = split_parts(plan)
    found = suggest_parts(plan, parts, now=now, limits=RANDOM_LIMITS)
    assert set(found) == {(f.key, start) for f, start, _ in parts}
    at = {p.id: p for p in plan.posts}
    for finding, start, end in parts:
        offered = found[(finding.key, start)]
        assert_ordered(offered)
        asks = [at[pid] for pid in part_of(plan, finding, start, end)]
        if any(p.locked or p.at < now for p in asks):
            assert offered == [], (finding.key, start)
        for suggestion in offered:
            assert_takes_part_out(plan, finding, start, end, suggestion, now)


def test_the_random_plans_get_part_fixes_of_both_kinds():
    """Not vacuous: across the seeds, moves and last resorts are both offered,
    for density and for runs."""
    kinds: set[tuple[str, bool]] = set()
    offered = 0
    for seed in SEEDS:
        plan, now = random_plan(seed)
        parts = split_parts(plan)
        for (key, _), suggestions in suggest_parts(plan, parts, now=now,
                                                    limits=RANDOM_LIMITS).items():
            offered += len(suggestions)
            kinds.update((key[0], s.last_resort) for s in suggestions)
    assert offered >= 20, offered
    assert {("ask_density", False), ("ask_density", True)} <= kinds, kinds
    assert any(code == "ask_run" for code, _ in kinds), kinds
