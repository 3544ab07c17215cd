"""GET posts.csv: a range of the plan as Giveask's own CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Response

from app.api.http import TimeQuery
from app.auth import ViewerAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas import Kind, Status
from app.services import export as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["posts"])

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The posts as CSV (UTF-8 with a byte order mark), one row per post, "
                   "oldest first, with a Content-Disposition file name.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}}


@router.get("/posts.csv", response_class=Response, responses=CSV_RESPONSE)
def export_posts(
    access: ViewerAccess, session: SessionDep,
    start: TimeQuery = None, end: TimeQuery = None,
    channel_id: str | None = None, kind: Kind | None = None, status: Status | None = None,
    story_id: str | None = None, series_id: str | None = None,
) -> Response:
    """The posts with `start <= scheduled_at < end` (default: 13 weeks from this
    week's Monday; at most 366 days), filtered like the posts list. Columns:
    channel, scheduled_at (RFC 3339 in the workspace's zone), kind, category,
    text, link, story, episode, status, series, findings (open findings naming
    the post). A cell a spreadsheet would run as a formula starts with `'`."""
    exported = service.export_posts(
        session=session, access=access, now=datetime.now(UTC),
        filters=service.ExportFilter(start=start, end=end, channel_id=channel_id, kind=kind,
                                     status=status, story_id=story_id, series_id=series_id))
    return Response(exported.csv_bytes(), media_type=service.MEDIA_TYPE,
                    headers=exported.headers)
