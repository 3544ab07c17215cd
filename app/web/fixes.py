"""Suggestions in the pages: the fixes the calendar's badges offer (loaded after
the calendar, so it draws at its own speed), and applying one, with an undo."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.db import SessionDep, savepoint
from app.errors import AppError, PreconditionFailed
from app.i18n import gettext as _
from app.routers import Router
from app.services import fixes
from app.services.calendar import local_midnight
from app.services.suggestions import ApplyBody, apply_changes
from app.web.calendar_view import finding_uid, suggestion_forms, view_range
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.planner import CalendarState, after_change
from app.web.render import render
from app.web.reviews import week_after_fix

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)


@router.get("/fixes", response_class=HTMLResponse)
def calendar_fixes(request: Request, access: WebAccess, session: SessionDep) -> Response:
    """The best fix of each finding on the calendar, as out-of-band swaps into the
    badges that show the finding."""
    access.require("editor")
    tz = ZoneInfo(access.workspace.timezone)
    state = CalendarState(dict(request.query_params), tz)
    first, after = view_range(state.view, state.anchor)
    found = fixes.for_range(session=session, access=access, start=local_midnight(first, tz),
                            end=local_midnight(after, tz), now=datetime.now(UTC),
                            channel_id=state.channel)
    offers = [{"uid": finding_uid(*key), "fix": suggestion_forms(suggestions)[0]}
              for key, suggestions in found.whole.items()]
    # A long stretch's bar in each week offers the fix for that week.
    offers += [{"uid": f"{finding_uid(*key)}-{monday.isoformat()}",
                "fix": suggestion_forms(suggestions)[0]}
               for (key, monday), suggestions in found.weeks.items()]
    return render(request, "fixes.html", {"workspace": access.workspace, "offers": offers})


@router.post("/suggestions/apply", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def apply_suggestion(request: Request, access: WebAccess, user: CurrentUser,
                           session: SessionDep) -> Response:
    access.require("editor")
    raw = await request.form()
    summary = str(raw.get("summary") or "")[:300]
    undoing = raw.get("undo") == "yes"
    origin = str(raw.get("origin") or "")

    def done(note: str, undo: list[dict[str, Any]] | None = None) -> Response:
        if origin.startswith("week:"):  # applied on a week's review: show it again
            return week_after_fix(request, session, access, user, origin, note,
                                  json.dumps(undo) if undo else "")
        return after_change(request, session, access, user, note, undo=undo)

    try:
        body = ApplyBody.model_validate({"changes": json.loads(str(raw.get("changes") or ""))})
    except (ValueError, ValidationError):
        return done(_("That suggestion could not be read; nothing was changed."))
    try:
        with savepoint(session):
            before = fixes.before_applying(session=session, access=access, changes=body.changes)
            applied = apply_changes(session=session, access=access, changes=body.changes)
    except PreconditionFailed:
        return done(_("A post changed since this was suggested; nothing was changed. "
                      "This is the plan as it is now."))
    except AppError as exc:
        return done(_("Nothing was changed: %(reason)s") % {"reason": exc.detail})
    if undoing:
        return done(_("Undone: the plan is as it was."))
    return done(_("Applied: %(summary)s.") % {"summary": summary} if summary
                else _("Applied the suggestion."),
                fixes.undo_of(before, body.changes, applied))
