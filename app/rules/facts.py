"""The plain data the rules engine reads and writes.

Everything here is a frozen dataclass built by the caller (the services, the CSV
check, the tests): posts, channels and stories as they are planned, the rules
profile in force, and the findings the engine hands back. No database, web or
clock import may appear in this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from fractions import Fraction
from typing import Any, Literal

Kind = Literal["give", "ask"]
Severity = Literal["info", "warning", "blocking"]

KINDS: tuple[str, ...] = ("give", "ask")
SEVERITIES: tuple[str, ...] = ("info", "warning", "blocking")
# A correction admits a mistake before it comes out the wrong way round: a give
# that never counts as an ask and is never held back by pacing (docs/rules.md).
CORRECTION = "correction"
GIVE_CATEGORIES: tuple[str, ...] = ("share", "help", "engage", "personal", CORRECTION)
ASK_CATEGORIES: tuple[str, ...] = ("offer", "event", "sale", "news", "request")
CATEGORIES: tuple[str, ...] = GIVE_CATEGORIES + ASK_CATEGORIES
CATEGORIES_BY_KIND: dict[str, tuple[str, ...]] = {"give": GIVE_CATEGORIES, "ask": ASK_CATEGORIES}

# The id a hypothetical post gets when next slot tries a time: "~" sorts after
# digits, letters and "-", so the post lands after every existing post planned at
# the same moment, as RULES.md asks of what-if posts.
HYPOTHETICAL_POST_ID = "~next-slot"


@dataclass(frozen=True, slots=True)
class PostFact:
    """One planned or published post. Plan order is ``(at, id)``: ids are
    creation-ordered (UUIDv7 in the app, ``row-000007`` in a CSV file)."""

    id: str
    channel_id: str
    at: datetime
    kind: str
    category: str | None = None
    story_id: str | None = None
    episode: int | None = None
    # A published post is the channel's history: suggestions never move or change it.
    locked: bool = False


@dataclass(frozen=True, slots=True)
class ChannelFact:
    """A channel and what lies before the posts the engine is given.

    The app may hand the engine only a channel's recent posts; ``asked_before``
    and ``gives_before`` carry in the sequence state from before the first of them.
    """

    id: str
    name: str = ""
    started_on: date | None = None
    asked_before: bool = False
    gives_before: int = 0
    posting_times: tuple[time, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryFact:
    id: str
    name: str = ""
    min_gap_days: float | None = None
    max_gap_days: float | None = None
    min_gives_before_ask: int | None = None


@dataclass(frozen=True, slots=True)
class RuleParams:
    """The parameters of a rules profile; ``None`` turns the rule that needs it off."""

    listen_days: int | None = None
    min_gives_before_first_ask: int | None = None
    min_gives_between_asks: int | None = None
    window_days: int | None = None
    max_ask_share: Fraction | None = None
    min_posts_in_window: int | None = None
    run_length: int | None = None
    max_asks_per_run: int | None = None
    min_category_share: Mapping[str, Fraction] | None = None
    min_engage_per_run: int | None = None
    max_gap_days: int | None = None
    max_posts_per_day: int | None = None
    min_minutes_between_posts: int | None = None
    max_gives_without_ask: int | None = None


PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(RuleParams))

RULE_CODES: tuple[str, ...] = (
    "ask_during_listening",
    "ask_too_early",
    "ask_too_soon",
    "ask_density",
    "ask_run",
    "category_mix",
    "broadcast_only",
    "channel_silent",
    "too_many_posts_per_day",
    "posts_too_close",
    "no_ask_lately",
    "story_out_of_order",
    "story_stalled",
    "story_rushed",
    "story_ask_before_payoff",
)
STORY_CODES: tuple[str, ...] = tuple(c for c in RULE_CODES if c.startswith("story_"))
ASK_CODES: tuple[str, ...] = tuple(c for c in RULE_CODES if c.startswith("ask_"))

# Not a rule of the plan's posts but of the team: a member planning more posts
# in a week than the capacity a lead set (app/services/capacity.py).
CAPACITY_CODE = "capacity_exceeded"
DEFAULT_SEVERITY: dict[str, Severity] = {
    **{code: "warning" for code in RULE_CODES},
    "ask_density": "blocking",
    "no_ask_lately": "info",
    CAPACITY_CODE: "info",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """The workspace's effective parameters, each channel's merged parameters
    where they differ, and the severities the workspace changed."""

    params: RuleParams
    severities: Mapping[str, Severity] = field(default_factory=dict)
    channel_params: Mapping[str, RuleParams] = field(default_factory=dict)

    def params_for(self, channel_id: str) -> RuleParams:
        return self.channel_params.get(channel_id, self.params)

    def severity_of(self, code: str) -> Severity:
        return self.severities.get(code, DEFAULT_SEVERITY[code])


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the engine reads. Posts may come in any order.

    Posts of a channel missing from ``channels`` are analysed as an established
    channel with no known start: no listening check, nothing carried in.
    ``range_start``/``range_end`` select the findings whose span meets the range;
    the trailing ``channel_silent`` exists only when ``range_end`` is given.
    """

    posts: Sequence[PostFact]
    channels: Sequence[ChannelFact]
    profile: Profile
    timezone: str
    stories: Sequence[StoryFact] = ()
    range_start: datetime | None = None
    range_end: datetime | None = None


def rfc3339(moment: datetime) -> str:
    """``2026-11-24T09:00:00Z``; microseconds only when there are some."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    channel_id: str
    story_id: str | None
    post_ids: tuple[str, ...]
    start: datetime
    end: datetime
    message: str
    details: Mapping[str, Any]
    # A further moment the message names (the previous ask, the earlier
    # episode): kept so the message can be told again in another language.
    other: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str | None, tuple[str, ...]]:
        """What identifies a finding between two versions of a plan."""
        return (self.code, self.channel_id, self.story_id, self.post_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "channel_id": self.channel_id,
            "story_id": self.story_id,
            "post_ids": list(self.post_ids),
            "start": rfc3339(self.start),
            "end": rfc3339(self.end),
            "message": self.message,
            "details": dict(self.details),
        }

    def as_kept(self) -> dict[str, Any]:
        """``as_dict`` with what the message was told from (a cache's row)."""
        kept = self.as_dict()
        if self.other is not None:
            kept["other"] = rfc3339(self.other)
        return kept

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The finding ``as_dict`` or ``as_kept`` wrote (a cached analysis read back)."""
        other = data.get("other")
        return cls(code=data["code"], severity=data["severity"], channel_id=data["channel_id"],
                   story_id=data["story_id"], post_ids=tuple(data["post_ids"]),
                   start=datetime.fromisoformat(data["start"]),
                   end=datetime.fromisoformat(data["end"]), message=data["message"],
                   details=data["details"],
                   other=datetime.fromisoformat(other) if other is not None else None)
