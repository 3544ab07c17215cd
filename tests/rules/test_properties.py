"""Properties that hold for every plan, checked on many small random ones."""

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import (
    ASK_CATEGORIES,
    GIVE_CATEGORIES,
    HYPOTHETICAL_POST_ID,
    STORY_CODES,
    ChannelFact,
    Plan,
    PostFact,
    Profile,
    RuleParams,
    StoryFact,
    analyse,
    diff,
    next_slot,
)

from .builders import utc

# Around the spring clock change in Berlin, so days of 23 hours turn up.
START = utc("2026-03-20 00:00")
CHANNELS = ("blog", "news")
STORIES = (StoryFact("launch", "Launch", 0.5, 3, 1),)

small = st.integers(min_value=0, max_value=4)


@st.composite
def rule_params(draw):
    def maybe(strategy):
        return draw(st.none() | strategy)

    return RuleParams(
        listen_days=maybe(st.integers(0, 5)),
        min_gives_before_first_ask=maybe(small),
        min_gives_between_asks=maybe(small),
        window_days=maybe(st.integers(1, 4)),
        max_ask_share=maybe(
            st.sampled_from([Fraction(0), Fraction(1, 5), Fraction(1, 3), Fraction(1, 2)])
        ),
        min_posts_in_window=maybe(st.integers(0, 5)),
        run_length=maybe(st.integers(1, 5)),
        max_asks_per_run=maybe(st.integers(0, 2)),
        min_category_share=maybe(st.just({"share": Fraction(1, 3), "engage": Fraction(1, 4)})),
        min_engage_per_run=maybe(st.integers(0, 2)),
        max_gap_days=maybe(st.integers(1, 3)),
        max_posts_per_day=maybe(st.integers(1, 3)),
        min_minutes_between_posts=maybe(st.sampled_from([0, 30, 180])),
        max_gives_without_ask=maybe(st.integers(1, 4)),
    )


@st.composite
def post_list(draw, min_size=0):
    count = draw(st.integers(min_size, 18))
    posts = []
    used_episodes: set[int] = set()
    for row in range(count):
        kind = draw(st.sampled_from(["give", "give", "ask"]))
        categories = GIVE_CATEGORIES if kind == "give" else ASK_CATEGORIES
        episode = None
        story = None
        if draw(st.booleans()) and draw(st.booleans()):
            story = "launch"
            number = draw(st.integers(1, 20))
            if number not in used_episodes:
                used_episodes.add(number)
                episode = number
        posts.append(
            PostFact(
                id=f"row-{row:06d}",
                channel_id=draw(st.sampled_from(CHANNELS)),
                # Half-hour steps over three weeks: ties and near neighbours happen.
                at=START + timedelta(minutes=30 * draw(st.integers(0, 3 * 7 * 48))),
                kind=kind,
                category=draw(st.none() | st.sampled_from(categories)),
                story_id=story,
                episode=episode,
            )
        )
    return posts


@st.composite
def plans(draw, min_posts=0, started=None):
    channels = []
    for channel_id in CHANNELS:
        if draw(st.booleans()) or started:
            has_start = started if started is not None else draw(st.booleans())
            channels.append(
                ChannelFact(
                    channel_id,
                    started_on=date(2026, 3, 19) if has_start else None,
                    asked_before=draw(st.booleans()),
                    gives_before=draw(small),
                )
            )
    return Plan(
        posts=draw(post_list(min_posts)),
        channels=channels,
        profile=Profile(draw(rule_params())),
        timezone=draw(st.sampled_from(["UTC", "Europe/Berlin"])),
        stories=STORIES,
    )


def keys(findings, codes):
    return {f.key for f in findings if f.code in codes}


# Adding a give can only raise the counts of gives these rules ask for, and can
# only move a channel's start earlier. It can add other findings: a give can
# make a density window reach min_posts_in_window, fill a channel up to its
# first run, split a merged stretch into two (new keys) or crowd a day.
GIVE_SAFE = {"ask_during_listening", "ask_too_early", "ask_too_soon"}
# Removing an ask only joins the gives around it. It can still add
# ask_too_early (the next ask becomes the first), move a channel start that
# came from its first post (listening, so only checked with start dates), and
# split or merge density and run stretches.
ASK_REMOVAL_SAFE = {"ask_too_soon", "ask_during_listening"}


