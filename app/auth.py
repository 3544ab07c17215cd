"""Who is calling: a bearer token (API) or a signed session cookie (pages).

The signed cookie (Starlette's SessionMiddleware) carries a session secret
whose row in the database says whether the session still lives
(app/services/sessions.py), so the process keeps no state, any worker or
replica can serve any request, and signing out ends the session everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app import i18n
from app.config import Settings, get_settings
from app.db import SessionDep, utcnow
from app.errors import Forbidden, Unauthorized
from app.i18n import gettext as _
from app.models import User
from app.security import new_csrf_token, same_secret
from app.services import sessions
from app.services.access import Access, Principal, workspace_access
from app.services.account import AccountPolicy
from app.services.posts import Telling
from app.services.sessions import ActiveSession
from app.services.tokens import authenticate_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"


SESSION_SECRET = "sid"
SESSION_SEEN = "seen"
_CACHE = "giveask_session"
_PRINCIPAL = "giveask_principal"


def request_settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def telling(request: Request) -> Telling:
    """How this app tells leads of a correction: by mail when it can send one."""
    settings = request_settings(request)
    return Telling(mail=bool(settings.smtp_url),
                   link_base=settings.base_url or str(request.base_url))


def request_now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None) or utcnow
    return clock()


def account_policy(request: Request) -> AccountPolicy:
    return AccountPolicy.from_settings(request_settings(request))


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_session(request: Request, session: Session) -> ActiveSession | None:
    """The cookie's live session (once per request), or None. A cookie whose
    session ended or timed out is emptied, so the browser forgets it."""
    if hasattr(request.state, _CACHE):
        cached: ActiveSession | None = getattr(request.state, _CACHE)
        return cached
    now = request_now(request)
    active = sessions.resolve(session=session, secret=request.session.get(SESSION_SECRET),
                              seen=request.session.get(SESSION_SEEN), now=now,
                              policy=account_policy(request).sessions)
    if active is None:
        if SESSION_SECRET in request.session or "user_id" in request.session:
            request.session.clear()
    else:
        # The idle timeout counts from the last request; the cookie is signed,
        # so nobody but the server can move this time.
        request.session[SESSION_SEEN] = int(now.timestamp())
    setattr(request.state, _CACHE, active)
    return active


def session_user(request: Request, session: Session) -> User | None:
    active = current_session(request, session)
    return active.user if active else None


def begin_cookie_session(request: Request, session: Session, secret: str) -> None:
    """A fresh cookie (and CSRF token) at sign-in, so nothing planted before
    sign-in survives it; a session the browser had before ends."""
    sessions.end_session(session=session, secret=request.session.get(SESSION_SECRET),
                         now=request_now(request))
    request.session.clear()
    request.session[SESSION_SECRET] = secret
    request.session[SESSION_SEEN] = int(request_now(request).timestamp())
    request.session["csrf"] = new_csrf_token()
    if hasattr(request.state, _CACHE):
        delattr(request.state, _CACHE)


def end_cookie_session(request: Request, session: Session) -> None:
    sessions.end_session(session=session, secret=request.session.get(SESSION_SECRET),
                         now=request_now(request))
    request.session.clear()
    setattr(request.state, _CACHE, None)


def get_principal(request: Request, session: SessionDep) -> Principal:
    """Who is calling, worked out once per request."""
    known: Principal | None = getattr(request.state, _PRINCIPAL, None)
    if known is None:
        known = _principal(request, session)
        setattr(request.state, _PRINCIPAL, known)
    return known


def _principal(request: Request, session: Session) -> Principal:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _space, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized(_("The Authorization header must read 'Bearer <token>'."))
        i18n.know_script()
        return authenticate_token(session=session, secret=secret.strip())
    user = session_user(request, session)
    if user is None:
        raise Unauthorized(
            _("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
        )
    i18n.know_person(user.language)
    # A cookie is sent by the browser on its own, so a write that rides on it
    # must prove it comes from our pages.
    if request.method not in SAFE_METHODS and not same_secret(
        request.headers.get(CSRF_HEADER), request.session.get("csrf")
    ):
        raise Forbidden(_("Missing or wrong X-CSRF-Token header for a cookie-signed request."))
    return Principal(user_id=user.id)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_access(workspace_id: str, request: Request, session: SessionDep) -> Access:
    access = workspace_access(session=session, principal=get_principal(request, session),
                              workspace_id=workspace_id)
    i18n.know_workspace(access.workspace.language)
    return access


def _role(role: str) -> Callable[..., Access]:
    # One dependency does the whole check (caller, workspace, role): each sync
    # dependency is a trip to the thread pool, and a read of a kept calendar
    # costs little more than these trips.
    def dependency(workspace_id: str, request: Request, session: SessionDep) -> Access:
        access = get_access(workspace_id, request, session)
        access.require(role)
        return access

    dependency.__name__ = f"require_{role}"
    return dependency


# Declared once per role; a route states its role by its parameter's type.
ViewerAccess = Annotated[Access, Depends(_role("viewer"))]
EditorAccess = Annotated[Access, Depends(_role("editor"))]
LeadAccess = Annotated[Access, Depends(_role("lead"))]
AdminAccess = Annotated[Access, Depends(_role("admin"))]
