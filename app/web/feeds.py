"""The calendar feeds page: make a feed of the workspace or of one channel, see
its secret address once (to copy, or to open as webcal://), and revoke feeds.
Everyone in the workspace has their own; admins see and revoke all of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import request_settings
from app.db import SessionDep, savepoint
from app.errors import AppError
from app.routers import Router
from app.services import feeds as service
from app.services.access import Access
from app.services.channels import all_channels
from app.services.people import display_names
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)


def _page(request: Request, session: Session, access: Access, user: Any, *,
          new: service.NewFeed | None = None, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    feeds = service.list_feeds(session=session, access=access)
    channels = all_channels(session=session, access=access)
    return render(request, "feeds.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "feeds"), "feeds": feeds, "channels": channels,
        "channel_names": {c.id: c.name for c in channels},
        "names": display_names(session=session, ids=[f.created_by_id for f in feeds]),
        "new": new, "values": values or {}, "errors": errors or {},
        "weeks_back": service.WEEKS_BACK, "weeks_ahead": service.WEEKS_AHEAD},
        status_code=status)


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, access: WebAccess, user: CurrentUser,
               session: SessionDep) -> Response:
    return _page(request, session, access, user)


@router.post("/feeds", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_feed(request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
                channel_id: Annotated[str, Form()] = "",
                name: Annotated[str, Form()] = "") -> Response:
    values = {"channel_id": channel_id, "name": name}
    settings = request_settings(request)
    try:
        with savepoint(session):
            new = service.create_feed(session=session, access=access,
                                      channel_id=channel_id or None, name=name,
                                      link_base=settings.base_url or str(request.base_url))
    except AppError as exc:
        errors = {e.field: e.message for e in exc.errors} or {"name": exc.detail}
        return _page(request, session, access, user, values=values, errors=errors,
                     status=exc.status)
    return _page(request, session, access, user, new=new)


@router.post("/feeds/{feed_id}/revoke", dependencies=[CsrfChecked])
def revoke_feed(feed_id: str, access: WebAccess, session: SessionDep) -> Response:
    service.revoke_feed(session=session, access=access, feed_id=feed_id)
    return RedirectResponse(f"/w/{access.workspace.id}/feeds", status_code=303)
