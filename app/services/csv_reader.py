"""Reading a CSV file as spreadsheets write it, for `giveask check` and the import.

Spreadsheets differ in three ways that matter here: a byte order mark in front
(Excel's "CSV UTF-8", or UTF-16 for its "Unicode text"), a legacy encoding
(Excel's plain "CSV" on Windows is cp1252), and the separator (Excel in a
German, French or Dutch locale writes ``;`` because ``,`` is their decimal
mark). The reader takes all three from the file itself, and keeps each
record's physical line number, so an error on a text with line breaks in it
still names the line the editor sees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from app.errors import FieldError
from app.i18n import gettext as _

SEPARATORS = (",", ";", "\t")


@dataclass(frozen=True)
class Record:
    line: int  # the physical line the record starts on, from 1
    cells: list[str]

    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(frozen=True)
class Table:
    separator: str
    records: list[Record]
    error: FieldError | None  # an unreadable record ends the file there


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), UTF-16 with its
    byte order mark (Excel's "Unicode text"), else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 maps all but five bytes; those five fall back to latin-1's
        # control characters rather than failing the whole file.
        return data.decode("cp1252", errors="replace")


SNIFFED_RECORDS = 20


def separator_of(text: str) -> str:
    """The file's separator: the one every one of its first records uses equally
    often (and the header at all), else the one its first line uses most.

    The first line alone misleads on a file without a header: a Hootsuite row
    from German Excel, ``15.12.2026 09:00;Hallo, Welt, heute;https://…``, has as
    many commas as semicolons (Excel quotes a cell only for the separator), but
    only the semicolons come back the same number of times on every row."""
    per_record: list[dict[str, int]] = []
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            if any(counts.values()):
                per_record.append(counts)
                if len(per_record) == SNIFFED_RECORDS:
                    break
            counts = dict.fromkeys(SEPARATORS, 0)
        elif char in counts and not quoted:
            counts[char] += 1
    if any(counts.values()) and len(per_record) < SNIFFED_RECORDS:
        per_record.append(counts)
    if not per_record:
        return ","
    first = per_record[0]
    steady = [s for s in SEPARATORS if first[s] and len(per_record) > 1
              and all(record[s] == first[s] for record in per_record)]
    candidates = steady or [s for s in SEPARATORS if first[s]]
    return max(candidates, key=lambda s: first[s]) if candidates else ","


def read_table(text: str, separator: str | None = None) -> Table:
    """Every record of the file with its line, blank ones included; ``separator``
    when the caller knows it, else the file's own (``separator_of``)."""
    text = text.lstrip("\ufeff")
    separator = separator or separator_of(text)
    # skipinitialspace: "text, link" (a space after each separator) reads as "link",
    # and a quoted cell after such a space is still one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator,
                        skipinitialspace=True)
    records: list[Record] = []
    error: FieldError | None = None
    iterator: Iterator[list[str]] = iter(reader)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(iterator)
        except StopIteration:
            break
        except csv.Error as exc:
            error = FieldError(f"line {start}", _("unreadable CSV (%(reason)s)")
                               % {"reason": exc})
            break
        records.append(Record(line=start, cells=cells))
    return Table(separator=separator, records=records, error=error)


SEPARATOR_CHOICES = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "\t": "\t", "\\t": "\t",
                     "tab": "\t"}


def separator_named(value: str | None) -> str | None:
    """The separator an option names (``;``, ``semicolon``, ``tab``…), None for
    none; ValueError for anything else."""
    if not value:
        return None
    found = SEPARATOR_CHOICES.get(value) or SEPARATOR_CHOICES.get(value.strip().lower())
    if found is None:
        raise ValueError(_("must be , or ; or tab (or their names: comma, semicolon)"))
    return found
