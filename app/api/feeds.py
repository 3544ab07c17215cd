"""Calendar feeds: create (the secret address shown once), list, revoke, and the
calendar.ics that calendar apps poll with the secret in the address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Header, Request, Response

from app import i18n
from app.api.http import created
from app.auth import ViewerAccess, request_settings
from app.db import SessionDep
from app.models import CalendarFeed
from app.routers import Router
from app.schemas import Page
from app.schemas_feeds import FeedCreate, FeedCreated, FeedPublic
from app.services import feed_calendar
from app.services import feeds as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["feeds"])

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
# Only the subscriber's own client may keep a copy, and it asks again each time.
ICS_CACHE = "private, no-cache"


def _public(feed: CalendarFeed) -> FeedPublic:
    return FeedPublic.model_validate({**feed.model_dump(), "created_by": feed.created_by_id})


def link_base(request: Request) -> str:
    return request_settings(request).base_url or str(request.base_url)


@router.get("/feeds", response_model=Page[FeedPublic])
def list_feeds(access: ViewerAccess, session: SessionDep) -> dict[str, object]:
    """Your live feeds (an admin: everyone's); never their secret addresses."""
    rows = service.list_feeds(session=session, access=access)
    return {"items": [_public(f) for f in rows], "next_cursor": None}


@router.post("/feeds", status_code=201, response_model=FeedCreated)
def create_feed(request: Request, workspace_id: str, data: FeedCreate, access: ViewerAccess,
                session: SessionDep) -> Response:
    """A secret calendar address for the workspace, or for one channel. The answer
    carries `url` once: subscribe to it in a calendar app."""
    new = service.create_feed(session=session, access=access, channel_id=data.channel_id,
                              name=data.name, link_base=link_base(request))
    model = FeedCreated.model_validate({**_public(new.feed).model_dump(), "url": new.url,
                                        "webcal_url": new.webcal_url})
    return created(request, model, f"/api/v1/workspaces/{workspace_id}/feeds/{new.feed.id}")


@router.delete("/feeds/{feed_id}", status_code=204)
def revoke_feed(feed_id: str, access: ViewerAccess, session: SessionDep) -> Response:
    """Revoke a feed: its address answers 404 from now on."""
    service.revoke_feed(session=session, access=access, feed_id=feed_id)
    return Response(status_code=204)


# Calendar apps send no header, so the secret rides in the address; the route is
# left out of the OpenAPI document, whose operations all take a bearer token or
# a session (docs/export-and-feeds.md describes it).
@router.get("/calendar.ics", include_in_schema=False)
def read_feed(
    request: Request, workspace_id: str, session: SessionDep, token: str = "",
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    opened = service.open_feed(session=session, workspace_id=workspace_id, secret=token)
    today = datetime.now(UTC).astimezone(ZoneInfo(opened.workspace.timezone)).date()
    base = link_base(request)
    tag = service.etag(session=session, opened=opened, today=today, link_base=base)
    headers = {"ETag": tag, "Cache-Control": ICS_CACHE}
    if service.none_match(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    # A feed is read by a calendar app, not a person: it speaks the team's language.
    with i18n.speaking(opened.workspace.language):
        body = feed_calendar.feed_calendar(session=session, opened=opened, today=today,
                                           link_base=base)
    headers["Content-Disposition"] = 'inline; filename="giveask.ics"'
    return Response(body, media_type=ICS_MEDIA_TYPE, headers=headers)
