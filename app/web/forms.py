"""The post form: what the editor typed, validated into the API's schemas so
both doors accept and refuse the same things, with errors keyed by form field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from app.errors import AppError
from app.schemas import PostCreate, PostUpdate

FORM_FIELDS = ("channel_id", "date", "time", "kind", "category", "text", "link", "story_id",
               "episode")
# Where a schema field's error is shown in the form.
FIELD_FOR = {"scheduled_at": "date", "channel_id": "channel_id", "kind": "kind",
             "category": "category", "text": "text", "link": "link", "story_id": "story_id",
             "episode": "episode"}


@dataclass
class PostForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def get(self, name: str) -> str:
        return self.values.get(name, "")


def blank(*, tz: ZoneInfo, day: date | None, channel_id: str = "", kind: str = "give",
          clock: str = "09:00") -> PostForm:
    today = datetime.now(UTC).astimezone(tz).date()
    return PostForm(values={"channel_id": channel_id, "date": (day or today).isoformat(),
                            "time": clock, "kind": kind if kind in ("give", "ask") else "give",
                            "category": "", "text": "", "link": "", "story_id": "",
                            "episode": ""})


def from_post(post: Any, tz: ZoneInfo, *, shift_days: int = 0) -> PostForm:
    local = post.scheduled_at.astimezone(tz) + timedelta(days=shift_days)
    return PostForm(values={
        "channel_id": post.channel_id, "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"), "kind": post.kind, "category": post.category or "",
        "text": post.text, "link": post.link or "", "version": str(post.version),
        "story_id": post.story_id or "", "episode": str(post.episode or ""),
    })


def read(raw: dict[str, Any]) -> PostForm:
    return PostForm(values={k: str(raw.get(k, "") or "").strip() if k != "text"
                            else str(raw.get(k, "") or "") for k in (*FORM_FIELDS, "version")})


def scheduled_at(form: PostForm, tz: ZoneInfo) -> datetime | None:
    """The local date and time in the workspace zone, as an aware time."""
    try:
        day = date.fromisoformat(form.get("date"))
    except ValueError:
        form.errors["date"] = "Pick a day." if not form.get("date") else "That is not a date."
        return None
    try:
        clock = time.fromisoformat(form.get("time") or "")
    except ValueError:
        form.errors["time"] = "Pick a time, like 09:00."
        return None
    return datetime.combine(day, clock, tzinfo=tz)


def _schema_errors(form: PostForm, exc: ValidationError) -> None:
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        name = loc[0] if loc else ""
        if not name and ": " in message:
            name, message = message.split(": ", 1)
        target = FIELD_FOR.get(name, name or "text")
        if error.get("type") == "missing":
            message = "This is needed."
        elif name == "text" and "empty" in message:
            message = "Write the post's text."
        elif name == "kind":
            message = "Choose give or ask."
        form.errors.setdefault(target, message[0].upper() + message[1:])


def to_create(form: PostForm, tz: ZoneInfo) -> PostCreate | None:
    at = scheduled_at(form, tz)
    if not form.get("channel_id"):
        form.errors["channel_id"] = "Choose a channel."
    episode = form.get("episode")
    if episode and not episode.isdigit():
        form.errors["episode"] = "A whole number, like 3."
    try:
        data = PostCreate.model_validate({
            "channel_id": form.get("channel_id") or "-", "scheduled_at": at or datetime.now(UTC),
            "kind": form.get("kind"), "category": form.get("category") or None,
            "text": form.get("text"), "link": form.get("link") or None,
            "story_id": form.get("story_id") or None,
            "episode": int(episode) if episode.isdigit() else None,
        })
    except ValidationError as exc:
        _schema_errors(form, exc)
        return None
    return None if form.errors else data


def to_update(form: PostForm, tz: ZoneInfo) -> PostUpdate | None:
    data = to_create(form, tz)
    if data is None:
        return None
    return PostUpdate.model_validate(data.model_dump())


def apply_app_error(form: PostForm, exc: AppError) -> None:
    for error in exc.errors:
        name = error.field.split(".")[-1]
        form.errors.setdefault(FIELD_FOR.get(name, name), error.message[0].upper()
                               + error.message[1:])
    if not exc.errors:
        form.message = exc.detail
