"""The History page: who did what and when, one entry per decision, filtered by
post, person and kind of change, paged with the service's cursor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.db import SessionDep
from app.models import AuditEvent
from app.routers import Router
from app.services import audit, users
from app.services.people import display_names
from app.web.deps import CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)
PAGE = 100
# Events of one decision are written in one transaction, a moment apart.
SAME_DECISION = timedelta(seconds=2)


@dataclass
class Entry:
    """One thing a person did: a single event, or a decision that changed many
    posts at once (a week approved), shown as one line that opens up."""

    first: AuditEvent
    events: list[AuditEvent] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def posts(self) -> list[AuditEvent]:
        """The posts a week decision changed, or the entry's own events."""
        if self.first.subject_type == "week":
            return self.events[1:]
        return self.events

    def takes(self, event: AuditEvent) -> bool:
        first = self.first
        if not (event.actor_id == first.actor_id and event.actor_token_id == first.actor_token_id
                and event.action == first.action
                and abs(event.at - self.events[-1].at) <= SAME_DECISION):
            return False
        if first.subject_type == "week":  # the week's decision, then each post it moved
            return event.subject_type == "post"
        return event.subject_type == first.subject_type and event.note == first.note


def grouped(events: list[AuditEvent]) -> list[Entry]:
    """Neighbouring events of the same person, action and note, written together,
    as one entry; the history is newest first, so neighbours are the decision's."""
    entries: list[Entry] = []
    for event in events:
        if entries and entries[-1].takes(event):
            entries[-1].events.append(event)
        else:
            entries.append(Entry(first=event, events=[event]))
    return entries


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
                 cursor: str | None = None, post: str | None = None,
                 person: str | None = None, change: str | None = None) -> Response:
    filters = {"post": post or "", "person": person or "", "change": change or ""}
    events, next_cursor = audit.history_page(
        session=session, access=access, subject_type="post" if post else None,
        subject_id=post or None, actor_id=person or None, action=change or None, limit=PAGE,
        cursor=cursor or None)
    members = users.list_members(session=session, access=access)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "history.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "history"), "entries": grouped(events),
        "next_cursor": next_cursor, "first_page": not cursor, "filters": filters,
        "query": query, "people": sorted(((u.id, u.name or u.email) for _, u in members),
                                         key=lambda p: p[1].lower()),
        "actions": audit.actions(session=session, access=access),
        "names": display_names(session=session, ids=[e.actor_id for e in events]),
        "tz": ZoneInfo(access.workspace.timezone)})
