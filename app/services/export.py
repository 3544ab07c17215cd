"""Giveask's own CSV of a range of the plan: the columns of app/csv_cells.py, in
that order, one row per post, every cell through the formula guard.

The export reads plain rows (only the columns it writes), the names of the
channels, stories and series they point at, and the findings of the range once
(the same engine run the calendar makes), so its cost does not grow with a
query per post. See docs/export-and-feeds.md.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from app.csv_cells import COLUMNS, protect
from app.errors import Invalid
from app.models import Channel, Series, Story
from app.rules import Finding
from app.services import acknowledgements
from app.services.access import Access
from app.services.analysis import P, context, findings_in_range
from app.services.calendar import current_week, local_midnight

# Without a range the export takes a quarter from this week's Monday; a range
# spans at most a year, so one request never analyses a team's whole history.
DEFAULT_SPAN = timedelta(weeks=13)
MAX_SPAN = timedelta(days=366)
# Excel reads a CSV as the machine's legacy code page unless it starts with a
# byte order mark; every other tool we meet skips the mark.
ENCODING = "utf-8-sig"
MEDIA_TYPE = "text/csv; charset=utf-8"

EXPORT_COLUMNS = (P.id, P.channel_id, P.scheduled_at, P.kind, P.category, P.text, P.link,
                  P.story_id, P.episode, P.status, P.series_id)


@dataclass(frozen=True, slots=True)
class ExportFilter:
    start: datetime | None = None
    end: datetime | None = None
    channel_id: str | None = None
    kind: str | None = None
    status: str | None = None
    story_id: str | None = None
    series_id: str | None = None


@dataclass(frozen=True, slots=True)
class Export:
    start: datetime
    end: datetime
    filename: str
    rows: list[tuple[str, ...]]

    def csv_bytes(self) -> bytes:
        return to_csv(self.rows)

    @property
    def headers(self) -> dict[str, str]:
        # A download, never kept by a shared cache: it holds the team's plan.
        return {"Content-Disposition": f'attachment; filename="{self.filename}"',
                "Cache-Control": "private, no-store"}


def export_range(start: datetime | None, end: datetime | None, *, now: datetime,
                 tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The range an export covers: as given, or the default span from a given
    side (both missing: from this week's Monday)."""
    if start is None and end is None:
        start = current_week(now, tz)[0]
    if start is None:
        assert end is not None
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    if end <= start:
        raise Invalid.one("query.end", "must be after start")
    if end - start > MAX_SPAN:
        raise Invalid.one("query.end", f"an export spans at most {MAX_SPAN.days} days; "
                                       "export a longer plan in parts")
    return start, end


def export_posts(*, session: Session, access: Access, filters: ExportFilter,
                 now: datetime) -> Export:
    workspace = access.workspace
    tz = ZoneInfo(workspace.timezone)
    start, end = export_range(filters.start, filters.end, now=now, tz=tz)
    ctx = context(session=session, workspace=workspace,
                  channel_ids=[filters.channel_id] if filters.channel_id else None)
    if filters.channel_id is not None and filters.channel_id not in ctx.channels:
        raise Invalid.one("query.channel_id", "no such channel in this workspace")
    stories = _names(session, Story, workspace.id, filters.story_id, "query.story_id",
                     "no such story in this workspace")
    series = _names(session, Series, workspace.id, filters.series_id, "query.series_id",
                    "no such series in this workspace")

    query = select(*EXPORT_COLUMNS).where(
        P.workspace_id == workspace.id, P.scheduled_at >= start, P.scheduled_at < end)
    for name in ("channel_id", "kind", "status", "story_id", "series_id"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(P, name) == value)
    rows = list(session.execute(query.order_by(P.scheduled_at, P.id)))

    found = findings_in_range(ctx, start=start, end=end, channel_ids=list(ctx.channels))
    counts = open_findings_per_post(session, workspace.id, found)
    channel_names = {cid: c.name for cid, c in ctx.channels.items()}
    return Export(start=start, end=end, filename=filename(workspace.name, start, end, tz),
                  rows=[_row(r, tz, channel_names, stories, series, counts) for r in rows])


def open_findings_per_post(session: Session, workspace_id: str,
                           findings: Sequence[Finding]) -> Counter[str]:
    """How many findings nobody acknowledged name each post."""
    acks = acknowledgements.lookup(session=session, workspace_id=workspace_id,
                                   findings=findings)
    return Counter(pid for f in findings if acks.of(f) is None for pid in set(f.post_ids))


def _names(session: Session, table: Any, workspace_id: str, wanted: str | None,
           field: str, missing: str) -> dict[str, str]:
    """The names of the workspace's stories (or series) by id, checking a filter's id."""
    columns = [table.id, table.name] + ([table.rrule] if table is Series else [])
    found = {row[0]: (row[1] or (row[2] if len(row) > 2 else "")) for row in
             session.execute(select(*columns).where(table.workspace_id == workspace_id))}
    if wanted is not None and wanted not in found:
        raise Invalid.one(field, missing)
    return found


def _row(row: Any, tz: ZoneInfo, channels: dict[str, str], stories: dict[str, str],
         series: dict[str, str], findings: Counter[str]) -> tuple[str, ...]:
    at = row.scheduled_at if row.scheduled_at.tzinfo else row.scheduled_at.replace(tzinfo=UTC)
    cells = {
        "channel": channels.get(row.channel_id, ""),
        "scheduled_at": at.astimezone(tz).isoformat(timespec="seconds"),
        "kind": row.kind,
        "category": row.category or "",
        "text": row.text,
        "link": row.link or "",
        "story": stories.get(row.story_id, "") if row.story_id else "",
        "episode": "" if row.episode is None else str(row.episode),
        "status": row.status,
        "series": series.get(row.series_id, "") if row.series_id else "",
        "findings": str(findings.get(row.id, 0)),
    }
    return tuple(protect(cells[column]) for column in COLUMNS)


def to_csv(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode(ENCODING)


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "workspace"


def filename(workspace_name: str, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """giveask-<workspace>-<first day>-<last day>.csv, the days local and both included."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return f"giveask-{slug(workspace_name)}-{first.isoformat()}-{last.isoformat()}.csv"


def local_day_range(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A page's "from" and "to" dates (both included) as the range they mean."""
    if last < first:
        raise Invalid.one("to", "must not be before the first day")
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the export form offers to filter by: (id, name) pairs, by name."""

    channels: list[tuple[str, str]]
    stories: list[tuple[str, str]]
    series: list[tuple[str, str]]


def _by_name(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda p: (p[1].lower(), p[0]))


def filter_choices(*, session: Session, access: Access) -> Choices:
    ws = access.workspace.id
    channels = session.execute(select(Channel.id, Channel.name)  # type: ignore[call-overload]
                               .where(Channel.workspace_id == ws)).all()
    return Choices(channels=_by_name((i, n) for i, n in channels),
                   stories=_by_name(_names(session, Story, ws, None, "", "").items()),
                   series=_by_name(_names(session, Series, ws, None, "", "").items()))
