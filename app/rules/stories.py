"""The story rules: a story's episodes in order, at a steady pace, with the payoff
after enough giving. A story may run across channels; a finding belongs to the
channel of the post it flags (the first post it names)."""

from __future__ import annotations

from collections.abc import Sequence

from app.rules.facts import PostFact, StoryFact
from app.rules.hits import Hit
from app.rules.timeline import DAY, Timeline


class StoryPosts:
    """One story's posts in plan order, with their moments."""

    __slots__ = ("moments", "posts", "story")

    def __init__(self, story: StoryFact, posts: Sequence[tuple[float, PostFact]]) -> None:
        ordered = sorted(posts, key=lambda pair: (pair[0], pair[1].id))
        self.story = story
        self.moments = [moment for moment, _ in ordered]
        self.posts = [post for _, post in ordered]


def story_hits(story: StoryPosts, timeline: Timeline) -> list[Hit]:
    fact = story.story
    hits = out_of_order(story)
    if fact.max_gap_days is not None:
        hits += gaps(story, timeline, fact.max_gap_days, stalled=True)
    if fact.min_gap_days is not None:
        hits += gaps(story, timeline, fact.min_gap_days, stalled=False)
    if fact.min_gives_before_ask is not None:
        hits += ask_before_payoff(story, fact.min_gives_before_ask)
    return hits


def _groups_of_equal_moments(moments: list[float]) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of posts planned at the same moment."""
    groups = []
    start = 0
    for at in range(1, len(moments) + 1):
        if at == len(moments) or moments[at] != moments[start]:
            groups.append((start, at))
            start = at
    return groups


def out_of_order(story: StoryPosts) -> list[Hit]:
    """Flag each numbered episode planned strictly before an episode with a lower
    number, citing the lowest such number (the earliest of equals). Episodes at
    the same moment are not before one another."""
    hits: list[Hit] = []
    moments, posts = story.moments, story.posts
    lowest_later: PostFact | None = None
    lowest_moment = 0.0
    for start, stop in reversed(_groups_of_equal_moments(moments)):
        group = [posts[at] for at in range(start, stop) if posts[at].episode is not None]
        for post in group:
            if lowest_later is not None and _episode(lowest_later) < _episode(post):
                moment = moments[start]
                details = {
                    "episode": post.episode,
                    "lower_episode": lowest_later.episode,
                    "lower_episode_post_id": lowest_later.id,
                }
                hits.append(
                    Hit(
                        moment,
                        "story_out_of_order",
                        (post.id,),
                        post.channel_id,
                        story.story.id,
                        moment,
                        details,
                        lowest_moment,
                    )
                )
        for post in group:
            if lowest_later is None or _episode(post) <= _episode(lowest_later):
                lowest_later, lowest_moment = post, moments[start]
    hits.reverse()
    return hits


def _episode(post: PostFact) -> int:
    return post.episode if post.episode is not None else 0


def gaps(story: StoryPosts, timeline: Timeline, days: float, *, stalled: bool) -> list[Hit]:
    """``story_stalled``: more than ``days`` between episodes that follow each
    other; ``story_rushed``: less. Days are local wall-clock days, as for posts."""
    moments, posts = story.moments, story.posts
    if len(moments) < 2:
        return []
    limits = timeline.shifted(moments, days)
    code = "story_stalled" if stalled else "story_rushed"
    limit_name = "max_gap_days" if stalled else "min_gap_days"
    hits = []
    for at in range(len(moments) - 1):
        later, limit = moments[at + 1], limits[at]
        if (later > limit) if stalled else (later < limit):
            first, second = posts[at], posts[at + 1]
            gap = (timeline.local(later) - timeline.local(moments[at])) / DAY
            details = {
                "gap_days": round(gap, 2),
                limit_name: days,
                "from_episode": first.episode,
                "to_episode": second.episode,
            }
            hits.append(
                Hit(
                    moments[at],
                    code,
                    (first.id, second.id),
                    first.channel_id,
                    story.story.id,
                    later,
                    details,
                )
            )
    return hits


def ask_before_payoff(story: StoryPosts, required: int) -> list[Hit]:
    """Each ask episode with fewer than ``required`` give episodes planned
    strictly before it in the same story."""
    hits = []
    moments, posts = story.moments, story.posts
    gives = 0
    for start, stop in _groups_of_equal_moments(moments):
        group = posts[start:stop]
        for post in group:
            if post.kind == "ask" and gives < required:
                moment = moments[start]
                details = {"gives_before": gives, "required": required}
                hits.append(
                    Hit(
                        moment,
                        "story_ask_before_payoff",
                        (post.id,),
                        post.channel_id,
                        story.story.id,
                        moment,
                        details,
                    )
                )
        gives += sum(1 for post in group if post.kind != "ask")
    return hits
