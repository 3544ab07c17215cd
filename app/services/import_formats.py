"""The CSV formats the import reads, and how a row of each becomes a planned post.

Giveask's own columns (app/csv_cells.py COLUMNS, any order) carry everything.
The bulk formats of Publer, SocialBee, Sprout Social and Hootsuite carry a time,
a text and maybe a link: no channel (those tools pick the profiles on upload)
and no give/ask. A label that is ``give``, ``ask`` or a category name gives a
row its kind; otherwise the default kind chosen on import does. No database
here: channels, stories, statuses and limits are settled in app/services/imports.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from app.csv_cells import COLUMNS, unprotect
from app.i18n import gettext as _
from app.i18n import ngettext
from app.rules.facts import CATEGORIES_BY_KIND
from app.schemas import MAX_YEAR, MIN_YEAR, time_in_window
from app.services.csv_reader import Record
from app.services.local_time import LocalTimeError, in_zone

FORMATS = ("giveask", "publer", "socialbee", "sprout", "hootsuite")
FORMAT_NAMES = {"giveask": "Giveask", "publer": "Publer", "socialbee": "SocialBee",
                "sprout": "Sprout Social", "hootsuite": "Hootsuite"}
DATE_ORDERS = ("dmy", "mdy")

# Columns whose words may name a kind or a category, in any format.
LABEL_COLUMNS = ("label(s)", "labels", "label", "tags", "tag", "categories", "category")
KIND_OF_CATEGORY = {c: kind for kind, cats in CATEGORIES_BY_KIND.items() for c in cats}
# Labels teams use for a category under another name.
LABEL_ALIASES = {"question": "engage", "questions": "engage", "tip": "help", "tips": "help",
                 "promo": "offer", "promotion": "offer", "launch": "news"}


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: a choice of the import as a whole (format, date_order, kind…)
    column: str
    message: str


@dataclass
class Draft:
    """One row as the file says it, before channels and stories are looked up."""

    line: int
    at: datetime | None
    text: str
    channel: str | None = None  # a channel name (Giveask's format); None: the default channel
    kind: str | None = None
    kind_from: str = "file"  # file | label | default
    category: str | None = None
    link: str | None = None
    story: str | None = None
    episode: int | None = None
    status: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    format: str
    date_order: str | None
    drafts: list[Draft]
    errors: list[RowError]


class Columns:
    """A header's columns by lower-case name, keeping the file's spelling for errors."""

    def __init__(self, header: list[str]) -> None:
        self.names = [h.strip() for h in header]
        self.index: dict[str, int] = {}
        for i, name in enumerate(self.names):
            self.index.setdefault(name.lower(), i)

    def has(self, *names: str) -> bool:
        return any(n in self.index for n in names)

    def first(self, *names: str) -> str | None:
        """The file's own spelling of the first of ``names`` it has."""
        for name in names:
            if name in self.index:
                return self.names[self.index[name]]
        return None

    def cell(self, record: Record, *names: str) -> str:
        for name in names:
            i = self.index.get(name)
            if i is not None:
                return record.cells[i].strip() if i < len(record.cells) else ""
        return ""


# ---- which format ------------------------------------------------------------------

_SLASHED_DATE_TIME = re.compile(r"^\s*\d{1,2}[/.]\d{1,2}[/.]\d{4}[ T]+\d{1,2}[:.\-]\d{2}")


def detect(records: list[Record]) -> str | None:
    """The format the first record names, or None when it names none."""
    if not records:
        return None
    columns = Columns(records[0].cells)
    if columns.has("scheduled_at"):
        return "giveask"
    if columns.has("message_text"):
        return "sprout"
    if columns.has("postatspecifictime") or columns.has("imageurls", "gifurls", "videourls"):
        return "socialbee"
    if columns.has("date") and columns.has("text", "message") and columns.has(
            "link(s)", "media url(s)", "label(s)", "labels", "media urls", "link"):
        return "publer"
    first = records[0].cells
    if 2 <= len(first) <= 3 and _SLASHED_DATE_TIME.match(first[0]):
        return "hootsuite"
    return None


# ---- dates and times ------------------------------------------------------------------

