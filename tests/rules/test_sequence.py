from datetime import date, timedelta

from app.rules import ChannelFact, analyse

from .builders import BERLIN, codes, local, make_plan, of_code, params, series, utc

START = utc("2026-03-02 09:00")


def findings_for(pattern, rules, channel=None, **kwargs):
    posts = series(pattern, START, **kwargs)
    channels = [channel] if channel is not None else None
    return analyse(make_plan(posts, rules, channels=channels))


class TestAskTooEarly:
    rules = params(min_gives_before_first_ask=8)

    def test_eight_gives_then_an_ask_is_fine(self):
        assert findings_for("gggggggg a", self.rules) == []

    def test_seven_gives_then_an_ask_is_one_finding(self):
        (finding,) = findings_for("ggggggg a", self.rules)
        assert finding.code == "ask_too_early"
        assert finding.post_ids == ("row-000007",)
        assert finding.start == finding.end == START + timedelta(hours=12 * 7)
        assert dict(finding.details) == {"gives_before_first_ask": 7, "required": 8}
        assert finding.message == (
            "Only 7 gives before the channel's first ask on Thu 5 Mar; the rhythm asks for 8."
        )

    def test_only_the_first_ask_is_judged(self):
        found = findings_for("gg a a a", self.rules)
        assert [f.post_ids for f in found] == [("row-000002",)]

    def test_carried_in_gives_count(self):
        channel = ChannelFact("c1", gives_before=5)
        assert findings_for("ggg a", self.rules, channel) == []
        channel = ChannelFact("c1", gives_before=4)
        (finding,) = findings_for("ggg a", self.rules, channel)
        assert finding.details["gives_before_first_ask"] == 7

    def test_an_ask_before_the_posts_given_means_this_is_not_the_first(self):
        channel = ChannelFact("c1", asked_before=True)
        assert findings_for("a", self.rules, channel) == []


class TestAskTooSoon:
    rules = params(min_gives_between_asks=9)

    def test_nine_gives_between_asks_is_fine(self):
        assert findings_for("a ggggggggg a", self.rules) == []

    def test_eight_gives_between_asks_is_one_finding(self):
        (finding,) = findings_for("a gggggggg a", self.rules)
        assert finding.code == "ask_too_soon"
        assert finding.post_ids == ("row-000009",)
        assert dict(finding.details) == {
            "gives_since_last_ask": 8,
            "required": 9,
            "previous_ask_id": "row-000000",
        }
        assert finding.message == (
            "Only 8 gives since the last ask on Mon 2 Mar; the rhythm asks for 9."
        )

    def test_the_first_ask_has_no_previous_ask(self):
        assert findings_for("a", self.rules) == []

    def test_two_asks_in_a_row(self):
        (finding,) = findings_for("a a", self.rules)
        assert finding.details["gives_since_last_ask"] == 0
        assert finding.message.startswith("No gives since the last ask on Mon 2 Mar")

    def test_each_ask_counts_from_the_one_before(self):
        found = findings_for("a ggg a ggggggggg a g a", self.rules)
        assert [(f.post_ids, f.details["gives_since_last_ask"]) for f in found] == [
            (("row-000004",), 3),
            (("row-000016",), 1),
        ]

    def test_carry_in_counts_gives_before_the_first_given_ask(self):
        channel = ChannelFact("c1", asked_before=True, gives_before=6)
        (finding,) = findings_for("gg a", self.rules, channel)
        assert finding.details == {
            "gives_since_last_ask": 8,
            "required": 9,
            "previous_ask_id": None,
        }
        assert finding.message == "Only 8 gives since the last ask; the rhythm asks for 9."
        channel = ChannelFact("c1", asked_before=True, gives_before=7)
        assert findings_for("gg a", self.rules, channel) == []

    def test_zero_required_never_fires(self):
        assert findings_for("a a a", params(min_gives_between_asks=0)) == []


