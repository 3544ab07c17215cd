"""The page a share link opens, for someone without an account: the link's days of
the calendar, read-only, and a comment form on each post.

The link's secret is in the path, so the page keeps it to itself: no referrer
leaves it, no search engine keeps it, no cache stores it. It sets no cookie: the
comment forms carry a token derived from the link and the app's secret instead
of the session's CSRF token, so a form posted from another site (which cannot
read the page) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app import i18n
from app.auth import request_now, request_settings
from app.db import SessionDep, savepoint
from app.errors import AppError, NotFound, TooManyRequests
from app.i18n import gettext as _
from app.routers import Router
from app.security import same_secret
from app.services import shared_view
from app.web import calendar_view
from app.web.forms import Form as PageForm
from app.web.render import TEMPLATES

router = Router(prefix="/s/{token}", include_in_schema=False)

GUEST_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow",
                 "Cache-Control": "no-store"}


def form_token(request: Request, share: shared_view.OpenShare) -> str:
    key = request_settings(request).resolved_secret_key().encode()
    return hmac.new(key, f"share-comment:{share.link.id}".encode(), hashlib.sha256).hexdigest()


def _guest_page(request: Request, name: str, context: dict[str, Any], status: int,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    # Rendered without render(): that one puts a CSRF token in the session cookie.
    response = cast(HTMLResponse, TEMPLATES.TemplateResponse(
        request, name, context, status_code=status))
    response.headers.update({**GUEST_HEADERS, **(headers or {})})
    return response


def _gone(request: Request, detail: str = shared_view.GONE) -> HTMLResponse:
    return _guest_page(request, "share_gone.html", {"detail": detail}, 404)


def _weeks(plan: shared_view.SharedPlan, today: Any) -> list[calendar_view.Week]:
    """The calendar's week view, one week at a time (a link may span several),
    with the days outside the link drawn as outside."""
    link = plan.share.link
    weeks = []
    for week in plan.data["weeks"]:
        monday = calendar_view.parse_time(week["start"]).astimezone(plan.share.tz).date()
        view = calendar_view.build({**plan.data, "weeks": [week]}, view="week", anchor=monday,
                                   today=today)
        for drawn in view.weeks:
            for day in drawn.days:
                day.in_range = link.starts_on <= day.day <= link.ends_on
            weeks.append(drawn)
    return weeks


def _render(request: Request, session: Session, share: shared_view.OpenShare, *,
            form: PageForm | None = None, form_post: str = "", status: int = 200,
            headers: dict[str, str] | None = None) -> HTMLResponse:
    now = request_now(request)
    i18n.know_workspace(share.workspace.language)
    plan = shared_view.shared_plan(session=session, share=share, now=now)
    weeks = _weeks(plan, now.astimezone(share.tz).date())
    return _guest_page(request, "share.html", {
        "share": share, "link": share.link, "workspace": share.workspace,
        "channel": share.channel, "weeks": weeks, "fixes": plan.fixes,
        "key_of": shared_view.finding_key, "comments": plan.comments, "tz": share.tz,
        "has_posts": bool(plan.data["posts"]), "form": form or PageForm(values={}),
        "form_post": form_post, "form_token": form_token(request, share),
        "commented": request.query_params.get("commented", ""),
        "token": request.path_params["token"],
        "last_day": share.link.ends_on, "first_day": share.link.starts_on,
        "expires": share.link.expires_at.astimezone(share.tz),
        "one_day": timedelta(days=1)}, status, headers)


@router.get("", response_class=HTMLResponse)
def shared_page(request: Request, token: str, session: SessionDep) -> Response:
    try:
        share = shared_view.open_link(session=session, token=token, now=request_now(request))
    except NotFound:
        return _gone(request)
    return _render(request, session, share)


@router.post("/posts/{post_id}/comments", response_class=HTMLResponse)
async def guest_comment(request: Request, token: str, post_id: str,
                        session: SessionDep) -> Response:
    now = request_now(request)
    try:
        share = shared_view.open_link(session=session, token=token, now=now)
        shared_view.shown_post(session=session, share=share, post_id=post_id)
    except NotFound as exc:
        return _gone(request, exc.detail)
    raw = await request.form()
    form = PageForm(values={"name": str(raw.get("name", "") or ""),
                            "comment": str(raw.get("comment", "") or "")})
    if not same_secret(str(raw.get("form_token", "") or ""), form_token(request, share)):
        form.message = _("This form did not come from this page. Reload the page and try "
                         "again.")
        return _render(request, session, share, form=form, form_post=post_id, status=403)
    try:
        with savepoint(session):
            shared_view.add_guest_comment(session=session, share=share, post_id=post_id,
                                          name=form.get("name"), body=form.get("comment"),
                                          now=now)
    except AppError as exc:
        form.take(exc)
        headers = ({"Retry-After": str(exc.retry_after)}
                   if isinstance(exc, TooManyRequests) else None)
        return _render(request, session, share, form=form, form_post=post_id,
                       status=exc.status, headers=headers)
    return RedirectResponse(f"/s/{token}?commented={post_id}#post-{post_id}", status_code=303,
                            headers=GUEST_HEADERS)
