"""The one form toolkit of the pages: what the person typed, validated into the
API's schemas so both doors accept and refuse the same things, with errors keyed
by form field and written as sentences.

Validation errors reach a form one way only: as an AppError's FieldErrors
(app.errors.field_errors maps pydantic's errors for both doors).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import BaseModel, ValidationError

from app.errors import AppError, invalid_from
from app.i18n import gettext as _
from app.i18n import number
from app.schemas import PostCreate, PostUpdate, parse_day
from app.schemas_outcomes import FIGURE_MAX, FIGURES, OutcomeIn

M = TypeVar("M", bound=BaseModel)


@dataclass
class Form:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def take(self, exc: AppError, field_for: Mapping[str, str] | None = None,
             wording: Mapping[str, str] | None = None) -> None:
        """Put an error's field messages next to their form fields (the first
        message per field wins); an error naming no field becomes the form's
        message."""
        places = field_for or {}
        for error in exc.errors:
            name = error.field.split(".")[-1]
            if name in ("body", ""):
                self.message = self.message or sentence(error.message)
                continue
            target = places.get(name, name)
            # By the error's type, not its words: those are the reader's language.
            message = _("This is needed.") if error.code == "missing" else error.message
            self.errors.setdefault(target, sentence((wording or {}).get(name, message)))
        if not exc.errors:
            self.message = exc.detail


# Kept for the post dialog's templates and callers, which speak of a post form.
PostForm = Form


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def reason(exc: AppError) -> str:
    """An error as the one message a page shows beside a single field or row:
    the first field's message, else the whole error's, as a sentence."""
    return sentence(exc.errors[0].message if exc.errors else exc.detail)


def parse(model: type[M], form: Form, data: dict[str, Any],
          field_for: Mapping[str, str] | None = None,
          wording: Mapping[str, str] | None = None) -> M | None:
    """The validated model, or None with the errors on the form."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        form.take(invalid_from(exc.errors()), field_for, wording)
        return None


async def read_form(request: Request, names: tuple[str, ...], *,
                    keep_spaces: tuple[str, ...] = ()) -> Form:
    """The named fields of a posted form, trimmed (but for ``keep_spaces``),
    with the ``version`` the page was rendered with."""
    raw = await request.form()
    return Form(values={name: str(raw.get(name, "") or "") if name in keep_spaces
                        else str(raw.get(name, "") or "").strip() for name in
                        (*names, "version")})


def optional_number(form: Form, name: str, data: dict[str, Any]) -> None:
    text = form.get(name)
    if not text:
        data[name] = None
        return
    try:
        data[name] = float(text) if "." in text or name.endswith("_days") else int(text)
    except ValueError:
        form.errors[name] = _("A number, like 3.")


def version_of(form: Form) -> int | None:
    text = form.get("version")
    return int(text) if text.isdigit() else None


# ---- the post dialog -----------------------------------------------------------------

FORM_FIELDS = ("channel_id", "date", "time", "kind", "category", "text", "link", "story_id",
               "episode")
# Where a schema field's error is shown in the form.
FIELD_FOR = {"scheduled_at": "date", "channel_id": "channel_id", "kind": "kind",
             "category": "category", "text": "text", "link": "link", "story_id": "story_id",
             "episode": "episode"}


def blank(*, tz: ZoneInfo, day: date | None, channel_id: str = "", kind: str = "give",
          clock: str = "09:00") -> Form:
    today = datetime.now(UTC).astimezone(tz).date()
    return Form(values={"channel_id": channel_id, "date": (day or today).isoformat(),
                        "time": clock, "kind": kind if kind in ("give", "ask") else "give",
                        "category": "", "text": "", "link": "", "story_id": "",
                        "episode": ""})


def from_post(post: Any, tz: ZoneInfo, *, shift_days: int = 0) -> Form:
    local = post.scheduled_at.astimezone(tz) + timedelta(days=shift_days)
    return Form(values={
        "channel_id": post.channel_id, "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"), "kind": post.kind, "category": post.category or "",
        "text": post.text, "link": post.link or "", "version": str(post.version),
        "story_id": post.story_id or "", "episode": str(post.episode or ""),
    })


