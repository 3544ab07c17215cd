"""The workspace's settings page (admins): its name, time zone, self-approval,
and archiving."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app import i18n
from app.auth import request_now
from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import gettext as _
from app.routers import Router
from app.schemas import WorkspaceUpdate
from app.services import workspaces as workspace_service
from app.services.access import Access
from app.web import forms
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render
from app.web.setup import time_zones

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)
FIELDS = ("workspace_name", "timezone", "language", "allow_self_approval")
FIELD_FOR = {"name": "workspace_name", "timezone": "timezone", "language": "language",
             "allow_self_approval": "allow_self_approval"}


def _page(request: Request, session: Session, access: Access, user: Any, form: forms.Form,
          status: int = 200, message: str = "") -> Response:
    return render(request, "settings.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "settings"), "form": form, "zones": time_zones(),
        "team_languages": list(i18n.LANGUAGES.items()), "message": message}, status_code=status)


def _current(access: Access) -> forms.Form:
    ws = access.workspace
    return forms.Form(values={"workspace_name": ws.name, "timezone": ws.timezone,
                              "language": ws.language,
                              "allow_self_approval": "yes" if ws.allow_self_approval else "",
                              "version": str(ws.version)})


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, access: WebAccess, user: CurrentUser,
                  session: SessionDep) -> Response:
    access.require("admin")
    return _page(request, session, access, user, _current(access))


@router.post("/settings", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def save_settings(request: Request, access: WebAccess, user: CurrentUser,
                        session: SessionDep) -> Response:
    access.require("admin")
    form = await forms.read_form(request, FIELDS)
    old_zone = access.workspace.timezone
    fields: dict[str, Any] = {
        "name": form.get("workspace_name"), "timezone": form.get("timezone"),
        "allow_self_approval": form.get("allow_self_approval") == "yes"}
    if form.get("language"):  # a page from before the field leaves it as it is
        fields["language"] = form.get("language")
    data = forms.parse(WorkspaceUpdate, form, fields, FIELD_FOR,
        {"timezone": _("Pick a time zone from the list, like Europe/Berlin."),
         "language": _("Pick one of the languages in the list.")})
    if data is None:
        return _page(request, session, access, user, form, status=422)
    try:
        with savepoint(session):
            workspace_service.update_workspace(session=session, access=access, data=data,
                                               if_match=forms.version_of(form))
    except AppError as exc:
        if exc.status == 412:
            return _page(request, session, access, user, _current(access), status=409,
                         message=_("Someone changed these settings meanwhile; here they are "
                                   "now. Make your change again."))
        form.take(exc, FIELD_FOR)
        return _page(request, session, access, user, form, status=exc.status)
    note = _("Saved.")
    if access.workspace.timezone != old_zone:
        note = _("Saved. Times are now shown in %(zone)s: every post kept its moment, and its "
                 "local day and week follow the new zone.") % {"zone": access.workspace.timezone}
    return _page(request, session, access, user, _current(access), message=note)


@router.post("/settings/archive", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def archive(request: Request, access: WebAccess, user: CurrentUser,
                  session: SessionDep) -> Response:
    access.require("admin")
    raw = await request.form()
    archived = raw.get("archived") == "yes"
    with savepoint(session):
        workspace_service.set_archived(session=session, access=access, archived=archived,
                                       now=request_now(request))
    if archived:
        return RedirectResponse("/workspaces", status_code=303)
    return _page(request, session, access, user, _current(access),
                 message=_("The workspace is back: it takes new posts again."))
