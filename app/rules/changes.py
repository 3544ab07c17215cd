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
from app.rules.messages import ENGLISH, Speech


def N_(context: str, message: str) -> str:
    """Marks a word for the catalog, told in the reader's language where it is used."""
    return message


STRETCH = "stretch of a finding"


# What a stretch or run of each code is called, for "makes the … longer".
_NAMES = {
    "ask_density": N_("stretch of a finding", "the dense stretch"),
    "ask_run": N_("stretch of a finding", "the run of too many asks"),
    "category_mix": N_("stretch of a finding", "the run short of a category"),
    "broadcast_only": N_("stretch of a finding", "the run without engaging posts"),
    "channel_silent": N_("stretch of a finding", "the silence"),
    "too_many_posts_per_day": N_("stretch of a finding", "the crowded day"),
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


def _span(finding: Finding, tz: ZoneInfo, speech: Speech) -> str:
    start = finding.start.astimezone(tz)
    last = _last_moment(finding).astimezone(tz)
    with_year = start.year != last.year
    if start.date() == last.date():
        return speech.day(start.date(), with_year)
    return f"{speech.day(start.date(), with_year)} – {speech.day(last.date(), with_year)}"


def _same_one(before: Finding, after: Finding) -> bool:
    if (before.code, before.channel_id, before.story_id) != (
            after.code, after.channel_id, after.story_id):
        return False
    overlaps = before.start <= _last_moment(after) and after.start <= _last_moment(before)
    return overlaps or bool(set(before.post_ids) & set(after.post_ids))


def _words(before: Finding, after: Finding, tz: ZoneInfo, speech: Speech) -> str:
    _ = speech.gettext
    name = _NAMES.get(after.code)
    if name is None:
        return _("changes a finding: %(message)s") % {"message": after.message}
    was = _last_moment(before) - before.start
    now = _last_moment(after) - after.start
    values = {"what": speech.pgettext(STRETCH, name), "span": _span(after, tz, speech)}
    if now > was:
        return _("makes %(what)s longer (now %(span)s)") % values
    if now < was:
        return _("makes %(what)s shorter (now %(span)s)") % values
    return _("moves %(what)s (now %(span)s)") % values


def pair(added: Sequence[Finding], resolved: Sequence[Finding], timezone: str,
         speech: Speech = ENGLISH) -> tuple[list[Finding], list[Finding], list[Changed]]:
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
        changed.append(Changed(before=match, after=after, words=_words(match, after, tz, speech)))
    return only_added, left, changed
