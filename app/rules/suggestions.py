"""Suggestions: concrete fixes for findings, each checked by what-if first.

For every finding the search tries a few kinds of fix, best first, and keeps a
fix only when the plan with its changes applied, analysed without a range (the
trailing silence still measured to the range's end), no longer has the
finding's key and has no new key of a ``warning`` or ``blocking`` finding.

What is tried, by code:

- a single ask (``ask_during_listening``, ``ask_too_early``, ``ask_too_soon``,
  ``story_ask_before_payoff``): move it to the next candidate time after it;
  swap it with one of the next later gives of its channel; turn it into a give
  (a last resort, and the suggestion says so);
- ``ask_density`` and ``ask_run``: move the fewest asks, the latest first, each
  to the next candidate time where it is named by no new serious finding, until
  the stretch is gone; else turn the fewest asks into gives (last resort);
- ``too_many_posts_per_day``: move the day's last posts to later days, the
  same way;
- ``posts_too_close``: move the later post of the pair, else the earlier one;
- ``channel_silent``: plan gives in the gap, each as late as still keeps the
  gap before it within the limit;
- ``category_mix``, ``broadcast_only``: give the latest gives of the span the
  category that is short;
- ``no_ask_lately``: plan an ask before the give that completes the streak;
- story codes: move the episode out of order after the episodes numbered
  below it; bring the episode after a stall closer (or the one before it
  later); move a rushed episode later.

Bounds keep a week's findings cheap: candidate times are those of next slot
(the channel's posting times, else 09:00 local, each day) from the post's time
up to ``horizon_days`` later; at most ``max_trials`` what-if runs per finding,
``max_posts`` posts changed by one suggestion and ``max_swaps`` gives tried for
a swap. A what-if run analyses only the channels and stories the finding and
the changes touch. Only posts at or after ``now`` change, and never to a time
before it; a locked (published) post is never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from app.rules.channel import ChannelPosts
from app.rules.checks import channel_hits
from app.rules.engine import analyse
from app.rules.facts import (
    GIVE_CATEGORIES,
    RULE_CODES,
    ChannelFact,
    Finding,
    Plan,
    PostFact,
    StoryFact,
    rfc3339,
)
from app.rules.hits import Hit
from app.rules.messages import ENGLISH, Speech, Words
from app.rules.slots import candidate_moments
from app.rules.stories import StoryPosts, story_hits
from app.rules.timeline import Timeline

Action = Literal["move", "update", "delete", "create"]
Key = tuple[str, str, str | None, tuple[str, ...]]

# Posts a suggestion plans get these ids: "~" sorts after every real id, as a
# saved post (a newer UUIDv7) sorts after the posts already at its time.
SUGGESTED_POST_ID = "~suggested"


@dataclass(frozen=True, slots=True)
class Change:
    """One change to the plan: ``move`` (patch ``scheduled_at``), ``update``
    (patch of post fields), ``delete``, or ``create`` (patch of the new post,
    ``post_id`` ``None``)."""

    action: Action
    post_id: str | None
    patch: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "post_id": self.post_id,
            "patch": {
                name: rfc3339(value) if isinstance(value, datetime) else value
                for name, value in self.patch.items()
            },
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    summary: str
    changes: tuple[Change, ...]
    last_resort: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "changes": [change.as_dict() for change in self.changes],
            "last_resort": self.last_resort,
        }


@dataclass(frozen=True, slots=True)
class Limits:
    """How far the search goes for one finding."""

    horizon_days: int = 21
    max_trials: int = 60
    max_posts: int = 6
    max_swaps: int = 4
    max_suggestions: int = 3


def suggest(
    plan: Plan,
    findings: Iterable[Finding] | None = None,
    *,
    now: datetime,
    limits: Limits = Limits(),
    speech: Speech = ENGLISH,
) -> dict[Key, list[Suggestion]]:
    """Verified fixes for each finding (default: every finding of the plan), best
    first, by finding key. A finding the plan doesn't have gets none."""
    search = _Search(plan, now, limits, speech)
    chosen = analyse(plan) if findings is None else findings
    return {finding.key: search.suggestions(finding) for finding in chosen}


PARTED = frozenset({"ask_density", "ask_run"})


def suggest_parts(
    plan: Plan,
    parts: Iterable[tuple[Finding, datetime, datetime]],
    *,
    now: datetime,
    limits: Limits = Limits(),
    speech: Speech = ENGLISH,
) -> dict[tuple[Key, datetime], list[Suggestion]]:
    """Verified fixes for a part of a long density stretch or run: each
    ``(finding, start, end)`` asks for the changes that take the finding's asks
    inside ``[start, end)`` (a week, say) out of it, by key and part start.

    Such a fix leaves no ask of the part named by the finding or by what is left
    of it, moves no ask into what is left, and adds no serious finding but
    smaller versions of those the plan has. The rest of the stretch may stay:
    asks already published or past can keep it alive, and then this is the
    most that changing the plan ahead can do."""
    search = _Search(plan, now, limits, speech)
    found: dict[tuple[Key, datetime], list[Suggestion]] = {}
    for finding, start, end in parts:
        found[(finding.key, start)] = search.part_suggestions(finding, start, end)
    return found


