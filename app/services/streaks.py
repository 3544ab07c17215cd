"""Rhythm streaks: per channel, how many ISO weeks in a row it has kept its
rhythm, up to this week, and its best run so far (docs/rules.md, "Streaks").

A week is on rhythm as the calendar's gauges say (no warning or blocking ask
finding names its posts; an info does not count), and only a week with posts
can be on rhythm: a silent week ends a streak. This week counts once it has a
post; until then the streak is last week's, so Monday morning breaks nothing.
The answer is kept while the workspace's calendar is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from app.services import acknowledgements, calendar_cache
from app.services.access import Access
from app.services.analysis import P, analyse_range, context
from app.services.calendar import local_midnight, week_gauges, week_start
from app.services.channels import open_channels

# How far back a streak (and the best one) is counted: a year of weeks.
LOOK_BACK_WEEKS = 52


@dataclass(frozen=True)
class Streak:
    channel_id: str
    name: str
    weeks: int  # in a row, on rhythm, up to this week
    best: int  # the longest run in the look-back, this one included


def streaks(*, session: Session, access: Access, now: datetime) -> list[Streak]:
    """Each open channel's streak, by name."""
    tz = ZoneInfo(access.workspace.timezone)
    monday = week_start(now, tz)
    return calendar_cache.kept(session, access.workspace.id, ("streaks", monday),
                               lambda: _streaks(session, access, monday, tz))


def runs(weeks: list[bool | None]) -> tuple[int, int]:
    """(current, best) over weeks oldest first: True on rhythm, False not (or
    silent), None this week without a post yet (it neither counts nor breaks)."""
    current = best = 0
    for week in weeks:
        if week is None:
            continue
        current = current + 1 if week else 0
        best = max(best, current)
    return current, best


def _streaks(session: Session, access: Access, monday: date, tz: ZoneInfo) -> list[Streak]:
    channels = open_channels(session=session, access=access)
    if not channels:
        return []
    first = monday - timedelta(weeks=LOOK_BACK_WEEKS - 1)
    after = monday + timedelta(weeks=1)
    start, end = local_midnight(first, tz), local_midnight(after, tz)
    ctx = context(session=session, workspace=access.workspace)
    ids = [c.id for c in channels]
    # The year's findings are kept per channel revision like a calendar's weeks:
    # after an edit only the edited channel is analysed again.
    findings = analyse_range(ctx, start=start, end=end, channel_ids=ids,
                             kept_weeks=LOOK_BACK_WEEKS).findings
    rows: list[dict[str, Any]] = [
        {"id": r[0], "channel_id": r[1], "scheduled_at": _aware(r[2]), "kind": r[3]}
        for r in session.execute(
            select(P.id, P.channel_id, P.scheduled_at, P.kind)
            .where(P.workspace_id == access.workspace.id, P.channel_id.in_(ids),
                   P.scheduled_at >= start, P.scheduled_at < end)
            .order_by(P.scheduled_at, P.id))]
    acks = acknowledgements.lookup(session=session, workspace_id=access.workspace.id,
                                   findings=findings)
    weeks = week_gauges(first, after, tz, rows, findings, ctx.channels, acks)
    found = []
    for channel in channels:
        marks: list[bool | None] = []
        for at, week in enumerate(weeks):
            gauge = next((g for g in week["channels"] if g["channel_id"] == channel.id), None)
            posted = gauge is not None and gauge["gives"] + gauge["asks"] > 0
            if at == len(weeks) - 1 and not posted:
                marks.append(None)
            else:
                marks.append(posted and bool(gauge and gauge["on_rhythm"]))
        current, best = runs(marks)
        found.append(Streak(channel.id, channel.name, current, best))
    return found


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
