"""The signed-in person's own page: their name and page language, the password,
signing out everywhere, and the API tokens they made."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app import i18n
from app.auth import account_policy, client_address, current_session, request_now
from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import User
from app.routers import Router
from app.services import account, sessions, tokens, users
from app.web import forms
from app.web.deps import CsrfChecked, CurrentUser
from app.web.render import render

router = Router(prefix="/account", include_in_schema=False)


def _page(request: Request, session: Session, user: User, *,
          errors: dict[str, str] | None = None, message: str = "",
          profile: forms.Form | None = None, token_form: forms.Form | None = None, secret: str = "",
          status: int = 200) -> HTMLResponse:
    live = sessions.live_sessions(session=session, user_id=user.id, now=request_now(request),
                                  policy=account_policy(request).sessions)
    return render(request, "account.html", {
        "user": user, "errors": errors or {}, "message": message, "live_sessions": live,
        "profile": profile or forms.Form(values={"name": user.name, "language": user.language}),
        "languages": users.LANGUAGES,
        "own_tokens": tokens.own_tokens(session=session, user_id=user.id),
        "token_workspaces": tokens.token_workspaces(session=session, user_id=user.id),
        "token_form": token_form or forms.Form(values={}), "secret": secret,
        "roles": ("viewer", "editor", "lead", "admin")}, status_code=status)


@router.get("", response_class=HTMLResponse)
def account_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return _page(request, session, user)


@router.post("/password", response_class=HTMLResponse, dependencies=[CsrfChecked])
def change_password(
    request: Request, user: CurrentUser, session: SessionDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    active = current_session(request, session)
    outcome = account.change_password(
        session=session, user=user, current_password=current_password,
        new_password=new_password, keep_session_id=active.row.id if active else None,
        address=client_address(request), now=request_now(request),
        policy=account_policy(request))
    if not outcome.ok:
        response = _page(request, session, user, errors=outcome.errors,
                         status=429 if outcome.retry_after is not None else 422)
        if outcome.retry_after is not None:
            response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    others = outcome.ended_sessions
    if not others:
        return _page(request, session, user,
                     message=_("Your password is changed. No other session was signed in."))
    return _page(request, session, user, message=ngettext(
        "Your password is changed. %(n)s other session signed out.",
        "Your password is changed. %(n)s other sessions signed out.", others) % {"n": others})


@router.post("/sign-out-everywhere", dependencies=[CsrfChecked])
def sign_out_everywhere(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    sessions.end_user_sessions(session=session, user_id=user.id, now=request_now(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/profile", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def update_profile(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    form = await forms.read_form(request, ("name", "language"))
    try:
        with savepoint(session):
            users.update_profile(session=session, user=user, name=form.get("name"),
                                 language=form.get("language"))
    except AppError as exc:
        form.take(exc)
        return _page(request, session, user, profile=form, status=exc.status)
    # This very page already answers in the language just chosen.
    i18n.know_person(user.language)
    return _page(request, session, user, message=_("Your name and language are saved."))


@router.post("/tokens", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_token(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    form = await forms.read_form(request, ("workspace_id", "role", "name"))
    try:
        with savepoint(session):
            _token, secret = tokens.create_own_token(
                session=session, user_id=user.id, workspace_id=form.get("workspace_id"),
                role=form.get("role"), name=form.get("name"))
    except AppError as exc:
        if exc.status == 404:
            raise  # not one of this person's workspaces: like any unknown page
        form.take(exc)
        return _page(request, session, user, token_form=form, status=exc.status)
    return _page(request, session, user, secret=secret)


@router.post("/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke_token(token_id: str, user: CurrentUser, session: SessionDep) -> Response:
    tokens.revoke_own_token(session=session, user_id=user.id, token_id=token_id)
    return RedirectResponse("/account#tokens", status_code=303)
