"""Series: recurring posts from an RRULE, materialised as posts
(``GET posts?series_id=`` lists them). See docs/series.md."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request, Response

from app.api.http import IfMatch, LimitQuery, created, parse_if_match, versioned
from app.auth import EditorAccess, ViewerAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas import Page
from app.schemas_stories import SeriesCreate, SeriesPublic, SeriesUpdate
from app.services import series as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/series", tags=["series"])

FromQuery = Annotated[date | None, Query(
    alias="from", description="A local date (YYYY-MM-DD): occurrences before it stay as they "
    "are. Without it, the whole series.")]


@router.get("", response_model=Page[SeriesPublic])
def list_series(
    access: ViewerAccess, session: SessionDep,
    limit: LimitQuery = None,
    cursor: str | None = None,
) -> dict[str, object]:
    rows, next_cursor = service.list_series(session=session, access=access, limit=limit,
                                            cursor=cursor)
    counts = service.occurrence_counts(session, [s.id for s in rows])
    return {"items": [service.to_public(s, counts.get(s.id, 0)) for s in rows],
            "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=SeriesPublic)
def create_series(
    request: Request, workspace_id: str, data: SeriesCreate, access: EditorAccess,
    session: SessionDep,
) -> Response:
    """A series and its occurrences, as draft posts. It needs an end (`until` or
    `count`) and spans at most two years; a bad rule is a 422 naming `rrule`,
    and nothing is saved."""
    series = service.create_series(session=session, access=access, data=data)
    return created(request, service.public(session, series),
                   f"/api/v1/workspaces/{workspace_id}/series/{series.id}", series.version)


@router.get("/{series_id}", response_model=SeriesPublic)
def get_series(
    series_id: str, access: ViewerAccess, session: SessionDep, response: Response
) -> SeriesPublic:
    series = service.get_series(session=session, access=access, series_id=series_id)
    model = service.public(session, series)
    versioned(model, series.version, response)
    return model


@router.patch("/{series_id}", response_model=SeriesPublic)
def update_series(
    series_id: str, data: SeriesUpdate, access: EditorAccess, session: SessionDep,
    response: Response, from_date: FromQuery = None, if_match: IfMatch = None,
) -> SeriesPublic:
    """Change the series; its occurrences from `from` on (default: all) follow.
    Published occurrences and those edited on their own stay as they are."""
    series = service.update_series(session=session, access=access, series_id=series_id,
                                   data=data, if_match=parse_if_match(if_match),
                                   from_date=from_date)
    model = service.public(session, series)
    versioned(model, series.version, response)
    return model


@router.delete("/{series_id}", status_code=204)
def delete_series(
    series_id: str, access: EditorAccess, session: SessionDep, from_date: FromQuery = None,
    if_match: IfMatch = None,
) -> Response:
    """Without `from`: the series and its unpublished posts. With `from`: its
    unpublished posts on or after that date, and the series ends the day before.
    Published posts are never deleted."""
    service.delete_series(session=session, access=access, series_id=series_id,
                          if_match=parse_if_match(if_match), from_date=from_date)
    return Response(status_code=204)