def apply_changes(posts: Sequence[PostFact], changes: Iterable[Change]) -> list[PostFact]:
    """The posts with the changes made, in the order given; new posts at the end,
    named ``~suggested-1``, ``~suggested-2``…"""
    by_id = {post.id: post for post in posts}
    created: list[PostFact] = []
    for change in changes:
        if change.action == "create":
            patch = change.patch
            created.append(
                PostFact(
                    f"{SUGGESTED_POST_ID}-{len(created) + 1}",
                    patch["channel_id"],
                    patch["scheduled_at"],
                    patch.get("kind", "give"),
                    patch.get("category"),
                    patch.get("story_id"),
                    patch.get("episode"),
                )
            )
            continue
        if change.post_id not in by_id:
            continue
        if change.action == "delete":
            del by_id[change.post_id]
        else:
            by_id[change.post_id] = _patched(by_id[change.post_id], change.patch)
    return [*by_id.values(), *created]


def apply_to_plan(plan: Plan, changes: Iterable[Change]) -> Plan:
    return replace(plan, posts=apply_changes(plan.posts, changes))


_FIELDS = {
    "scheduled_at": "at",
    "channel_id": "channel_id",
    "kind": "kind",
    "category": "category",
    "story_id": "story_id",
    "episode": "episode",
}


def _patched(post: PostFact, patch: Mapping[str, Any]) -> PostFact:
    values = {_FIELDS[name]: value for name, value in patch.items() if name in _FIELDS}
    return replace(post, **values)


class _OutOfTrials(Exception):
    pass


# Codes whose findings span several posts and merge: one that names only posts
# an existing finding of the code names is that finding made smaller.
SHRINKING = frozenset({"ask_density", "ask_run", "category_mix", "broadcast_only",
                       "too_many_posts_per_day"})


class _Baseline:
    """The hits of the plan as it is, for one scope."""

    def __init__(self, hits: Iterable[Hit]) -> None:
        self.keys: set[Key] = set()
        self.spans: dict[tuple[str, str], list[frozenset[str]]] = {}
        for hit in hits:
            self.keys.add(hit.key)
            if hit.code in SHRINKING:
                self.spans.setdefault((hit.code, hit.channel_id), []).append(
                    frozenset(hit.post_ids))

    def shrunk(self, hit: Hit) -> bool:
        """Whether a hit is one of the plan's findings made smaller: same code and
        channel, naming only posts that finding names."""
        return any(span.issuperset(hit.post_ids)
                   for span in self.spans.get((hit.code, hit.channel_id), ()))


@dataclass(frozen=True, slots=True)
class Outcome:
    """A what-if: is the finding still there, which of its posts a smaller
    version of it still names (``left``), and the new serious hits (``added``);
    a smaller version of another finding is not new."""

    present: bool
    added: list[Hit]
    left: frozenset[str]
    # Every post a finding of the same code and channel names, whatever its severity.
    kin: frozenset[str] = frozenset()
    # Every post a serious finding of an ask_* code names, new or not: an ask
    # moved where it is still too soon is no fix for it.
    flagged: frozenset[str] = frozenset()

    @property
    def fixed(self) -> bool:
        return not self.present and not self.left and not self.added


