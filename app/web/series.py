"""Series pages: the workspace's recurring posts, one series with its
occurrences, and changing or ending it from a date on. Plain forms, like the
story pages; the rules are those of the API (app/services/series.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.db import SessionDep, savepoint
from app.errors import AppError, PreconditionFailed
from app.i18n import gettext as _
from app.i18n import when
from app.models import Series
from app.routers import Router
from app.schemas import parse_day
from app.schemas_stories import SeriesCreate, SeriesUpdate
from app.services import series as service
from app.services.access import Access
from app.services.channels import all_channels, channel_names
from app.web.calendar_view import local_today
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.forms import Form, parse, read_form, version_of
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

SERIES_FIELDS = ("name", "channel_id", "kind", "category", "text", "link", "starts_on", "time",
                 "repeat", "rrule", "end", "until", "count", "skipped_dates", "from")
# The repeats the form offers, by their rules; "custom" takes an RRULE as typed.
REPEATS = {"weekly": "FREQ=WEEKLY", "biweekly": "FREQ=WEEKLY;INTERVAL=2", "daily": "FREQ=DAILY",
           "monthly": "FREQ=MONTHLY", "custom": ""}
# RRULE's days, from Monday on.
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
A_MONDAY = date(2024, 1, 1)


def repeat_choices() -> dict[str, tuple[str, str]]:
    """The repeats the form offers: their labels in the reader's words, and their rules."""
    labels = {"weekly": _("Every week"), "biweekly": _("Every two weeks"),
              "daily": _("Every day"), "monthly": _("Every month"),
              "custom": _("Custom rule (RRULE)")}
    return {key: (labels[key], rule) for key, rule in REPEATS.items()}


def _day_name(code: str) -> str:
    """An RRULE day ("MO") as the reader's short weekday ("Mon")."""
    if code not in DAY_CODES:
        return code
    return when(A_MONDAY + timedelta(days=DAY_CODES.index(code)), "weekday")


