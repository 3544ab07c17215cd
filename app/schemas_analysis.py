"""What the analysis routes answer: findings, what-if, next slot, the rules
profile and the calendar. Times are already UTC RFC 3339 text (``…Z``) when
they reach these models, so they are declared as strings, as PostPublic's are."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import PostPublic

Severity = Literal["info", "warning", "blocking"]
Share = float | str


class FindingAcknowledgement(BaseModel):
    """Someone read the finding and keeps the plan as it is (its exact key only)."""

    id: str = Field(description="DELETE /acknowledgements/{id} withdraws it")
    by: str | None = Field(description="The user who acknowledged it")
    by_name: str | None
    at: str = Field(description="UTC, RFC 3339")
    note: str
    severity: Severity = Field(description="The finding's severity when it was acknowledged")


class Finding(BaseModel):
    code: str = Field(description="A rule code of RULES.md, e.g. ask_too_soon")
    severity: Severity
    channel_id: str
    story_id: str | None
    post_ids: list[str] = Field(description="The posts named; an unsaved post is `new`")
    start: str = Field(description="UTC, RFC 3339")
    end: str = Field(description="UTC, RFC 3339")
    message: str
    details: dict[str, Any] = Field(description="The rule's own figures (counts, shares, gaps)")
    acknowledged: FindingAcknowledgement | None = Field(
        default=None, description="The acknowledgement of this finding's key, or null")


class SuggestedChange(BaseModel):
    """One change of a suggestion, ready for POST /suggestions/apply."""

    action: Literal["move", "update", "delete", "create"]
    post_id: str | None = Field(description="null for a post to create")
    version: int | None = Field(description="The post's version the change was made for")
    patch: dict[str, Any] = Field(
        description="move: scheduled_at; update: post fields; create: the new post")


class Suggestion(BaseModel):
    summary: str = Field(description="In an editor's words, e.g. Move this ask to Tue 15 Dec 09:00")
    changes: list[SuggestedChange]
    last_resort: bool = Field(description="True for a fix to try only when no other will do")


class WeekFix(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W51, in the workspace's time zone")
    suggestions: list[Suggestion] = Field(
        description="Fixes that take this week's asks out of the stretch, best first")


class FindingWithSuggestions(Finding):
    suggestions: list[Suggestion] = Field(
        description="Fixes, best first, each checked to resolve this finding and add no "
        "warning or blocking finding")
    weeks: list[WeekFix] = Field(
        default_factory=list,
        description="For a density stretch or run no suggestion ends (its past asks keep "
        "it alive): per week of the range holding some of its asks, the fix for that week "
        "(docs/rules.md, 'The fix for one week of a long stretch')")


class FindingsInRange(BaseModel):
    start: str
    end: str
    items: list[FindingWithSuggestions]


class AppliedSuggestion(BaseModel):
    posts: list[PostPublic] = Field(
        description="The posts changed or created, as GET /posts/{post_id} shows them now")
    deleted: list[str] = Field(description="Ids of the posts deleted")


class CheckResult(BaseModel):
    added: list[Finding] = Field(description="Findings the change would bring")
    resolved: list[Finding] = Field(description="Findings the change would end")


class NextSlot(BaseModel):
    slot: str | None = Field(description="UTC, RFC 3339; null when none in the horizon")
    reason: str


# ---- the rules profile -------------------------------------------------------------


class RuleParameters(BaseModel):
    """Every parameter of a rules profile; null turns the rule that needs it off.
    A share is a number when it has an exact decimal form, else a fraction like "1/3"."""

    listen_days: int | None
    min_gives_before_first_ask: int | None
    min_gives_between_asks: int | None
    window_days: int | None
    max_ask_share: Share | None
    min_posts_in_window: int | None
    run_length: int | None
    max_asks_per_run: int | None
    min_category_share: dict[str, Share] | None
    min_engage_per_run: int | None
    max_gap_days: int | None
    max_posts_per_day: int | None
    min_minutes_between_posts: int | None
    max_gives_without_ask: int | None


class RulesProfilePublic(BaseModel):
    preset: str
    overrides: dict[str, Any] = Field(description="The values set on top of the preset")
    severities: dict[str, Severity] = Field(description="The severity of every rule code")
    severity_overrides: dict[str, str]
    channels: dict[str, dict[str, Any]] = Field(description="Per-channel values, by channel id")
    effective: RuleParameters = Field(description="The parameters the engine uses")
    channel_effective: dict[str, RuleParameters]
    presets: dict[str, RuleParameters]
    version: int


class RulesPreview(BaseModel):
    """What a rules profile would change, before it is saved."""

    start: str = Field(description="UTC, RFC 3339")
    end: str = Field(description="UTC, RFC 3339")
    added: list[Finding] = Field(description="Findings the proposed profile would bring")
    resolved: list[Finding] = Field(description="Findings the proposed profile would end")


# ---- the calendar ------------------------------------------------------------------


class CalendarChannel(BaseModel):
    id: str
    name: str
    platform: str
    started_on: str | None = Field(description="A local date, YYYY-MM-DD")
    listening_until: str | None = Field(
        description="The first local date an ask is fine, while the channel still listens")


class CalendarPost(BaseModel):
    id: str
    channel_id: str
    scheduled_at: str
    kind: Literal["give", "ask"]
    category: str | None
    text: str
    link: str | None
    status: Literal["draft", "submitted", "approved", "changes_requested", "published"]
    story_id: str | None
    episode: int | None
    series_id: str | None
    version: int
    created_by: str | None
    published_at: str | None
    external_url: str | None
    created_at: str
    updated_at: str


class CalendarLabel(BaseModel):
    """The name of a story or a series a post shown belongs to."""

    id: str
    name: str


class FindingCounts(BaseModel):
    info: int
    warning: int
    blocking: int


class WeekChannelGauge(BaseModel):
    channel_id: str
    gives: int
    asks: int
    on_rhythm: bool
    findings: FindingCounts


class WeekTotal(BaseModel):
    gives: int
    asks: int
    on_rhythm: bool


class CalendarWeek(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W48")
    start: str
    end: str
    channels: list[WeekChannelGauge]
    total: WeekTotal


class Calendar(BaseModel):
    start: str
    end: str
    timezone: str
    channels: list[CalendarChannel]
    posts: list[CalendarPost]
    stories: list[CalendarLabel]
    series: list[CalendarLabel]
    findings: list[Finding]
    weeks: list[CalendarWeek]


# ---- acknowledgements --------------------------------------------------------------


class AcknowledgementIn(BaseModel):
    """A finding's key, as a finding carries it, and why the plan stays as it is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "code": "ask_density", "channel_id": "…", "story_id": None, "post_ids": ["…", "…"],
        "note": "The launch week: agreed with the client."}]})
    code: str = Field(max_length=40)
    channel_id: str = Field(max_length=36)
    story_id: str | None = Field(default=None, max_length=36)
    post_ids: list[Annotated[str, Field(max_length=36)]] = Field(min_length=1, max_length=500)
    note: str = Field(max_length=2000, description="Required: why the plan stays as it is")


class AcknowledgementPublic(BaseModel):
    id: str
    code: str
    channel_id: str
    story_id: str | None
    post_ids: list[str]
    severity: Severity = Field(description="The finding's severity when it was acknowledged")
    note: str
    by: str | None
    by_name: str | None
    by_token: str | None = Field(description="The API token used, if any")
    created_at: str
