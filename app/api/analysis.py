"""Rules, findings, what-if, next slot and calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Body, Response

from app.api.http import IfMatch, TimeQuery, etag, parse_if_match
from app.auth import EditorAccess, LeadAccess, ViewerAccess
from app.db import SessionDep
from app.errors import Invalid
from app.i18n import gettext as _
from app.routers import Router
from app.schemas import Category, Kind, format_utc
from app.schemas_analysis import (
    Calendar,
    CheckResult,
    FindingsInRange,
    NextSlot,
    RulesProfilePublic,
)
from app.services import acknowledgements, rules_profile, whatif
from app.services.analysis import context
from app.services.calendar import (
    CalendarFilter,
    calendar_json,
    current_week,
    iso_week,
    local_weeks,
    whole_weeks,
)
from app.services.channels import get_channel
from app.services.suggestions import findings_with_suggestions
from app.services.whatif import CheckBody, next_slot

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["rules"])



@router.get("/rules", response_model=RulesProfilePublic)
def get_rules(access: ViewerAccess, session: SessionDep, response: Response) -> dict[str, Any]:
    """The rules profile: preset, overrides, severities, per-channel values, and the
    effective parameters the engine uses."""
    described = rules_profile.describe(session=session, workspace=access.workspace)
    response.headers["ETag"] = etag(described["version"])
    return described


@router.put("/rules", response_model=RulesProfilePublic)
def replace_rules(
    data: rules_profile.RulesProfileIn, access: LeadAccess, session: SessionDep,
    response: Response, if_match: IfMatch = None,
) -> dict[str, Any]:
    """Replace the rules profile (lead or admin). A parameter set to null turns its
    rule off; a bad value is a 422 naming it, and nothing is saved."""
    described = rules_profile.replace_profile(
        session=session, access=access, data=data, if_match=parse_if_match(if_match))
    response.headers["ETag"] = etag(described["version"])
    return described


def _range(start: datetime | None, end: datetime | None, tz: str) -> tuple[datetime, datetime]:
    if (start is None) != (end is None):
        raise Invalid.one("query.end" if end is None else "query.start",
                          _("give both start and end, or neither for the current week"))
    if start is None or end is None:
        return current_week(datetime.now(UTC), ZoneInfo(tz))
    if end <= start:
        raise Invalid.one("query.end", _("must be after start"))
    return start, end


@router.get("/findings", response_model=FindingsInRange)
def list_findings(
    access: ViewerAccess, session: SessionDep, start: TimeQuery = None, end: TimeQuery = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Findings whose span meets `[start, end)` (default: the current ISO week),
    ordered by start, code, first post id, each with its suggestions: fixes, best
    first, that `POST /suggestions/apply` takes as they are."""
    range_start, range_end = _range(start, end, access.workspace.timezone)
    if channel_id is not None:
        get_channel(session=session, access=access, channel_id=channel_id,
                    field="query.channel_id")
    ctx = context(session=session, workspace=access.workspace,
                  channel_ids=[channel_id] if channel_id else None)
    tz = ZoneInfo(access.workspace.timezone)
    found = findings_with_suggestions(ctx, start=range_start, end=range_end,
                                      now=datetime.now(UTC),
                                      weeks=local_weeks(range_start, range_end, tz))
    acks = acknowledgements.lookup(session=session, workspace_id=access.workspace.id,
                                   findings=[f.finding for f in found])
    return {"start": format_utc(range_start), "end": format_utc(range_end),
            "items": [{**acks.annotate(f.finding), "suggestions": f.suggestions,
                       "weeks": [{"week": iso_week(low.astimezone(tz).date()),
                                  "suggestions": fixes}
                                 for low, fixes in sorted(f.weeks.items())]}
                      for f in found]}


@router.post("/check", response_model=CheckResult)
def check_change(
    access: EditorAccess, session: SessionDep,
    request: Annotated[CheckBody, Body(openapi_examples={
        "create": {"summary": "a new post", "value": {"action": "create", "post": {
            "channel_id": "…", "scheduled_at": "2026-11-25T09:00:00+01:00", "kind": "ask",
            "category": "offer", "text": "Winter blend, 20% off"}}},
        "move": {"summary": "move a post", "value": {
            "action": "move", "post_id": "…", "scheduled_at": "2026-11-27T09:00:00+01:00"}},
        "update": {"summary": "edit a post", "value": {
            "action": "update", "post_id": "…", "changes": {"kind": "give", "category": None}}},
        "delete": {"summary": "delete a post", "value": {"action": "delete", "post_id": "…"}},
    })],
) -> dict[str, Any]:
    """What-if: the findings a new post, an edit, a move or a deletion would add and
    resolve. Nothing is saved. An unsaved post is named `new` in `post_ids`."""
    result = whatif.check_change(access=access, session=session, request=request.root)
    return {"added": [f.as_dict() for f in result.added],
            "resolved": [f.as_dict() for f in result.resolved]}


@router.get("/channels/{channel_id}/next-slot", response_model=NextSlot)
def get_next_slot(
    channel_id: str, access: ViewerAccess, session: SessionDep, kind: Kind = "ask",
    after: TimeQuery = None, category: Category | None = None,
) -> dict[str, Any]:
    """The earliest time at or after `after` (default now) at which a post of this
    kind adds no warning or blocking finding, trying 09:00 local each day for 90 days."""
    answer = next_slot(access=access, session=session, channel_id=channel_id, kind=kind,
                       after=after or datetime.now(UTC), category=category)
    return {"slot": format_utc(answer.slot) if answer.slot else None, "reason": answer.reason}


@router.get("/calendar", response_model=Calendar)
def get_calendar(
    access: ViewerAccess, session: SessionDep, start: TimeQuery = None, end: TimeQuery = None,
    channel_id: str | None = None, kind: Kind | None = None,
) -> Response:
    """Posts, findings and per-ISO-week, per-channel give and ask counts for the weeks
    the range touches (default: the current week), in one response."""
    if channel_id is not None:
        get_channel(session=session, access=access, channel_id=channel_id,
                    field="query.channel_id")
    # The service's answer is already the documented shape (a test holds it to the
    # Calendar schema): serialised as it is, with no second validation pass.
    body = calendar_json(session=session, access=access, start=start, end=end,
                         now=datetime.now(UTC),
                         filters=CalendarFilter(channel_id=channel_id, kind=kind))
    return Response(body, media_type="application/json")


__all__ = ["router", "whole_weeks"]