class _Search:
    def __init__(self, plan: Plan, now: datetime, limits: Limits,
                 speech: Speech = ENGLISH) -> None:
        self.plan = plan
        self.limits = limits
        self.now = now.timestamp()
        self.timeline = Timeline(plan.timezone)
        self.words = Words(self.timeline, speech=speech)
        self.posts = {post.id: post for post in plan.posts}
        self.order = {post_id: at for at, post_id in enumerate(sorted(
            self.posts, key=lambda pid: (self.posts[pid].at, pid)))}
        self.by_channel: dict[str, list[PostFact]] = {}
        self.by_story: dict[str, list[PostFact]] = {}
        for post in plan.posts:
            self.by_channel.setdefault(post.channel_id, []).append(post)
            if post.story_id is not None:
                self.by_story.setdefault(post.story_id, []).append(post)
        self.channels: dict[str, ChannelFact] = {c.id: c for c in plan.channels}
        self.stories: dict[str, StoryFact] = {s.id: s for s in plan.stories}
        self.serious = {code for code in RULE_CODES if plan.profile.severity_of(code) != "info"}
        self._baselines: dict[tuple[frozenset[str], frozenset[str]], _Baseline] = {}
        self._channel_bases: dict[str, tuple[list[tuple[float, str, PostFact]], list[Hit]]] = {}
        self._story_bases: dict[str, list[Hit]] = {}
        self.range_end = plan.range_end.timestamp() if plan.range_end is not None else None
        self.trials = 0
        self._year = 0
        self.fixable: dict[Key, bool] = {}

    # ---- what-if ---------------------------------------------------------------

    def _scope(self, key: Key, changes: Sequence[Change]) -> tuple[frozenset[str], frozenset[str]]:
        """The channels and stories a what-if must analyse: the finding's, and
        those of every post the changes touch, before and after."""
        channels = {key[1]}
        stories = {key[2]} if key[2] else set()
        for change in changes:
            post = self.posts.get(change.post_id or "")
            if post is not None:
                channels.add(post.channel_id)
                if post.story_id:
                    stories.add(post.story_id)
            if change.patch.get("channel_id"):
                channels.add(str(change.patch["channel_id"]))
            if change.patch.get("story_id"):
                stories.add(str(change.patch["story_id"]))
        return frozenset(channels), frozenset(s for s in stories if s in self.stories)

    def _channel_run(self, channel_id: str, pairs: list[tuple[float, str, PostFact]]
                     ) -> list[Hit]:
        """The channel rules on one channel's posts, given in plan order, as
        :func:`~app.rules.engine.plan_hits` runs them."""
        if not pairs:
            return []
        posts = [post for _, _, post in pairs]
        view = ChannelPosts(channel_id, posts, range(len(posts)), [m for m, _, _ in pairs],
                            [post.kind for post in posts], self.timeline)
        return channel_hits(view, self.plan.profile.params_for(channel_id),
                            self.channels.get(channel_id), self.range_end)

    def _channel_base(self, channel_id: str) -> tuple[list[tuple[float, str, PostFact]],
                                                       list[Hit]]:
        found = self._channel_bases.get(channel_id)
        if found is None:
            pairs = sorted(((p.at.timestamp(), p.id, p)
                            for p in self.by_channel.get(channel_id, ())), key=_plan_order)
            found = self._channel_bases[channel_id] = (pairs, self._channel_run(channel_id, pairs))
        return found

    def _story_run(self, story_id: str, posts: Iterable[PostFact]) -> list[Hit]:
        story = StoryPosts(self.stories[story_id], [(p.at.timestamp(), p) for p in posts])
        return story_hits(story, self.timeline) if story.posts else []

    def _story_base(self, story_id: str) -> list[Hit]:
        found = self._story_bases.get(story_id)
        if found is None:
            found = self._story_bases[story_id] = self._story_run(
                story_id, self.by_story.get(story_id, ()))
        return found

    def _baseline(self, scope: tuple[frozenset[str], frozenset[str]]) -> _Baseline:
        found = self._baselines.get(scope)
        if found is None:
            channels, stories = scope
            hits = [hit for cid in channels for hit in self._channel_base(cid)[1]]
            hits += [hit for sid in stories for hit in self._story_base(sid)]
            found = self._baselines[scope] = _Baseline(hits)
        return found

    def _trial(self, scope: tuple[frozenset[str], frozenset[str]],
               changes: Sequence[Change]) -> list[Hit]:
        """The hits of the plan with the changes made: channels and stories the
        changes leave alone keep the hits they had."""
        channels, stories = scope
        touched = {c.post_id for c in changes if c.post_id is not None}
        old = [self.posts[pid] for pid in touched if pid in self.posts]
        new = apply_changes(old, changes)
        changed_channels = {p.channel_id for p in old} | {p.channel_id for p in new}
        hits: list[Hit] = []
        for cid in channels:
            pairs, base = self._channel_base(cid)
            if cid not in changed_channels:
                hits += base
                continue
            trial = [pair for pair in pairs if pair[1] not in touched]
            trial += [(p.at.timestamp(), p.id, p) for p in new if p.channel_id == cid]
            trial.sort(key=_plan_order)
            hits += self._channel_run(cid, trial)
        for sid in stories:
            posts = [p for p in self.by_story.get(sid, ()) if p.id not in touched]
            posts += [p for p in new if p.story_id == sid]
            hits += self._story_run(sid, posts)
        return hits

    def has(self, key: Key) -> bool:
        return key in self._baseline(self._scope(key, ())).keys

    def evaluate(self, key: Key, changes: Sequence[Change]) -> Outcome:
        """What the changes leave of the finding, and what they add."""
        if self.trials >= self.limits.max_trials:
            raise _OutOfTrials
        self.trials += 1
        scope = self._scope(key, changes)
        before = self._baseline(scope)
        hits = self._trial(scope, changes)
        named = frozenset(key[3])
        present = False
        left: set[str] = set()
        kin: set[str] = set()
        flagged: set[str] = set()
        added = []
        for hit in hits:
            same = hit.code == key[0] and hit.channel_id == key[1]
            if same:
                kin.update(hit.post_ids)
            if hit.code in self.serious and hit.code.startswith("ask_"):
                flagged.update(hit.post_ids)
            if hit.key == key:
                present = True
                left.update(hit.post_ids)
            elif same and named.issuperset(hit.post_ids) and before.shrunk(hit):
                # What is left of this finding, at any severity: a finding set to
                # info is still what the suggestion is meant to end.
                left.update(hit.post_ids)
            elif hit.code not in self.serious or hit.key in before.keys or before.shrunk(hit):
                continue
            else:
                added.append(hit)
        return Outcome(present, added, frozenset(left), frozenset(kin), frozenset(flagged))

    def fixes(self, key: Key, changes: Sequence[Change]) -> bool:
        return self.evaluate(key, changes).fixed

    # ---- the search ------------------------------------------------------------

    def suggestions(self, finding: Finding) -> list[Suggestion]:
        self.trials = 0
        # Dates carry their year when it isn't the year the finding starts in, as
        # the finding's own message does.
        self._year = self.words.year(finding.start.timestamp())
        if not self.has(finding.key):
            return []
        found: list[Suggestion] = []
        for strategy in _STRATEGIES.get(finding.code, ()):
            try:
                suggestion = strategy(self, finding)
            except _OutOfTrials:
                break
            if suggestion is not None and all(s.changes != suggestion.changes for s in found):
                found.append(suggestion)
            if len(found) >= self.limits.max_suggestions:
                break
        # A last resort is offered only after every other fix.
        return sorted(found, key=lambda s: s.last_resort)

    def part_suggestions(self, finding: Finding, start: datetime, end: datetime
                         ) -> list[Suggestion]:
        self.trials = 0
        self._year = self.words.year(start.timestamp())
        if finding.code not in PARTED or not self.has(finding.key):
            return []
        low, high = start.timestamp(), end.timestamp()
        part = {pid for pid in finding.post_ids if pid in self.posts
                and low <= self.posts[pid].at.timestamp() < high}
        # An ask of the part that can't change stays in the stretch whatever else does.
        if not part or not all(self.movable(self.posts[pid]) for pid in part):
            return []
        found: list[Suggestion] = []
        for turn in (False, True):
            # Each kind of fix has its own trials: a long search for moves must
            # not use up the turn into gives, which needs one trial an ask.
            self.trials = 0
            try:
                suggestion = _thin_part(self, finding, part, turn=turn)
            except _OutOfTrials:
                continue
            if suggestion is not None:
                found.append(suggestion)
        return found

    def movable(self, post: PostFact | None) -> bool:
        """What is past stays as it was, published or not: only the plan ahead
        changes, and never a locked post."""
        return post is not None and not post.locked and post.at.timestamp() >= self.now


    def times_after(self, moment: float, post: PostFact, changes: Sequence[Change] = (),
                    not_before: float | None = None) -> list[float]:
        """Candidate times after ``moment`` and up to the horizon from it, as next
        slot tries them, not before now (nor ``not_before``), leaving out those
        where the channel already has a post."""
        channel = self.channels.get(post.channel_id)
        start = max(moment, self.now)
        times = candidate_moments(self.timeline, start, self.limits.horizon_days,
                                  channel.posting_times if channel else ())
        taken = self.taken(post.channel_id, changes)
        low = max(moment, not_before if not_before is not None else moment)
        return [t for t in times if t > low and t not in taken]

    def taken(self, channel_id: str, changes: Sequence[Change] = ()) -> set[float]:
        moved = {c.post_id for c in changes}
        taken = {p.at.timestamp() for p in self.by_channel.get(channel_id, ())
                 if p.id not in moved}
        taken.update(c.patch["scheduled_at"].timestamp() for c in changes
                     if "scheduled_at" in c.patch)
        return taken

    def times_between(self, low: float, high: float, channel_id: str) -> list[float]:
        channel = self.channels.get(channel_id)
        start = max(low, self.now)
        if start >= high:
            return []
        days = int((high - start) // 86400) + 1
        times = candidate_moments(self.timeline, start, min(days, self.limits.horizon_days * 4),
                                  channel.posting_times if channel else ())
        taken = self.taken(channel_id)
        return [t for t in times if low < t < high and t not in taken]

    # ---- words -----------------------------------------------------------------

    def when(self, moment: float) -> str:
        return f"{self.words.day(moment, self._year)} {self.words.clock(moment)}"

    def day(self, moment: float) -> str:
        return self.words.day(moment, self._year)

    def noun(self, post: PostFact) -> str:
        if post.story_id is not None and post.episode is not None:
            return self.words.gettext("episode %(number)s") % {"number": post.episode}
        pgettext = self.words.speech.pgettext
        return (pgettext("suggested post", "ask") if post.kind == "ask"
                else pgettext("suggested post", "give"))

    def gettext(self, message: str) -> str:
        return self.words.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.words.ngettext(singular, plural, count) % {"count": count, **values}


def _plan_order(pair: tuple[float, str, PostFact]) -> tuple[float, str]:
    return pair[0], pair[1]


def _utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def _move(post: PostFact, moment: float) -> Change:
    return Change("move", post.id, {"scheduled_at": _utc(moment)})


def _to_give(post: PostFact) -> Change:
    return Change("update", post.id, {"kind": "give", "category": None})


# ---- kinds of fix -------------------------------------------------------------------


def _move_later(search: _Search, finding: Finding, post_id: str, *,
                after: float | None = None, name: str | None = None) -> Suggestion | None:
    """Move a post to the first candidate time after it (or after ``after``)
    that fixes the finding."""
    post = search.posts.get(post_id)
    if post is None or not search.movable(post):
        return None
    for moment in search.times_after(post.at.timestamp(), post, not_before=after):
        if search.fixes(finding.key, (_move(post, moment),)):
            what = name or _this(search, post)
            return Suggestion(search.gettext("Move %(what)s to %(when)s") % {
                "what": what, "when": search.when(moment)}, (_move(post, moment),))
    return None


def _earliest(search: _Search, finding: Finding, ask: PostFact) -> float | None:
    """The earliest an ask flagged by a sequence rule could fit, read from the
    finding's own figures: after as many more gives as it lacks (the gives after
    it on the channel), or once listening ends. ``None``: no bound known; infinity:
    not within the plan's posts. A candidate before this can't fit, so none is
    spent on it."""
    d = finding.details
    if finding.code == "ask_during_listening" and "asks_from" in d:
        return search.timeline.start_of_day(date.fromisoformat(d["asks_from"]))
    counts = {"ask_too_soon": "gives_since_last_ask", "ask_too_early": "gives_before_first_ask"}
    count = d.get(counts.get(finding.code, ""))
    if count is None or "required" not in d:
        return None
    need = int(d["required"]) - int(count)
    if need <= 0:
        return None
    later = [p for p in search.by_channel.get(ask.channel_id, ())
             if p.kind != "ask" and search.order[p.id] > search.order[ask.id]]
    if len(later) < need:
        return float("inf")
    later.sort(key=lambda p: search.order[p.id])
    return later[need - 1].at.timestamp()


def _this(search: _Search, post: PostFact) -> str:
    """'this ask', or an episode by its number."""
    if post.story_id is not None and post.episode is not None:
        return search.noun(post)
    return search.gettext("this ask") if post.kind == "ask" else search.gettext("this give")


def _named(search: _Search, post: PostFact) -> str:
    values = {"when": search.when(post.at.timestamp()), "number": post.episode}
    if post.story_id is not None and post.episode is not None:
        return search.gettext("the episode %(number)s of %(when)s") % values
    if post.kind == "ask":
        return search.gettext("the ask of %(when)s") % values
    return search.gettext("the give of %(when)s") % values


def _swap(search: _Search, finding: Finding, ask_id: str,
          after: float | None = None) -> Suggestion | None:
    """Trade times with one of the next gives of the channel (from ``after``)."""
    ask = search.posts.get(ask_id)
    if ask is None or not search.movable(ask):
        return None
    at = ask.at.timestamp()
    limit = search.timeline.add_days(at, search.limits.horizon_days)
    gives = sorted(
        (p for p in search.by_channel.get(ask.channel_id, ())
         if p.kind != "ask" and search.movable(p)
         and search.order[p.id] > search.order[ask.id] and p.at.timestamp() <= limit
         and (after is None or p.at.timestamp() >= after)),
        key=lambda p: search.order[p.id],
    )
    for give in gives[: search.limits.max_swaps]:
        changes = (_move(ask, give.at.timestamp()), _move(give, at))
        if search.fixes(finding.key, changes):
            return Suggestion(search.gettext("Swap with the give of %(day)s") % {
                "day": search.day(give.at.timestamp())}, changes)
    return None


def _turn_into_give(search: _Search, finding: Finding, ask_id: str) -> Suggestion | None:
    ask = search.posts.get(ask_id)
    if ask is None or ask.kind != "ask" or not search.movable(ask):
        return None
    if search.fixes(finding.key, (_to_give(ask),)):
        name = (search.gettext("this ask") if ask.episode is None else
                search.gettext("episode %(number)s") % {"number": ask.episode})
        return Suggestion(search.gettext("Turn %(what)s into a give (last resort)") % {
                              "what": name},
                          (_to_give(ask),), last_resort=True)
    return None


def _thin(search: _Search, finding: Finding, *, turn: bool,
          eligible: Callable[[PostFact], bool]) -> Suggestion | None:
    """The fewest posts to move (or, with ``turn``, asks to turn into gives),
    the latest first, until the finding is gone: each step must leave the post it
    changed out of every new serious finding and add nothing but what is left of
    this finding."""
    # Turning every ask it names that may change into a give is as much as
    # changing those asks can do: if even that leaves some of the finding (asks
    # already published, or before now), no search will end it.
    if (turn or eligible is _is_ask) and not _fixable(search, finding):
        return None
    found = _fewest(search, finding, set(finding.post_ids), turn=turn, eligible=eligible,
                    named=lambda outcome: outcome.left,
                    finished=lambda outcome: outcome.fixed)
    return _thinned(search, finding, *found, turn) if found else None


def _fewest(search: _Search, finding: Finding, start: set[str], *, turn: bool,
            eligible: Callable[[PostFact], bool],
            named: Callable[[Outcome], frozenset[str]],
            finished: Callable[[Outcome], bool]
            ) -> tuple[list[Change], dict[str, float | None]] | None:
    """The greedy search both thinning fixes share: change the latest post of
    ``start`` still named, then the next, until ``finished``. A change counts
    only if it adds no serious finding, leaves its post out of what is still
    ``named``, and moves no post where an ask rule flags it. The changes, and
    each changed post's new time (None: turned into a give)."""
    changes: list[Change] = []
    done: dict[str, float | None] = {}
    remaining = set(start)
    for _ in range(search.limits.max_posts):
        candidates = sorted(
            (search.posts[pid] for pid in remaining
             if pid in search.posts and pid not in done and eligible(search.posts[pid])
             and search.movable(search.posts[pid])),
            key=lambda p: -search.order[p.id],
        )
        step = None
        for post in candidates[:2]:
            trials = ([None] if turn
                      else search.times_after(post.at.timestamp(), post, changes))
            for moment in trials:
                change = _to_give(post) if moment is None else _move(post, moment)
                outcome = search.evaluate(finding.key, (*changes, change))
                if outcome.added or post.id in named(outcome) or (
                        moment is not None and post.id in outcome.flagged):
                    continue  # a moved ask still flagged has found no place
                if finished(outcome):
                    changes.append(change)
                    done[post.id] = moment
                    return changes, done
                step = (change, moment, named(outcome))
                break
            if step is not None:
                break
        if step is None:
            return None
        change, moment, left = step
        changes.append(change)
        done[change.post_id or ""] = moment
        remaining = set(left & start) - set(done)
    return None


def _fixable(search: _Search, finding: Finding) -> bool:
    known = search.fixable.get(finding.key)
    if known is None:
        asks = [search.posts[pid] for pid in finding.post_ids
                if pid in search.posts and search.movable(search.posts[pid])]
        outcome = search.evaluate(finding.key, [_to_give(ask) for ask in asks]) if asks else None
        known = search.fixable[finding.key] = bool(
            outcome and not outcome.present and not outcome.left)
    return known


def _thinned(search: _Search, finding: Finding, changes: list[Change],
             done: dict[str, float | None], turn: bool) -> Suggestion:
    _ = search.gettext
    posts = [search.posts[pid] for pid in done]
    asks_only = all(p.kind == "ask" for p in posts)
    if turn:
        days = ", ".join(search.day(p.at.timestamp()) for p in posts)
        if len(posts) == 1:
            summary = _("Turn the ask of %(days)s into a give (last resort)") % {"days": days}
        else:
            summary = search.ngettext("Turn %(count)s ask into gives (last resort): %(days)s",
                                      "Turn %(count)s asks into gives (last resort): %(days)s",
                                      len(posts), days=days)
        return Suggestion(summary, tuple(changes), last_resort=True)
    moves = [_("%(from)s to %(to)s") % {"from": search.when(p.at.timestamp()),
                                        "to": search.when(done[p.id] or 0)} for p in posts]
    if len(posts) == 1:
        summary = (_("Move the ask of %(move)s") if asks_only else
                   _("Move the post of %(move)s")) % {"move": moves[0]}
    elif asks_only:
        summary = search.ngettext("Move %(count)s ask: %(moves)s", "Move %(count)s asks: %(moves)s",
                                  len(posts), moves="; ".join(moves))
    else:
        summary = search.ngettext("Move %(count)s post: %(moves)s",
                                  "Move %(count)s posts: %(moves)s",
                                  len(posts), moves="; ".join(moves))
    return Suggestion(summary, tuple(changes))


def _thin_part(search: _Search, finding: Finding, part: set[str], *,
               turn: bool) -> Suggestion | None:
    """The fewest asks of ``part`` to move (or turn into gives), the latest
    first, until no ask of the part is named by what is left of the finding or
    by any finding of its kind."""
    found = _fewest(search, finding, part, turn=turn, eligible=_any,
                    named=lambda outcome: outcome.kin,
                    finished=lambda outcome: not outcome.kin & part)
    if found is None:
        return None
    whole = _thinned(search, finding, *found, turn)
    fix = whole.summary[:1].lower() + whole.summary[1:]
    return Suggestion(search.gettext("This week: %(fix)s") % {"fix": fix},
                      whole.changes, whole.last_resort)


def _fill_gap(search: _Search, finding: Finding) -> Suggestion | None:
    params = search.plan.profile.params_for(finding.channel_id)
    if params.max_gap_days is None:
        return None
    first = search.posts.get(finding.post_ids[0])
    if first is None:
        return None
    if finding.details.get("trailing"):
        high = finding.end.timestamp()
        # Past the range's end the channel may rest: one post by then is enough.
        high_inclusive = True
    else:
        second = search.posts.get(finding.post_ids[1])
        if second is None:
            return None
        high, high_inclusive = second.at.timestamp(), False
    cursor = first.at.timestamp()
    moments: list[float] = []
    timeline = search.timeline
    while timeline.add_days(cursor, params.max_gap_days) < high:
        reach = timeline.add_days(cursor, params.max_gap_days)
        options = [t for t in search.times_between(cursor, min(reach, high) + 1,
                                                   finding.channel_id)
                   if t <= reach and (t < high or (high_inclusive and t <= high))]
        if not options or len(moments) >= search.limits.max_posts:
            return None
        cursor = options[-1]
        moments.append(cursor)
    if not moments:
        return None
    changes = tuple(
        Change("create", None, {"channel_id": finding.channel_id, "scheduled_at": _utc(t),
                                "kind": "give"})
        for t in moments
    )
    if not search.fixes(finding.key, changes):
        return None
    if len(moments) == 1:
        return Suggestion(search.gettext("Plan a give on %(when)s") % {
            "when": search.when(moments[0])}, changes)
    listed = ", ".join(search.when(t) for t in moments)
    return Suggestion(search.ngettext("Plan %(count)s give: %(times)s",
                                      "Plan %(count)s gives: %(times)s",
                                      len(moments), times=listed), changes)


def _recategorise(search: _Search, finding: Finding) -> Suggestion | None:
    """Give the span's latest gives the category that falls short."""
    if finding.code == "broadcast_only":
        wanted = ["engage"]
    else:
        short = finding.details.get("short") or {}
        wanted = [c for c in GIVE_CATEGORIES if c in short]
    if not wanted:
        return None
    gives = sorted(
        (search.posts[pid] for pid in finding.post_ids
         if pid in search.posts and search.posts[pid].kind != "ask"
         and search.movable(search.posts[pid]) and search.posts[pid].category not in wanted),
        key=lambda p: -search.order[p.id],
    )
    changes: list[Change] = []
    for at, post in enumerate(gives[: search.limits.max_posts]):
        category = wanted[at % len(wanted)]
        changes.append(Change("update", post.id, {"category": category}))
        outcome = search.evaluate(finding.key, changes)
        if outcome.fixed:
            posts = [search.posts[c.post_id or ""] for c in changes]
            days = ", ".join(
                f"{search.day(p.at.timestamp())} ({search.words.category(c.patch['category'])})"
                for p, c in zip(posts, changes, strict=True)
            )
            if len(posts) == 1:
                summary = search.gettext("Change the category of this give: %(days)s") % {
                    "days": days}
            else:
                summary = search.ngettext("Change the category of %(count)s give: %(days)s",
                                          "Change the category of %(count)s gives: %(days)s",
                                          len(posts), days=days)
            return Suggestion(summary, tuple(changes))
        if outcome.added:
            return None
    return None


def _plan_ask(search: _Search, finding: Finding) -> Suggestion | None:
    give = search.posts.get(finding.post_ids[0])
    if give is None:
        return None
    end = give.at.timestamp()
    start = search.timeline.add_days(end, -search.limits.horizon_days)
    for moment in reversed(search.times_between(start, end, give.channel_id)):
        change = Change("create", None, {"channel_id": give.channel_id,
                                         "scheduled_at": _utc(moment), "kind": "ask"})
        if search.fixes(finding.key, (change,)):
            return Suggestion(search.gettext("Plan an ask on %(when)s") % {
                "when": search.when(moment)}, (change,))
    return None


def _after_lower_episodes(search: _Search, finding: Finding) -> Suggestion | None:
    post = search.posts.get(finding.post_ids[0])
    if post is None or post.story_id is None or post.episode is None:
        return None
    lower = [p.at.timestamp() for p in search.by_story.get(post.story_id, ())
             if p.episode is not None and p.episode < post.episode]
    if not lower:
        return None
    return _move_later(search, finding, post.id, after=max(lower))


def _swap_episodes(search: _Search, finding: Finding) -> Suggestion | None:
    """Trade times with a lower-numbered episode planned after this one."""
    post = search.posts.get(finding.post_ids[0])
    if post is None or post.story_id is None or post.episode is None or not search.movable(post):
        return None
    later_lower = sorted(
        (p for p in search.by_story.get(post.story_id, ())
         if p.episode is not None and p.episode < post.episode
         and search.order[p.id] > search.order[post.id] and search.movable(p)),
        key=lambda p: search.order[p.id],
    )
    for other in later_lower[: search.limits.max_swaps]:
        changes = (_move(post, other.at.timestamp()), _move(other, post.at.timestamp()))
        if search.fixes(finding.key, changes):
            return Suggestion(
                search.gettext("Swap episode %(episode)s with episode %(other)s of %(day)s") % {
                    "episode": post.episode, "other": other.episode,
                    "day": search.day(other.at.timestamp())}, changes)
    return None


def _close_stall(search: _Search, finding: Finding) -> Suggestion | None:
    earlier = search.posts.get(finding.post_ids[0])
    later = search.posts.get(finding.post_ids[-1])
    if earlier is None or later is None:
        return None
    low, high = earlier.at.timestamp(), later.at.timestamp()
    if search.movable(later):
        # Closest to where it was first: the least change to the plan.
        for moment in reversed(search.times_between(low, high, later.channel_id)):
            if search.fixes(finding.key, (_move(later, moment),)):
                return Suggestion(search.gettext("Move %(what)s to %(when)s") % {
                    "what": search.noun(later), "when": search.when(moment)},
                    (_move(later, moment),))
    if search.movable(earlier):
        for moment in search.times_between(low, high, earlier.channel_id):
            if search.fixes(finding.key, (_move(earlier, moment),)):
                return Suggestion(search.gettext("Move %(what)s to %(when)s") % {
                    "what": search.noun(earlier), "when": search.when(moment)},
                    (_move(earlier, moment),))
    return None


def _later_of_pair(search: _Search, finding: Finding) -> Suggestion | None:
    post = search.posts.get(finding.post_ids[-1])
    if post is None:
        return None
    name = search.noun(post) if post.episode is not None else _named(search, post)
    return _move_later(search, finding, post.id, name=name)


def _earlier_of_pair(search: _Search, finding: Finding) -> Suggestion | None:
    post = search.posts.get(finding.post_ids[0])
    if post is None:
        return None
    return _move_later(search, finding, post.id, name=_named(search, post))


def _single_ask(kind: str) -> Callable[[_Search, Finding], Suggestion | None]:
    def strategy(search: _Search, finding: Finding) -> Suggestion | None:
        ask = search.posts.get(finding.post_ids[0])
        if ask is None:
            return None
        if kind == "turn":
            return _turn_into_give(search, finding, ask.id)
        earliest = _earliest(search, finding, ask)
        if earliest == float("inf"):
            return None
        if kind == "move":
            return _move_later(search, finding, ask.id, after=earliest)
        return _swap(search, finding, ask.id, after=earliest)

    return strategy


def _is_ask(post: PostFact) -> bool:
    return post.kind == "ask"


def _any(post: PostFact) -> bool:
    return True


Strategy = Callable[[_Search, Finding], "Suggestion | None"]

_ASK_FIXES: tuple[Strategy, ...] = (_single_ask("move"), _single_ask("swap"),
                                    _single_ask("turn"))


def _thin_moves(search: _Search, finding: Finding) -> Suggestion | None:
    return _thin(search, finding, turn=False, eligible=_is_ask)


def _thin_turns(search: _Search, finding: Finding) -> Suggestion | None:
    return _thin(search, finding, turn=True, eligible=_is_ask)


def _crowded_day(search: _Search, finding: Finding) -> Suggestion | None:
    return _thin(search, finding, turn=False, eligible=_any)


_STRATEGIES: Mapping[str, Sequence[Strategy]] = {
    "ask_during_listening": _ASK_FIXES,
    "ask_too_early": _ASK_FIXES,
    "ask_too_soon": _ASK_FIXES,
    "story_ask_before_payoff": (_single_ask("move"), _single_ask("turn")),
    "ask_density": (_thin_moves, _thin_turns),
    "ask_run": (_thin_moves, _thin_turns),
    "too_many_posts_per_day": (_crowded_day,),
    "posts_too_close": (_later_of_pair, _earlier_of_pair),
    "channel_silent": (_fill_gap,),
    "category_mix": (_recategorise,),
    "broadcast_only": (_recategorise,),
    "no_ask_lately": (_plan_ask,),
    "story_out_of_order": (_swap_episodes, _after_lower_episodes),
    "story_stalled": (_close_stall,),
    "story_rushed": (_later_of_pair,),
}
