from datetime import time, timedelta

import pytest

from app.errors import Invalid
from app.rules import ChannelFact, PostFact, build_params, next_slot

from .builders import BERLIN, local, make_plan, params, series, utc

DAY = timedelta(days=1)
NOON = utc("2026-06-01 12:00")
SOON = params(min_gives_between_asks=9)


def daily(pattern, start=NOON, **kwargs):
    return series(pattern, start, step=DAY, **kwargs)


class TestSlotFound:
    def test_an_ask_waits_for_enough_gives(self):
        plan = make_plan(daily("a ggggggggg"), SOON)
        slot = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-03 00:00"))
        assert slot.slot == utc("2026-06-11 09:00")
        assert slot.reason == "An ask fits on Thu 11 Jun at 09:00: 9 gives since the last ask."
        assert slot.as_dict() == {"slot": "2026-06-11T09:00:00Z", "reason": slot.reason}

    def test_a_give_fits_at_the_first_time_tried(self):
        plan = make_plan(daily("a g"), SOON)
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-02 08:00"))
        assert slot.slot == utc("2026-06-02 09:00")
        assert slot.reason == "A give fits on Tue 2 Jun at 09:00."
        with_category = next_slot(
            plan, channel_id="c1", kind="give", category="help", after=utc("2026-06-02 08:00")
        )
        assert with_category.reason == "A help post fits on Tue 2 Jun at 09:00."

    def test_times_before_after_are_skipped(self):
        plan = make_plan(daily("g"), SOON)
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-02 09:01"))
        assert slot.slot == utc("2026-06-03 09:00")

    def test_nine_oclock_is_local_time(self):
        plan = make_plan(daily("g"), SOON, timezone=BERLIN)
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-02 00:00"))
        assert slot.slot == local("2026-06-02 09:00") == utc("2026-06-02 07:00")

    def test_the_channels_own_posting_times(self):
        channel = ChannelFact("c1", posting_times=(time(17, 30), time(8, 15)))
        plan = make_plan(daily("g"), SOON, channels=[channel])
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-02 10:00"))
        assert slot.slot == utc("2026-06-02 17:30")
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-02 18:00"))
        assert slot.slot == utc("2026-06-03 08:15")

    def test_a_hypothetical_post_comes_after_a_post_at_the_same_moment(self):
        posts = series("a ggggggggg", utc("2026-06-01 09:00"), step=DAY)
        plan = make_plan(posts, SOON)
        slot = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-10 09:00"))
        # The ninth give is planned for 10 June 09:00; the ask goes right after it.
        assert slot.slot == utc("2026-06-10 09:00")

    def test_a_first_ask_says_so(self):
        plan = make_plan(daily("gggggggg"), params(min_gives_before_first_ask=8))
        slot = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-08 10:00"))
        assert slot.slot == utc("2026-06-09 09:00")
        assert slot.reason == (
            "An ask fits on Tue 9 Jun at 09:00: the channel's first ask, after 8 gives."
        )

    def test_info_findings_do_not_block(self):
        plan = make_plan(daily("a g"), SOON, severities={"ask_too_soon": "info"})
        slot = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-02 00:00"))
        assert slot.slot == utc("2026-06-02 09:00")