_TIME = r"(\d{1,2})[:.\-h](\d{2})(?:[:.\-](\d{2}))?"
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:[ T]+|,\s*)" + _TIME
                         + r")?\s*(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_DAY_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:(?:[ T]+|,\s*)"
                                 + _TIME + r")?$")
_TIME_ONLY = re.compile(r"^" + _TIME + r"$")


class TimeOfDayError(ValueError):
    """A separate time column holds no time of day."""


def _not_a_date(raw: str) -> str:
    return _("%(value)s is not a date and time like 2026-12-01 09:00, 01/12/2026 09:00 or "
             "2026-12-01T09:00:00+01:00") % {"value": repr(raw)}


def order_evidence(raw: str) -> str | None:
    """``dmy`` or ``mdy`` when a slashed date can only be read one way, else None."""
    match = _DAY_OR_MONTH_FIRST.match(raw.strip())
    if not match or match.group(2) == ".":
        return None
    first, second = int(match.group(1)), int(match.group(3))
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def is_ambiguous(raw: str) -> bool:
    match = _DAY_OR_MONTH_FIRST.match(raw.strip())
    return bool(match and match.group(2) != "." and match.group(1) != match.group(3)
                and int(match.group(1)) <= 12 and int(match.group(3)) <= 12)


class TimeReader:
    """Reads the dates and times of one file in the workspace's zone."""

    def __init__(self, zone_name: str, date_order: str | None) -> None:
        self.zone_name = zone_name
        self.zone = ZoneInfo(zone_name)
        self.date_order = date_order

    def read(self, raw: str, raw_time: str | None = None) -> datetime:
        """The instant ``raw`` (and ``raw_time``, from a separate column) names;
        ValueError with the reason otherwise."""
        text = raw.strip()
        if raw_time is not None:
            clock = raw_time.strip()
            if not _TIME_ONLY.match(clock):
                raise TimeOfDayError(_("%(value)s is not a 24-hour time like 09:30")
                                     % {"value": repr(raw_time)})
            text = f"{text} {clock}"
        offset: str | None = None
        match = _YEAR_FIRST.match(text)
        if match:
            year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
            hour, minute, second = match.group(4), match.group(5), match.group(6)
            offset = match.group(7)
        else:
            other = _DAY_OR_MONTH_FIRST.match(text)
            if not other:
                raise ValueError(_not_a_date(raw))
            a, b, year = int(other.group(1)), int(other.group(3)), int(other.group(4))
            hour, minute, second = other.group(5), other.group(6), other.group(7)
            order = "dmy" if other.group(2) == "." else self.date_order
            if order is None:  # only when the date reads the same either way
                order = "dmy"
            day, month = (a, b) if order == "dmy" else (b, a)
        if hour is None:
            raise ValueError(_("%(value)s has no time of day; give one like 09:00")
                             % {"value": repr(raw)})
        try:
            naive = datetime(year, month, day, int(hour), int(minute), int(second or 0))
        except ValueError:
            raise ValueError(_("%(value)s is not a real date and time like 2026-12-01 "
                               "09:00, 01/12/2026 09:00 or 2026-12-01T09:00:00+01:00")
                             % {"value": repr(raw)}) from None
        if not MIN_YEAR <= naive.year <= MAX_YEAR:
            raise ValueError(_("%(value)s lies outside the years %(first)d to %(last)d")
                             % {"value": repr(raw), "first": MIN_YEAR, "last": MAX_YEAR})
        if offset is None:
            at = in_zone(naive, self.zone, self.zone_name)
        else:
            at = datetime.fromisoformat(naive.isoformat() + _offset(offset))
        time_in_window(at)
        return at

    def read_iso(self, raw: str) -> datetime:
        """Giveask's own ``scheduled_at``: RFC 3339, the offset optional (then read
        in the zone), as `giveask check` reads it; or a date and time as a
        spreadsheet rewrites it on saving (German Excel: ``15.12.2026 09:00``)."""
        text = raw.strip()
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            if _YEAR_FIRST.match(text) or _DAY_OR_MONTH_FIRST.match(text):
                return self.read(raw)
            raise ValueError(_("%(value)s is not a date and time like "
                               "2026-11-24T09:00:00+01:00 (years %(first)d to %(last)d)")
                             % {"value": repr(raw), "first": MIN_YEAR, "last": MAX_YEAR}
                             ) from None
        if at.tzinfo is None:
            at = in_zone(at, self.zone, self.zone_name)
        time_in_window(at)
        return at


