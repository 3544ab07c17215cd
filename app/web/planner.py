"""The calendar pages: viewing, and planning posts without reloads.

Every action also works as a plain form post without JavaScript: HTMX requests
get fragments, other requests get whole pages or a redirect back.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import telling
from app.db import SessionDep, savepoint
from app.errors import AppError, PreconditionFailed
from app.i18n import gettext as _
from app.i18n import when
from app.models import Post
from app.platforms import platform_of
from app.routers import Router
from app.rules import Finding
from app.rules.changes import pair
from app.schemas import PostUpdate, parse_day
from app.services import acknowledgements, approvals, calendar_cache, fixes, lifecycle, outcomes
from app.services import posts as post_service
from app.services import streaks as streak_service
from app.services.access import Access
from app.services.calendar import CalendarFilter, calendar, local_midnight
from app.services.channels import all_channels, open_channels
from app.services.stories import all_stories, next_episode
from app.services.telling import rules_speech
from app.services.whatif import CreateCheck, MoveCheck, UpdateCheck, check_change, next_slot
from app.web import forms
from app.web.calendar_view import (
    VIEWS,
    build,
    finding_uid,
    local_today,
    suggestion_forms,
    view_range,
)
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import is_htmx, render, render_block_text, render_kept

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)


# ---- the calendar ----------------------------------------------------------------


class CalendarState:
    """Which calendar the editor is looking at: view, date and filters, read
    from the query (or, after an HTMX action, from the page's own URL)."""

    def __init__(self, params: dict[str, str], tz: ZoneInfo) -> None:
        view = params.get("view", "week")
        self.view: str = view if view in VIEWS else "week"
        try:
            self.anchor = parse_day(params.get("date", ""))
        except ValueError:
            self.anchor = local_today(tz)
        self.channel = params.get("channel") or None
        self.kind = params.get("kind") if params.get("kind") in ("give", "ask") else None

    def query(self, **changes: Any) -> str:
        values = {"view": self.view, "date": self.anchor.isoformat(),
                  "channel": self.channel or "", "kind": self.kind or ""}
        values.update({k: (v.isoformat() if isinstance(v, date) else v or "")
                       for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v})

    @classmethod
    def of(cls, request: Request, tz: ZoneInfo) -> CalendarState:
        current = request.headers.get("hx-current-url")
        if current and "/calendar" in urlsplit(current).path:
            params = {k: v[0] for k, v in parse_qs(urlsplit(current).query).items()}
        else:
            params = dict(request.query_params)
        return cls(params, tz)


def _calendar_context(request: Request, session: Session, access: Access,
                      state: CalendarState, user: Any) -> dict[str, Any]:
    tz = ZoneInfo(access.workspace.timezone)
    first, after = view_range(state.view, state.anchor)
    channel = state.channel
    today = local_today(tz)

    def built() -> tuple[list[dict[str, Any]], Any]:
        data = calendar(session=session, access=access, start=local_midnight(first, tz),
                        end=local_midnight(after, tz), now=datetime.now(UTC),
                        filters=CalendarFilter(channel_id=channel, kind=state.kind))
        return data["channels"], build(data, view=state.view, anchor=state.anchor, today=today)

    # The built view is kept per process while the workspace's calendar is
    # unchanged (app/services/calendar_cache.py); it is only read from here on.
    shown = (state.view, state.anchor, first, after, channel, state.kind, today)
    channels, view = calendar_cache.kept(session, access.workspace.id, ("view", *shown), built)
    can_edit = access.can("editor")
    weeks_context = {"cal": view, "can_edit": can_edit, "workspace": access.workspace,
                     "state": state}
    weeks_html = calendar_cache.kept(
        session, access.workspace.id, ("weeks", *shown, can_edit),
        lambda: render_block_text("calendar.html", "weeks", weeks_context))
    def facts() -> tuple[set[str], int]:
        open_ids = {c.id for c in open_channels(session=session, access=access)}
        known = {c["id"] for c in channels}
        ready = 0
        if can_edit and state.view != "month" and (channel is None or channel in known):
            ready = len(approvals.ready_to_submit(session=session, access=access,
                                                  week=view.weeks[0].label, channel_id=channel))
        return open_ids, ready

    open_ids, to_submit = calendar_cache.kept(session, access.workspace.id,
                                              ("facts", *shown, can_edit), facts)
    context = {"user": user, "access": access, "workspace": access.workspace, "cal": view,
               "weeks_html": weeks_html, "to_submit": to_submit,
               "state": state, "can_edit": can_edit,
               "nav": nav(session, access, "calendar"),
               # Archived channels take no new posts: out of the filters and slots (their
               # posts still show), unless the filter already names one.
               "all_channels": [c for c in channels
                                if c["id"] in open_ids or c["id"] == channel],
               "no_channels": not open_ids, "archived_only": bool(channels) and not open_ids,
               "today": today}
    # The whole calendar block, toolbar and slots around the weeks, is the same for
    # everyone who can edit (or not) in this language: kept too, with the weeks in it,
    # so two requests computing at once can never pair it with another's weeks.
    # Its forms' tokens are put in per page.
    block = calendar_cache.kept(
        session, access.workspace.id, ("calendar", *shown, can_edit, to_submit),
        lambda: render_block_text("calendar.html", "calendar", context).holding(weeks_html))
    return {**context, "calendar_html": block}


def _without_kept_block(context: dict[str, Any]) -> dict[str, Any]:
    """The context to render the calendar block afresh, e.g. with a flash."""
    return {k: v for k, v in context.items() if k != "calendar_html"}


@router.get("", response_class=HTMLResponse)
def workspace_home(access: WebAccess) -> Response:
    return RedirectResponse(f"/w/{access.workspace.id}/calendar", status_code=303)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, access: WebAccess, user: CurrentUser,
                  session: SessionDep) -> Response:
    state = CalendarState(dict(request.query_params), ZoneInfo(access.workspace.timezone))
    context = _calendar_context(request, session, access, state, user)
    if is_htmx(request) and request.headers.get("hx-target") == "calendar":
        return render_kept(request, context["calendar_html"])
    return render(request, "calendar.html", context)


