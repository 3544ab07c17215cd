"""One channel's plan as parallel lists, the shape every channel rule reads."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from operator import attrgetter, lt

from app.rules.facts import PostFact
from app.rules.timeline import Timeline

_at = attrgetter("at")
_kind = attrgetter("kind")
_category = attrgetter("category")


def moments_of(posts: Sequence[PostFact]) -> list[float]:
    """Epoch seconds of each post, in the given order."""
    return list(map(datetime.timestamp, map(_at, posts)))


def kinds_of(posts: Sequence[PostFact]) -> list[str]:
    return list(map(_kind, posts))


class ChannelPosts:
    """A channel's posts in plan order (``(at, id)``), with their moments (epoch
    seconds) and kinds alongside, and what the rules derive from them, each
    worked out once on first use.

    The posts themselves stay in the plan's own sequence (``source``); the
    channel keeps their positions there (``index``), in plan order. An array of
    positions is no work for the garbage collector, unlike a list of posts.
    """

    __slots__ = (
        "_asks",
        "_categories",
        "_locals",
        "_shifted",
        "channel_id",
        "distinct",
        "index",
        "kinds",
        "moments",
        "source",
        "timeline",
    )

    def __init__(
        self,
        channel_id: str,
        source: Sequence[PostFact],
        index: Sequence[int],
        moments: list[float],
        kinds: list[str],
        timeline: Timeline,
    ) -> None:
        index, moments, kinds, distinct = _plan_order(source, index, moments, kinds)
        self.channel_id = channel_id
        self.source = source
        self.index = index
        self.moments = moments
        self.kinds = kinds
        self.timeline = timeline
        # No two posts at the same moment: then a window starting at a post
        # starts at that post's position, which saves a search per window.
        self.distinct = distinct
        self._asks: list[int] | None = None
        self._locals: list[float] | None = None
        self._categories: list[str | None] | None = None
        self._shifted: dict[float, list[float]] = {}

    @classmethod
    def of(cls, channel_id: str, posts: Sequence[PostFact], timeline: Timeline) -> ChannelPosts:
        chosen = list(posts)
        return cls(
            channel_id, chosen, range(len(chosen)), moments_of(chosen), kinds_of(chosen), timeline
        )

    def __len__(self) -> int:
        return len(self.moments)

    @property
    def posts(self) -> list[PostFact]:
        """The posts in plan order."""
        return list(map(self.source.__getitem__, self.index))

    def post(self, at: int) -> PostFact:
        return self.source[self.index[at]]

    def id_of(self, at: int) -> str:
        return self.source[self.index[at]].id

    def ids(self, positions: Iterable[int]) -> tuple[str, ...]:
        source, index = self.source, self.index
        return tuple([source[index[at]].id for at in positions])

    @property
    def asks(self) -> list[int]:
        """Positions of the asks, in plan order."""
        if self._asks is None:
            self._asks = [i for i, kind in enumerate(self.kinds) if kind == "ask"]
        return self._asks

    @property
    def locals(self) -> list[float]:
        if self._locals is None:
            self._locals = self.timeline.locals(self.moments)
        return self._locals

    @property
    def categories(self) -> list[str | None]:
        if self._categories is None:
            self._categories = list(map(_category, map(self.source.__getitem__, self.index)))
        return self._categories

    def shifted(self, days: float) -> list[float]:
        """Each post's moment plus ``days`` on the local wall clock."""
        found = self._shifted.get(days)
        if found is None:
            found = self._shifted[days] = self.timeline.shifted(self.moments, days)
        return found

    def with_post(self, post: PostFact, moment: float) -> ChannelPosts:
        """The same channel with one more post, placed in plan order."""
        at = bisect_right(self.moments, moment)
        while at and self.moments[at - 1] == moment and self.id_of(at - 1) > post.id:
            at -= 1
        posts = self.posts
        posts.insert(at, post)
        return ChannelPosts(
            self.channel_id,
            posts,
            range(len(posts)),
            [*self.moments[:at], moment, *self.moments[at:]],
            [*self.kinds[:at], post.kind, *self.kinds[at:]],
            self.timeline,
        )


def _plan_order(
    source: Sequence[PostFact], index: Sequence[int], moments: list[float], kinds: list[str]
) -> tuple[Sequence[int], list[float], list[str], bool]:
    """Sort into plan order. Plans mostly arrive sorted by time, so check first:
    comparing floats is far cheaper than sorting on ``(at, id)`` tuples."""
    count = len(moments)
    if all(map(lt, moments, islice(moments, 1, None))):
        return index, moments, kinds, True
    if sorted(moments) != moments:
        order = sorted(range(count), key=moments.__getitem__)
        index = array("q", map(index.__getitem__, order))
        moments = list(map(moments.__getitem__, order))
        kinds = list(map(kinds.__getitem__, order))
    distinct = len(set(moments)) == count
    if not distinct:
        index, kinds = _order_ties_by_id(source, index, moments, kinds)
    return index, moments, kinds, distinct


def _order_ties_by_id(
    source: Sequence[PostFact], index: Sequence[int], moments: list[float], kinds: list[str]
) -> tuple[Sequence[int], list[str]]:
    index, kinds = array("q", index), list(kinds)
    count = len(moments)
    start = 0
    while start < count:
        stop = start + 1
        while stop < count and moments[stop] == moments[start]:
            stop += 1
        if stop - start > 1:
            tied = sorted(range(start, stop), key=lambda i: source[index[i]].id)
            index[start:stop] = array("q", [index[i] for i in tied])
            kinds[start:stop] = [kinds[i] for i in tied]
        start = stop
    return index, kinds
