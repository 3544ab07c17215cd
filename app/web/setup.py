"""Pages that set a team up: first run (the first admin, workspace and channels),
sign-up where the operator allows it, and the list of one's workspaces with a
form to create another."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app import i18n
from app.auth import account_policy, begin_cookie_session, request_now, request_settings
from app.db import SessionDep, savepoint
from app.errors import AppError, NotFound, invalid_from
from app.i18n import gettext as _
from app.platforms import PLATFORM_LIST
from app.routers import Router
from app.rules.presets import PRESETS
from app.schemas import ChannelCreate, WorkspaceCreate
from app.services import sessions, setup
from app.services import workspaces as workspace_service
from app.services.access import Principal
from app.web import forms
from app.web.deps import CsrfChecked, CurrentUser
from app.web.render import render

router = Router(include_in_schema=False)



def preset_names() -> dict[str, str]:
    """Each preset with what it asks of a team, as the rhythm choice shows it."""
    return {
        "beth_dunn": _("Beth Dunn's rhythm: listen first, nine gives between asks"),
        "eighty_twenty": _("80/20: four gives to each ask"),
        "four_one_one": _("4-1-1: four shares and one soft ask to each hard ask"),
        "five_three_two": _("5-3-2: five shares, three of your own, two personal"),
        "rule_of_thirds": _("Rule of thirds: share, promote, and talk with people"),
        "jab_jab_jab_right_hook": _("Jab, jab, jab, right hook: three gives, then an ask"),
    }

FIRST_CHANNELS = 3
SETUP_FIELDS = ("name", "email", "password", "workspace_name", "timezone", "preset",
                *(f"channel_{n}_{part}" for n in range(FIRST_CHANNELS)
                  for part in ("name", "platform")))
# Where each service or schema field's error is shown on the setup form.
SETUP_FIELD_FOR = {"name": "name", "email": "email", "password": "password",
                   "timezone": "timezone", "rules_preset": "preset"}


@lru_cache(maxsize=1)
def time_zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones()
                  if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))


def _choices() -> dict[str, Any]:
    names = preset_names()
    return {"zones": time_zones(), "presets": [(k, names.get(k, k)) for k in PRESETS],
            "platform_options": [(p.key, p.name) for p in PLATFORM_LIST]}


# ---- first run ------------------------------------------------------------------------


def _setup_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    return render(request, "setup.html", {"user": None, "form": form, "channels":
                                          range(FIRST_CHANNELS), **_choices()},
                  status_code=status)


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, session: SessionDep) -> Response:
    if not setup.needs_setup(session=session):
        raise NotFound(_("Giveask is set up already: sign in."))
    return _setup_page(request, forms.Form(values={
        "timezone": "UTC", "preset": "beth_dunn", "channel_0_platform": "linkedin",
        "channel_1_platform": "instagram", "channel_2_platform": "newsletter"}))


def _workspace_data(form: forms.Form, name_field: str, name: str) -> WorkspaceCreate | None:
    try:
        # The team speaks, until someone says otherwise, as its founder's page does.
        return WorkspaceCreate(name=name, timezone=form.get("timezone") or "UTC",
                               rules_preset=form.get("preset") or "beth_dunn",
                               language=i18n.current())
    except ValidationError as exc:
        form.take(invalid_from(exc.errors()), {"name": name_field, **SETUP_FIELD_FOR},
                  {"timezone": _("Pick a time zone from the list, like Europe/Berlin.")})
        return None


def _first_channels(form: forms.Form) -> list[ChannelCreate]:
    channels = []
    seen: set[str] = set()
    for n in range(FIRST_CHANNELS):
        name = form.get(f"channel_{n}_name")
        if not name:
            continue
        if name.lower() in seen:
            form.errors[f"channel_{n}_name"] = _("Another channel above has this name.")
            continue
        seen.add(name.lower())
        try:
            channels.append(ChannelCreate(name=name,
                                          platform=form.get(f"channel_{n}_platform") or "other"))
        except ValidationError as exc:
            form.take(invalid_from(exc.errors()), {"name": f"channel_{n}_name",
                                                   "platform": f"channel_{n}_platform"})
    return channels


@router.post("/setup", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def finish_setup(request: Request, session: SessionDep) -> Response:
    if not setup.needs_setup(session=session):
        raise NotFound(_("Giveask is set up already: sign in."))
    form = await forms.read_form(request, SETUP_FIELDS, keep_spaces=("password",))
    if not form.get("workspace_name"):
        form.errors["workspace_name"] = _("Name your team's workspace, like “Acme Marketing”.")
    workspace = _workspace_data(form, "workspace_name", form.get("workspace_name") or "-")
    channels = _first_channels(form)
    if form.errors or workspace is None:
        return _setup_page(request, form, status=422)
    now = request_now(request)
    try:
        with savepoint(session):
            done = setup.first_run(session=session, data=setup.FirstRun(
                name=form.get("name"), email=form.get("email"), password=form.get("password"),
                workspace=workspace, channels=channels))
            secret = sessions.start_session(session=session, user=done.user, now=now,
                                            policy=account_policy(request).sessions)
    except NotFound:
        raise
    except AppError as exc:
        form.take(exc, SETUP_FIELD_FOR)
        return _setup_page(request, form, status=exc.status)
    begin_cookie_session(request, session, secret)
    target = f"/w/{done.workspace.id}/calendar" if done.channels else \
        f"/w/{done.workspace.id}/channels"
    return RedirectResponse(target, status_code=303)


# ---- sign-up --------------------------------------------------------------------------


def _signup_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    return render(request, "signup.html", {"user": None, "form": form}, status_code=status)


def _open(request: Request) -> bool:
    return request_settings(request).signup == "open"


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request) -> Response:
    if not _open(request):
        raise NotFound(_("New accounts are by invitation here: ask a workspace's admin."))
    return _signup_page(request, forms.Form(values={}))


@router.post("/signup", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def sign_up(request: Request, session: SessionDep) -> Response:
    if not _open(request):
        raise NotFound(_("New accounts are by invitation here: ask a workspace's admin."))
    form = await forms.read_form(request, ("name", "email", "password"),
                                 keep_spaces=("password",))
    now = request_now(request)
    try:
        with savepoint(session):
            user = setup.sign_up(session=session, open_signup=True, name=form.get("name"),
                                 email=form.get("email"), password=form.get("password"))
            secret = sessions.start_session(session=session, user=user, now=now,
                                            policy=account_policy(request).sessions)
    except AppError as exc:
        form.take(exc)
        return _signup_page(request, form, status=exc.status)
    begin_cookie_session(request, session, secret)
    return RedirectResponse("/workspaces", status_code=303)


# ---- one's workspaces -----------------------------------------------------------------


def _workspaces_page(request: Request, session: Session, user: Any, form: forms.Form,
                     status: int = 200) -> Response:
    rows, _cursor = workspace_service.list_workspaces(
        session=session, principal=Principal(user_id=user.id), limit=500, cursor=None)
    active = [(w, r) for w, r in rows if w.archived_at is None]
    archived = [(w, r) for w, r in rows if w.archived_at is not None]
    return render(request, "workspaces.html", {
        "user": user, "active": sorted(active, key=lambda p: p[0].name.lower()),
        "archived": archived, "form": form, **_choices()}, status_code=status)


@router.get("/workspaces", response_class=HTMLResponse)
def workspaces_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _workspaces_page(request, session, user,
                            forms.Form(values={"timezone": "UTC", "preset": "beth_dunn"}))


@router.post("/workspaces", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_workspace(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    form = await forms.read_form(request, ("workspace_name", "timezone", "preset"))
    if not form.get("workspace_name"):
        form.errors["workspace_name"] = _("Name the workspace, like “Acme Marketing”.")
    data = _workspace_data(form, "workspace_name", form.get("workspace_name") or "-")
    if form.errors or data is None:
        return _workspaces_page(request, session, user, form, status=422)
    try:
        with savepoint(session):
            workspace = workspace_service.create_workspace(session=session, data=data,
                                                           admin_user_id=user.id)
    except AppError as exc:
        form.take(exc, {"name": "workspace_name", **SETUP_FIELD_FOR})
        return _workspaces_page(request, session, user, form, status=exc.status)
    # A workspace starts with its channels: that page says what to do first.
    return RedirectResponse(f"/w/{workspace.id}/channels", status_code=303)

