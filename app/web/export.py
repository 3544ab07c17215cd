"""The export page: a range of the plan (local days, both included) and the
posts list's filters, downloaded as Giveask's CSV. The calendar's "Export CSV"
links straight to the download with the range and filters it shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.db import SessionDep
from app.errors import AppError
from app.i18n import gettext as _
from app.models import KINDS, STATUSES
from app.routers import Router
from app.schemas import parse_day
from app.services import export as service
from app.services.access import Access
from app.services.calendar import week_start
from app.web.deps import CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

FILTERS = ("channel_id", "kind", "status", "story_id", "series_id")
# The service names the API's query fields; the page's fields are these.
PAGE_FIELD = {"query.end": "to", "query.start": "from", "query.channel_id": "channel_id",
              "query.story_id": "story_id", "query.series_id": "series_id"}


def _defaults(tz: ZoneInfo) -> dict[str, str]:
    monday = week_start(datetime.now(UTC), tz)
    last = monday + service.DEFAULT_SPAN - timedelta(days=1)
    return {"from": monday.isoformat(), "to": last.isoformat()}


def _page(request: Request, session: Session, access: Access, user: Any,
          values: dict[str, str], errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    return render(request, "export.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "export"), "values": values, "errors": errors or {},
        "choices": service.filter_choices(session=session, access=access),
        "max_days": service.MAX_SPAN.days},
        status_code=status)


@router.get("/export", response_class=HTMLResponse)
def export_page(request: Request, access: WebAccess, user: CurrentUser,
                session: SessionDep) -> Response:
    values = _defaults(ZoneInfo(access.workspace.timezone))
    values.update({k: v for k, v in request.query_params.items() if v})
    return _page(request, session, access, user, values)


def _day(text: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return parse_day(text)
    except ValueError:
        errors[field] = _("Pick a day, like 2026-11-23.")
        return None


@router.get("/export.csv")
def download(
    request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
    first: Annotated[str, Query(alias="from")] = "", last: Annotated[str, Query(alias="to")] = "",
    channel_id: str = "", kind: str = "", status: str = "", story_id: str = "",
    series_id: str = "",
) -> Response:
    tz = ZoneInfo(access.workspace.timezone)
    values = {"from": first, "to": last, "channel_id": channel_id, "kind": kind,
              "status": status, "story_id": story_id, "series_id": series_id}
    errors: dict[str, str] = {}
    start_day, end_day = _day(first, "from", errors), _day(last, "to", errors)
    if kind and kind not in KINDS:
        errors["kind"] = _("Choose gives or asks.")
    if status and status not in STATUSES:
        errors["status"] = _("Choose one of the statuses.")
    if errors or start_day is None or end_day is None:
        return _page(request, session, access, user, values, errors, status=422)
    try:
        start, end = service.local_day_range(start_day, end_day, tz)
        exported = service.export_posts(
            session=session, access=access, now=datetime.now(UTC),
            filters=service.ExportFilter(start=start, end=end, **{
                name: values[name] or None for name in FILTERS}))
    except AppError as exc:
        errors.update({PAGE_FIELD.get(e.field, e.field): e.message for e in exc.errors})
        return _page(request, session, access, user, values, errors or {"to": exc.detail},
                     status=422)
    return Response(exported.csv_bytes(), media_type=service.MEDIA_TYPE,
                    headers=exported.headers)
