"""Reading a plan from a CSV file, for `giveask check` (no database involved).

Columns (header row required, order free, names case-insensitive):
channel, scheduled_at, kind (required); category, text, story, episode
(optional). A time without an offset is read in the --timezone given; one the
clock change there makes ambiguous or skips is refused. The file is read by
app/services/csv_reader.py, the import's reader too (a byte order mark, cp1252
and ``;`` separators are fine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.errors import FieldError, Invalid
from app.rules import PostFact, StoryFact
from app.rules.facts import CATEGORIES_BY_KIND
from app.schemas import MAX_YEAR, MIN_YEAR, time_in_window
from app.services.csv_reader import read_table
from app.services.local_time import LocalTimeError, in_zone

REQUIRED = ("channel", "scheduled_at", "kind")
OPTIONAL = ("category", "text", "story", "episode")


@dataclass(frozen=True)
class PlanFile:
    posts: list[PostFact]
    channels: list[str]
    stories: list[StoryFact]


def _where(line: int, column: str) -> str:
    return f"line {line}, column {column}"


def read_plan_csv(text: str, *, timezone: str = "UTC") -> PlanFile:
    """Parse the whole file, collecting every problem; raise Invalid if any."""
    tz = ZoneInfo(timezone)
    table = read_table(text)
    if not table.records:
        raise Invalid("The file is empty.",
                      errors=[FieldError("line 1", "the file is empty; a header row is needed")]
                      )
    header = table.records[0].cells
    names = [h.strip().lower() for h in header]
    errors: list[FieldError] = []
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        for column in missing:
            errors.append(FieldError(_where(1, column), "missing column (the header needs "
                                     + ", ".join(REQUIRED) + ")"))
        raise Invalid(errors[0].field + ": " + errors[0].message, errors=errors)
    unknown = [n for n in names if n and n not in REQUIRED + OPTIONAL]
    for column in unknown:
        errors.append(FieldError(_where(1, column), "unknown column"))
    index = {name: i for i, name in enumerate(names)}

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
            errors.append(FieldError(_where(line, "channel"), "is empty"))
        at: datetime | None = None
        raw_time = cell("scheduled_at")
        try:
            at = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
            if at.tzinfo is None:
                at = in_zone(at, tz, timezone)
            time_in_window(at)
        except LocalTimeError as exc:
            at = None
            errors.append(FieldError(_where(line, "scheduled_at"), str(exc)))
        except ValueError:
            at = None
            errors.append(FieldError(_where(line, "scheduled_at"),
                                     f"{raw_time!r} is not a date and time like "
                                     f"2026-11-24T09:00:00+01:00 (years {MIN_YEAR} to "
                                     f"{MAX_YEAR})"))
        kind = cell("kind").lower()
        if kind not in CATEGORIES_BY_KIND:
            errors.append(FieldError(_where(line, "kind"), f"{cell('kind')!r} is not give or ask"))
        category = cell("category").lower() or None
        if category and kind in CATEGORIES_BY_KIND and category not in CATEGORIES_BY_KIND[kind]:
            errors.append(FieldError(_where(line, "category"),
                                     f"{category!r} is not a category of a {kind} post "
                                     f"({', '.join(CATEGORIES_BY_KIND[kind])})"))
        story = cell("story") or None
        episode: int | None = None
        if cell("episode"):
            try:
                episode = int(cell("episode"))
                if episode < 1:
                    raise ValueError
            except ValueError:
                errors.append(FieldError(_where(line, "episode"), "must be a whole number from 1"))
                episode = None
            if story is None:
                errors.append(FieldError(_where(line, "story"), "an episode needs a story"))
        if story and episode is not None:
            seen = episodes.get((story, episode))
            if seen is not None:
                errors.append(FieldError(_where(line, "episode"),
                                         f"episode {episode} of {story!r} is already on line "
                                         f"{seen}"))
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
        errors.append(table.error)
    if errors:
        raise Invalid(errors[0].field + ": " + errors[0].message, errors=errors)
    return PlanFile(posts=posts, channels=channels, stories=list(stories.values()))
