"""The give/ask report: what the team's published posts achieved, by channel and
month, by the number of gives before each ask, and in weeks on and off rhythm.

Every figure is over **published** posts (the plan's history); the arithmetic is
app/rules/report.py. Gives before an ask are counted among the channel's
published posts since its previous published ask (or since its first post), so
a give that was planned but never went out did not prepare anyone. Weeks are
judged as the calendar judges them (app/services/calendar.py); see
docs/report.md.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, union_all
from sqlmodel import Session

from app.csv_cells import protect
from app.errors import Invalid
from app.i18n import gettext as _
from app.models import PostOutcome
from app.rules.report import (
    GIVES_CAP,
    GROUPS,
    MIN_GROUP,
    Figures,
    Tally,
    Verdict,
    group_of,
    verdict,
)
from app.schemas import format_utc
from app.services import acknowledgements
from app.services.access import Access
from app.services.analysis import P, analyse_range, context
from app.services.calendar import local_midnight, week_start
from app.services.calendar import week_gauges as calendar_weeks
from app.services.csv_reader import separator_named
from app.services.export import slug

DEFAULT_MONTHS = 12
MAX_MONTHS = 24
# Two years of weeks: the rhythm table analyses at most this many, the latest.
MAX_WEEKS = 104
ENCODING = "utf-8-sig"  # as the export: Excel needs the byte order mark
MEDIA_TYPE = "text/csv; charset=utf-8"
OUT = PostOutcome.__table__.c  # type: ignore[attr-defined]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day when
    that month is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def default_range(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """This month so far and the eleven months before it."""
    today = now.astimezone(tz).date()
    first = add_months(today.replace(day=1), 1 - DEFAULT_MONTHS)
    return local_midnight(first, tz), local_midnight(today + timedelta(days=1), tz)


def report_range(start: datetime | None, end: datetime | None, *, now: datetime,
                 tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The range asked for: both sides, one (the other twelve months away) or
    neither (the default); at most 24 months."""
    if start is None and end is None:
        return default_range(now, tz)
    if start is None:
        assert end is not None
        start = _months_after(end, -DEFAULT_MONTHS, tz)
    if end is None:
        end = _months_after(start, DEFAULT_MONTHS, tz)
    if end <= start:
        raise Invalid.one("query.end", _("must be after start"))
    if end > _months_after(start, MAX_MONTHS, tz):
        raise Invalid.one("query.end", _("a report covers at most %(n)d months") % {
            "n": MAX_MONTHS})
    return start, end


def _months_after(moment: datetime, months: int, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    day = add_months(local.date(), months)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)