def _offset(text: str) -> str:
    if text.upper() == "Z":
        return "+00:00"
    return text if ":" in text else f"{text[:3]}:{text[3:]}"


# ---- labels to kinds --------------------------------------------------------------

_LABEL_SPLIT = re.compile(r"\|\||[,;|]")


def kind_from_labels(raw: str) -> tuple[str | None, str | None, str | None]:
    """(kind, category, problem) from a cell of labels: a label ``give`` or
    ``ask`` names the kind, a category name both (``help`` is a give)."""
    kinds: set[str] = set()
    category: str | None = None
    for label in _LABEL_SPLIT.split(raw):
        word = label.strip().lower()
        word = LABEL_ALIASES.get(word, word)
        if word in CATEGORIES_BY_KIND:
            kinds.add(word)
        elif word in KIND_OF_CATEGORY:
            kinds.add(KIND_OF_CATEGORY[word])
            category = category or word
    if len(kinds) > 1:
        return None, None, (_("the labels %(labels)s name both give and ask; keep one")
                            % {"labels": repr(raw)})
    kind = next(iter(kinds), None)
    if category is not None and KIND_OF_CATEGORY[category] != kind:
        category = None
    return kind, category, None


# ---- reading a file ---------------------------------------------------------------


def _chain(cell: str) -> list[str]:
    """Publer's ``||`` chains (and commas between links): the non-empty parts."""
    return [part.strip() for part in re.split(r"\|\||,(?=\s*https?://)", cell) if part.strip()]


class _Reader:
    def __init__(self, format: str, times: TimeReader, default_kind: str | None) -> None:
        self.format = format
        self.times = times
        self.default_kind = default_kind
        self.errors: list[RowError] = []

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def when(self, line: int, column: str, raw: str, raw_time: str | None = None,
             time_column: str | None = None) -> datetime | None:
        if not raw.strip():
            if self.format == "giveask":
                self.error(line, column, _("is empty: Giveask needs a date and time for every "
                                           "post"))
            else:
                self.error(line, column, _("is empty: Giveask needs a date and time for every "
                                           "post (%(tool)s may pick one itself; Giveask does "
                                           "not guess)") % {"tool": FORMAT_NAMES[self.format]})
            return None
        if raw_time is not None and not raw_time.strip():
            self.error(line, time_column or column,
                       _("is empty: give a 24-hour time like 09:30"))
            return None
        try:
            if self.format == "giveask":
                return self.times.read_iso(raw)
            return self.times.read(raw, raw_time)
        except LocalTimeError as exc:
            self.error(line, column, str(exc))
        except TimeOfDayError as exc:
            self.error(line, time_column or column, str(exc))
        except ValueError as exc:
            self.error(line, column, str(exc))
        return None

    def labelled(self, draft: Draft, columns: Columns, record: Record) -> None:
        """Kind and category from a label column, else the default kind."""
        name = columns.first(*LABEL_COLUMNS)
        if name is not None and draft.kind is None:
            kind, category, problem = kind_from_labels(columns.cell(record, name.lower()))
            if problem:
                self.error(record.line, name, problem)
                return
            if kind is not None:
                draft.kind, draft.kind_from = kind, "label"
                draft.category = draft.category or category
        if draft.kind is None and self.default_kind is not None:
            draft.kind, draft.kind_from = self.default_kind, "default"


def _nul_check(reader: _Reader, record: Record, names: list[str]) -> bool:
    for i, cell in enumerate(record.cells):
        if "\x00" in cell:
            column = names[i] if i < len(names) else f"column {i + 1}"
            reader.error(record.line, column, _("contains a NUL byte, which no text may hold"))
            return False
    return True


