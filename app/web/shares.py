"""The team's share links page: a lead makes a read-only link to a week or a range
for a client, sees the links with how they stand, and withdraws them. The page
the link opens is app/web/shared.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import request_now, request_settings
from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import gettext as _
from app.routers import Router
from app.schemas import parse_day
from app.services import channels as channel_service
from app.services import share_links
from app.services.access import Access
from app.services.calendar import iso_week, week_start
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.forms import Form as PageForm
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

FIELDS = ("mode", "week", "starts_on", "ends_on", "channel_id", "label", "expires_in_days",
          "allow_comments")


def _blank(request: Request, access: Access) -> PageForm:
    """Next week, all channels, two weeks to look; or the week the page was sent."""
    tz = ZoneInfo(access.workspace.timezone)
    monday = week_start(request_now(request), tz) + timedelta(days=7)
    asked = request.query_params.get("week", "").strip().upper()
    week = asked if len(asked) <= 10 and "-W" in asked else iso_week(monday)
    return PageForm(values={
        "mode": "week", "week": week, "starts_on": monday.isoformat(),
        "ends_on": (monday + timedelta(days=6)).isoformat(),
        "channel_id": request.query_params.get("channel", "")[:36], "label": "",
        "expires_in_days": str(share_links.DEFAULT_VALID_DAYS), "allow_comments": "on"})


def _page(request: Request, session: Session, access: Access, user: Any, form: PageForm, *,
          status: int = 200, made: share_links.NewShareLink | None = None) -> Response:
    return render(request, "shares.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "shares"), "form": form, "made": made,
        "channels": [c for c in channel_service.all_channels(session=session, access=access)
                     if c.archived_at is None or c.id == form.get("channel_id")],
        "links": share_links.list_links(session=session, access=access,
                                        now=request_now(request)),
        "max_days": share_links.MAX_VALID_DAYS,
        "tz": ZoneInfo(access.workspace.timezone)}, status_code=status)


@router.get("/shares", response_class=HTMLResponse)
def shares_page(request: Request, access: WebAccess, user: CurrentUser,
                session: SessionDep) -> Response:
    access.require("lead")
    return _page(request, session, access, user, _blank(request, access))


def _day(form: PageForm, name: str) -> date | None:
    text = form.get(name)
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError:
        form.errors[name] = _("That is not a date; pick one.")
        return None


def _ask(form: PageForm) -> share_links.ShareRequest | None:
    by_week = form.get("mode") != "range"
    days_text = form.get("expires_in_days")
    if not days_text.isdigit():
        form.errors["expires_in_days"] = _("A number of days, 1 to %(most)s.") % {
            "most": share_links.MAX_VALID_DAYS}
    ask = share_links.ShareRequest(
        week=(form.get("week") or None) if by_week else None,
        starts_on=None if by_week else _day(form, "starts_on"),
        ends_on=None if by_week else _day(form, "ends_on"),
        channel_id=form.get("channel_id") or None, label=form.get("label"),
        expires_in_days=int(days_text) if days_text.isdigit() else None,
        allow_comments=form.get("allow_comments") == "on")
    if by_week and not ask.week:
        form.errors["week"] = _("Pick a week.")
    return None if form.errors else ask


@router.post("/shares", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_share(request: Request, access: WebAccess, user: CurrentUser,
                       session: SessionDep) -> Response:
    access.require("lead")
    raw = await request.form()
    form = PageForm(values={name: str(raw.get(name, "") or "").strip() for name in FIELDS})
    ask = _ask(form)
    if ask is None:
        return _page(request, session, access, user, form, status=422)
    settings = request_settings(request)
    try:
        with savepoint(session):
            made = share_links.create_link(
                session=session, access=access, ask=ask, now=request_now(request),
                link_base=settings.base_url or str(request.base_url))
    except AppError as exc:
        form.take(exc)
        return _page(request, session, access, user, form, status=exc.status)
    return _page(request, session, access, user, _blank(request, access), made=made)


@router.post("/shares/{link_id}/revoke", dependencies=[CsrfChecked])
def revoke_share(request: Request, link_id: str, access: WebAccess,
                 session: SessionDep) -> Response:
    share_links.revoke_link(session=session, access=access, link_id=link_id,
                            now=request_now(request))
    return RedirectResponse(f"/w/{access.workspace.id}/shares", status_code=303)
