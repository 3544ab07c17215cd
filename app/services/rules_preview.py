"""What a change of the rules profile would do to the plan, before it is saved.

The proposed profile is built and checked exactly as ``PUT /rules`` checks it
(a bad value is the same 422 naming the same field); then the engine reads the
real plan twice over a range, once under the profile in force and once under
the proposed one, and the two sets of findings are compared by finding key.
Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.errors import FieldError, Invalid
from app.models import Channel
from app.rules import Finding, Profile, RuleParams, diff
from app.rules.facts import Severity
from app.rules.presets import build_params, validate_severities
from app.services import analysis
from app.services.access import Access
from app.services.calendar import local_midnight
from app.services.rules_profile import RulesProfileIn, _channel_params

DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class Preview:
    start: datetime
    end: datetime
    added: list[Finding]
    resolved: list[Finding]


def proposed_profile(*, session: Session, access: Access, data: RulesProfileIn) -> Profile:
    """The engine's profile for a body of ``PUT /rules``, checked as it checks it."""
    errors: list[FieldError] = []
    params: RuleParams | None = None
    severities: dict[str, Severity] = {}
    try:
        params = build_params(data.preset, data.overrides)
    except Invalid as exc:
        errors.extend(exc.errors)
    try:
        severities = dict(validate_severities(data.severities))
    except Invalid as exc:
        errors.extend(exc.errors)
    known = set(session.exec(
        select(Channel.id).where(Channel.workspace_id == access.workspace.id,
                                 col(Channel.id).in_(list(data.channels)))
    ).all()) if data.channels else set()
    for channel_id in data.channels:
        if channel_id not in known:
            errors.append(FieldError(f"channels.{channel_id}", "no such channel in this workspace"))
    channel_params: dict[str, RuleParams] = {}
    if params is not None:
        try:
            channel_params = _channel_params(data.preset, params, data.channels)
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors or params is None:
        summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        raise Invalid(summary, errors=errors)
    return Profile(params=params, severities=severities, channel_params=channel_params)


def default_range(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From today's local midnight to the local midnight eight weeks on."""
    today = now.astimezone(tz).date()
    return (local_midnight(today, tz),
            local_midnight(today + timedelta(weeks=DEFAULT_WEEKS), tz))


def preview(*, session: Session, access: Access, data: RulesProfileIn,
            start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> Preview:
    """The findings over ``[start, end)`` the proposed profile would add and resolve."""
    access.require("lead")
    if (start is None) != (end is None):
        raise Invalid.one("query.end" if end is None else "query.start",
                          "give both start and end, or neither for the next 8 weeks")
    proposed = proposed_profile(session=session, access=access, data=data)
    tz = ZoneInfo(access.workspace.timezone)
    if start is None or end is None:
        start, end = default_range(now or datetime.now(UTC), tz)
    elif end <= start:
        raise Invalid.one("query.end", "must be after start")
    current = analysis.context(session=session, workspace=access.workspace)
    before = analysis.findings_in_range(current, start=start, end=end)
    proposal = replace(current, profile=proposed, cache=False)
    after = analysis.findings_in_range(proposal, start=start, end=end)
    added, resolved = diff(before, after)
    return Preview(start=start.astimezone(UTC), end=end.astimezone(UTC), added=added,
                   resolved=resolved)
