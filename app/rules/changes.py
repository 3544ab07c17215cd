"""What-if in people's words: an added and a resolved finding that are really
one finding changing shape (a dense stretch that grows) are told as one change.

Keys stay as RULES.md defines them, so the API's ``added`` and ``resolved`` are
unchanged; this only pairs them for a reader: same code, channel and story, and
spans that overlap or posts in common.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.rules.facts import Finding

# What a stretch or run of each code is called, for "makes the … longer".
_NAMES = {
    "ask_density": "the dense stretch",
    "ask_run": "the run of too many asks",
    "category_mix": "the run short of a category",
    "broadcast_only": "the run without engaging posts",
    "channel_silent": "the silence",
    "too_many_posts_per_day": "the crowded day",
}


@dataclass(frozen=True, slots=True)
class Changed:
    """A finding before and after the change, told as one."""

    before: Finding
    after: Finding
    words: str


def _last_moment(finding: Finding) -> datetime:
    # A density stretch's end is exclusive: its last window ends there.
    if finding.code == "ask_density" and finding.end > finding.start:
        return finding.end - timedelta(microseconds=1)
    return finding.end


def _span(finding: Finding, tz: ZoneInfo) -> str:
    start = finding.start.astimezone(tz)
    last = _last_moment(finding).astimezone(tz)
    fmt = "%a %-d %b" if start.year == last.year else "%a %-d %b %Y"
    if start.date() == last.date():
        return start.strftime(fmt)
    return f"{start.strftime(fmt)} – {last.strftime(fmt)}"


def _same_one(before: Finding, after: Finding) -> bool:
    if (before.code, before.channel_id, before.story_id) != (
            after.code, after.channel_id, after.story_id):
        return False
    overlaps = before.start <= _last_moment(after) and after.start <= _last_moment(before)
    return overlaps or bool(set(before.post_ids) & set(after.post_ids))


def _words(before: Finding, after: Finding, tz: ZoneInfo) -> str:
    name = _NAMES.get(after.code)
    if name is None:
        return f"changes a finding: {after.message}"
    was = _last_moment(before) - before.start
    now = _last_moment(after) - after.start
    if now > was:
        verb = "makes {} longer"
    elif now < was:
        verb = "makes {} shorter"
    else:
        verb = "moves {}"
    return f"{verb.format(name)} (now {_span(after, tz)})"


def pair(added: Sequence[Finding], resolved: Sequence[Finding], timezone: str
         ) -> tuple[list[Finding], list[Finding], list[Changed]]:
    """``(added, resolved, changed)``: the findings only added, only resolved,
    and the pairs that are one finding changing shape, each in the given order."""
    tz = ZoneInfo(timezone)
    left = list(resolved)
    only_added: list[Finding] = []
    changed: list[Changed] = []
    for after in added:
        match = next((b for b in left if _same_one(b, after)), None)
        if match is None:
            only_added.append(after)
            continue
        left.remove(match)
        changed.append(Changed(before=match, after=after, words=_words(match, after, tz)))
    return only_added, left, changed