@router.get("/streaks", response_class=HTMLResponse)
def streak_line(request: Request, access: WebAccess, session: SessionDep) -> Response:
    """The calendar's line of streaks, asked for after the calendar has arrived:
    a year of weeks takes longer than a week, and a save should not wait for it."""
    found = streak_service.streaks(session=session, access=access, now=datetime.now(UTC))
    return render(request, "_streaks.html", {
        "streaks": found, "only": request.query_params.get("channel") or None})


def after_change(request: Request, session: Session, access: Access, user: Any,
                  note: str, undo: list[dict[str, Any]] | None = None) -> Response:
    """After a save: HTMX swaps the calendar in place and closes the dialog;
    without JavaScript, back to the calendar. With ``undo`` (an applied
    suggestion) the note offers to put it back, in both cases."""
    tz = ZoneInfo(access.workspace.timezone)
    state = CalendarState.of(request, tz)
    if not is_htmx(request) and not undo:
        back = f"/w/{access.workspace.id}/calendar?{state.query()}"
        return RedirectResponse(back, status_code=303)
    context = _without_kept_block(_calendar_context(request, session, access, state, user))
    context["flash"] = note
    context["undo"] = json.dumps(undo) if undo else ""
    if not is_htmx(request):
        return render(request, "calendar.html", context)
    response = render(request, "calendar.html", context, block="calendar")
    response.headers["HX-Retarget"] = "#calendar"
    response.headers["HX-Reswap"] = "outerHTML"
    response.headers["HX-Trigger-After-Swap"] = "giveask:saved"
    return response


# ---- the post form ---------------------------------------------------------------


def form_context(request: Request, session: Session, access: Access, user: Any,
                  form: forms.PostForm, post: Post | None) -> dict[str, Any]:
    # The channels a post may go to: not archived ones, but for the one it is on now.
    channels = [c for c in all_channels(session=session, access=access)
                if c.archived_at is None or (post is not None and c.id == post.channel_id)]
    tz = ZoneInfo(access.workspace.timezone)
    state = CalendarState.of(request, tz)
    review: dict[str, Any] = {}
    if post is not None:
        # What the post carries now, with its fixes, above what an edit would change.
        carried = fixes.for_post(session=session, access=access, post=post,
                                 now=datetime.now(UTC))
        acks = acknowledgements.lookup(session=session, workspace_id=access.workspace.id,
                                       findings=[s.finding for s in carried])
        review["post_findings"] = [
            {**acks.annotate(s.finding), "uid": finding_uid(*s.finding.key),
             "fixes": suggestion_forms(s.suggestions or next(iter(s.weeks.values()), []))
             if access.can("editor") and post.status != "published" else []}
            for s in carried]
        found = lifecycle.review_of(session=session, access=access, post=post)
        review |= {"comments": found.comments, "events": found.events, "names": found.names,
                   "share_labels": found.share_labels,
                   "blocking": [f.as_dict() for f in found.blocking],
                   "overridden": [(f.as_dict(), ack) for f, ack in found.overridden],
                   "tz": ZoneInfo(access.workspace.timezone)}
        if post.status == "published":
            outcome = outcomes.get_outcome(session=session, access=access, post_id=post.id)
            review["outcome_form"] = forms.from_outcome(outcome.figures(), outcome.version)
    return {"user": user, "access": access, "workspace": access.workspace, "form": form,
            **review,
            "post": post, "channels": channels, "platform_of": platform_of,
            "stories": all_stories(session=session, access=access),
            "back": f"/w/{access.workspace.id}/calendar?{state.query()}",
            "form_token": request.query_params.get("token") or _token()}


