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
from app.services.imports import MAX_IMPORT_BYTES


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

# An import's form carries its checked file back as base64, a text field of up to
# 4/3 of the file: more than the 1 MiB a form field may hold by default.
UPLOAD_FIELD_BYTES = 2 * MAX_IMPORT_BYTES


async def check_upload_csrf(request: Request) -> None:
    """check_csrf for an import's form, read with the import's own limits. The
    form is parsed once here: the route's request.form() gets the same one."""
    form = await request.form(max_part_size=UPLOAD_FIELD_BYTES)
    token = form.get("csrf_token")
    sent = token if isinstance(token, str) and token else request.headers.get("x-csrf-token")
    if not same_secret(sent, stored_csrf(request.session)):
        raise Forbidden(
            _("This form has expired or did not come from Giveask. Reload the page and try "
              "again.")
        )


UploadCsrfChecked = Depends(check_upload_csrf)


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
