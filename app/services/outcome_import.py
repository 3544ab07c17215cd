"""Importing post outcomes from a CSV file: each row names a published post,
by ``post_id`` or by ``channel`` and ``scheduled_at``, and gives any of the
figures. Checked whole (the dry run), then saved whole or not at all.

The posts export's other columns (kind, text, status…) are taken as information,
so an export of published posts with figure columns added can be imported as it
is. A figure column the file has replaces that figure (an empty cell makes it
unknown); a figure the file has no column for stays as it was. The file is read
as the posts import reads one (app/services/csv_reader.py): German ``;`` files,
cp1252 and UTF-16, and its dates (app/services/import_formats.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from app.csv_cells import COLUMNS as EXPORT_COLUMNS
from app.csv_cells import unprotect
from app.db import utcnow
from app.errors import Conflict, FieldError, Invalid
from app.i18n import current as current_language
from app.i18n import gettext as _
from app.i18n import ngettext, number
from app.models import Channel, Post
from app.schemas_outcomes import FIGURE_MAX, FIGURES, whole_text
from app.services import import_formats
from app.services import outcomes as outcome_service
from app.services.access import Access
from app.services.csv_reader import Record, decode, read_table, separator_named
from app.services.import_formats import Columns, RowError, TimeReader
from app.services.imports import MAX_IMPORT_ROWS, check_size, file_refused
from app.services.local_time import LocalTimeError

KEYS = ("post_id", "channel", "scheduled_at")
COLUMNS = (*KEYS, *FIGURES)
CHUNK = 500
_WHOLE = re.compile(r"([+-]?)([0-9]+)")  # ASCII: "１２" is a digit to \d


@dataclass
class OutcomeRow:
    line: int
    post: Post
    figures: dict[str, int | None]


@dataclass
class OutcomePlan:
    date_order: str | None
    columns: list[str]  # the figures the file sets
    records: int  # data rows in the file, blank ones left out
    rows: list[OutcomeRow]
    errors: list[RowError]


def _file_error(message: str) -> Invalid:
    return Invalid.one("file", message)


def _short(cell: str, most: int = 60) -> str:
    """A cell as an error message repeats it: a 100 KB one is no help there."""
    return cell if len(cell) <= most else cell[:most] + "…"


def _unknown_words(unknown: list[str]) -> str:
    if not unknown:
        return ""
    return " " + _("(%(columns)s: no column of an outcome import)") % {
        "columns": ", ".join(unknown)}


def _figure(raw: str) -> tuple[int | None, str | None]:
    """A cell's figure (None: empty), or why it is none."""
    text = raw.strip()
    if not text:
        return None, None
    match = _WHOLE.fullmatch(text)
    if match is None:
        return None, whole_text()
    sign, digits = match.groups()
    if sign == "-" and digits.strip("0"):
        return None, _("must not be negative")
    # Compared as text first: int() refuses thousands of digits.
    if len(digits.lstrip("0")) > len(str(FIGURE_MAX)) or int(digits) > FIGURE_MAX:
        return None, _("must be at most %(most)s") % {"most": number(FIGURE_MAX)}
    return int(digits), None