class TestAskDuringListening:
    rules = params(listen_days=14)

    def test_an_ask_before_start_plus_listen_days_is_flagged(self):
        channel = ChannelFact("c1", started_on=date(2026, 3, 2))
        posts = series("a", utc("2026-03-15 22:59"))
        (finding,) = analyse(make_plan(posts, self.rules, channels=[channel]))
        assert finding.code == "ask_during_listening"
        assert dict(finding.details) == {
            "listen_days": 14,
            "channel_started_on": "2026-03-02",
            "asks_from": "2026-03-16",
        }
        assert finding.message == (
            "Ask on Sun 15 Mar comes while the channel is still listening: it started on "
            "Mon 2 Mar and listens for 14 days, so asks fit from Mon 16 Mar."
        )

    def test_an_ask_on_the_first_allowed_date_is_fine(self):
        channel = ChannelFact("c1", started_on=date(2026, 3, 2))
        posts = series("a", utc("2026-03-16 00:00"))
        assert analyse(make_plan(posts, self.rules, channels=[channel])) == []

    def test_listening_compares_local_dates(self):
        # 23:30 UTC on 15 Mar is already 16 Mar in Berlin.
        channel = ChannelFact("c1", started_on=date(2026, 3, 2))
        posts = series("a", utc("2026-03-15 23:30"))
        plan = make_plan(posts, self.rules, channels=[channel], timezone=BERLIN)
        assert analyse(plan) == []
        utc_plan = make_plan(posts, self.rules, channels=[channel], timezone="UTC")
        assert codes(analyse(utc_plan)) == ["ask_during_listening"]

    def test_without_a_start_date_the_first_post_starts_the_channel(self):
        posts = series("g", local("2026-03-02 23:30")) + series(
            "a a", local("2026-03-15 23:00"), first_row=1, step=timedelta(hours=1)
        )
        plan = make_plan(posts, self.rules, timezone=BERLIN)
        found = analyse(plan)
        assert [f.post_ids for f in found] == [("row-000001",)]
        assert found[0].details["channel_started_on"] == "2026-03-02"

    def test_a_channel_missing_from_the_plan_has_no_listening_check(self):
        posts = series("a", START)
        assert analyse(make_plan(posts, self.rules, channels=[])) == []
        assert codes(analyse(make_plan(posts, self.rules))) == ["ask_during_listening"]


class TestNoAskLately:
    rules = params(max_gives_without_ask=5)

    def test_four_gives_in_a_row_is_fine(self):
        assert findings_for("a gggg a gggg", self.rules) == []

    def test_the_give_that_reaches_the_limit_is_named_once_per_streak(self):
        found = findings_for("a ggggggg a ggggg", self.rules)
        assert [f.post_ids for f in found] == [("row-000005",), ("row-000013",)]
        assert found[0].severity == "info"
        assert dict(found[0].details) == {
            "max_gives_without_ask": 5,
            "streak_length": 7,
            "last_ask_id": "row-000000",
        }
        assert found[0].message == (
            "5 gives in a row without an ask by Wed 4 Mar: never asking is a missed chance "
            "too, so plan an ask. The streak runs to 7 gives."
        )

    def test_carried_in_gives_start_the_first_streak(self):
        channel = ChannelFact("c1", asked_before=True, gives_before=3)
        (finding,) = findings_for("gg a", self.rules, channel)
        assert finding.post_ids == ("row-000001",)
        assert finding.details["last_ask_id"] is None
        # The streak counts from the channel's start when it never asked.
        channel = ChannelFact("c1", gives_before=3)
        (finding,) = findings_for("ggg", self.rules, channel)
        assert finding.post_ids == ("row-000001",)

    def test_a_streak_already_complete_before_the_posts_given_is_not_repeated(self):
        channel = ChannelFact("c1", asked_before=True, gives_before=5)
        assert findings_for("ggg a gggg", self.rules, channel) == []


class TestEachCodeOnItsOwn:
    def test_one_ask_carries_several_codes(self):
        rules = params(listen_days=14, min_gives_before_first_ask=8)
        channel = ChannelFact("c1", started_on=date(2026, 3, 2))
        found = findings_for("gg a", rules, channel)
        assert sorted(codes(found)) == ["ask_during_listening", "ask_too_early"]
        assert {f.post_ids for f in found} == {("row-000002",)}

    def test_other_kinds_of_rule_are_silent_when_off(self):
        found = findings_for("a a a a a a", params())
        assert found == []
        assert of_code(findings_for("a a", params(min_gives_between_asks=1)), "ask_too_soon")
