"""The admin's members page, and the invitee's invitation page.

Both go through app/services/members.py, like the API: an admin invites an
email, and the person it names accepts. There is no mail server yet, so the
invitation link is shown to the admin once, to send on themselves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import (
    account_policy,
    begin_cookie_session,
    request_now,
    request_settings,
    session_user,
)
from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import ngettext, pgettext
from app.routers import Router
from app.services import members, sessions, users
from app.services.access import Access
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(include_in_schema=False)


def _field_errors(exc: AppError, default_field: str) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors} or {default_field: exc.detail}


def _members(request: Request, session: Session, access: Access, user: Any, *,
             errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
             status: int = 200, message: str = "", link: str = "",
             role_errors: dict[str, str] | None = None) -> Response:
    return render(request, "members.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "members"),
        "members": users.list_members(session=session, access=access),
        "invitations": members.pending_invitations(session=session, access=access,
                                                   now=request_now(request)),
        "errors": errors or {}, "values": values or {}, "message": message, "link": link,
        "role_errors": role_errors or {}, "tz_name": access.workspace.timezone},
        status_code=status)


@router.get("/w/{workspace_id}/members", response_class=HTMLResponse)
def members_page(request: Request, access: WebAccess, user: CurrentUser,
                 session: SessionDep) -> Response:
    access.require("admin")
    return _members(request, session, access, user)


@router.post("/w/{workspace_id}/members", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
def invite_member(request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
                  email: Annotated[str, Form()] = "",
                  role: Annotated[str, Form()] = "viewer") -> Response:
    access.require("admin")
    values = {"email": email, "role": role}
    settings = request_settings(request)
    days = settings.invitation_days
    try:
        with savepoint(session):
            created = members.invite(session=session, access=access, email=email, role=role,
                                     now=request_now(request), valid_for=timedelta(days=days),
                                     link_base=settings.base_url or str(request.base_url),
                                     send_mail=bool(settings.smtp_url))
    except AppError as exc:
        return _members(request, session, access, user, errors=_field_errors(exc, "email"),
                        values=values, status=exc.status)
    invited = {"email": created.invitation.email, "days": days,
               "role": _role_word(created.invitation.role)}
    if created.mailed:
        message = ngettext(
            "%(email)s is invited as %(role)s. The link works once, for %(days)s days. "
            "It is on its way by mail too.",
            "%(email)s is invited as %(role)s. The link works once, for %(days)s days. "
            "It is on its way by mail too.", days) % invited
    else:
        message = ngettext(
            "%(email)s is invited as %(role)s. The link works once, for %(days)s days. "
            "Giveask sends no email from this server: pass the link on yourself.",
            "%(email)s is invited as %(role)s. The link works once, for %(days)s days. "
            "Giveask sends no email from this server: pass the link on yourself.",
            days) % invited
    return _members(request, session, access, user, link=created.url, message=message)


def _role_word(role: str) -> str:
    """A role as a sentence names it ("invited as editor")."""
    words = {"viewer": pgettext("role", "viewer"), "editor": pgettext("role", "editor"),
             "lead": pgettext("role", "lead"), "admin": pgettext("role", "admin")}
    return words.get(role, role)


@router.post("/w/{workspace_id}/members/{member_id}/role", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
def change_role(request: Request, member_id: str, access: WebAccess, user: CurrentUser,
                session: SessionDep, role: Annotated[str, Form()] = "") -> Response:
    access.require("admin")
    try:
        with savepoint(session):
            members.change_role(session=session, access=access, member_id=member_id, role=role)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _members(request, session, access, user, status=exc.status,
                        role_errors={member_id: exc.detail})
    return RedirectResponse(f"/w/{access.workspace.id}/members", status_code=303)


@router.post("/w/{workspace_id}/members/{member_id}/remove", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
def remove_member(request: Request, member_id: str, access: WebAccess, user: CurrentUser,
                  session: SessionDep) -> Response:
    access.require("admin")
    try:
        with savepoint(session):
            members.remove_member(session=session, access=access, member_id=member_id)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _members(request, session, access, user, status=exc.status,
                        role_errors={member_id: exc.detail})
    return RedirectResponse(f"/w/{access.workspace.id}/members", status_code=303)


@router.post("/w/{workspace_id}/invitations/{invitation_id}/revoke",
             dependencies=[CsrfChecked])
def revoke_invitation(request: Request, invitation_id: str, access: WebAccess,
                      user: CurrentUser, session: SessionDep) -> Response:
    access.require("admin")
    members.revoke(session=session, access=access, invitation_id=invitation_id,
                   now=request_now(request))
    return RedirectResponse(f"/w/{access.workspace.id}/members", status_code=303)


# ---- the invitee ------------------------------------------------------------------------


def _invitation(request: Request, session: Session, token: str, *,
                errors: dict[str, str] | None = None, name: str = "",
                status: int = 200) -> Response:
    found = members.open_invitation(session=session, token=token, now=request_now(request))
    return render(request, "invitation.html", {
        "user": session_user(request, session), "invitation": found.invitation,
        "workspace": found.workspace, "token": token, "errors": errors or {}, "name": name},
        status_code=status)


@router.get("/invitations/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str, session: SessionDep) -> Response:
    return _invitation(request, session, token)


@router.post("/invitations/{token}/accept", dependencies=[CsrfChecked])
def accept_invitation(request: Request, token: str, user: CurrentUser,
                      session: SessionDep) -> Response:
    try:
        with savepoint(session):
            membership = members.accept(session=session, token=token, user=user,
                                        now=request_now(request))
    except AppError as exc:
        if exc.status == 404:
            raise
        return _invitation(request, session, token, errors={"accept": exc.detail},
                           status=exc.status)
    return RedirectResponse(f"/w/{membership.workspace_id}/calendar", status_code=303)


@router.post("/invitations/{token}/join", dependencies=[CsrfChecked])
def join_with_new_account(request: Request, token: str, session: SessionDep,
                          name: Annotated[str, Form()] = "",
                          password: Annotated[str, Form()] = "") -> Response:
    """A person without an account sets their name and password, joins, and is
    signed in."""
    now = request_now(request)
    try:
        with savepoint(session):
            user, membership = members.accept_with_new_account(
                session=session, token=token, name=name.strip(), password=password, now=now)
            secret = sessions.start_session(session=session, user=user, now=now,
                                            policy=account_policy(request).sessions)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _invitation(request, session, token, errors=_field_errors(exc, "password"),
                           name=name, status=exc.status)
    begin_cookie_session(request, session, secret)
    return RedirectResponse(f"/w/{membership.workspace_id}/calendar", status_code=303)
