"""Small plans for the rules tests, written the way an editor reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.rules import (
    ChannelFact,
    Finding,
    Plan,
    PostFact,
    Profile,
    RuleParams,
    StoryFact,
)
from app.rules.facts import Severity

BERLIN = "Europe/Berlin"


def utc(text: str) -> datetime:
    """'2026-03-02 09:00' read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str = BERLIN, fold: int = 0) -> datetime:
    """'2026-03-02 09:00' read as wall time in ``zone``, returned in UTC."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def params(**values: Any) -> RuleParams:
    """Only the rules named; everything else off."""
    return RuleParams(**values)


def series(
    pattern: str,
    start: datetime,
    step: timedelta = timedelta(hours=12),
    channel: str = "c1",
    first_row: int = 0,
    categories: Sequence[str | None] | None = None,
) -> list[PostFact]:
    """One post per letter, ``step`` apart: ``g`` a give, ``a`` an ask, ``.`` a
    skipped slot. Ids are ``row-000000``, ``row-000001``… in time order."""
    posts = []
    row = first_row
    for slot, letter in enumerate(pattern.replace(" ", "")):
        if letter == ".":
            continue
        kind = {"g": "give", "a": "ask"}[letter]
        category = categories[len(posts)] if categories else None
        posts.append(PostFact(f"row-{row:06d}", channel, start + slot * step, kind, category))
        row += 1
    return posts


def make_plan(
    posts: Iterable[PostFact],
    rules: RuleParams,
    *,
    channels: Sequence[ChannelFact] | None = None,
    timezone: str = "UTC",
    stories: Sequence[StoryFact] = (),
    severities: Mapping[str, Severity] | None = None,
    channel_params: Mapping[str, RuleParams] | None = None,
    range_start: datetime | None = None,
    range_end: datetime | None = None,
) -> Plan:
    posts = list(posts)
    if channels is None:
        channels = [ChannelFact(cid) for cid in dict.fromkeys(p.channel_id for p in posts)]
    profile = Profile(rules, dict(severities or {}), dict(channel_params or {}))
    return Plan(posts, channels, profile, timezone, stories, range_start, range_end)


def codes(findings: Iterable[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def of_code(findings: Iterable[Finding], code: str) -> list[Finding]:
    return [finding for finding in findings if finding.code == code]
