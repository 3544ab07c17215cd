"""Review pages: post lifecycle actions, comments, the approvals queue, a week's
review, and the admin's tokens page (history: history.py; members: members.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.db import SessionDep, savepoint
from app.errors import AppError, Invalid, NotFound
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import ApiToken
from app.routers import Router
from app.services import approvals, corrections, fixes, lifecycle, tokens
from app.services import capacity as team_capacity
from app.services import posts as post_service
from app.services import streaks as streak_service
from app.services.access import Access
from app.services.channels import all_channels
from app.services.people import display_names
from app.web import forms
from app.web.calendar_view import finding_uid, suggestion_forms
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.planner import after_change, form_context, render_form
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


def reopen_post(request: Request, session: Session, access: Access, user: Any, post_id: str,
                error: str = "", field: str = "", status: int = 200, note: str = "",
                extra: dict[str, Any] | None = None) -> Response:
    """Show the post's dialog again, with a message next to the field at fault."""
    post = post_service.get_post(session=session, access=access, post_id=post_id)
    form = forms.from_post(post, ZoneInfo(access.workspace.timezone))
    context = form_context(request, session, access, user, form, post)
    context["review_error"] = {field or "review": error} if error else {}
    context["review_note"] = note
    context.update(extra or {})
    return render_form(request, context, status=status)


def _lifecycle_route(action: str) -> Callable[..., Awaitable[Response]]:
    """One route per post action; each re-shows the dialog on a refusal, with
    the reason next to the field at fault, and swaps the calendar on success."""
    async def route(request: Request, post_id: str, access: WebAccess, user: CurrentUser,
                    session: SessionDep) -> Response:
        raw = await _form(request)
        try:
            with savepoint(session):
                note = _act(action, session, access, post_id, raw)
        except NotFound:
            raise  # no such post here: the 404 page, whoever's post the id is
        except AppError as exc:
            # The missing override reason is told by its findings, not by its words.
            field = exc.errors[0].field if exc.errors else ("override_reason"
                                                            if "findings" in exc.extra
                                                            else "review")
            return reopen_post(request, session, access, user, post_id,
                               error=forms.reason(exc), field=field, status=exc.status)
        if action == "comments":
            return reopen_post(request, session, access, user, post_id, note=note)
        return after_change(request, session, access, user, note)

    route.__name__ = f"post_{action.replace('-', '_')}"
    return route


def _act(action: str, session: Session, access: Access, post_id: str,
         raw: dict[str, str]) -> str:
    """Carry out one post action; the note to show when it is done."""
    if action == "submit":
        lifecycle.submit(session=session, access=access, post_id=post_id)
        return _("Submitted for review.")
    if action == "approve":
        reason = raw.get("override_reason")
        lifecycle.approve(session=session, access=access, post_id=post_id,
                          override_reason=reason if reason is not None
                          and raw.get("with_reason") == "yes" else None)
        return _("Approved.")
    if action == "send-back":
        lifecycle.request_changes(session=session, access=access, post_id=post_id,
                                  comment=raw.get("comment", ""))
        return _("Sent back with your comment.")
    if action == "publish":
        lifecycle.publish(session=session, access=access, post_id=post_id,
                          external_url=raw.get("external_url") or None)
        return _("Marked as published.")
    lifecycle.add_comment(session=session, access=access, post_id=post_id,
                          body=raw.get("body", ""))
    return _("Comment added.")


for _action in ("submit", "approve", "send-back", "publish", "comments"):
    router.add_api_route(f"/posts/{{post_id}}/{_action}", _lifecycle_route(_action),
                         methods=["POST"], response_class=HTMLResponse,
                         dependencies=[CsrfChecked])


# ---- the approvals queue and a week's review -------------------------------------------


@router.get("/approvals", response_class=HTMLResponse)
def approvals_queue(request: Request, access: WebAccess, user: CurrentUser,
                    session: SessionDep) -> Response:
    access.require("lead")
    message = (_("The correction is approved.") if request.query_params.get("approved") else
               _("The capacity is saved.") if request.query_params.get("capacity") else "")
    return _queue(request, session, access, user, message=message)