def rule_words(rule: str, starts_on: date) -> str:
    """A rule in words where it is a common one, else the rule itself."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    extra = set(parts) - {"FREQ", "INTERVAL", "BYDAY"}
    interval = int(parts.get("INTERVAL", "1"))
    frequency = parts.get("FREQ", "")
    if extra or frequency not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY") \
            or ("BYDAY" in parts and frequency != "WEEKLY"):
        return rule
    values: dict[str, object] = {"n": interval}
    if frequency == "WEEKLY":
        days = [_day_name(d) for d in parts.get("BYDAY", "").split(",") if d]
        values["days"] = ", ".join(days) or when(starts_on, "weekday")
        if interval == 1:
            return _("Every week on %(days)s") % values
        return _("Every %(n)s weeks on %(days)s") % values
    if frequency == "MONTHLY":
        values["day"] = starts_on.day
        if interval == 1:
            return _("Every month on day %(day)s") % values
        return _("Every %(n)s months on day %(day)s") % values
    if frequency == "DAILY":
        return _("Every day") if interval == 1 else _("Every %(n)s days") % values
    return _("Every year") if interval == 1 else _("Every %(n)s years") % values


def _base(session: Session, access: Access, user: Any) -> dict[str, Any]:
    return {"user": user, "access": access, "workspace": access.workspace,
            "nav": nav(session, access, "series"), "can_edit": access.can("editor"),
            "channels": all_channels(session=session, access=access),
            "repeats": repeat_choices(),
            "tz": ZoneInfo(access.workspace.timezone),
            "today": local_today(ZoneInfo(access.workspace.timezone))}


def _form_data(form: Form) -> dict[str, Any]:
    """What the form says, in the API's fields; a blank required field is an
    error on the form."""
    required = {"channel_id": _("Choose a channel."), "text": _("Write the post's text."),
                "starts_on": _("Pick the first day."), "time": _("Pick a time, like 09:00.")}
    for name, message in required.items():
        if not form.get(name):
            form.errors[name] = message
    repeat = form.get("repeat") or "weekly"
    rule = form.get("rrule") if repeat == "custom" else REPEATS.get(repeat, REPEATS["weekly"])
    end = form.get("end") or ("count" if form.get("count") else "until")
    data: dict[str, Any] = {
        "name": form.get("name"), "channel_id": form.get("channel_id"),
        "kind": form.get("kind") or "give", "category": form.get("category") or None,
        "text": form.get("text"), "link": form.get("link") or None, "rrule": rule,
        "starts_on": form.get("starts_on") or None, "time": form.get("time") or None,
        "until": (form.get("until") or None) if end == "until" else None,
        "count": None,
        "skipped_dates": [d.strip() for d in form.get("skipped_dates").replace("\n", ",")
                          .split(",") if d.strip()],
    }
    if end == "count":
        text = form.get("count")
        if text and not text.lstrip("-").isdigit():
            form.errors["count"] = _("A whole number, like 12.")
        data["count"] = int(text) if text.lstrip("-").isdigit() else None
    return data


# ---- the series page -------------------------------------------------------------------


def _list_page(request: Request, session: Session, access: Access, user: Any, form: Form,
               status: int = 200) -> Response:
    rows, _cursor = service.list_series(session=session, access=access, limit=500, cursor=None)
    counts = service.occurrence_counts(session, [s.id for s in rows])
    names = channel_names(session=session, access=access)
    items = [{"series": s, "words": rule_words(s.rrule, s.starts_on),
              "channel": names.get(s.channel_id, "?"), "occurrences": counts.get(s.id, 0)}
             for s in sorted(rows, key=lambda s: (s.name or s.text).lower())]
    return render(request, "series_list.html", {**_base(session, access, user),
                                                "items": items, "form": form},
                  status_code=status)


@router.get("/series", response_class=HTMLResponse)
def series_page(request: Request, access: WebAccess, user: CurrentUser,
                session: SessionDep) -> Response:
    today = local_today(ZoneInfo(access.workspace.timezone))
    form = Form(values={"kind": "give", "repeat": "weekly", "time": "09:00",
                        "starts_on": today.isoformat(), "end": "count", "count": "12"})
    return _list_page(request, session, access, user, form)


@router.post("/series", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_series(request: Request, access: WebAccess, user: CurrentUser,
                        session: SessionDep) -> Response:
    access.require("editor")
    form = await read_form(request, SERIES_FIELDS)
    data = _form_data(form)
    model = parse(SeriesCreate, form, data) if not form.errors else None
    if model is not None:
        try:
            with savepoint(session):
                series = service.create_series(session=session, access=access, data=model)
        except AppError as exc:
            form.take(exc)
        else:
            return RedirectResponse(f"/w/{access.workspace.id}/series/{series.id}",
                                    status_code=303)
    return _list_page(request, session, access, user, form, status=422)


# ---- one series -------------------------------------------------------------------------


def _values(series: Series) -> dict[str, str]:
    custom = next((key for key, rule in REPEATS.items() if rule == series.rrule), "custom")
    return {"name": series.name, "channel_id": series.channel_id, "kind": series.kind,
            "category": series.category or "", "text": series.text, "link": series.link or "",
            "starts_on": series.starts_on.isoformat(), "time": series.time.strftime("%H:%M"),
            "repeat": custom, "rrule": series.rrule,
            "end": "count" if series.count is not None else "until",
            "until": series.until.isoformat() if series.until else "",
            "count": str(series.count or ""), "skipped_dates": ", ".join(series.skipped_dates),
            "version": str(series.version)}


def _series_page(request: Request, session: Session, access: Access, user: Any,
                 series: Series, form: Form | None = None, status: int = 200) -> Response:
    context = _base(session, access, user)
    if form is None:
        form = Form(values=_values(series))
        form.values["from"] = context["today"].isoformat()
    tz = ZoneInfo(series.timezone or access.workspace.timezone)
    posts = service.occurrence_posts(session=session, series=series)
    return render(request, "series.html", {
        **context, "series": series, "form": form, "series_tz": tz,
        "words": rule_words(series.rrule, series.starts_on),
        "occurrences": [(p, p.scheduled_at.astimezone(tz)) for p in posts],
    }, status_code=status)


@router.get("/series/{series_id}", response_class=HTMLResponse)
def one_series(request: Request, series_id: str, access: WebAccess, user: CurrentUser,
               session: SessionDep) -> Response:
    series = service.get_series(session=session, access=access, series_id=series_id)
    return _series_page(request, session, access, user, series)


def _from(form: Form) -> date | None:
    text = form.get("from")
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError:
        form.errors["from"] = _("That is not a date.")
        return None


@router.post("/series/{series_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def update_series(request: Request, series_id: str, access: WebAccess, user: CurrentUser,
                        session: SessionDep) -> Response:
    access.require("editor")
    series = service.get_series(session=session, access=access, series_id=series_id)
    form = await read_form(request, SERIES_FIELDS)
    from_date = _from(form)
    data = _form_data(form)
    model = parse(SeriesUpdate, form, data) if not form.errors else None
    if model is not None:
        try:
            with savepoint(session):
                service.update_series(session=session, access=access, series_id=series_id,
                                      data=model, from_date=from_date,
                                      if_match=version_of(form))
        except PreconditionFailed:
            series = service.get_series(session=session, access=access, series_id=series_id)
            fresh = Form(values=_values(series), message=_(
                "Someone else changed this series while you were editing. This is the "
                "series as it is now; make your change again."))
            return _series_page(request, session, access, user, series, fresh, status=412)
        except AppError as exc:
            series = service.get_series(session=session, access=access, series_id=series_id)
            form.take(exc)
        else:
            return RedirectResponse(f"/w/{access.workspace.id}/series/{series_id}",
                                    status_code=303)
    return _series_page(request, session, access, user, series, form, status=422)


@router.post("/series/{series_id}/delete", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def delete_series(request: Request, series_id: str, access: WebAccess,
                        user: CurrentUser, session: SessionDep) -> Response:
    access.require("editor")
    form = await read_form(request, ("from", "whole"))
    from_date = _from(form)
    if form.get("whole") != "yes" and from_date is None and not form.errors:
        form.errors["delete_from"] = _("Pick the first day to delete, or delete the whole "
                                       "series.")
    if "from" in form.errors:
        form.errors["delete_from"] = form.errors.pop("from")
    if form.errors:
        series = service.get_series(session=session, access=access, series_id=series_id)
        page = Form(values=_values(series), errors=form.errors)
        return _series_page(request, session, access, user, series, page, status=422)
    still = service.delete_series(session=session, access=access, series_id=series_id,
                                  if_match=None,
                                  from_date=None if form.get("whole") == "yes" else from_date)
    target = f"/series/{series_id}" if still else "/series"
    return RedirectResponse(f"/w/{access.workspace.id}{target}", status_code=303)
