"""Pages: sign in and out, and the workspaces of the signed-in user."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import i18n
from app.auth import (
    account_policy,
    begin_cookie_session,
    client_address,
    end_cookie_session,
    request_now,
    request_settings,
    session_user,
)
from app.db import SessionDep, savepoint
from app.errors import Invalid
from app.i18n import gettext as _
from app.routers import Router
from app.services import account, setup, users
from app.services import workspaces as workspace_service
from app.services.access import Principal
from app.speaking import LANGUAGE_COOKIE
from app.web.deps import CsrfChecked, CurrentUser
from app.web.render import render

router = Router(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot bounce a user elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    user = session_user(request, session)
    if user is None:
        return RedirectResponse("/setup" if setup.needs_setup(session=session) else "/login",
                                status_code=303)
    rows, _cursor = workspace_service.list_workspaces(
        session=session, principal=Principal(user_id=user.id), limit=500, cursor=None
    )
    active = [row for row in rows if row[0].archived_at is None]
    if len(active) == 1:
        return RedirectResponse(f"/w/{active[0][0].id}/calendar", status_code=303)
    return RedirectResponse("/workspaces", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    if session_user(request, session) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    if setup.needs_setup(session=session):  # a new instance: nobody to sign in as yet
        return RedirectResponse("/setup", status_code=303)
    return render(request, "login.html", {"user": None, "next": _safe_next(next),
                                          "email": "", "errors": {},
                                          "signup": request_settings(request).signup == "open"})


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = _("Enter your email address.")
    if not password:
        errors["password"] = _("Enter your password.")
    headers: dict[str, str] = {}
    status = 400
    if not errors:
        outcome = account.sign_in(session=session, email=email, password=password,
                                  address=client_address(request), now=request_now(request),
                                  policy=account_policy(request))
        if outcome.user is not None and outcome.secret is not None:
            begin_cookie_session(request, session, outcome.secret)
            return RedirectResponse(_safe_next(next), status_code=303)
        if outcome.retry_after is not None:
            status = 429
            headers["Retry-After"] = str(outcome.retry_after)
            errors["password"] = _("Too many failed sign-ins. Wait %(wait)s, then try "
                                   "again.") % {"wait": account.wait_words(outcome.retry_after)}
        else:
            errors["password"] = _("That email and password do not match an account.")
    response = render(request, "login.html",
                      {"user": None, "next": _safe_next(next), "email": email, "errors": errors,
                       "signup": request_settings(request).signup == "open"},
                      status_code=status)
    response.headers.update(headers)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    end_cookie_session(request, session)
    return RedirectResponse("/login", status_code=303)


@router.post("/language", dependencies=[CsrfChecked])
def choose_language(request: Request, session: SessionDep,
                    language: Annotated[str, Form()] = "",
                    next: Annotated[str, Form()] = "") -> Response:
    """The footer's switcher: the reader's language, kept in a cookie for a year,
    and, when someone is signed in, as their own choice (the account page's),
    so it follows them to their other devices and their mails.
    It goes back to the page it was on (the Referer, which our pages send on
    their own site only): the page does not write its own address into the
    form, so pages that must look alike (an unknown and an expired link) do."""
    if language not in i18n.LANGUAGES:
        raise Invalid.one("language", _("must be one of %(languages)s")
                          % {"languages": ", ".join(i18n.LANGUAGES)})
    user = session_user(request, session)
    if user is not None:
        with savepoint(session):
            users.choose_language(session=session, user=user, language=language)
    response = RedirectResponse(_safe_next(next or _same_site_referer(request)),
                                status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True,
                        samesite="lax", secure=request_settings(request).secure_cookies)
    return response


def _same_site_referer(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return "/"
    return referer.path + (f"?{referer.query}" if referer.query else "")