def _queue(request: Request, session: Session, access: Access, user: Any, *,
           message: str = "", correction_errors: dict[str, str] | None = None,
           capacity_errors: dict[str, tuple[str, str]] | None = None,
           status: int = 200) -> Response:
    waiting = approvals.weeks_waiting(session=session, access=access)
    reviews = [approvals.week_review(session=session, access=access, week=w["week"])
               for w in waiting]
    recent = approvals.recent_decisions(session=session, access=access, limit=10)
    open_corrections = corrections.open_corrections(session=session, access=access)
    return render(request, "approvals.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "approvals"), "reviews": reviews, "recent": recent,
        "corrections": open_corrections, "correction_errors": correction_errors or {},
        "corrections_total": corrections.open_count(session=session, access=access)
        if len(open_corrections) == corrections.SHOWN else len(open_corrections),
        "team": team_capacity.team(session=session, access=access),
        "capacity_errors": capacity_errors or {},
        "streaks": streak_service.streaks(session=session, access=access,
                                          now=datetime.now(UTC)),
        "channel_names": {c.id: c.name for c in all_channels(session=session, access=access)},
        "message": message,
        "names": display_names(session=session, ids=[a.reviewer_id for a in recent]
                               + [p.created_by_id for p in open_corrections]),
        "tz": ZoneInfo(access.workspace.timezone)}, status_code=status)


@router.post("/capacity/{member_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def set_capacity(request: Request, member_id: str, access: WebAccess, user: CurrentUser,
                       session: SessionDep) -> Response:
    """A lead sets a member's posts a week; empty clears it."""
    access.require("lead")
    typed = str((await request.form()).get("capacity") or "").strip()
    try:
        # ASCII digits only, and few: "²" and "١٢" are digits to str.isdigit().
        if typed and not (len(typed) <= 9 and typed.isascii() and typed.isdigit()):
            raise Invalid.one("capacity", _("must be a whole number from 1 to %(most)s, or "
                                            "empty for none") % {"most": team_capacity.MOST})
        with savepoint(session):
            team_capacity.set_capacity(session=session, access=access, member_id=member_id,
                                       capacity=int(typed) if typed else None)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _queue(request, session, access, user, status=exc.status,
                      capacity_errors={member_id: (typed, forms.reason(exc))})
    return RedirectResponse(f"/w/{access.workspace.id}/approvals?capacity=1#capacity",
                            status_code=303)


@router.post("/corrections/{post_id}/approve", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def approve_correction(request: Request, post_id: str, access: WebAccess,
                             user: CurrentUser, session: SessionDep) -> Response:
    """A correction approved on its own, at once, outside the week's approval."""
    access.require("lead")
    raw = await request.form()
    reason = str(raw.get("override_reason") or "").strip() or None
    try:
        with savepoint(session):
            post = post_service.get_post(session=session, access=access, post_id=post_id)
            if not corrections.is_correction(post):
                raise NotFound(_("No correction %(id)s in this workspace.") % {"id": post_id})
            lifecycle.approve(session=session, access=access, post_id=post_id,
                              override_reason=reason)
    except AppError as exc:
        if exc.status == 404:  # no card of it here to put the message beside
            raise
        return _queue(request, session, access, user, status=exc.status,
                      correction_errors={post_id: forms.reason(exc)})
    return RedirectResponse(f"/w/{access.workspace.id}/approvals?approved=1", status_code=303)


@router.get("/approvals/{week}", response_class=HTMLResponse)
def week_page(request: Request, week: str, access: WebAccess, user: CurrentUser,
              session: SessionDep, channel: str | None = None) -> Response:
    review = approvals.week_review(session=session, access=access, week=week,
                                   channel_id=channel or None)
    return _week(request, session, access, user, review, {}, {})


def _week(request: Request, session: Session, access: Access, user: Any,
          review: approvals.WeekReview, errors: dict[str, str], values: dict[str, str],
          status: int = 200, message: str = "", undo: str = "") -> Response:
    channels = {c.id: c for c in all_channels(session=session, access=access)}
    names = display_names(session=session, ids=[a.reviewer_id for a in review.approvals])
    offers: dict[str, list[dict[str, Any]]] = {}
    if access.can("editor") and review.findings:
        found = fixes.for_range(session=session, access=access, start=review.start,
                                end=review.end, now=datetime.now(UTC),
                                channel_id=review.channel_id)
        # A long stretch no fix ends offers the fix for this week.
        offers = {finding_uid(*key): suggestion_forms(s)
                  for (key, monday), s in found.weeks.items() if monday == review.monday}
        offers |= {finding_uid(*key): suggestion_forms(s) for key, s in found.whole.items()}
    return render(request, "week_review.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "approvals"), "review": review, "errors": errors,
        "values": values, "message": message, "channels": channels, "names": names,
        "offers": offers, "uid": lambda f: finding_uid(f["code"], f["channel_id"],
                                                       f["story_id"], f["post_ids"]),
        "undo": undo, "origin": f"week:{review.week}:{review.channel_id or ''}",
        "tz": ZoneInfo(access.workspace.timezone)}, status_code=status)


