"""What the API accepts and returns: XCreate / XUpdate / XPublic per resource.

Validation that needs only the input lives here, so both doors (API and web
forms) reject the same things with the same words.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from app.i18n import LANGUAGES, ngettext
from app.i18n import gettext as _
from app.platforms import PLATFORMS
from app.platforms import check as check_platform
from app.rules.facts import CATEGORIES_BY_KIND

TEXT_MAX = 5000
MAX_EPISODE = 10_000  # far above any story, far below a database integer's limit
T = TypeVar("T")
Role = Literal["viewer", "editor", "lead", "admin"]
Kind = Literal["give", "ask"]
Status = Literal["draft", "submitted", "approved", "changes_requested", "published"]
Category = Literal[
    "share", "help", "engage", "personal", "correction",
    "offer", "event", "sale", "news", "request"
]


# Every time and date the app accepts lies in this window. Far enough for any plan,
# and far from the ends of Python's calendar, so a week, range or slot computed from
# an accepted time can never overflow.
MIN_YEAR = 1970
MAX_YEAR = 2200
TIME_MIN = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
TIME_END = datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive


# Validators run in the request, so their messages are worded in its language.
def time_window_text() -> str:
    return _("must lie between %(start)s and %(end)s") % {
        "start": f"{MIN_YEAR}-01-01T00:00:00Z", "end": f"{MAX_YEAR}-12-31T23:59:59Z"}


def date_window_text() -> str:
    return _("must lie between %(start)s and %(end)s") % {
        "start": f"{MIN_YEAR}-01-01", "end": f"{MAX_YEAR}-12-31"}


def at_most_text(most: int) -> str:
    return ngettext("must be at most %(most)d character", "must be at most %(most)d characters",
                    most) % {"most": most}


def _day_text() -> str:
    return _("a date as a string like 2026-11-24")


def time_in_window(value: datetime) -> datetime:
    """`value` (aware) if it lies in the window, else ValueError, before any
    arithmetic on it: converting 9999-12-31T23:59-01:00 to UTC overflows."""
    if not MIN_YEAR - 1 <= value.year <= MAX_YEAR + 1:
        raise ValueError(time_window_text())
    if not TIME_MIN <= value < TIME_END:
        raise ValueError(time_window_text())
    return value


def date_in_window(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(date_window_text())
    return value


def parse_day(text: str) -> date:
    """A local date as YYYY-MM-DD within the window; ValueError otherwise."""
    if not _DAY.fullmatch(text.strip()):
        raise ValueError(_day_text())
    return date_in_window(date.fromisoformat(text.strip()))


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _strict_day(value: Any) -> Any:
    # Pydantic would read 2.6e-91 or "1685923200" as a Unix time.
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise ValueError(_day_text())
    if isinstance(value, str):
        return parse_day(value)
    return date_in_window(value)


def _not_bool(value: Any) -> Any:
    # JSON's false is no count; pydantic would read it as 0.
    if isinstance(value, bool):
        raise ValueError(_("a number, not true or false"))
    return value


def parse_aware(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        raise ValueError(_("a time as an RFC 3339 string, like 2026-11-24T09:00:00+01:00"))
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                _("not a valid RFC 3339 time (expected e.g. 2026-11-24T09:00:00+01:00)")
            ) from None
        value = parsed
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(_(
            "a time needs an offset (e.g. 2026-11-24T09:00:00+01:00 or …Z); "
            "without one it is ambiguous"
        ))
    if isinstance(value, datetime):
        time_in_window(value)
    return value


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# A time in, with its offset required; a time out, always UTC with "Z".
AwareDatetime = Annotated[datetime, BeforeValidator(parse_aware), AfterValidator(_to_utc)]
UtcOut = Annotated[datetime, PlainSerializer(format_utc, return_type=str)]
# A local date in, as YYYY-MM-DD only; a count or a number in, never a boolean.
Day = Annotated[date, BeforeValidator(_strict_day)]
Count = Annotated[int, BeforeValidator(_not_bool)]
Number = Annotated[float, BeforeValidator(_not_bool)]


def _unknown_zone(value: str) -> str:
    return _("unknown time zone %(zone)s; use an IANA name like Europe/Berlin") % {
        "zone": repr(value)}


def check_timezone(value: str) -> str:
    name = value.strip()
    if name in ("", "localtime") or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(_unknown_zone(value))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_unknown_zone(value)) from None
    if name not in _zone_names():
        raise ValueError(_unknown_zone(value))
    return name


def check_language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(_("unknown language %(language)s; use one of: %(known)s") % {
            "language": repr(value), "known": ", ".join(LANGUAGES)})
    return value


_ZONES: set[str] | None = None


def _zone_names() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = set(available_timezones()) | {"UTC"}
    return _ZONES


def check_link(value: str | None) -> str | None:
    if value is None:
        return None
    link = value.strip()
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(_("must be an http:// or https:// address"))
    if len(link) > 2048:
        raise ValueError(at_most_text(2048))
    return link


def check_text(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError(_("must not be empty"))
    if len(text) > TEXT_MAX:
        raise ValueError(ngettext("must be at most %(most)d character (it has %(count)d)",
                                  "must be at most %(most)d characters (it has %(count)d)",
                                  TEXT_MAX) % {"most": TEXT_MAX, "count": len(text)})
    return text


def check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValueError(_("must not be empty"))
    return name


TimeZoneName = Annotated[str, AfterValidator(check_timezone)]
# A language with a catalog (app/i18n.py), as its code.
LanguageCode = Annotated[str, AfterValidator(check_language),
                         Field(json_schema_extra={"enum": list(LANGUAGES)})]
Link = Annotated[str | None, AfterValidator(check_link)]
PostText = Annotated[str, AfterValidator(check_text)]
Name = Annotated[str, Field(max_length=120), AfterValidator(check_name)]


def category_error(kind: str, category: str | None) -> str | None:
    if category is None or category in CATEGORIES_BY_KIND.get(kind, ()):
        return None
    allowed = ", ".join(CATEGORIES_BY_KIND.get(kind, ()))
    # The categories to choose stay as the API spells them: they are what is sent.
    return _("%(category)s is not a category of a %(kind)s post (choose one of: %(allowed)s)") % {
        "category": repr(category), "kind": kind_word(kind), "allowed": allowed}


def kind_word(kind: str) -> str:
    """A post's kind in the reader's words ("give" is "Geben")."""
    return {"give": _("give"), "ask": _("ask")}.get(kind, kind)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _left_out_not_null(schema: dict[str, Any]) -> None:
    branches = schema.get("anyOf")
    if not branches or {"type": "null"} not in branches:
        return
    rest = [branch for branch in branches if branch != {"type": "null"}]
    del schema["anyOf"]
    if len(rest) == 1:
        schema.update({key: value for key, value in rest[0].items() if key not in schema})
    else:
        schema["anyOf"] = rest


def not_null_text() -> str:
    return _("may be left out, but not set to null")


# An edit's field that may be left out (unchanged) but is refused as null: the
# API document says so, while validation stays the model's own.
NotNull = Field(json_schema_extra=_left_out_not_null)


# ---- workspaces -----------------------------------------------------------------


class WorkspaceCreate(Strict):
    name: Name
    timezone: TimeZoneName = "UTC"
    rules_preset: str = "beth_dunn"
    allow_self_approval: bool = False
    language: LanguageCode = Field(
        default="en", description="the language of the pages, mails and findings for "
                                  "readers who chose none and whose client asks for none")


class WorkspaceUpdate(Strict):
    name: Annotated[Name | None, NotNull] = None
    timezone: Annotated[TimeZoneName | None, NotNull] = None
    rules_preset: Annotated[str | None, NotNull] = None
    allow_self_approval: Annotated[bool | None, NotNull] = None
    language: Annotated[LanguageCode | None, NotNull] = None
    archived: Annotated[bool | None, NotNull, Field(
        description="true archives the workspace: its history stays, it takes no new "
                    "posts; false brings it back")] = None


class WorkspacePublic(BaseModel):
    id: str
    name: str
    timezone: str
    rules_preset: str
    allow_self_approval: bool
    language: str
    archived_at: UtcOut | None = None
    role: Role | None = None
    version: int
    created_at: UtcOut
    updated_at: UtcOut


# ---- channels -------------------------------------------------------------------


# A known platform (any spelling, "twitter" and "email" read as x and newsletter),
# or "" for none, which channels made before platforms were checked carry.
PlatformName = Annotated[str, Field(
    max_length=40, description=f"One of {', '.join(PLATFORMS)}; \"\" for none (shown as other)"),
    AfterValidator(check_platform)]


class ChannelCreate(Strict):
    name: Name
    platform: PlatformName = ""
    started_on: Day | None = None


class ChannelUpdate(Strict):
    name: Annotated[Name | None, NotNull] = None
    platform: Annotated[PlatformName | None, NotNull] = None
    started_on: Day | None = None


class ChannelPublic(BaseModel):
    id: str
    workspace_id: str
    name: str
    platform: str
    started_on: date | None
    archived_at: UtcOut | None = Field(
        default=None, description="When the channel was archived: it keeps its posts as "
        "history and takes no new ones. null while in use.")
    text_limit: int | None = Field(
        default=None, description="The most characters a post's text may have on this "
        "channel's platform; null for no limit of its own")
    version: int
    created_at: UtcOut
    updated_at: UtcOut


# ---- posts ----------------------------------------------------------------------


class PostCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel_id": "0193a0c2-5d1e-7c4a-9f00-1b2c3d4e5f60",
                    "scheduled_at": "2026-11-24T09:00:00+01:00",
                    "kind": "give",
                    "category": "share",
                    "text": "Five cafés that roast their own beans: a thread.",
                    "link": "https://example.com/roasters",
                }
            ]
        },
    )

    channel_id: str = Field(max_length=36)
    scheduled_at: AwareDatetime
    kind: Kind
    category: Category | None = None
    text: PostText
    link: Link = None
    story_id: str | None = Field(default=None, max_length=36)
    episode: Count | None = Field(default=None, ge=1, le=MAX_EPISODE)

    @model_validator(mode="after")
    def _category_fits_kind(self) -> PostCreate:
        problem = category_error(self.kind, self.category)
        if problem:
            raise ValueError(f"category: {problem}")
        return self


class PostUpdate(Strict):
    channel_id: Annotated[str | None, NotNull] = Field(default=None, max_length=36)
    scheduled_at: Annotated[AwareDatetime | None, NotNull] = None
    kind: Annotated[Kind | None, NotNull] = None
    category: Category | None = None
    text: Annotated[PostText | None, NotNull] = None
    link: Link = None
    story_id: str | None = Field(default=None, max_length=36)
    episode: Count | None = Field(default=None, ge=1, le=MAX_EPISODE)

    @field_validator("channel_id", "scheduled_at", "kind", "text")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(not_null_text())
        return value


class PostPublic(BaseModel):
    id: str
    channel_id: str
    scheduled_at: UtcOut
    kind: Kind
    category: str | None
    text: str
    link: str | None
    status: Status
    story_id: str | None
    episode: int | None
    series_id: str | None
    series_changed: bool = Field(
        default=False, description="A series occurrence edited on its own: changing the "
        "series leaves it as it is.")
    version: int
    created_by: str | None
    published_at: UtcOut | None
    external_url: str | None
    created_at: UtcOut
    updated_at: UtcOut


# ---- tokens and members ---------------------------------------------------------


class TokenCreate(Strict):
    role: Role
    name: str = Field(default="", max_length=120)


class TokenPublic(BaseModel):
    id: str
    name: str
    role: Role
    prefix: str
    created_by: str | None
    created_at: UtcOut
    last_used_at: UtcOut | None
    revoked_at: UtcOut | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret. Shown once; only its hash is stored.")


class MemberCreate(Strict):
    """Invite an email with a role. The person joins when they accept the
    invitation (signed in with that email, or creating the account for it)."""

    email: str = Field(max_length=254)
    role: Role


class MemberUpdate(Strict):
    role: Role


class MemberCapacity(Strict):
    capacity: Annotated[Count | None, Field(
        ge=1, le=1000, description="posts a week this member can plan; null: no limit")]


class MemberPublic(BaseModel):
    id: str
    user_id: str
    email: str
    name: str
    role: Role
    capacity: int | None = None
    created_at: UtcOut


class InvitationPublic(BaseModel):
    id: str
    email: str
    role: Role
    status: Literal["pending"] = "pending"
    expires_at: UtcOut
    invited_by: str | None = None
    created_at: UtcOut


class InvitationCreated(InvitationPublic):
    """The same answer whether or not the email has an account. ``token`` and
    ``accept_url`` are shown once: send the link to the person invited."""

    token: str
    accept_url: str
    url: str = Field(description="The same link as accept_url")
    mailed: bool = Field(default=False, description="Whether the link was also sent by mail "
                         "(when the server has GIVEASK_SMTP_URL)")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class MembersPage(Page[MemberPublic]):
    invitations: list[InvitationPublic] = Field(
        default_factory=list, description="Invitations not yet accepted, withdrawn or expired.")
