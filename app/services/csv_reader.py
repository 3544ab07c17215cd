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


def separator_of(text: str) -> str:
    """The separator of the file's first line, counted outside quotes."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_table(text: str) -> Table:
    """Every record of the file with its line, blank ones included."""
    text = text.lstrip("\ufeff")
    separator = separator_of(text)
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
            error = FieldError(f"line {start}", f"unreadable CSV ({exc})")
            break
        records.append(Record(line=start, cells=cells))
    return Table(separator=separator, records=records, error=error)