def read_records(records: list[Record], *, format: str, times: TimeReader,
                 default_kind: str | None) -> ParsedFile:
    """Every data record of the file as a draft, and every problem found."""
    reader = _Reader(format, times, default_kind)
    drafts: list[Draft] = []
    if format == "hootsuite":
        columns = Columns(["column 1", "column 2", "column 3"])
        data = records
    else:
        columns = Columns(records[0].cells if records else [])
        data = records[1:]
        if format == "giveask":
            unknown = [n for n in columns.names if n and n.lower() not in COLUMNS]
            for name in unknown:
                reader.error(1, name, _("unknown column (Giveask's columns are "
                                        "%(columns)s)") % {"columns": ", ".join(COLUMNS)})
    row_of = {"giveask": _giveask_row, "publer": _publer_row, "socialbee": _socialbee_row,
              "sprout": _sprout_row, "hootsuite": _hootsuite_row}[format]
    for record in data:
        if record.blank() or not _nul_check(reader, record, columns.names):
            continue
        draft = row_of(reader, columns, record)
        if draft is not None:
            drafts.append(draft)
    return ParsedFile(format=format, date_order=times.date_order, drafts=drafts,
                      errors=reader.errors)


def _giveask_row(reader: _Reader, columns: Columns, record: Record) -> Draft | None:
    line = record.line

    def cell(name: str) -> str:
        return columns.cell(record, name)

    at = reader.when(line, columns.first("scheduled_at") or "scheduled_at", cell("scheduled_at"))
    draft = Draft(line=line, at=at, text=unprotect(cell("text")),
                  channel=unprotect(cell("channel")) or None,
                  link=cell("link") or None, story=unprotect(cell("story")) or None,
                  status=cell("status").lower())
    kind = cell("kind").lower()
    if kind:
        if kind not in CATEGORIES_BY_KIND:
            reader.error(line, "kind", _("%(value)s is not give or ask")
                         % {"value": repr(cell("kind"))})
            return None
        draft.kind = kind
    category = cell("category").lower() or None
    if category is not None and category not in KIND_OF_CATEGORY:
        reader.error(line, "category", _("%(value)s is not a category (give: %(gives)s; "
                                         "ask: %(asks)s)") % {
            "value": repr(category), "gives": ", ".join(CATEGORIES_BY_KIND["give"]),
            "asks": ", ".join(CATEGORIES_BY_KIND["ask"])})
        return None
    if category is not None:
        if draft.kind is None:
            draft.kind, draft.kind_from = KIND_OF_CATEGORY[category], "label"
        elif category not in CATEGORIES_BY_KIND[draft.kind]:
            reader.error(line, "category", not_of_kind(category, draft.kind))
            return None
        draft.category = category
    if draft.kind is None and reader.default_kind is not None:
        draft.kind, draft.kind_from = reader.default_kind, "default"
    if cell("episode"):
        try:
            draft.episode = int(cell("episode"))
            if draft.episode < 1:
                raise ValueError
        except ValueError:
            reader.error(line, "episode", _("must be a whole number from 1"))
            return None
        if draft.story is None:
            reader.error(line, "story", _("an episode needs a story"))
            return None
    return draft


def _publer_row(reader: _Reader, columns: Columns, record: Record) -> Draft | None:
    date_column = columns.first("date") or "Date"
    at = reader.when(record.line, date_column, columns.cell(record, "date"))
    parts = [p.strip() for p in columns.cell(record, "text", "message").split("||")]
    text = parts[0]
    notes: list[str] = []
    captions = [p for p in parts[1:] if p]
    if not text and captions:
        text = "\n\n".join(captions)
    elif captions:
        notes.append(ngettext("%(n)d photo caption after || left out",
                              "%(n)d photo captions after || left out", len(captions))
                     % {"n": len(captions)})
    links = _chain(columns.cell(record, "link(s)", "link"))
    if len(links) > 1:
        more = len(links) - 1
        notes.append(ngettext("%(n)d more link left out; the post keeps the first",
                              "%(n)d more links left out; the post keeps the first", more)
                     % {"n": more})
    draft = Draft(line=record.line, at=at, text=text, link=links[0] if links else None,
                  kind=None, notes=notes)
    reader.labelled(draft, columns, record)
    return draft


