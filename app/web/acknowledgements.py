"""Acknowledging a finding from the pages: from the post dialog (the calendar)
and from a week's review, each returning where it came from.

``origin`` says where: ``post:<id>`` (the dialog; success closes it and shows the
calendar with the finding drawn muted) or ``week:<week>:<channel>`` (the week's
review again). A refusal shows the reason next to the note of that finding.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.db import SessionDep, savepoint
from app.errors import AppError, NotFound
from app.i18n import gettext as _
from app.routers import Router
from app.services import acknowledgements
from app.services.access import Access
from app.web import forms
from app.web.calendar_view import finding_uid
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.planner import after_change
from app.web.reviews import reopen_post, week_after_fix

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

FIELDS = ("code", "channel_id", "story_id", "post_ids", "note", "origin")


async def _form(request: Request) -> dict[str, str]:
    raw = await request.form()
    return {name: str(raw.get(name) or "") for name in FIELDS}


def _back(request: Request, session: Session, access: Access, user: Any, origin: str,
          message: str) -> Response:
    if origin.startswith("week:"):
        return week_after_fix(request, session, access, user, origin, message)
    return after_change(request, session, access, user, message)


def _refused(request: Request, session: Session, access: Access, user: Any,
             values: dict[str, str], uid: str, exc: AppError) -> Response:
    """Where the person was, with the reason next to the note they wrote."""
    about_note = bool(exc.errors) and exc.errors[0].field == "note"
    message = forms.reason(exc)
    # A note to fix goes next to the note; anything else (the finding changed
    # meanwhile, someone acknowledged it first) above the findings.
    errors = {uid: message} if about_note else {}
    kept = {uid: values["note"]}
    general = "" if about_note else _("Nothing was acknowledged: %(reason)s") % {"reason": message}
    origin = values["origin"]
    if origin.startswith("week:"):
        return week_after_fix(request, session, access, user, origin, general,
                              errors={f"ack:{k}": v for k, v in errors.items()},
                              values={f"ack:{k}": v for k, v in kept.items()},
                              status=exc.status)
    post_id = origin.removeprefix("post:")
    if origin.startswith("post:") and post_id:
        return reopen_post(request, session, access, user, post_id, status=exc.status,
                           extra={"ack_error": errors, "ack_values": kept,
                                  "ack_message": general})
    return after_change(request, session, access, user, general or message)


@router.post("/acknowledgements", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def acknowledge(request: Request, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    values = await _form(request)
    post_ids = values["post_ids"].split()
    uid = finding_uid(values["code"], values["channel_id"], values["story_id"] or None,
                      post_ids)
    try:
        with savepoint(session):
            ack = acknowledgements.acknowledge(
                session=session, access=access, code=values["code"],
                channel_id=values["channel_id"], story_id=values["story_id"] or None,
                post_ids=post_ids, note=values["note"])
    except NotFound:
        raise
    except AppError as exc:
        return _refused(request, session, access, user, values, uid, exc)
    if ack.severity == "blocking":
        done = _("Acknowledged this blocking finding with your note: your note stands as the "
                 "override reason at approval. It stays on the calendar, drawn muted, until its "
                 "posts change.")
    elif ack.severity == "warning":
        done = _("Acknowledged this warning with your note: it no longer counts against the "
                 "rhythm. It stays on the calendar, drawn muted, until its posts change.")
    else:
        done = _("Acknowledged this note with your note: it no longer counts against the "
                 "rhythm. It stays on the calendar, drawn muted, until its posts change.")
    return _back(request, session, access, user, values["origin"], done)


@router.post("/acknowledgements/{acknowledgement_id}/withdraw", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
async def withdraw(request: Request, acknowledgement_id: str, access: WebAccess,
                   user: CurrentUser, session: SessionDep) -> Response:
    values = await _form(request)
    try:
        with savepoint(session):
            acknowledgements.withdraw(session=session, access=access,
                                      acknowledgement_id=acknowledgement_id)
    except NotFound:
        raise
    except AppError as exc:
        return _back(request, session, access, user, values["origin"],
                     _("Nothing was withdrawn: %(reason)s") % {"reason": exc.detail})
    return _back(request, session, access, user, values["origin"],
                 _("Withdrew the acknowledgement: the finding counts again."))
