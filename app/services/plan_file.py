"""Reading a plan from a CSV file, for `giveask check` (no database involved).

Columns (header row required, order free, names case-insensitive):
channel, scheduled_at, kind (required); category, text, story, episode
(optional). A time without an offset is read in the --timezone given; one the
clock change there makes ambiguous or skips is refused. Times are read as the
import reads Giveask's own format: RFC 3339, or as a spreadsheet rewrites them
(``15.12.2026 09:00``, ``12/15/2026 09:00``; slashed dates in the file's order,
else ``date_order``, else ``fallback_order``, the reader's habit). The file is
read by app/services/csv_reader.py, the import's reader too (a byte order mark,
cp1252 and ``;`` separators are fine).

Errors carry ``line`` and ``column`` (``extra``) besides the English ``field``,
so the command can name the place in the reader's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.errors import FieldError, Invalid
from app.i18n import gettext as _
from app.rules import PostFact, StoryFact
from app.rules.facts import CATEGORIES_BY_KIND
from app.services.csv_reader import read_table
from app.services.import_formats import (
    TimeReader,
    date_cells,
    not_of_kind,
    settle_date_order,
)

REQUIRED = ("channel", "scheduled_at", "kind")
OPTIONAL = ("category", "text", "story", "episode")


@dataclass(frozen=True)
class PlanFile:
    posts: list[PostFact]
    channels: list[str]
    stories: list[StoryFact]


def _at(line: int, column: str, message: str) -> FieldError:
    return FieldError(f"line {line}, column {column}", message,
                      extra={"line": line, "column": column})


def read_plan_csv(text: str, *, timezone: str = "UTC", separator: str | None = None,
                  date_order: str | None = None, fallback_order: str | None = None,
                  order_option: str = "date_order") -> PlanFile:
    """Parse the whole file, collecting every problem; raise Invalid if any."""
    table = read_table(text, separator)
    if not table.records:
        raise Invalid(_("The file is empty."),
                      errors=[FieldError("line 1", _("the file is empty; a header row is "
                                                     "needed"), extra={"line": 1})])
    header = table.records[0].cells
    names = [h.strip().lower() for h in header]
    errors: list[FieldError] = []
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        for column in missing:
            errors.append(_at(1, column, _("missing column (the header needs %(columns)s)")
                              % {"columns": ", ".join(REQUIRED)}))
        raise Invalid(errors[0].field + ": " + errors[0].message, errors=errors)
    unknown = [n for n in names if n and n not in REQUIRED + OPTIONAL]
    for column in unknown:
        errors.append(_at(1, column, _("unknown column")))
    index = {name: i for i, name in enumerate(names)}
    order, order_error = settle_date_order(
        date_cells(table.records, "giveask"), date_order, fallback=fallback_order,
        option=order_option)
    if order_error is not None:
        raise Invalid(order_error.message,
                      errors=[FieldError(order_option, order_error.message)])
    times = TimeReader(timezone, order)

    posts: list[PostFact] = []
    channels: list[str] = []
    stories: dict[str, StoryFact] = {}
    episodes: dict[tuple[str, int], int] = {}
    for record in table.records[1:]:
        line, row = record.line, record.cells
        if record.blank():
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = index.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        channel = cell("channel")
        if not channel:
            errors.append(_at(line, "channel", _("is empty")))
        at: datetime | None = None
        try:
            at = times.read_iso(cell("scheduled_at"))
        except ValueError as exc:  # LocalTimeError too: a clock change's hour
            errors.append(_at(line, "scheduled_at", str(exc)))
        kind = cell("kind").lower()
        if kind not in CATEGORIES_BY_KIND:
            errors.append(_at(line, "kind", _("%(value)s is not give or ask")
                              % {"value": repr(cell("kind"))}))
        category = cell("category").lower() or None
        if category and kind in CATEGORIES_BY_KIND and category not in CATEGORIES_BY_KIND[kind]:
            errors.append(_at(line, "category", not_of_kind(category, kind)))
        story = cell("story") or None
        episode: int | None = None
        if cell("episode"):
            try:
                episode = int(cell("episode"))
                if episode < 1:
                    raise ValueError
            except ValueError:
                errors.append(_at(line, "episode", _("must be a whole number from 1")))
                episode = None
            if story is None:
                errors.append(_at(line, "story", _("an episode needs a story")))
        if story and episode is not None:
            seen = episodes.get((story, episode))
            if seen is not None:
                errors.append(_at(line, "episode", _(
                    "episode %(episode)d of %(story)s is already on line %(line)d")
                    % {"episode": episode, "story": repr(story), "line": seen}))
            episodes[(story, episode)] = line
        if at is None or not channel or kind not in CATEGORIES_BY_KIND:
            continue
        if channel not in channels:
            channels.append(channel)
        if story and story not in stories:
            stories[story] = StoryFact(id=story, name=story)
        posts.append(PostFact(id=f"row-{line:06d}", channel_id=channel, at=at, kind=kind,
                              category=category, story_id=story, episode=episode))
    if table.error is not None:
        line = int(table.error.field.removeprefix("line "))
        errors.append(FieldError(table.error.field, table.error.message, extra={"line": line}))
    if errors:
        raise Invalid(errors[0].field + ": " + errors[0].message, errors=errors)
    return PlanFile(posts=posts, channels=channels, stories=list(stories.values()))
