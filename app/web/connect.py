"""The Connect page: the ways a workspace's plan comes in from other tools and goes
out to them (import, export, calendar feeds, webhooks, share links), each with
who may use it and how it stands."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.auth import request_now
from app.db import SessionDep
from app.routers import Router
from app.services import connect
from app.web.deps import CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)


@router.get("/connect", response_class=HTMLResponse)
def connect_page(request: Request, access: WebAccess, user: CurrentUser,
                 session: SessionDep) -> Response:
    return render(request, "connect.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "connect"),
        "overview": connect.overview(session=session, access=access, now=request_now(request))})
