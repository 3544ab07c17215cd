"""Dependencies of the pages: the signed-in user and CSRF checks on forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request

from app import i18n
from app.auth import session_user
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized
from app.i18n import gettext as _
from app.models import User
from app.security import same_secret, stored_csrf
from app.services.access import Access, Principal, workspace_access


def current_user(request: Request, session: SessionDep) -> User:
    user = session_user(request, session)
    if user is None:
        raise Unauthorized(_("Please sign in."))
    i18n.know_person(user.language)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def check_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """Every form post carries the session's CSRF token (HTMX sends it as a header)."""
    sent = csrf_token or request.headers.get("x-csrf-token")
    if not same_secret(sent, stored_csrf(request.session)):
        raise Forbidden(
            _("This form has expired or did not come from Giveask. Reload the page and try "
              "again.")
        )


CsrfChecked = Depends(check_csrf)


def web_access(workspace_id: str, request: Request, session: SessionDep) -> Access:
    """The signed-in user's access to the workspace in the path; another
    workspace's page is a 404 like any unknown page. It signs the user in
    itself (current_user), in the same trip to the thread pool."""
    user = current_user(request, session)
    access = workspace_access(session=session, principal=Principal(user_id=user.id),
                              workspace_id=workspace_id)
    i18n.know_workspace(access.workspace.language)
    return access


WebAccess = Annotated[Access, Depends(web_access)]