def month_range(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A page's months (both included) as the range they mean."""
    if last < first:
        raise Invalid.one("to", _("must not be before the first month"))
    return local_midnight(first.replace(day=1), tz), \
        local_midnight(add_months(last.replace(day=1), 1), tz)


# ---- the figures ------------------------------------------------------------------


@dataclass
class MonthRow:
    month: str
    gives: Tally = field(default_factory=Tally)
    asks: Tally = field(default_factory=Tally)

    @property
    def posts(self) -> int:
        return self.gives.posts + self.asks.posts


@dataclass
class ChannelRows:
    channel_id: str
    name: str
    months: list[MonthRow]


@dataclass
class RhythmRow:
    channel_id: str
    name: str
    on_weeks: int
    off_weeks: int
    on: Tally
    off: Tally


@dataclass
class Report:
    start: datetime
    end: datetime
    timezone: str
    months: list[MonthRow]
    channels: list[ChannelRows]
    groups: list[tuple[str, Tally]]
    rhythm_start: datetime
    rhythm_end: datetime
    rhythm: list[RhythmRow]
    verdict: Verdict


def give_ask_report(*, session: Session, access: Access, start: datetime | None,
                    end: datetime | None, now: datetime) -> Report:
    workspace = access.workspace
    tz = ZoneInfo(workspace.timezone)
    start, end = report_range(start, end, now=now, tz=tz)
    ctx = context(session=session, workspace=workspace)
    channels = sorted(ctx.channels.values(), key=lambda c: (c.name.lower(), c.id))
    # Only the channels read above: a channel created since (another request's
    # import, between these reads) waits for the next report.
    posts = [p for p in _published(session, workspace.id, start, end)
             if p.channel_id in ctx.channels]

    month_keys = _months_of(start, end, tz)
    totals = {key: MonthRow(key) for key in month_keys}
    per_channel: dict[str, dict[str, MonthRow]] = defaultdict(dict)
    for post in posts:
        key = _month_key(post.at, tz)
        row = per_channel[post.channel_id].setdefault(key, MonthRow(key))
        for target in (row, totals[key]):
            (target.asks if post.kind == "ask" else target.gives).add(post.figures)

    groups = {label: Tally() for label, _low, _high in GROUPS}
    gives_since = _carried_gives(session, workspace.id, list(ctx.channels), start)
    for post in posts:
        if post.kind == "ask":
            groups[group_of(gives_since.get(post.channel_id, 0))].add(post.figures)
            gives_since[post.channel_id] = 0
        else:
            gives_since[post.channel_id] = gives_since.get(post.channel_id, 0) + 1
    ordered_groups = [(label, groups[label]) for label, _low, _high in GROUPS]

    rhythm_start, rhythm_end, rhythm = _rhythm(session, ctx, channels, posts, start, end, tz)
    return Report(
        start=start, end=end, timezone=workspace.timezone,
        months=[totals[key] for key in month_keys],
        channels=[ChannelRows(c.id, c.name, [per_channel[c.id][k] for k in month_keys
                                             if k in per_channel[c.id]])
                  for c in channels if c.id in per_channel],
        groups=ordered_groups, rhythm_start=rhythm_start, rhythm_end=rhythm_end,
        rhythm=rhythm, verdict=verdict(ordered_groups))


@dataclass(frozen=True, slots=True)
class _Post:
    id: str
    channel_id: str
    at: datetime
    kind: str
    figures: Figures


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _published(session: Session, workspace_id: str, start: datetime,
               end: datetime) -> list[_Post]:
    """The range's published posts in plan order, with what they achieved."""
    query = (
        select(P.id, P.channel_id, P.scheduled_at, P.kind, OUT.reach, OUT.engagements,
               OUT.conversions, OUT.impressions, OUT.clicks)
        .select_from(P.id.table.outerjoin(OUT.post_id.table, OUT.post_id == P.id))
        .where(P.workspace_id == workspace_id, P.status == "published",
               P.scheduled_at >= start, P.scheduled_at < end)
        .order_by(P.scheduled_at, P.id)
    )
    # "Results entered" is any of the five figures: an outcome of clicks alone
    # is still one; a saved outcome with every figure unknown is none.
    return [_Post(row[0], row[1], _aware(row[2]), row[3],
                  Figures(reach=row[4], engagements=row[5], conversions=row[6],
                          entered=any(v is not None for v in row[4:])))
            for row in session.execute(query)]


# Channels per statement: SQLite takes at most 500 parts in one UNION.
CARRIED_CHUNK = 200


def _carried_gives(session: Session, workspace_id: str, channel_ids: list[str],
                   before: datetime) -> dict[str, int]:
    """Per channel, the published gives since its last published ask before
    ``before`` (all of them when it never asked), counted up to GIVES_CAP.

    One statement: each channel's latest GIVES_CAP published posts (an indexed,
    bounded read apiece), walked back from the newest until an ask."""
    found = dict.fromkeys(channel_ids, 0)
    asked: set[str] = set()
    for i in range(0, len(channel_ids), CARRIED_CHUNK):
        parts = [
            select(P.channel_id, P.kind, P.scheduled_at, P.id)
            .where(P.workspace_id == workspace_id, P.channel_id == channel_id,
                   P.status == "published", P.scheduled_at < before)
            .order_by(P.scheduled_at.desc(), P.id.desc()).limit(GIVES_CAP).subquery()
            for channel_id in channel_ids[i:i + CARRIED_CHUNK]]
        latest = union_all(*(select(*part.c) for part in parts)).subquery()
        _walk(session.execute(select(latest.c.channel_id, latest.c.kind).order_by(
            latest.c.channel_id, latest.c.scheduled_at.desc(), latest.c.id.desc())),
            found, asked)
    return found


def _walk(rows: Any, found: dict[str, int], asked: set[str]) -> None:
    for channel_id, kind in rows:
        if channel_id in asked:
            continue
        if kind == "ask":
            asked.add(channel_id)
        else:
            found[channel_id] += 1


def _month_key(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def _months_of(start: datetime, end: datetime, tz: ZoneInfo) -> list[str]:
    first = start.astimezone(tz).date().replace(day=1)
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    keys = []
    while first <= last:
        keys.append(f"{first.year:04d}-{first.month:02d}")
        first = add_months(first, 1)
    return keys


def _rhythm(session: Session, ctx: Any, channels: list[Any], posts: list[_Post],
            start: datetime, end: datetime, tz: ZoneInfo
            ) -> tuple[datetime, datetime, list[RhythmRow]]:
    """Each channel's weeks with a published post in the range, on rhythm or
    not as the calendar says (the findings that count against rhythm naming
    the week's posts, whatever their status), over whole weeks: the latest
    MAX_WEEKS of those the range touches."""
    first = week_start(start, tz)
    after = week_start(end - timedelta(microseconds=1), tz) + timedelta(days=7)
    if (after - first).days // 7 > MAX_WEEKS:
        first = after - timedelta(weeks=MAX_WEEKS)
    week_from, week_to = local_midnight(first, tz), local_midnight(after, tz)
    findings = analyse_range(ctx, start=week_from, end=week_to,
                             channel_ids=list(ctx.channels)).findings
    rows = [{"id": r[0], "channel_id": r[1], "scheduled_at": _aware(r[2]), "kind": r[3]}
            for r in session.execute(
                select(P.id, P.channel_id, P.scheduled_at, P.kind)
                .where(P.workspace_id == ctx.workspace.id, P.scheduled_at >= week_from,
                       P.scheduled_at < week_to).order_by(P.scheduled_at, P.id))]
    acks = acknowledgements.lookup(session=session, workspace_id=ctx.workspace.id,
                                   findings=findings)
    weeks = calendar_weeks(first, after, tz, rows, findings, ctx.channels, acks)
    on_rhythm = {(week["week"], c["channel_id"]): c["on_rhythm"]
                 for week in weeks for c in week["channels"]}

    tallies: dict[tuple[str, bool], Tally] = defaultdict(Tally)
    counted: dict[tuple[str, bool], set[date]] = defaultdict(set)
    for post in posts:
        if not week_from <= post.at < week_to:
            continue
        monday = week_start(post.at, tz)
        year, number, _day = monday.isocalendar()
        key = (post.channel_id, on_rhythm[(f"{year}-W{number:02d}", post.channel_id)])
        tallies[key].add(post.figures)
        counted[key].add(monday)
    rhythm = [RhythmRow(c.id, c.name, len(counted[(c.id, True)]), len(counted[(c.id, False)]),
                        tallies[(c.id, True)], tallies[(c.id, False)])
              for c in channels if counted[(c.id, True)] or counted[(c.id, False)]]
    return week_from, week_to, rhythm


# ---- in words and as data ---------------------------------------------------------


def group_words(label: str) -> str:
    low, high = next((lo, hi) for name, lo, hi in GROUPS if name == label)
    if high is None:
        return _("%(n)d or more gives") % {"n": low}
    return _("%(low)d–%(high)d gives") % {"low": low, "high": high}


def too_few_words() -> str:
    return _("Too few asks with results to conclude anything (fewer than %(n)d).") % {
        "n": MIN_GROUP}


def answer_words(found: Verdict, number: Any) -> str:
    """The one sentence that answers "do our asks do better after more gives?";
    ``number`` writes a figure in the reader's way."""
    if found.answer == "too_few":
        return _("Too few asks with results to tell yet: it takes at least two groups with "
                 "%(n)d asks with conversions entered.") % {"n": MIN_GROUP}
    assert found.fewer is not None and found.more is not None
    values = {"more": group_words(found.more), "fewer": group_words(found.fewer),
              "high": number(found.more_conversions, 1),
              "low": number(found.fewer_conversions, 1)}
    if found.answer == "yes":
        return _("Yes: asks after %(more)s brought %(high)s conversions on average, "
                 "asks after %(fewer)s %(low)s.") % values
    if found.answer == "no":
        return _("No: asks after %(more)s brought %(high)s conversions on average, "
                 "asks after %(fewer)s %(low)s.") % values
    return _("About the same: asks after %(more)s and after %(fewer)s brought %(high)s "
             "conversions on average.") % values


def _tally_dict(tally: Tally) -> dict[str, Any]:
    return {"posts": tally.posts, "with_outcomes": tally.with_outcomes,
            "mean_conversions": tally.mean_conversions,
            "engagement_rate": tally.engagement_rate}


def _month_dict(row: MonthRow) -> dict[str, Any]:
    return {"month": row.month, "posts": row.posts, "gives": row.gives.posts,
            "asks": row.asks.posts, "give_engagement_rate": row.gives.engagement_rate,
            "ask_engagement_rate": row.asks.engagement_rate}


def as_dict(report: Report, number: Any) -> dict[str, Any]:
    """The report as the API sends it (and the CSV writes it)."""
    return {
        "start": format_utc(report.start), "end": format_utc(report.end),
        "timezone": report.timezone, "min_group": MIN_GROUP,
        "months": [_month_dict(m) for m in report.months],
        "channels": [{"channel_id": c.channel_id, "name": c.name,
                      "months": [_month_dict(m) for m in c.months]} for c in report.channels],
        "groups": [{"group": label, "min_gives": low, "max_gives": high,
                    "asks": tally.posts, "asks_with_outcomes": tally.with_outcomes,
                    "mean_conversions": tally.mean_conversions,
                    "engagement_rate": tally.engagement_rate, "enough": tally.enough}
                   for (label, tally), (_name, low, high) in zip(report.groups, GROUPS,
                                                                 strict=True)],
        "rhythm": {
            "start": format_utc(report.rhythm_start), "end": format_utc(report.rhythm_end),
            "channels": [{"channel_id": r.channel_id, "name": r.name,
                          "on": {"weeks": r.on_weeks, **_tally_dict(r.on)},
                          "off": {"weeks": r.off_weeks, **_tally_dict(r.off)}}
                         for r in report.rhythm]},
        "answer": {"verdict": report.verdict.answer, "fewer": report.verdict.fewer,
                   "more": report.verdict.more,
                   "sentence": answer_words(report.verdict, number)},
    }


CSV_COLUMNS = ("table", "channel", "month", "group", "rhythm", "weeks", "posts", "gives",
               "asks", "asks_with_outcomes", "mean_conversions", "engagement_rate_percent",
               "give_engagement_rate_percent", "ask_engagement_rate_percent", "enough", "note",
               "posts_with_outcomes")


def _cell(value: Any, decimal: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(value).replace(".", decimal)
    return str(value)


def csv_separator(name: str | None) -> str:
    """The report's CSV separator an option names (comma by default); Invalid
    naming ``separator`` for anything else."""
    try:
        return separator_named(name) or ","
    except ValueError as exc:
        raise Invalid.one("separator", str(exc)) from None


def to_csv(data: dict[str, Any], separator: str = ",") -> bytes:
    """The API's report as one table, a ``table`` column telling its parts
    apart; n/a where nothing can be computed. Decimals with a point, but with a
    comma in a ``;`` file: the pair German Excel opens as is."""
    rows: list[dict[str, Any]] = []
    for month in data["months"]:
        rows.append({"table": "month", "channel": "", **_csv_month(month)})
    for channel in data["channels"]:
        for month in channel["months"]:
            rows.append({"table": "channel_month", "channel": channel["name"],
                         **_csv_month(month)})
    for group in data["groups"]:
        rows.append({"table": "group", "group": group["group"], "asks": group["asks"],
                     "asks_with_outcomes": group["asks_with_outcomes"],
                     "mean_conversions": group["mean_conversions"],
                     "engagement_rate_percent": group["engagement_rate"],
                     "enough": group["enough"],
                     "note": "" if group["enough"] else too_few_words()})
    for channel in data["rhythm"]["channels"]:
        for side in ("on", "off"):
            figures = channel[side]
            rows.append({"table": "rhythm", "channel": channel["name"], "rhythm": side,
                         "weeks": figures["weeks"], "posts": figures["posts"],
                         "posts_with_outcomes": figures["with_outcomes"],
                         "mean_conversions": figures["mean_conversions"],
                         "engagement_rate_percent": figures["engagement_rate"]})
    rows.append({"table": "answer", "note": data["answer"]["sentence"]})
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    decimal = "," if separator == ";" else "."
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([protect(_cell(row[name], decimal)) if name in row else ""
                         for name in CSV_COLUMNS])
    return buffer.getvalue().encode(ENCODING)


def _csv_month(month: dict[str, Any]) -> dict[str, Any]:
    return {"month": month["month"], "posts": month["posts"], "gives": month["gives"],
            "asks": month["asks"],
            "give_engagement_rate_percent": month["give_engagement_rate"],
            "ask_engagement_rate_percent": month["ask_engagement_rate"]}


def csv_filename(workspace_name: str, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return f"giveask-report-{slug(workspace_name)}-{first.isoformat()}-{last.isoformat()}.csv"