class TestProperties:
    @settings(max_examples=100, deadline=None)
    @given(plan=plans(), data=st.data())
    def test_the_order_of_the_posts_given_changes_nothing(self, plan, data):
        shuffled = data.draw(st.permutations(plan.posts))
        assert analyse(replace(plan, posts=shuffled)) == analyse(plan)

    @settings(max_examples=100, deadline=None)
    @given(
        plan=plans(),
        minute=st.integers(-2 * 48, 3 * 7 * 48 + 48),
        channel=st.sampled_from(CHANNELS),
        new_id=st.sampled_from(["row-000000a", "row-000009a", "~new"]),
    )
    def test_adding_a_give_never_adds_a_listening_or_count_finding(
        self, plan, minute, channel, new_id
    ):
        give = PostFact(new_id, channel, START + timedelta(minutes=30 * minute), "give")
        before = analyse(plan)
        after = analyse(replace(plan, posts=[*plan.posts, give]))
        assert keys(after, GIVE_SAFE) <= keys(before, GIVE_SAFE)

    @settings(max_examples=100, deadline=None)
    @given(plan=plans(min_posts=1, started=True), data=st.data())
    def test_removing_an_ask_never_adds_a_too_soon_or_listening_finding(self, plan, data):
        asks = [p for p in plan.posts if p.kind == "ask"]
        if not asks:
            return
        gone = data.draw(st.sampled_from(asks))
        before = analyse(plan)
        after = analyse(replace(plan, posts=[p for p in plan.posts if p is not gone]))
        assert keys(after, ASK_REMOVAL_SAFE) <= keys(before, ASK_REMOVAL_SAFE)

    @settings(max_examples=100, deadline=None)
    @given(plan=plans())
    def test_findings_name_real_posts_of_their_channel_in_rules_order(self, plan):
        posts = {p.id: p for p in plan.posts}
        found = analyse(plan)
        for finding in found:
            named = [posts[i] for i in finding.post_ids]
            assert named, finding
            assert finding.start <= finding.end
            if finding.code in STORY_CODES:
                assert named[0].channel_id == finding.channel_id
                assert {p.story_id for p in named} == {finding.story_id}
            else:
                assert {p.channel_id for p in named} == {finding.channel_id}
                assert finding.story_id is None
        order = [(f.start, f.code, f.post_ids[0]) for f in found]
        assert order == sorted(order)
        assert len({f.key for f in found}) == len(found)

    @settings(max_examples=100, deadline=None)
    @given(plan=plans(), first=st.integers(0, 30), length=st.integers(1, 10))
    def test_a_range_shows_the_findings_that_meet_it_unchanged(self, plan, first, length):
        low = START + timedelta(days=first)
        high = low + timedelta(days=length)
        everything = analyse(replace(plan, range_end=high))
        shown = analyse(replace(plan, range_start=low, range_end=high))

        def meets(finding):
            if finding.code == "ask_density":
                return finding.start < high and finding.end > low
            return finding.start < high and finding.end >= low

        assert shown == [f for f in everything if meets(f)]


class TestNextSlotAgreesWithAnalyse:
    @settings(max_examples=60, deadline=None)
    @given(
        plan=plans(),
        kind=st.sampled_from(["give", "ask"]),
        channel=st.sampled_from(CHANNELS),
        day=st.integers(0, 25),
    )
    def test_a_slot_found_adds_no_warning_when_really_planned(self, plan, kind, channel, day):
        after = START + timedelta(days=day, hours=10)
        answer = next_slot(plan, channel_id=channel, kind=kind, after=after, horizon_days=6)
        if answer.slot is None:
            assert answer.reason
            return
        assert after <= answer.slot <= after + timedelta(days=6, hours=1)
        post = PostFact(HYPOTHETICAL_POST_ID, channel, answer.slot, kind)
        added, _ = diff(analyse(plan), analyse(replace(plan, posts=[*plan.posts, post])))
        serious = [
            f
            for f in added
            if plan.profile.severity_of(f.code) != "info"
            # A post inside a silence that has already begun only shortens it.
            and f.code != "channel_silent"
        ]
        assert serious == []