def prepare(*, session: Session, access: Access, data: bytes, date_order: str | None = None,
            separator: str | None = None) -> OutcomePlan:
    """Every row read and matched to its post, every problem found; nothing written."""
    access.require("editor")
    check_size(data)
    options: list[FieldError] = []
    if date_order is not None and date_order not in import_formats.DATE_ORDERS:
        options.append(FieldError("date_order",
                                  _("must be dmy (31/12/2026) or mdy (12/31/2026)")))
    try:
        sep = separator_named(separator)
    except ValueError as exc:
        options.append(FieldError("separator", str(exc)))
        sep = None
    if options:
        raise Invalid("; ".join(f"{e.field}: {e.message}" for e in options), errors=options)
    table = read_table(decode(data), sep)
    records = [r for r in table.records if not r.blank()]
    if not records:
        raise _file_error(_("is empty; a CSV file with a header row and a row per post is "
                            "needed"))
    if any("\x00" in cell for cell in records[0].cells):
        # What a UTF-16 file without its byte order mark reads as.
        raise _file_error(_("has NUL bytes in its header: save it as CSV in UTF-8 (or "
                            "UTF-16 with a byte order mark)"))
    columns = Columns(records[0].cells)
    unknown = [n for n in columns.names
               if n and n.lower() not in COLUMNS and n.lower() not in EXPORT_COLUMNS]
    by_post_id = columns.has("post_id")
    by_time = columns.has("channel") and columns.has("scheduled_at")
    if not by_post_id and not by_time:
        raise _file_error(_("names no post: give a post_id column, or channel and "
                            "scheduled_at columns") + _unknown_words(unknown))
    figures = [name for name in FIGURES if columns.has(name)]
    if not figures:
        raise _file_error(_("has no figure to enter: give one or more of the columns "
                            "%(columns)s") % {"columns": ", ".join(FIGURES)}
                          + _unknown_words(unknown))
    data_records = records[1:]
    if len(data_records) > MAX_IMPORT_ROWS:
        raise _file_error(_("has %(rows)s rows; an import takes at most %(most)s. Split it "
                            "into several files.")
                          % {"rows": number(len(data_records)), "most": number(MAX_IMPORT_ROWS)})
    dates = [(r.line, columns.cell(r, "scheduled_at")) for r in data_records
             if not (by_post_id and columns.cell(r, "post_id"))] if by_time else []
    order, order_error = import_formats.settle_date_order(
        dates, date_order, fallback=import_formats.habitual_date_order(current_language()))
    if order_error is not None:
        raise Invalid.one("date_order", order_error.message)

    errors: list[RowError] = []
    if table.error is not None:
        errors.append(RowError(int(table.error.field.removeprefix("line ")), "file",
                               table.error.message))
    # The posts export's other columns are information here: an export with
    # figure columns added comes back as it is.
    for name in unknown:
        errors.append(RowError(1, name, _("unknown column (the columns of an outcome "
                                          "import are %(columns)s)")
                               % {"columns": ", ".join(COLUMNS)}))
    seen: set[str] = set()
    for name in columns.names:
        if name.lower() in COLUMNS and name.lower() in seen:
            errors.append(RowError(1, name, _("appears twice; which one holds the figure?")))
        seen.add(name.lower())
    width = len(columns.names)
    for record in data_records:
        # A short row would make the figures of its missing cells unknown.
        cells = len(record.cells)
        if cells < width or any(c.strip() for c in record.cells[width:]):
            errors.append(RowError(record.line, "file", ngettext(
                "has %(cells)s cell where the header has %(columns)s",
                "has %(cells)s cells where the header has %(columns)s", cells)
                % {"cells": cells, "columns": width}))
    matcher = _Matcher(session, access, columns, TimeReader(access.workspace.timezone, order))
    rows: list[OutcomeRow] = []
    first_line: dict[str, int] = {}
    for record, post in matcher.match(data_records, errors):
        values: dict[str, int | None] = {}
        readable = True
        for name in figures:
            value, problem = _figure(columns.cell(record, name))
            if problem is not None:
                errors.append(RowError(record.line, columns.first(name) or name, problem))
                readable = False
            values[name] = value
        if post is None or not readable:
            continue
        if post.id in first_line:
            errors.append(RowError(record.line, matcher.key_column(record), _(
                "the same post as line %(line)d") % {"line": first_line[post.id]}))
            continue
        first_line[post.id] = record.line
        rows.append(OutcomeRow(line=record.line, post=post, figures=values))
    # A cell or column name quoted in a message is cut short: a file of huge
    # cells must not give a page (or a problem) of huge messages.
    errors = [RowError(e.line, _short(e.column), _short(e.message, 400)) for e in errors]
    return OutcomePlan(date_order=order, columns=figures, records=len(data_records), rows=rows,
                       errors=sorted(errors, key=lambda e: (e.line or 0, e.column)))


