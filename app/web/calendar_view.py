"""Turns the calendar service's answer into what the templates draw:
days with their posts, findings on the posts and days they concern, dense
stretches across the days they span, and the weekly gauges."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from app.i18n import gettext as _
from app.i18n import ngettext, when

VIEWS = ("week", "month", "list")
SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}
DAY_CODES = ("too_many_posts_per_day",)
SPAN_CODES = ("ask_density",)


def finding_uid(code: str, channel_id: str, story_id: str | None, post_ids: Any) -> str:
    """A short stable name for a finding's key, for the page elements that show it."""
    key = json.dumps([code, channel_id, story_id, list(post_ids)], separators=(",", ":"))
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def suggestion_forms(suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a page's Apply button posts back: the changes as JSON, and the summary."""
    return [{"summary": s["summary"], "last_resort": s.get("last_resort", False),
             "changes": json.dumps(s["changes"])} for s in suggestions]


def parse_time(value: str | datetime) -> datetime:
    """A time of the calendar's answer: a datetime (posts) or RFC 3339 text."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Card:
    post: dict[str, Any]
    local: datetime
    channel: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    story: str | None = None  # the story's name, on an episode
    series: str | None = None  # the series' name, on an occurrence

    @property
    def open_findings(self) -> list[dict[str, Any]]:
        """The findings nobody acknowledged: those the card is coloured by."""
        return [f for f in self.findings if not f.get("acknowledged")]

    @property
    def worst(self) -> str | None:
        if not self.open_findings:
            return None
        return min((f["severity"] for f in self.open_findings),
                   key=SEVERITY_ORDER.__getitem__)


@dataclass
class Stretch:
    """A dense stretch (ask_density) as one week sees it: the days of the week
    it covers, and what it means this week. One element per week, however
    long the stretch runs."""

    finding: dict[str, Any]
    channel: str
    first_day: int  # 0 = Monday
    last_day: int
    asks: int  # the channel's asks and posts this week
    posts: int
    allowed: str  # "1 in 5"
    ask_ids: list[str]  # the stretch's asks this week, as shown
    continues_before: bool
    continues_after: bool
    monday: date | None = None

    @property
    def week_fix(self) -> str:
        """The name of the slot the fix for this week of the stretch goes in."""
        return f"{self.finding['uid']}-{self.monday.isoformat() if self.monday else ''}"

    @property
    def words(self) -> str:
        channel = {"channel": self.channel}
        if not self.posts:
            return _("No %(channel)s posts this week; the stretch only runs on into it.") \
                % channel
        if not self.ask_ids:
            if not self.asks:
                return _("This week has no %(channel)s ask; an ask planned on these days "
                         "would join the dense stretch.") % channel
            return _("None of this week's %(channel)s asks is in it; an ask planned on these "
                     "days would join the dense stretch.") % channel
        share = ngettext("%(asks)s of %(posts)s %(channel)s post this week",
                         "%(asks)s of %(posts)s %(channel)s posts this week",
                         self.posts) % {"asks": self.asks, "posts": self.posts, **channel}
        values = {"share": share, "allowed": self.allowed, "around": self.around}
        if self.within_on_its_own:
            # The week alone keeps the ratio; the asks of the days around it do not.
            return ngettext("%(share)s is an ask, within %(allowed)s on its own, but with the "
                            "days %(around)s the 7-day windows hold too many asks.",
                            "%(share)s are asks, within %(allowed)s on its own, but with the "
                            "days %(around)s the 7-day windows hold too many asks.",
                            self.asks) % values
        return ngettext("%(share)s is an ask; the rhythm allows %(allowed)s.",
                        "%(share)s are asks; the rhythm allows %(allowed)s.",
                        self.asks) % values

    @property
    def within_on_its_own(self) -> bool:
        share = str(self.finding["details"].get("max_ask_share", ""))
        try:
            allowed = Fraction(share)
        except (ValueError, ZeroDivisionError):
            return False
        return self.posts > 0 and Fraction(self.asks, self.posts) <= allowed

    @property
    def around(self) -> str:
        """Which days tip the week over, as in "with the days before it"."""
        if self.continues_before == self.continues_after:
            return _("before and after it") if self.continues_before else _("around it")
        return _("before it") if self.continues_before else _("after it")

    @property
    def short(self) -> str:
        if not self.posts:
            return _("runs on into this week")
        if not self.ask_ids:
            return _("no ask of this week in it; an ask here would join")
        values = {"asks": self.asks, "posts": self.posts, "allowed": self.allowed,
                  "around": self.around}
        if self.within_on_its_own:
            return ngettext("%(asks)s of %(posts)s are asks; too many with the days %(around)s",
                            "%(asks)s of %(posts)s are asks; too many with the days %(around)s",
                            self.asks) % values
        return ngettext("%(asks)s of %(posts)s are asks; %(allowed)s allowed",
                        "%(asks)s of %(posts)s are asks; %(allowed)s allowed",
                        self.asks) % values

    @property
    def span(self) -> str:
        """The stretch as a whole, in local dates."""
        start, end = self.finding["local_start"], self.finding["local_last"]
        return f"{when(start, 'day')} – {when(end, 'day')}"


@dataclass
class Day:
    day: date
    cards: list[Card] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    dense: bool = False  # inside a dense stretch (drawn once per week, see Stretch)
    in_range: bool = True
    is_today: bool = False

    @property
    def iso(self) -> str:
        return self.day.isoformat()


@dataclass
class Gauge:
    name: str
    gives: int
    asks: int
    on_rhythm: bool
    blocking: int = 0
    warning: int = 0

    @property
    def words(self) -> str:
        if not self.gives and not self.asks:
            return _("No posts")
        counts = {"gives": self.gives, "asks": self.asks}
        if self.on_rhythm:
            return _("Gives %(gives)s · Asks %(asks)s · on rhythm") % counts
        return _("Gives %(gives)s · Asks %(asks)s · too much self-promotion") % counts


@dataclass
class Week:
    label: str
    monday: date
    days: list[Day]
    total: Gauge
    channels: list[Gauge]
    stretches: list[Stretch] = field(default_factory=list)


@dataclass
class CalendarView:
    view: str
    anchor: date
    tz: ZoneInfo
    weeks: list[Week]
    channels: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    title: str
    prev_date: date
    next_date: date
    # (channel name, first local date an ask is fine) for channels still listening
    listening: list[tuple[str, date]] = field(default_factory=list)

    @property
    def days(self) -> list[Day]:
        return [d for w in self.weeks for d in w.days]


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def view_range(view: str, anchor: date) -> tuple[date, date]:
    """The local dates a view shows: a week, or the weeks covering a month."""
    if view == "month":
        first = anchor.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        return week_monday(first), week_monday(next_month - timedelta(days=1)) + timedelta(7)
    monday = week_monday(anchor)
    return monday, monday + timedelta(days=7)


def step(view: str, anchor: date, direction: int) -> date:
    if view == "month":
        first = anchor.replace(day=1)
        if direction > 0:
            return (first + timedelta(days=32)).replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    return anchor + timedelta(days=7 * direction)


def title_for(view: str, anchor: date) -> str:
    if view == "month":
        return when(anchor, "month_year")
    monday = week_monday(anchor)
    sunday = monday + timedelta(days=6)
    week = monday.isocalendar().week
    if monday.month == sunday.month:
        # "Week 51 · 14–20 Dec 2026"
        return _("Week %(number)s · %(first_day)s–%(last)s") % {
            "number": week, "first_day": monday.day, "last": when(sunday, "date")}
    # "Week 49 · 30 Nov – 6 Dec 2026"
    return _("Week %(number)s · %(first)s – %(last)s") % {
        "number": week, "first": when(monday, "day_month"), "last": when(sunday, "date")}


def build(data: dict[str, Any], *, view: str, anchor: date, today: date) -> CalendarView:
    tz = ZoneInfo(data["timezone"])
    names = {c["id"]: c["name"] for c in data["channels"]}
    stories = {s["id"]: s["name"] for s in data.get("stories", [])}
    series = {s["id"]: s["name"] for s in data.get("series", [])}
    first, after = view_range(view, anchor)
    days: dict[date, Day] = {}
    cursor = first
    while cursor < after:
        in_range = view != "month" or cursor.month == anchor.month
        days[cursor] = Day(day=cursor, in_range=in_range, is_today=cursor == today)
        cursor += timedelta(days=1)

    by_post: dict[str, list[dict[str, Any]]] = {}
    stretches: list[dict[str, Any]] = []
    for finding in data["findings"]:
        finding["uid"] = finding_uid(finding["code"], finding["channel_id"],
                                     finding["story_id"], finding["post_ids"])
        finding["local_start"] = parse_time(finding["start"]).astimezone(tz)
        finding["local_end"] = parse_time(finding["end"]).astimezone(tz)
        if finding["code"] in SPAN_CODES:
            # A stretch's end is exclusive: its last window ends there.
            finding["local_last"] = finding["local_end"] - timedelta(microseconds=1)
            stretches.append(finding)
            continue
        if finding["code"] in DAY_CODES:
            day = days.get(finding["local_start"].date())
            if day:
                day.findings.append(finding)
            continue
        # A finding names its post(s); an ask-related finding is shown on the ask
        # it is about, a gap on the post after the gap.
        targets = finding["post_ids"][-1:] if finding["code"] in (
            "channel_silent", "posts_too_close", "story_stalled", "story_rushed"
        ) else finding["post_ids"]
        for post_id in targets:
            by_post.setdefault(post_id, []).append(finding)

    for post in data["posts"]:
        local = parse_time(post["scheduled_at"]).astimezone(tz)
        day = days.get(local.date())
        if day is None:
            continue
        day.cards.append(Card(post=post, local=local, channel=names.get(post["channel_id"], "?"),
                              findings=sorted(by_post.get(post["id"], []),
                                              key=lambda f: SEVERITY_ORDER[f["severity"]]),
                              story=stories.get(post.get("story_id") or ""),
                              series=series.get(post.get("series_id") or "")))

    post_days = {p["id"]: parse_time(p["scheduled_at"]).astimezone(tz).date()
                 for p in data["posts"]}
    weeks = []
    for week in data["weeks"]:
        monday = parse_time(week["start"]).astimezone(tz).date()
        gauges = [Gauge(name=names.get(c["channel_id"], "?"), gives=c["gives"], asks=c["asks"],
                        on_rhythm=c["on_rhythm"], blocking=c["findings"]["blocking"],
                        warning=c["findings"]["warning"]) for c in week["channels"]]
        total = Gauge(name=_("All channels"), gives=week["total"]["gives"],
                      asks=week["total"]["asks"], on_rhythm=week["total"]["on_rhythm"],
                      blocking=sum(g.blocking for g in gauges),
                      warning=sum(g.warning for g in gauges))
        week_days = [days[monday + timedelta(days=i)] for i in range(7)
                     if monday + timedelta(days=i) in days]
        counts = {c["channel_id"]: (c["asks"], c["gives"] + c["asks"]) for c in week["channels"]}
        weeks.append(Week(label=week["week"], monday=monday, days=week_days, total=total,
                          channels=gauges,
                          stretches=_stretches(stretches, monday, days, names, counts,
                                               post_days)))
    return CalendarView(
        view=view, anchor=anchor, tz=tz, weeks=weeks, channels=data["channels"],
        findings=data["findings"], title=title_for(view, anchor),
        prev_date=step(view, anchor, -1), next_date=step(view, anchor, 1),
        listening=[(c["name"], date.fromisoformat(c["listening_until"]))
                   for c in data["channels"] if c.get("listening_until")],
    )


def _stretches(findings: list[dict[str, Any]], monday: date, days: dict[date, Day],
               names: dict[str, str], counts: dict[str, tuple[int, int]],
               post_days: dict[str, date]) -> list[Stretch]:
    sunday = monday + timedelta(days=6)
    found = []
    for finding in findings:
        start, last = finding["local_start"].date(), finding["local_last"].date()
        if last < monday or start > sunday:
            continue
        first_day, last_day = max(start, monday), min(last, sunday)
        cursor = first_day
        while cursor <= last_day:
            if cursor in days:
                days[cursor].dense = True
            cursor += timedelta(days=1)
        asks, posts = counts.get(finding["channel_id"], (0, 0))
        share = str(finding["details"].get("max_ask_share", ""))
        asks_allowed, slash, posts_allowed = share.partition("/")
        # "1 in 5": the rhythm's largest ask share, as a ratio.
        allowed = _("%(asks)s in %(posts)s") % {"asks": asks_allowed, "posts": posts_allowed} \
            if slash else share
        found.append(Stretch(
            finding=finding, channel=names.get(finding["channel_id"], "?"),
            first_day=(first_day - monday).days, last_day=(last_day - monday).days,
            asks=asks, posts=posts, allowed=allowed,
            ask_ids=[i for i in finding["post_ids"] if monday <= post_days.get(i, date.min)
                     <= sunday],
            continues_before=start < monday, continues_after=last > sunday, monday=monday))
    return found


def local_today(tz: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(tz).date()