class TestNoSlot:
    def test_the_reason_says_how_many_gives_to_plan(self):
        plan = make_plan(daily("a ggg"), SOON)
        slot = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-02 00:00"))
        assert slot.slot is None
        assert slot.reason == "Plan 6 more gives first: the rhythm asks for 9 gives between asks."

    def test_an_ask_that_would_crowd_a_later_ask_does_not_fit(self):
        # Ten gives after the first ask, but a planned ask on day 18 would then
        # follow the new ask after fewer than nine gives.
        plan = make_plan(daily("a" + "g" * 17 + "a"), SOON)
        slot = next_slot(
            plan, channel_id="c1", kind="ask", after=utc("2026-06-11 00:00"), horizon_days=5
        )
        assert slot.slot is None

    def test_listening_explains_itself(self):
        channel = ChannelFact("c1", started_on=NOON.date())
        plan = make_plan(daily("g"), params(listen_days=30), channels=[channel])
        slot = next_slot(
            plan, channel_id="c1", kind="ask", after=utc("2026-06-02 00:00"), horizon_days=10
        )
        assert slot.slot is None
        assert slot.reason == "The channel is still listening: asks fit from Wed 1 Jul."

    def test_nothing_to_try(self):
        plan = make_plan(daily("g"), SOON)
        slot = next_slot(
            plan, channel_id="c1", kind="give", after=utc("2026-06-02 10:00"), horizon_days=0
        )
        assert slot.slot is None
        assert slot.reason.startswith("No posting time to try")

    def test_other_blockers_quote_the_finding(self):
        rules = params(max_posts_per_day=1)
        posts = [
            PostFact(f"row-{i:06d}", "c1", utc("2026-06-01 12:00") + i * DAY, "give")
            for i in range(10)
        ]
        plan = make_plan(posts, rules)
        slot = next_slot(
            plan, channel_id="c1", kind="give", after=utc("2026-06-01 00:00"), horizon_days=3
        )
        assert slot.slot is None
        assert slot.reason.startswith("No time for a give fits in the days tried")
        assert "the rhythm allows 1 a day" in slot.reason


class TestSilence:
    rules = params(max_gap_days=7)

    def test_a_channel_gone_quiet_still_gets_a_slot(self):
        plan = make_plan(daily("g"), self.rules)
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-20 00:00"))
        assert slot.slot == utc("2026-06-20 09:00")

    def test_a_post_inside_a_silent_gap_only_shortens_it(self):
        posts = daily("g") + series("g", utc("2026-06-25 12:00"), first_row=1)
        plan = make_plan(posts, self.rules)
        slot = next_slot(plan, channel_id="c1", kind="give", after=utc("2026-06-03 00:00"))
        assert slot.slot == utc("2026-06-03 09:00")

    def test_a_post_that_opens_a_new_silence_does_not_fit(self):
        # Asks fit from 10 June, more than seven days after the last post: asked
        # on 2 June, while the channel isn't silent yet, that would open a gap.
        channel = ChannelFact("c1", started_on=NOON.date())
        rules = params(max_gap_days=7, listen_days=9)
        plan = make_plan(daily("g"), rules, channels=[channel])
        early = next_slot(
            plan, channel_id="c1", kind="ask", after=utc("2026-06-02 00:00"), horizon_days=12
        )
        assert early.slot is None
        assert early.reason.startswith("No time for an ask fits in the days tried; at the last")
        assert "silent" in early.reason
        # Asked once the gap has passed its limit, the silence is already there.
        late = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-09 00:00"))
        assert late.slot == utc("2026-06-10 09:00")


class TestChecks:
    plan = make_plan(daily("g"), build_params("beth_dunn"))

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"kind": "promo"}, "kind"),
            ({"kind": "give", "category": "sale"}, "category"),
            ({"kind": "give", "after": NOON.replace(tzinfo=None)}, "after"),
            ({"kind": "give", "horizon_days": -1}, "horizon_days"),
        ],
    )
    def test_bad_questions_are_invalid(self, kwargs, field):
        kwargs = {"after": NOON, **kwargs}
        with pytest.raises(Invalid) as caught:
            next_slot(self.plan, channel_id="c1", **kwargs)
        assert caught.value.errors[0].field == field

    def test_other_channels_do_not_matter(self):
        busy = [
            PostFact(f"x-{i}", "other", NOON + i * timedelta(minutes=1), "ask") for i in range(50)
        ]
        plan = make_plan([*daily("a ggggggggg"), *busy], SOON)
        slot = next_slot(plan, channel_id="c1", kind="ask", after=utc("2026-06-03 00:00"))
        assert slot.slot == utc("2026-06-11 09:00")