def read(raw: Mapping[str, Any]) -> Form:
    return Form(values={k: str(raw.get(k, "") or "").strip() if k != "text"
                        else str(raw.get(k, "") or "") for k in (*FORM_FIELDS, "version")})


def scheduled_at(form: Form, tz: ZoneInfo) -> datetime | None:
    """The local date and time in the workspace zone, as an aware time."""
    try:
        day = parse_day(form.get("date"))
    except ValueError:
        form.errors["date"] = _("Pick a day.") if not form.get("date") else _("That is not a date.")
        return None
    try:
        clock = time.fromisoformat(form.get("time") or "")
    except ValueError:
        form.errors["time"] = _("Pick a time, like 09:00.")
        return None
    return datetime.combine(day, clock, tzinfo=tz)


def post_wording() -> dict[str, str]:
    """How the post dialog words a schema's complaint about one of its fields."""
    return {"kind": _("Choose give or ask.")}


def to_create(form: Form, tz: ZoneInfo) -> PostCreate | None:
    at = scheduled_at(form, tz)
    if not form.get("channel_id"):
        form.errors["channel_id"] = _("Choose a channel.")
    episode = form.get("episode")
    if episode and not episode.isdigit():
        form.errors["episode"] = _("A whole number, like 3.")
    data = parse(PostCreate, form, {
        "channel_id": form.get("channel_id") or "-", "scheduled_at": at or datetime.now(UTC),
        "kind": form.get("kind"), "category": form.get("category") or None,
        "text": form.get("text"), "link": form.get("link") or None,
        "story_id": form.get("story_id") or None,
        "episode": int(episode) if episode.isdigit() else None,
    }, FIELD_FOR, post_wording())
    # A blank text is the one refusal of the text the dialog words its own way; told by
    # what was typed, as the schema's message is in the reader's language.
    if "text" in form.errors and not form.get("text").strip():
        form.errors["text"] = _("Write the post's text.")
    return None if form.errors else data


def to_update(form: Form, tz: ZoneInfo) -> PostUpdate | None:
    data = to_create(form, tz)
    if data is None:
        return None
    return PostUpdate.model_validate(data.model_dump())


def apply_app_error(form: Form, exc: AppError) -> None:
    form.take(exc, FIELD_FOR)


# ---- a published post's results ------------------------------------------------------

_WHOLE = re.compile(r"[+-]?[0-9]+")  # ASCII: "١٢" and "１２" are digits to \d


def from_outcome(figures: Mapping[str, int | None], version: int) -> Form:
    return Form(values={**{name: "" if figures.get(name) is None else str(figures[name])
                           for name in FIGURES}, "version": str(version)})


def to_outcome(form: Form) -> OutcomeIn | None:
    """The figures typed (empty: not known); a sign is left to the schema, which
    says what it allows."""
    data: dict[str, Any] = {}
    for name in FIGURES:
        text = form.get(name)
        if not text:
            data[name] = None
        elif _WHOLE.fullmatch(text):
            # A figure of thousands of digits is too large; int() would refuse to read it.
            digits = text.lstrip("+-").lstrip("0")
            value = int(text) if len(digits) <= 20 else int(text[0] + "9" * 20)
            # Said in the page's words here: pydantic's English is the API's.
            if value < 0 and text.strip("+-0"):
                form.errors[name] = sentence(_("must not be negative")) + "."
            elif value > FIGURE_MAX:
                form.errors[name] = sentence(_("must be at most %(most)s")
                                             % {"most": number(FIGURE_MAX)}) + "."
            else:
                data[name] = max(value, 0)
        else:
            form.errors[name] = _("A whole number, like 1200.")
    model = parse(OutcomeIn, form, data)
    return None if form.errors else model
