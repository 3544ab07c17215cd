"""The calendar: posts, findings and per-week give/ask gauges for a range.

The range is widened to whole ISO weeks (Monday 00:00 to Monday 00:00 in the
workspace's zone), so every week shown has complete counts and findings.
Posts are read as plain rows, not ORM objects: this is the hot path.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select
from sqlmodel import Session

from app.errors import Invalid
from app.models import Series, Story
from app.rules import Finding
from app.schemas import MAX_YEAR, MIN_YEAR, format_utc
from app.services import acknowledgements, calendar_cache
from app.services.access import Access
from app.services.analysis import Context, P, analyse_range, context, first_posts

MAX_WEEKS = 27  # half a year: a month view needs six


def week_start(moment: datetime, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def local_weeks(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The local weeks (Monday midnight to Monday midnight) covering a range."""
    monday = start.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    weeks = []
    while local_midnight(monday, tz) < end:
        weeks.append((local_midnight(monday, tz), local_midnight(monday + timedelta(7), tz)))
        monday += timedelta(days=7)
    return weeks


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(text: str, field: str = "week") -> date:
    """The Monday of an ISO week like 2026-W48; 2026-W60 is a 422."""
    try:
        year_text, week_text = text.strip().upper().split("-W")
        monday = date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError:
        raise Invalid.one(field, f"{text!r} is not an ISO week like 2026-W48") from None
    if not MIN_YEAR <= int(year_text) <= MAX_YEAR:
        raise Invalid.one(field, f"must be a week of the years {MIN_YEAR} to {MAX_YEAR}")
    return monday