def _socialbee_row(reader: _Reader, columns: Columns, record: Record) -> Draft | None:
    column = columns.first("postatspecifictime") or "postAtSpecificTime"
    at = reader.when(record.line, column, columns.cell(record, "postatspecifictime"))
    draft = Draft(line=record.line, at=at, text=columns.cell(record, "text"),
                  link=columns.cell(record, "link") or None)
    reader.labelled(draft, columns, record)
    return draft


def _sprout_row(reader: _Reader, columns: Columns, record: Record) -> Draft | None:
    at = reader.when(record.line, columns.first("date") or "date", columns.cell(record, "date"),
                     columns.cell(record, "time_24hr"),
                     time_column=columns.first("time_24hr") or "time_24hr")
    draft = Draft(line=record.line, at=at, text=columns.cell(record, "message_text"),
                  link=columns.cell(record, "link", "url") or None)
    reader.labelled(draft, columns, record)
    return draft


def _hootsuite_row(reader: _Reader, columns: Columns, record: Record) -> Draft | None:
    cells = record.cells
    if len(cells) > 3:
        reader.error(record.line, "column 4", _("Hootsuite's rows have three columns: date "
                                                "and time, message, and an optional link"))
        return None
    at = reader.when(record.line, "column 1", cells[0] if cells else "")
    draft = Draft(line=record.line, at=at, text=cells[1].strip() if len(cells) > 1 else "",
                  link=(cells[2].strip() or None) if len(cells) > 2 else None)
    reader.labelled(draft, columns, record)
    return draft


def date_cells(records: list[Record], format: str) -> list[tuple[int, str]]:
    """(line, raw date) of every data record, to settle the file's date order."""
    if format == "hootsuite":
        return [(r.line, r.cells[0]) for r in records if r.cells and not r.blank()]
    if not records:
        return []
    columns = Columns(records[0].cells)
    name = {"giveask": "scheduled_at", "publer": "date", "sprout": "date",
            "socialbee": "postatspecifictime"}.get(format)
    if name is None:
        return []
    return [(r.line, columns.cell(r, name)) for r in records[1:] if not r.blank()]


def not_of_kind(category: str, kind: str) -> str:
    """A category another kind's (the words differ by kind, so each is one message)."""
    names = ", ".join(CATEGORIES_BY_KIND[kind])
    if kind == "give":
        return _("%(value)s is not a category of a give post (%(categories)s)") % {
            "value": repr(category), "categories": names}
    return _("%(value)s is not a category of an ask post (%(categories)s)") % {
        "value": repr(category), "categories": names}


def settle_date_order(cells: list[tuple[int, str]], given: str | None, *,
                      fallback: str | None = None, option: str = "date_order"
                      ) -> tuple[str | None, RowError | None]:
    """The file's date order: the one given, else the one its dates allow, else
    (dates that read both ways) ``fallback``, the reader's habit; an error
    naming ``option`` when they allow both or, with no fallback, either."""
    if given is not None:
        return given, None
    seen: dict[str, int] = {}
    ambiguous: tuple[int, str] | None = None
    for line, raw in cells:
        evidence = order_evidence(raw)
        if evidence is not None:
            seen.setdefault(evidence, line)
        elif ambiguous is None and is_ambiguous(raw):
            ambiguous = (line, raw)
    if len(seen) == 2:
        return None, RowError(None, option, _(
            "the dates read day first on line %(dmy)d and month first on line %(mdy)d; make "
            "them one order and choose %(option)s: dmy or mdy") % {
            "dmy": seen["dmy"], "mdy": seen["mdy"], "option": option})
    if seen:
        return next(iter(seen)), None
    if ambiguous is not None:
        if fallback is not None:
            return fallback, None
        line, raw = ambiguous
        return None, RowError(None, option, _(
            "dates like %(example)s (line %(line)d) read as day/month or month/day; choose "
            "%(option)s: dmy (31/12/2026) or mdy (12/31/2026)") % {
            "example": repr(raw.split()[0]), "line": line, "option": option})
    return None, None


def habitual_date_order(language: str) -> str | None:
    """The order a reader of ``language`` writes slashed dates in, when the file
    cannot tell: German (like most of Europe) puts the day first."""
    return "dmy" if language == "de" else None
