"""A feed's calendar (RFC 5545, written with the ``icalendar`` library): one event
per post of the window, its findings in the description.

Everything in it comes from the rows the ETag stamps (app/services/feeds.py),
never from the clock, so two reads of an unchanged plan give the same bytes:
DTSTAMP is the post's last change, as RFC 5545 has it for a calendar without a
METHOD.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlmodel import Session

from app.i18n import N_, pgettext
from app.i18n import gettext as _
from app.models import Series, Story
from app.rules import Finding
from app.services import acknowledgements
from app.services.analysis import P, context, findings_in_range
from app.services.feeds import OpenFeed, window

EVENT_LENGTH = timedelta(minutes=15)
REFRESH = timedelta(hours=1)
SUMMARY_WORDS = 8
SUMMARY_CHARS = 60
# Approved and published posts are settled; the rest may still move.
CONFIRMED = ("approved", "published")
# Told in the feed's language where they are written (N_ only marks them).
STATUS_WORDS = {"draft": N_("post status", "Draft"),
                "submitted": N_("post status", "Submitted for review"),
                "changes_requested": N_("post status", "Changes requested"),
                "approved": N_("post status", "Approved"),
                "published": N_("post status", "Published")}
SEVERITY_WORDS = {"blocking": N_("severity", "blocking"), "warning": N_("severity", "warning"),
                  "info": N_("severity", "info")}

FEED_COLUMNS = (P.id, P.channel_id, P.scheduled_at, P.kind, P.category, P.text, P.link,
                P.status, P.story_id, P.episode, P.series_id, P.version, P.created_at,
                P.updated_at)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def first_words(text: str) -> str:
    words = text.split()
    short = " ".join(words[:SUMMARY_WORDS])
    if len(short) > SUMMARY_CHARS:
        short = short[:SUMMARY_CHARS].rstrip()
    return short + ("…" if short != " ".join(words) else "")


def kind_word(kind: str) -> str:
    return pgettext("post kind", "Ask") if kind == "ask" else pgettext("post kind", "Give")


def summary(kind: str, channel: str, text: str) -> str:
    return f"{kind_word(kind)} · {channel} · {first_words(text)}"


def calendar_name(opened: OpenFeed, channel: str | None) -> str:
    name = f"Giveask · {opened.workspace.name}"
    return f"{name} · {channel}" if channel else name


def feed_calendar(*, session: Session, opened: OpenFeed, today: date, link_base: str) -> bytes:
    feed, workspace = opened.feed, opened.workspace
    start, end = window(today, workspace)
    ctx = context(session=session, workspace=workspace,
                  channel_ids=[feed.channel_id] if feed.channel_id else None)
    query = select(*FEED_COLUMNS).where(P.workspace_id == workspace.id,
                                        P.scheduled_at >= start, P.scheduled_at < end)
    if feed.channel_id is not None:
        query = query.where(P.channel_id == feed.channel_id)
    rows = list(session.execute(query.order_by(P.scheduled_at, P.id)))
    found = findings_in_range(ctx, start=start, end=end, channel_ids=list(ctx.channels))
    acks = acknowledgements.lookup(session=session, workspace_id=workspace.id, findings=found)
    naming: dict[str, list[Finding]] = defaultdict(list)
    for finding in found:
        for post_id in dict.fromkeys(finding.post_ids):
            naming[post_id].append(finding)
    stories, series = _labels(session, workspace.id, rows)

    channel = ctx.channels.get(feed.channel_id) if feed.channel_id else None
    cal = Calendar()
    cal.add("prodid", "-//Giveask//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = calendar_name(opened, channel.name if channel else None)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    base = link_base.rstrip("/")
    for row in rows:
        channel_name = ctx.channels[row.channel_id].name if row.channel_id in ctx.channels \
            else ""
        cal.add_component(_event(row, channel_name, stories, series, naming.get(row.id, []),
                                 acks, f"{base}/w/{workspace.id}/posts/{row.id}/edit"))
    return bytes(cal.to_ical())


def _event(row: Any, channel: str, stories: dict[str, str], series: dict[str, str],
           findings: list[Finding], acks: acknowledgements.Acknowledgements,
           url: str) -> Event:
    event = Event()
    event.add("uid", f"{row.id}@giveask")
    event.add("sequence", row.version)
    event.add("dtstamp", _utc(row.updated_at))
    event.add("created", _utc(row.created_at))
    event.add("last-modified", _utc(row.updated_at))
    event.add("dtstart", _utc(row.scheduled_at))
    event.add("duration", EVENT_LENGTH)
    event.add("summary", summary(row.kind, channel, row.text))
    kind = kind_word(row.kind)
    event.add("categories", [kind, pgettext("post category", row.category)]
              if row.category else [kind])
    event.add("status", "CONFIRMED" if row.status in CONFIRMED else "TENTATIVE")
    # A post is a plan, not a meeting: it never makes anyone look busy.
    event.add("transp", "TRANSPARENT")
    event.add("description", description(row, stories, series, findings, acks))
    event.add("url", url)
    return event


def description(row: Any, stories: dict[str, str], series: dict[str, str],
                findings: list[Finding], acks: acknowledgements.Acknowledgements) -> str:
    status = STATUS_WORDS.get(row.status)
    lines = [_("Status: %(status)s") % {
        "status": pgettext("post status", status) if status else row.status}]
    if row.category:
        lines.append(_("Category: %(category)s") % {
            "category": pgettext("post category", row.category)})
    if row.story_id in stories:
        if row.episode is not None:
            lines.append(_("Story: %(story)s, episode %(episode)s") % {
                "story": stories[row.story_id], "episode": row.episode})
        else:
            lines.append(_("Story: %(story)s") % {"story": stories[row.story_id]})
    if row.series_id in series:
        lines.append(_("Series: %(series)s") % {"series": series[row.series_id]})
    lines += ["", row.text]
    if row.link:
        lines += ["", _("Link: %(link)s") % {"link": row.link}]
    lines.append("")
    if findings:
        lines.append(_("Findings:"))
        for finding in findings:
            severity = pgettext("severity", SEVERITY_WORDS.get(finding.severity,
                                                               finding.severity))
            if acks.of(finding) is not None:
                severity = _("%(severity)s, acknowledged") % {"severity": severity}
            lines.append(f"- {severity}: {finding.message}")
    else:
        lines.append(_("Findings: none"))
    return "\n".join(lines)


def _labels(session: Session, workspace_id: str,
            rows: list[Any]) -> tuple[dict[str, str], dict[str, str]]:
    story_ids = sorted({r.story_id for r in rows if r.story_id})
    series_ids = sorted({r.series_id for r in rows if r.series_id})
    stories: dict[str, str] = {i: name for i, name in session.execute(
        select(Story.id, Story.name).where(  # type: ignore[call-overload]
            Story.workspace_id == workspace_id, Story.id.in_(story_ids))  # type: ignore[attr-defined]
    ).all()} if story_ids else {}
    series = {i: name or rule for i, name, rule in session.execute(
        select(Series.id, Series.name, Series.rrule).where(  # type: ignore[call-overload]
            Series.workspace_id == workspace_id, Series.id.in_(series_ids))  # type: ignore[attr-defined]
    ).all()} if series_ids else {}
    return stories, series