def whole_weeks(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first Monday and the Monday after the last week the range touches."""
    if end <= start:
        raise Invalid.one("query.end", "must be after start")
    first = week_start(start, tz)
    last = week_start(end - timedelta(microseconds=1), tz)
    after = last + timedelta(days=7)
    if (after - first).days // 7 > MAX_WEEKS:
        raise Invalid.one("query.end", f"a calendar shows at most {MAX_WEEKS} weeks at once")
    return first, after


def current_week(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    monday = week_start(now, tz)
    return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)


@dataclass(frozen=True)
class CalendarFilter:
    channel_id: str | None = None
    kind: str | None = None


POST_COLUMNS = (P.id, P.channel_id, P.scheduled_at, P.kind, P.category, P.text, P.link,
                P.status, P.story_id, P.episode, P.series_id, P.version, P.created_by_id,
                P.published_at, P.external_url, P.created_at, P.updated_at)
STORY = Story.__table__  # type: ignore[attr-defined]
SERIES = Series.__table__  # type: ignore[attr-defined]
POST = P.id.table


# The posts' fields as the API names them, in POST_COLUMNS' order: a row becomes
# its dict by zip, with no per-field lookups (the calendar's hottest loop).
POST_FIELDS = ("id", "channel_id", "scheduled_at", "kind", "category", "text", "link",
               "status", "story_id", "episode", "series_id", "version", "created_by",
               "published_at", "external_url", "created_at", "updated_at")


def calendar_json(*, session: Session, access: Access, start: datetime | None,
                  end: datetime | None, now: datetime,
                  filters: CalendarFilter = CalendarFilter()) -> bytes:
    """The calendar as the API sends it: JSON, times in RFC 3339 UTC. Kept per
    process while the workspace's calendar is unchanged (calendar_cache.py)."""
    key = json_key(access.workspace.timezone, start, end, now, filters)
    return calendar_cache.kept(session, access.workspace.id, key, lambda: orjson.dumps(
        calendar(session=session, access=access, start=start, end=end, now=now,
                 filters=filters), option=orjson.OPT_UTC_Z))


def json_key(timezone: str, start: datetime | None, end: datetime | None, now: datetime,
             filters: CalendarFilter) -> tuple[Hashable, ...]:
    """What the calendar JSON is kept under (kept_reads.py looks it up too)."""
    tz = ZoneInfo(timezone)
    first, after = _range(start, end, now, tz)
    return ("json", first, after, filters.channel_id, filters.kind, now.astimezone(tz).date())


def _range(start: datetime | None, end: datetime | None, now: datetime,
           tz: ZoneInfo) -> tuple[date, date]:
    if (start is None) != (end is None):
        raise Invalid.one("query.end" if end is None else "query.start",
                          "give both start and end, or neither for the current week")
    if start is None or end is None:
        start, end = current_week(now, tz)
    return whole_weeks(start, end, tz)


def calendar(*, session: Session, access: Access, start: datetime | None,
             end: datetime | None, now: datetime, filters: CalendarFilter = CalendarFilter()
             ) -> dict[str, Any]:
    """The calendar in five queries at most, whatever the number of channels, when
    the plan is unchanged since its findings were cached: the channels, the rules,
    the cached findings with each channel's revision and first post, the posts with
    their story and series names, and the acknowledgements."""
    workspace = access.workspace
    tz = ZoneInfo(workspace.timezone)
    first, after = _range(start, end, now, tz)
    range_start, range_end = local_midnight(first, tz), local_midnight(after, tz)

    channel_ids = None
    if filters.channel_id is not None:
        channel_ids = [filters.channel_id]
    ctx = context(session=session, workspace=workspace, channel_ids=channel_ids)
    if filters.channel_id is not None and filters.channel_id not in ctx.channels:
        raise Invalid.one("query.channel_id", "no such channel in this workspace")

    analysed = analyse_range(ctx, start=range_start, end=range_end,
                             channel_ids=list(ctx.channels))
    findings = analysed.findings
    rows, labels = _rows(session, workspace.id, range_start, range_end, filters.channel_id)
    acks = acknowledgements.lookup(session=session, workspace_id=workspace.id,
                                   findings=findings)
    weeks = week_gauges(first, after, tz, rows, findings, ctx.channels, acks)
    listening = listening_until(ctx, now.astimezone(tz).date(), analysed.first_posts)
    # Times stay aware datetimes: the API door writes them as RFC 3339 UTC text
    # (orjson, OPT_UTC_Z), the pages draw them in the workspace's zone.
    posts = [r for r in rows if filters.kind is None or r["kind"] == filters.kind]
    return {
        "start": format_utc(range_start), "end": format_utc(range_end),
        "timezone": workspace.timezone,
        "channels": [{"id": c.id, "name": c.name, "platform": c.platform,
                      "started_on": c.started_on.isoformat() if c.started_on else None,
                      "listening_until": _iso(listening.get(c.id))}
                     for c in sorted(ctx.channels.values(), key=lambda c: c.name.lower())],
        "posts": posts,
        **labels,
        "findings": [acks.annotate(f) for f in findings],
        "weeks": weeks,
    }


def _rows(session: Session, workspace_id: str, start: datetime, end: datetime,
          channel_id: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The range's posts, and the names of their stories and series (joined in)."""
    query = (
        select(*POST_COLUMNS, STORY.c.name, SERIES.c.name, SERIES.c.rrule)
        .select_from(POST.outerjoin(STORY, STORY.c.id == P.story_id)
                     .outerjoin(SERIES, SERIES.c.id == P.series_id))
        .where(P.workspace_id == workspace_id, P.scheduled_at >= start, P.scheduled_at < end)
    )
    if channel_id is not None:
        query = query.where(P.channel_id == channel_id)
    rows = session.execute(query.order_by(P.scheduled_at, P.id)).all()
    story, series_at, names = POST_FIELDS.index("story_id"), POST_FIELDS.index("series_id"), \
        len(POST_FIELDS)
    posts = [dict(zip(POST_FIELDS, row, strict=False)) for row in rows]
    stories = sorted({(row[story], row[names]) for row in rows if row[story]})
    series = sorted({(row[series_at], row[names + 1] or row[names + 2]) for row in rows
                     if row[series_at]})
    return posts, {"stories": [{"id": i, "name": name} for i, name in stories],
                   "series": [{"id": i, "name": name} for i, name in series]}


def week_gauges(first: date, after: date, tz: ZoneInfo, rows: list[Any],
                findings: list[Finding], channels: dict[str, Any],
                acks: acknowledgements.Acknowledgements | None = None) -> list[dict[str, Any]]:
    """Each week's gauges per channel (gives, asks, on rhythm): the calendar's,
    and the report's weeks on rhythm."""
    acks = acks or acknowledgements.Acknowledgements()
    bounds: list[tuple[date, datetime, datetime]] = []
    monday = first
    while monday < after:
        bounds.append((monday, local_midnight(monday, tz),
                       local_midnight(monday + timedelta(days=7), tz)))
        monday += timedelta(days=7)
    # One pass over the posts and one over the findings, not one per week and
    # channel; a post finds its week by bisection (a year is 52 of them).
    starts = [week_from for _, week_from, _ in bounds]
    close = bounds[-1][2] if bounds else None
    posts_of: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in rows:
        at = _aware(row["scheduled_at"])
        i = bisect_right(starts, at) - 1
        if i >= 0 and close is not None and at < close:
            posts_of[(i, row["channel_id"])].append(row)
    findings_of: dict[tuple[int, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        # Only the weeks from the one its span starts in to the one it ends in.
        first_week = max(bisect_right(starts, finding.start) - 1, 0)
        last_week = min(bisect_right(starts, finding.end), len(bounds))
        for i in range(first_week, last_week):
            _, week_from, week_to = bounds[i]
            if _meets(finding, week_from, week_to):
                findings_of[(i, finding.channel_id)].append(finding)
    ordered = sorted(channels.values(), key=lambda c: c.name.lower())
    weeks: list[dict[str, Any]] = []
    for i, (monday, week_from, week_to) in enumerate(bounds):
        per_channel = []
        for channel in ordered:
            in_week = posts_of.get((i, channel.id), [])
            gives = sum(1 for r in in_week if r["kind"] != "ask")
            asks = len(in_week) - gives
            meeting = findings_of.get((i, channel.id), [])
            # A week is off rhythm for the findings that name its posts, as its
            # review says: a stretch whose windows only reach into the week, with
            # none of its asks here, doesn't make the week's own mix wrong.
            ids = {r["id"] for r in in_week}
            off_rhythm = [f for f in meeting if acks.counts_against_rhythm(f)
                          and ids.intersection(f.post_ids)]
            per_channel.append({
                "channel_id": channel.id, "gives": gives, "asks": asks,
                "on_rhythm": not off_rhythm,
                "findings": {s: sum(1 for f in meeting if f.severity == s)
                             for s in ("info", "warning", "blocking")},
            })
        weeks.append({
            "week": iso_week(monday), "start": format_utc(week_from),
            "end": format_utc(week_to), "channels": per_channel,
            "total": {"gives": sum(c["gives"] for c in per_channel),
                      "asks": sum(c["asks"] for c in per_channel),
                      "on_rhythm": all(c["on_rhythm"] for c in per_channel)},
        })
    return weeks


def _meets(finding: Finding, start: datetime, end: datetime) -> bool:
    """Whether a finding's span meets [start, end), as the engine selects a
    range's findings: a density stretch's end is exclusive (its last window ends
    there), so a stretch ending at a week's first moment is not that week's."""
    if finding.start >= end:
        return False
    return finding.end > start if finding.code == "ask_density" else finding.end >= start


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def listening_until(ctx: Context, today: date,
                    known_firsts: dict[str, datetime] | None = None) -> dict[str, date]:
    """Per channel still listening today: the first local date an ask is fine
    (channel start + ``listen_days``; the start is ``started_on`` or the first
    post's date). Channels with the rule off or listening over are left out."""
    firsts = (known_firsts if known_firsts is not None
              else first_posts(ctx, list(ctx.channels)))
    found: dict[str, date] = {}
    for channel in ctx.channels.values():
        days = ctx.params(channel.id).listen_days
        first = firsts.get(channel.id)
        start = channel.started_on or (first.astimezone(ctx.tz).date() if first else None)
        if days is None or start is None:
            continue
        until = start + timedelta(days=days)
        if until > today:
            found[channel.id] = until
    return found


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
