"""Giveask's own CSV: the columns the export writes and the import reads, and the
guard against formula injection that both apply the same way.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula, so a post text such as ``=HYPERLINK(...)`` could
act when a client opens the export. The export writes such a cell with a leading
apostrophe (which spreadsheets hide); the import takes one apostrophe off again
when a formula character follows, so export then import gives the text back.
"""

from __future__ import annotations

# The order of the export's columns. The import reads them in any order; it
# recreates stories by name, and takes ``series`` and ``findings`` as
# information only (a series is a rule, findings are computed).
COLUMNS = ("channel", "scheduled_at", "kind", "category", "text", "link", "story", "episode",
           "status", "series", "findings")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect(cell: str) -> str:
    """A cell a spreadsheet shows as text."""
    # Apostrophes already in front count as part of the text, so ``'=x`` comes back too.
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def unprotect(cell: str) -> str:
    """The cell as it was before ``protect``."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
