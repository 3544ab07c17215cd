"""GET the give/ask report, as JSON or CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Response

from app import i18n
from app.api.http import TimeQuery
from app.auth import ViewerAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas_report import GiveAskReport
from app.services import report as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/reports", tags=["reports"])

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The report as one CSV table (UTF-8 with a byte order mark); its `table` "
                   "column tells months, channel months, groups, rhythm and the answer apart.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}}


def _report(access: Any, session: Any, start: datetime | None,
            end: datetime | None) -> tuple[service.Report, dict[str, Any]]:
    found = service.give_ask_report(session=session, access=access, start=start, end=end,
                                    now=datetime.now(UTC))
    return found, service.as_dict(found, i18n.number)


@router.get("/give-ask", response_model=GiveAskReport)
def give_ask(access: ViewerAccess, session: SessionDep, start: TimeQuery = None,
             end: TimeQuery = None) -> Any:
    """What the published posts of `start <= scheduled_at < end` achieved (default:
    this month so far and the eleven before; at most 24 months): per month and
    channel, gives vs asks; asks by the gives before them, each group `enough`
    with at least `min_group` asks with outcomes; weeks on and off rhythm (at
    most the latest 104); and the answer to "do asks do better after more
    gives?". See docs/report.md."""
    return _report(access, session, start, end)[1]


Separator = Annotated[str | None, Query(max_length=40, description=(
    "comma (the default), semicolon or tab; a semicolon file writes decimals with a "
    "comma, as German Excel reads them"))]


@router.get("/give-ask.csv", response_class=Response, responses=CSV_RESPONSE)
def give_ask_csv(access: ViewerAccess, session: SessionDep, start: TimeQuery = None,
                 end: TimeQuery = None, separator: Separator = None) -> Response:
    """The same report as CSV: decimals with a point (a comma with
    `separator=semicolon`), `n/a` where nothing can be computed, a cell a
    spreadsheet would run as a formula starting with `'`."""
    delimiter = service.csv_separator(separator)
    found, data = _report(access, session, start, end)
    name = service.csv_filename(access.workspace.name, found.start, found.end,
                                ZoneInfo(found.timezone))
    return Response(service.to_csv(data, delimiter), media_type=service.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})
