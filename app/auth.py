"""Who is calling: a bearer token (API) or a signed session cookie (pages).

Sessions live in a signed cookie (Starlette's SessionMiddleware), so the
process keeps no state and any worker or replica can serve any request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import SessionDep
from app.errors import Forbidden, Unauthorized
from app.models import User
from app.security import same_secret
from app.services.access import Access, Principal, workspace_access
from app.services.tokens import authenticate_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"


def session_user(request: Request, session: Session) -> User | None:
    user_id = request.session.get("user_id")
    if not user_id:
        return None
    user = session.get(User, user_id)
    if user is None:
        request.session.clear()
    return user


def get_principal(request: Request, session: SessionDep) -> Principal:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("The Authorization header must read 'Bearer <token>'.")
        return authenticate_token(session=session, secret=secret.strip())
    user = session_user(request, session)
    if user is None:
        raise Unauthorized(
            "Sign in, or send an API token as 'Authorization: Bearer <token>'."
        )
    # A cookie is sent by the browser on its own, so a write that rides on it
    # must prove it comes from our pages.
    if request.method not in SAFE_METHODS and not same_secret(
        request.headers.get(CSRF_HEADER), request.session.get("csrf")
    ):
        raise Forbidden("Missing or wrong X-CSRF-Token header for a cookie-signed request.")
    return Principal(user_id=user.id)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_access(workspace_id: str, principal: PrincipalDep, session: SessionDep) -> Access:
    return workspace_access(session=session, principal=principal, workspace_id=workspace_id)


def _role(role: str) -> Callable[[Access], Access]:
    def dependency(access: Annotated[Access, Depends(get_access)]) -> Access:
        access.require(role)
        return access

    dependency.__name__ = f"require_{role}"
    return dependency


# Declared once per role; a route states its role by its parameter's type.
ViewerAccess = Annotated[Access, Depends(_role("viewer"))]
EditorAccess = Annotated[Access, Depends(_role("editor"))]
LeadAccess = Annotated[Access, Depends(_role("lead"))]
AdminAccess = Annotated[Access, Depends(_role("admin"))]
