from datetime import timedelta

from app.rules import PostFact, StoryFact, analyse

from .builders import make_plan, params, utc

START = utc("2026-06-01 09:00")
DAY = timedelta(days=1)
LAUNCH = "launch"


def episode(row, day, number=None, kind="give", channel="c1", story=LAUNCH, extra=timedelta(0)):
    at = START + day * DAY + extra
    return PostFact(f"row-{row:06d}", channel, at, kind, None, story, number)


def story_findings(posts, **story_fields):
    story = StoryFact(LAUNCH, "Launch", **story_fields)
    return analyse(make_plan(posts, params(), stories=[story]))


class TestStoryOutOfOrder:
    def test_episodes_in_number_order_are_fine(self):
        assert story_findings([episode(0, 0, 1), episode(1, 1, 2), episode(2, 2, 3)]) == []

    def test_an_episode_before_a_lower_number_is_flagged(self):
        posts = [episode(0, 0, 2), episode(1, 1, 3), episode(2, 2, 1)]
        found = story_findings(posts)
        assert [(f.code, f.post_ids) for f in found] == [
            ("story_out_of_order", ("row-000000",)),
            ("story_out_of_order", ("row-000001",)),
        ]
        first = found[0]
        assert first.story_id == LAUNCH
        assert first.channel_id == "c1"
        assert dict(first.details) == {
            "episode": 2,
            "lower_episode": 1,
            "lower_episode_post_id": "row-000002",
        }
        assert first.message == (
            'Episode 2 of "Launch" goes out on Mon 1 Jun, before episode 1 on Wed 3 Jun.'
        )

    def test_episodes_at_the_same_moment_are_not_before_each_other(self):
        assert story_findings([episode(0, 0, 2), episode(1, 0, 1)]) == []

    def test_posts_without_a_number_are_left_out(self):
        assert story_findings([episode(0, 0, 2), episode(1, 1), episode(2, 2, 3)]) == []


class TestStoryStalledAndRushed:
    def test_exactly_the_longest_gap_is_fine(self):
        assert story_findings([episode(0, 0, 1), episode(1, 3, 2)], max_gap_days=3) == []

    def test_a_longer_gap_stalls_the_story(self):
        posts = [episode(0, 0, 1), episode(1, 3, 2, extra=timedelta(minutes=1))]
        (finding,) = story_findings(posts, max_gap_days=3)
        assert finding.code == "story_stalled"
        assert finding.post_ids == ("row-000000", "row-000001")
        assert dict(finding.details) == {
            "gap_days": 3.0,
            "max_gap_days": 3,
            "from_episode": 1,
            "to_episode": 2,
        }
        assert finding.message == (
            '"Launch" stalls for 3 days and 1 minute between episode 1 on Mon 1 Jun and '
            "episode 2 on Thu 4 Jun; the story allows up to 3 days."
        )

    def test_gaps_are_between_neighbours_in_time_not_in_number(self):
        # By number 1 -> 2 is four days, but in time each gap is two.
        posts = [episode(0, 0, 1), episode(1, 2, 3), episode(2, 4, 2)]
        found = story_findings(posts, max_gap_days=2)
        assert [f.code for f in found] == ["story_out_of_order"]

    def test_a_shorter_gap_rushes_it_and_days_may_be_fractional(self):
        posts = [episode(0, 0, 1), episode(1, 2, 2), episode(2, 3, 3, extra=timedelta(hours=11))]
        (finding,) = story_findings(posts, min_gap_days=1.5)
        assert finding.code == "story_rushed"
        assert finding.post_ids == ("row-000001", "row-000002")
        assert finding.details["gap_days"] == 1.46
        assert finding.message == (
            '"Launch" rushes on: only 1 day and 11 hours between episode 2 on Wed 3 Jun and '
            "episode 3 on Thu 4 Jun; the story asks for at least 1.5 days."
        )
        on_the_limit = [episode(0, 0, 1), episode(1, 1, 2, extra=timedelta(hours=12))]
        assert story_findings(on_the_limit, min_gap_days=1.5) == []

    def test_a_story_across_channels_belongs_to_the_flagged_post_channel(self):
        posts = [episode(0, 0, 1, channel="blog"), episode(1, 9, 2, channel="linkedin")]
        (finding,) = story_findings(posts, max_gap_days=7)
        assert finding.channel_id == "blog"


class TestStoryAskBeforePayoff:
    def test_enough_gives_first_is_fine(self):
        posts = [episode(0, 0, 1), episode(1, 1, 2), episode(2, 2, 3, kind="ask")]
        assert story_findings(posts, min_gives_before_ask=2) == []

    def test_an_early_ask_is_flagged(self):
        posts = [episode(0, 0, 1), episode(1, 1, 2, kind="ask"), episode(2, 2, 3)]
        (finding,) = story_findings(posts, min_gives_before_ask=2)
        assert finding.code == "story_ask_before_payoff"
        assert finding.post_ids == ("row-000001",)
        assert dict(finding.details) == {"gives_before": 1, "required": 2}
        assert finding.message == (
            'The ask in "Launch" on Tue 2 Jun comes after only 1 give episode; '
            "the story asks for 2 first."
        )

    def test_a_give_at_the_same_moment_does_not_count(self):
        posts = [episode(0, 0, 1), episode(1, 1, 2), episode(2, 1, 3, kind="ask")]
        (finding,) = story_findings(posts, min_gives_before_ask=2)
        assert finding.details["gives_before"] == 1


class TestUnknownStories:
    def test_posts_of_a_story_not_in_the_plan_are_skipped(self):
        posts = [episode(0, 0, 2, story="elsewhere"), episode(1, 1, 1, story="elsewhere")]
        assert story_findings(posts, max_gap_days=0.5) == []
