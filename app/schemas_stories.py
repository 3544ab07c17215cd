"""What the API accepts and returns for stories and series (arcs of episodes,
and recurring posts), kept apart from app/schemas.py to keep both readable."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from app.i18n import gettext as _
from app.rules.recurrence import Recurrence, RuleError, normalise_rule, rule_dates
from app.schemas import (
    TEXT_MAX,
    Category,
    Count,
    Day,
    Kind,
    Link,
    Name,
    NotNull,
    Number,
    PostText,
    Strict,
    TimeZoneName,
    UtcOut,
    category_error,
    not_null_text,
)

# ---- stories and series ---------------------------------------------------------


def _check_gaps(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError("min_gap_days: " + _("must not be more than max_gap_days"))


class StoryCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Winter blend launch", "goal": "Sell the winter blend without shouting",
        "min_gap_days": 2, "max_gap_days": 7, "min_gives_before_ask": 3}]})

    name: Name
    goal: str = Field(default="", max_length=TEXT_MAX)
    min_gap_days: Number | None = Field(default=None, ge=0, le=365,
                                       description="Fewer days between episodes: story_rushed")
    max_gap_days: Number | None = Field(default=None, gt=0, le=365,
                                       description="More days between episodes: story_stalled")
    min_gives_before_ask: Count | None = Field(
        default=None, ge=0, le=1000,
        description="Give episodes an ask episode needs before it: story_ask_before_payoff")

    @model_validator(mode="after")
    def _gaps_in_order(self) -> StoryCreate:
        _check_gaps(self.min_gap_days, self.max_gap_days)
        return self


class StoryUpdate(Strict):
    name: Annotated[Name | None, NotNull] = None
    goal: Annotated[str | None, NotNull] = Field(default=None, max_length=TEXT_MAX)
    min_gap_days: Number | None = Field(default=None, ge=0, le=365)
    max_gap_days: Number | None = Field(default=None, gt=0, le=365)
    min_gives_before_ask: Count | None = Field(default=None, ge=0, le=1000)

    @field_validator("name", "goal")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(not_null_text())
        return value


class StoryPublic(BaseModel):
    id: str
    workspace_id: str
    name: str
    goal: str
    min_gap_days: float | None
    max_gap_days: float | None
    min_gives_before_ask: int | None
    version: int
    created_at: UtcOut
    updated_at: UtcOut


def _whole_minutes(value: time) -> time:
    if value.second or value.microsecond or value.tzinfo is not None:
        raise ValueError(_("a local time in whole minutes, like 09:00 (no offset)"))
    return value


def _series_checks(data: Any) -> None:
    """What only the input decides: category, the rule, the end, the two years."""
    problem = category_error(data.kind, data.category)
    if problem:
        raise ValueError(f"category: {problem}")
    try:
        rule_dates(Recurrence(rule=data.rrule, starts_on=data.starts_on, until=data.until,
                              count=data.count))
    except RuleError as exc:
        raise ValueError(str(exc)) from None


def _rule_text(value: str) -> str:
    try:
        return normalise_rule(value)
    except RuleError as exc:
        raise ValueError(exc.message) from None


LocalTime = Annotated[time, AfterValidator(_whole_minutes),
                      PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str,
                                      when_used="json")]
RuleText = Annotated[str, Field(max_length=500), AfterValidator(_rule_text)]


class SeriesCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "channel_id": "0193a0c2-5d1e-7c4a-9f00-1b2c3d4e5f60", "name": "Tip Tuesday",
        "kind": "give", "category": "help", "text": "This week's brewing tip.",
        "rrule": "FREQ=WEEKLY;BYDAY=TU", "starts_on": "2026-12-01", "time": "09:00",
        "until": "2027-03-30", "skipped_dates": ["2026-12-29"]}]})

    channel_id: str = Field(max_length=36)
    name: str = Field(default="", max_length=120)
    kind: Kind
    category: Category | None = None
    text: PostText
    link: Link = None
    rrule: RuleText = Field(description="An RFC 5545 RRULE without DTSTART, UNTIL or COUNT, "
                                        "e.g. FREQ=WEEKLY;BYDAY=TU")
    starts_on: Day = Field(description="The first local date the rule may give")
    time: LocalTime = Field(description="Local time of day, HH:MM, kept across DST changes")
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA zone of starts_on and time; null: the workspace's")
    until: Day | None = Field(default=None, description="Last local date (inclusive)")
    count: Count | None = Field(default=None, ge=1, le=10_000,
                                description="Number of occurrences")
    skipped_dates: list[Day] = Field(default_factory=list, max_length=1000,
                                      description="Local dates the rule gives that get no post")

    @model_validator(mode="after")
    def _fits(self) -> SeriesCreate:
        _series_checks(self)
        self.skipped_dates = sorted(set(self.skipped_dates))
        self.name = self.name.strip()
        return self


class SeriesUpdate(Strict):
    channel_id: Annotated[str | None, NotNull] = Field(default=None, max_length=36)
    name: Annotated[str | None, NotNull] = Field(default=None, max_length=120)
    kind: Annotated[Kind | None, NotNull] = None
    category: Category | None = None
    text: Annotated[PostText | None, NotNull] = None
    link: Link = None
    rrule: Annotated[RuleText | None, NotNull] = None
    starts_on: Annotated[Day | None, NotNull] = None
    time: Annotated[LocalTime | None, NotNull] = None
    timezone: TimeZoneName | None = None
    until: Day | None = None
    count: Count | None = Field(default=None, ge=1, le=10_000)
    skipped_dates: Annotated[list[Day] | None, NotNull] = Field(default=None, max_length=1000)

    @field_validator("channel_id", "name", "kind", "text", "rrule", "starts_on", "time",
                     "skipped_dates")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(not_null_text())
        return value


class SeriesPublic(BaseModel):
    id: str
    workspace_id: str
    channel_id: str
    name: str
    kind: Kind
    category: str | None
    text: str
    link: str | None
    rrule: str
    starts_on: date
    time: LocalTime
    timezone: str | None
    until: date | None
    count: int | None
    skipped_dates: list[date]
    occurrences: int = Field(description="Posts in the series now (published ones included)")
    version: int
    created_at: UtcOut
    updated_at: UtcOut