def _token() -> str:
    from app.db import new_id

    return new_id()


def render_form(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    if is_htmx(request):
        return render(request, "post_form.html", context, block="dialog", status_code=status)
    return render(request, "post_form.html", context, status_code=status)


@router.get("/posts/new", response_class=HTMLResponse)
def new_post(request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
             channel: str = "", kind: str = "give", time: str = "09:00") -> Response:
    access.require("editor")
    tz = ZoneInfo(access.workspace.timezone)
    chosen: date | None = None
    raw_day = request.query_params.get("date")
    if raw_day:
        try:
            chosen = parse_day(raw_day)
        except ValueError:
            chosen = None
    form = forms.blank(tz=tz, day=chosen, channel_id=channel, kind=kind, clock=time or "09:00")
    return render_form(request, form_context(request, session, access, user, form, None))


@router.get("/posts/{post_id}/duplicate", response_class=HTMLResponse)
def duplicate_post(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
                   session: SessionDep) -> Response:
    access.require("editor")
    post = post_service.get_post(session=session, access=access, post_id=post_id)
    form = forms.from_post(post, ZoneInfo(access.workspace.timezone), shift_days=1)
    form.values.pop("version", None)
    form.message = _("A copy, one day later. Change what you need and save.")
    if post.story_id and post.episode is not None:
        # An episode number is used once per story: the copy becomes the next one.
        episode = next_episode(session=session, access=access, story_id=post.story_id)
        form.values["episode"] = str(episode)
        form.message = _("A copy, one day later, as episode %(episode)s of its story. "
                         "Change what you need and save.") % {"episode": episode}
    return render_form(request, form_context(request, session, access, user, form, None))


@router.post("/posts", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_post(request: Request, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    access.require("editor")
    raw = dict(await request.form())
    tz = ZoneInfo(access.workspace.timezone)
    form = forms.read(raw)
    data = forms.to_create(form, tz)
    if data is not None:
        try:
            with savepoint(session):
                _post, created = post_service.create_post(
                    session=session, access=access, data=data,
                    idempotency_key=str(raw.get("form_token") or "") or None,
                    telling=telling(request))
        except AppError as exc:
            forms.apply_app_error(form, exc)
        else:
            note = _("Post planned.") if created else _("That post was already saved.")
            return after_change(request, session, access, user, note)
    context = form_context(request, session, access, user, form, None)
    context["form_token"] = raw.get("form_token") or context["form_token"]
    return render_form(request, context, status=422)


@router.get("/posts/{post_id}/edit", response_class=HTMLResponse)
def edit_post(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
              session: SessionDep) -> Response:
    post = post_service.get_post(session=session, access=access, post_id=post_id)
    form = forms.from_post(post, ZoneInfo(access.workspace.timezone))
    return render_form(request, form_context(request, session, access, user, form, post))


@router.post("/posts/{post_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def update_post(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    access.require("editor")
    raw = dict(await request.form())
    tz = ZoneInfo(access.workspace.timezone)
    post = post_service.get_post(session=session, access=access, post_id=post_id)
    form = forms.read(raw)
    data = forms.to_update(form, tz)
    status = 422
    if data is not None:
        version = int(form.get("version")) if form.get("version").isdigit() else None
        try:
            with savepoint(session):
                post_service.update_post(session=session, access=access, post_id=post_id,
                                         data=data, if_match=version, telling=telling(request))
        except PreconditionFailed:
            fresh = post_service.get_post(session=session, access=access, post_id=post_id)
            form = forms.from_post(fresh, tz)
            form.message = _("Someone else changed this post while you were editing. "
                             "This is the post as it is now; make your change again.")
            post, status = fresh, 412
        except AppError as exc:
            forms.apply_app_error(form, exc)
            status = exc.status
        else:
            return after_change(request, session, access, user, _("Post saved."))
    return render_form(request, form_context(request, session, access, user, form, post),
                        status=status)


@router.post("/posts/{post_id}/delete", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def delete_post(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    access.require("editor")
    raw = dict(await request.form())
    version = str(raw.get("version") or "")
    post_service.delete_post(session=session, access=access, post_id=post_id,
                             if_match=int(version) if version.isdigit() else None)
    return after_change(request, session, access, user, _("Post deleted."))


# ---- moving ------------------------------------------------------------------------


@router.post("/posts/{post_id}/move", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def move_post(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
                    session: SessionDep) -> Response:
    """Move to another day, keeping the time of day. The move is checked first:
    when it would add warnings, the editor confirms before it is saved."""
    access.require("editor")
    raw = dict(await request.form())
    tz = ZoneInfo(access.workspace.timezone)
    post = post_service.get_post(session=session, access=access, post_id=post_id)
    context = {"user": user, "access": access, "workspace": access.workspace, "post": post,
               "error": "", "added": [], "resolved": [], "target": raw.get("date", ""),
               "version": raw.get("version", "")}
    try:
        day = parse_day(str(raw.get("date", "")))
    except ValueError:
        context["error"] = _("Pick the day to move the post to.")
        return _move_dialog(request, context, 422)
    local = post.scheduled_at.astimezone(tz)
    target = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    version = str(raw.get("version") or "")
    if version.isdigit() and int(version) != post.version:
        context["error"] = _("Someone else changed this post meanwhile; nothing was moved. "
                             "The calendar now shows it as it is.")
        return _move_dialog(request, context, 412)
    result = check_change(access=access, session=session,
                          request=MoveCheck(action="move", post_id=post.id, scheduled_at=target))
    serious = [f for f in result.added if f.severity in ("warning", "blocking")]
    if serious and raw.get("confirmed") != "yes":
        context.update(_told(result.added, result.resolved, access), target=day.isoformat())
        return _move_dialog(request, context, 200)
    try:
        with savepoint(session):
            post_service.update_post(session=session, access=access, post_id=post.id,
                                     data=PostUpdate(scheduled_at=target),
                                     if_match=int(version) if version.isdigit() else None)
    except AppError as exc:
        context["error"] = exc.detail
        return _move_dialog(request, context, exc.status)
    return after_change(request, session, access, user,
                         _("Moved to %(day)s.") % {"day": when(target, "day")})


def _move_dialog(request: Request, context: dict[str, Any], status: int) -> Response:
    if is_htmx(request):
        response = render(request, "move.html", context, block="dialog", status_code=status)
        response.headers["HX-Retarget"] = "#dialog-body"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Trigger-After-Swap"] = "giveask:dialog"
        return response
    return render(request, "move.html", context, status_code=status)


# ---- live checks and next slot ------------------------------------------------------


@router.post("/check", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def live_check(request: Request, access: WebAccess, session: SessionDep) -> Response:
    """What the post in the form would add or resolve, before saving."""
    access.require("editor")
    raw = dict(await request.form())
    tz = ZoneInfo(access.workspace.timezone)
    form = forms.read(raw)
    post_id = str(raw.get("post_id") or "")
    context: dict[str, Any] = {"added": [], "resolved": [], "changed": [], "incomplete": False,
                               "saved": bool(post_id)}
    data = forms.to_create(form, tz)
    if data is None:
        context["incomplete"] = True
        return render(request, "check.html", context)
    context["past"] = data.scheduled_at < datetime.now(UTC)
    try:
        if post_id:
            result = check_change(access=access, session=session, request=UpdateCheck(
                action="update", post_id=post_id,
                changes=PostUpdate.model_validate(data.model_dump())))
        else:
            result = check_change(access=access, session=session,
                                  request=CreateCheck(action="create", post=data))
    except AppError:
        context["incomplete"] = True
        return render(request, "check.html", context)
    context.update(_told(result.added, result.resolved, access))
    return render(request, "check.html", context)


def _told(added: list[Finding], resolved: list[Finding], access: Access) -> dict[str, Any]:
    """What-if for a reader: a finding that only changes shape is one change."""
    only_added, only_resolved, changed = pair(added, resolved, access.workspace.timezone,
                                              rules_speech())
    return {"added": [f.as_dict() for f in only_added],
            "resolved": [f.as_dict() for f in only_resolved],
            "changed": [{**c.after.as_dict(), "words": c.words} for c in changed]}


@router.get("/channels/{channel_id}/next-slot", response_class=HTMLResponse)
def slot(request: Request, channel_id: str, access: WebAccess, session: SessionDep,
         kind: str = "ask") -> Response:
    tz = ZoneInfo(access.workspace.timezone)
    answer = next_slot(access=access, session=session, channel_id=channel_id,
                       kind="give" if kind == "give" else "ask", after=datetime.now(UTC))
    local = answer.slot.astimezone(tz) if answer.slot else None
    context = {"answer": answer, "local": local, "channel_id": channel_id, "kind": kind,
               "workspace": access.workspace, "can_edit": access.can("editor")}
    return render(request, "slot.html", context)
