"""The channels page: every channel of the workspace with its platform, text
limit, listening phase and posts; editors add, rename, re-date and archive them.

Plain forms (no JavaScript needed): a save redirects back, a refusal re-renders
the page with the reason next to the field and nothing saved.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.db import SessionDep, savepoint
from app.errors import AppError, PreconditionFailed
from app.i18n import gettext as _
from app.models import Channel
from app.platforms import PLATFORM_LIST, platform_of
from app.routers import Router
from app.schemas import ChannelCreate, ChannelUpdate
from app.services import channels as service
from app.services.access import Access
from app.web.calendar_view import local_today
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.forms import Form, parse, read_form, version_of
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

FIELDS = ("name", "platform", "started_on")


def _wording() -> dict[str, str]:
    """How the channel form words a schema's complaint about one of its fields."""
    return {"started_on": _("That is not a day Giveask can use: pick one like 2026-11-02.")}


def _form_of(channel: Channel) -> Form:
    return Form(values={
        "name": channel.name, "platform": platform_of(channel.platform).key,
        "started_on": channel.started_on.isoformat() if channel.started_on else "",
        "version": str(channel.version)})


def _page(request: Request, session: Session, access: Access, user: Any, *,
          form: Form | None = None, edits: dict[str, Form] | None = None,
          status: int = 200) -> Response:
    tz = ZoneInfo(access.workspace.timezone)
    rows = service.overview(session=session, access=access, today=local_today(tz))
    edits = edits or {}
    return render(request, "channels.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "channels"), "rows": rows,
        "edits": {r.channel.id: edits.get(r.channel.id) or _form_of(r.channel) for r in rows},
        "open_edit": next(iter(edits), ""),
        "form": form or Form(values={"platform": "linkedin"}),
        "platforms": PLATFORM_LIST, "can_edit": access.can("editor"),
        "listen_days": service.listen_days(session=session, access=access)},
        status_code=status)


def _data(form: Form) -> dict[str, Any]:
    return {"name": form.get("name"), "platform": form.get("platform"),
            "started_on": form.get("started_on") or None}


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, access: WebAccess, user: CurrentUser,
                  session: SessionDep) -> Response:
    return _page(request, session, access, user)


@router.post("/channels", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_channel(request: Request, access: WebAccess, user: CurrentUser,
                         session: SessionDep) -> Response:
    access.require("editor")
    form = await read_form(request, FIELDS)
    model = parse(ChannelCreate, form, _data(form), wording=_wording())
    if model is not None:
        try:
            with savepoint(session):
                service.create_channel(session=session, access=access, data=model)
        except AppError as exc:
            form.take(exc, wording=_wording())
        else:
            return RedirectResponse(f"/w/{access.workspace.id}/channels", status_code=303)
    return _page(request, session, access, user, form=form, status=422)


@router.post("/channels/{channel_id}", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def update_channel(request: Request, channel_id: str, access: WebAccess,
                         user: CurrentUser, session: SessionDep) -> Response:
    access.require("editor")
    service.get_channel(session=session, access=access, channel_id=channel_id)
    form = await read_form(request, FIELDS)
    model = parse(ChannelUpdate, form, _data(form), wording=_wording())
    if model is not None:
        try:
            with savepoint(session):
                service.update_channel(session=session, access=access, channel_id=channel_id,
                                       data=model, if_match=version_of(form))
        except PreconditionFailed:
            return _stale(request, session, access, user, channel_id)
        except AppError as exc:
            form.take(exc, wording=_wording())
        else:
            return RedirectResponse(f"/w/{access.workspace.id}/channels", status_code=303)
    return _page(request, session, access, user, edits={channel_id: form}, status=422)


def _stale(request: Request, session: Session, access: Access, user: Any,
           channel_id: str) -> Response:
    fresh = _form_of(service.get_channel(session=session, access=access, channel_id=channel_id))
    fresh.message = _("Someone else changed this channel while you were editing. This is the "
                      "channel as it is now; make your change again.")
    return _page(request, session, access, user, edits={channel_id: fresh}, status=412)


async def _set_archived(request: Request, channel_id: str, access: Access, user: Any,
                        session: Session, archived: bool) -> Response:
    access.require("editor")
    form = await read_form(request, ())
    try:
        with savepoint(session):
            service.set_archived(session=session, access=access, channel_id=channel_id,
                                 archived=archived, if_match=version_of(form))
    except PreconditionFailed:
        return _stale(request, session, access, user, channel_id)
    return RedirectResponse(f"/w/{access.workspace.id}/channels", status_code=303)


@router.post("/channels/{channel_id}/archive", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def archive_channel(request: Request, channel_id: str, access: WebAccess,
                          user: CurrentUser, session: SessionDep) -> Response:
    return await _set_archived(request, channel_id, access, user, session, True)


@router.post("/channels/{channel_id}/unarchive", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def unarchive_channel(request: Request, channel_id: str, access: WebAccess,
                            user: CurrentUser, session: SessionDep) -> Response:
    return await _set_archived(request, channel_id, access, user, session, False)