class _Matcher:
    """Finds each row's post: by id, or by its channel and time, all in a few queries."""

    def __init__(self, session: Session, access: Access, columns: Columns,
                 times: TimeReader) -> None:
        self.session = session
        self.access = access
        self.columns = columns
        self.times = times

    def key_column(self, record: Record) -> str:
        if self.columns.has("post_id") and self.columns.cell(record, "post_id"):
            return self.columns.first("post_id") or "post_id"
        return self.columns.first("scheduled_at") or "scheduled_at"

    def match(self, records: list[Record], errors: list[RowError]
              ) -> list[tuple[Record, Post | None]]:
        cols = self.columns
        wanted_ids: dict[int, str] = {}
        wanted_slots: dict[int, tuple[str, datetime]] = {}
        channels = self._channels()
        for record in records:
            if any("\x00" in cell for cell in record.cells):
                errors.append(RowError(record.line, "file",
                                       _("contains a NUL byte, which no text may hold")))
                continue
            post_id = cols.cell(record, "post_id") if cols.has("post_id") else ""
            if post_id:
                wanted_ids[record.line] = post_id
                continue
            if not (cols.has("channel") and cols.has("scheduled_at")):
                errors.append(RowError(record.line, cols.first("post_id") or "post_id",
                                       _("is empty: give the post's id")))
                continue
            slot = self._slot(record, channels, errors)
            if slot is not None:
                wanted_slots[record.line] = slot
        by_id = self._posts_by_id(list(wanted_ids.values()))
        by_slot = self._posts_at([slot for slot in wanted_slots.values()])
        found: list[tuple[Record, Post | None]] = []
        for record in records:
            post: Post | None = None
            if record.line in wanted_ids:
                post = by_id.get(wanted_ids[record.line])
                if post is None:
                    errors.append(RowError(record.line, cols.first("post_id") or "post_id",
                                           _("no post %(id)s in this workspace")
                                           % {"id": repr(_short(wanted_ids[record.line]))}))
            elif record.line in wanted_slots:
                slot = wanted_slots[record.line]
                there = by_slot.get(slot, [])
                column = cols.first("scheduled_at") or "scheduled_at"
                if not there:
                    errors.append(RowError(record.line, column, _(
                        "no post on this channel at this time")))
                elif len(there) > 1:
                    errors.append(RowError(record.line, column, ngettext(
                        "%(count)d post on this channel at this time; name it by post_id",
                        "%(count)d posts on this channel at this time; name it by post_id",
                        len(there)) % {"count": len(there)}))
                else:
                    post = there[0]
            else:
                continue
            if post is not None and post.status != "published":
                errors.append(RowError(record.line, self.key_column(record),
                                       outcome_service.not_published_text(post)))
                post = None
            found.append((record, post))
        return found

    def _channels(self) -> dict[str, Channel]:
        rows = self.session.exec(select(Channel).where(
            Channel.workspace_id == self.access.workspace.id)).all()
        named = {c.name.strip().lower(): c for c in rows}
        return {**named, **{c.id: c for c in rows}}

    def _slot(self, record: Record, channels: dict[str, Channel],
              errors: list[RowError]) -> tuple[str, datetime] | None:
        cols = self.columns
        # As the export wrote it: a name a spreadsheet would run ("-Sale team") has
        # an apostrophe in front (app/csv_cells.py).
        name = unprotect(cols.cell(record, "channel"))
        channel_column = cols.first("channel") or "channel"
        time_column = cols.first("scheduled_at") or "scheduled_at"
        raw = cols.cell(record, "scheduled_at")
        if not name:
            errors.append(RowError(record.line, channel_column,
                                   _("is empty: name the post's channel, or give its post_id")))
            return None
        channel = channels.get(name) or channels.get(name.lower())
        if channel is None:
            errors.append(RowError(record.line, channel_column,
                                   _("no channel %(channel)s in this workspace")
                                   % {"channel": repr(_short(name))}))
            return None
        if not raw:
            errors.append(RowError(record.line, time_column,
                                   _("is empty: give the post's date and time, or its "
                                     "post_id")))
            return None
        try:
            at = self.times.read_iso(raw)
        except LocalTimeError as exc:
            errors.append(RowError(record.line, time_column, str(exc)))
            return None
        except ValueError as exc:
            errors.append(RowError(record.line, time_column, str(exc)))
            return None
        return channel.id, at.astimezone(UTC)

    def _posts_by_id(self, ids: list[str]) -> dict[str, Post]:
        found: dict[str, Post] = {}
        unique = list(dict.fromkeys(ids))
        for i in range(0, len(unique), CHUNK):
            found.update({p.id: p for p in self.session.exec(select(Post).where(
                Post.workspace_id == self.access.workspace.id,
                col(Post.id).in_(unique[i:i + CHUNK]))).all()})
        return found

    def _posts_at(self, slots: list[tuple[str, datetime]]) -> dict[tuple[str, datetime],
                                                                    list[Post]]:
        found: dict[tuple[str, datetime], list[Post]] = {}
        times = list(dict.fromkeys(at for _channel, at in slots))
        wanted = set(slots)
        for i in range(0, len(times), CHUNK):
            for post in self.session.exec(select(Post).where(
                    Post.workspace_id == self.access.workspace.id,
                    col(Post.scheduled_at).in_(times[i:i + CHUNK]))).all():
                key = (post.channel_id, post.scheduled_at.astimezone(UTC))
                if key in wanted:
                    found.setdefault(key, []).append(post)
        return found


def run(*, session: Session, access: Access, plan: OutcomePlan) -> int:
    """Write a plan without errors: every row's figures, in one flush."""
    if plan.errors:
        raise file_refused(plan.errors)
    existing = outcome_service.rows_of(session, [r.post.id for r in plan.rows])
    now = utcnow()
    for row in plan.rows:
        outcome_service.write_figures(session=session, access=access, post=row.post,
                                      row=existing.get(row.post.id), figures=row.figures,
                                      now=now)
    try:
        with session.begin_nested():
            session.flush()
    except (IntegrityError, StaleDataError):
        raise Conflict(_("Someone entered results for one of these posts meanwhile; nothing "
                         "was imported. Import the file again.")) from None
    return len(plan.rows)