def week_after_fix(request: Request, session: Session, access: Access, user: Any,
                   origin: str, message: str, undo: str = "", *,
                   errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                   status: int = 200) -> Response:
    """The week review again after a fix was applied (or a finding acknowledged)
    there, saying what changed, or with the error next to the field at fault."""
    _origin, week, channel_id = [*origin.split(":"), "", "", ""][:3]
    review = approvals.week_review(session=session, access=access, week=week,
                                   channel_id=channel_id or None)
    return _week(request, session, access, user, review, errors or {}, values or {},
                 status=status, message=message, undo=undo)


@router.post("/approvals/{week}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def decide_week(request: Request, week: str, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    raw = await _form(request)
    channel_id = raw.get("channel_id") or None
    decision = raw.get("decision", "")
    try:
        with savepoint(session):
            approvals.decide(session=session, access=access, week=week, channel_id=channel_id,
                             decision=decision, comment=raw.get("comment", ""),
                             override_reason=raw.get("override_reason")
                             if raw.get("with_reason") == "yes" else None,
                             token=raw.get("review_token") or None)
    except AppError as exc:
        review = approvals.week_review(session=session, access=access, week=week,
                                       channel_id=channel_id)
        errors = {e.field: e.message for e in exc.errors}
        if not errors:
            errors["decision"] = exc.detail
        return _week(request, session, access, user, review, errors, raw, status=exc.status)
    word = "approved" if decision == "approve" else "sent back"
    target = f"/w/{access.workspace.id}/approvals/{week}"
    if channel_id:
        target += f"?channel={channel_id}"
    response = RedirectResponse(target + ("&" if channel_id else "?") + f"done={word}",
                                status_code=303)
    return response


@router.post("/weeks/{week}/submit", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def submit_week(request: Request, week: str, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    raw = await _form(request)
    try:
        with savepoint(session):
            posts = approvals.submit_week(session=session, access=access, week=week,
                                          channel_id=raw.get("channel_id") or None)
    except AppError as exc:
        return after_change(request, session, access, user, exc.detail)
    return after_change(request, session, access, user,
                        ngettext("Submitted %(n)s post of week %(week)s for review.",
                                 "Submitted %(n)s posts of week %(week)s for review.",
                                 len(posts)) % {"n": len(posts), "week": week[-2:].lstrip("0")})


# ---- tokens ----------------------------------------------------------------------------


def _tokens(request: Request, session: Session, access: Access, user: Any,
            secret: str = "", errors: dict[str, str] | None = None, status: int = 200
            ) -> Response:
    rows: list[ApiToken] = tokens.list_tokens(session=session, access=access)
    return render(request, "tokens.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "tokens"), "tokens": rows, "secret": secret,
        "errors": errors or {},
        "names": display_names(session=session, ids=[t.created_by_id for t in rows])},
        status_code=status)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, access: WebAccess, user: CurrentUser,
                session: SessionDep) -> Response:
    access.require("admin")
    return _tokens(request, session, access, user)


@router.post("/tokens", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_token(request: Request, access: WebAccess, user: CurrentUser,
                       session: SessionDep) -> Response:
    access.require("admin")
    raw = await _form(request)
    role = raw.get("role", "")
    if role not in ("viewer", "editor", "lead", "admin"):
        return _tokens(request, session, access, user,
                       errors={"role": _("Choose viewer, editor, lead or admin.")}, status=422)
    _token, secret = tokens.create_token(session=session, workspace=access.workspace, role=role,
                                    name=raw.get("name", "")[:120], created_by_id=user.id)
    return _tokens(request, session, access, user, secret=secret)


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
def revoke_token(request: Request, token_id: str, access: WebAccess, user: CurrentUser,
                 session: SessionDep) -> Response:
    access.require("admin")
    tokens.revoke_token(session=session, access=access, token_id=token_id)
    return RedirectResponse(f"/w/{access.workspace.id}/tokens", status_code=303)

