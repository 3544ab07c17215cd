"""The results import page: a CSV of published posts' results (post id, or
channel and time, then reach, impressions, engagements, clicks, conversions),
checked first, every row beside the post it names, then saved whole.

It works as the posts import page does (app/web/imports.py): a plain multipart
form, the checked file carried back as base64 so "Enter" saves exactly the
file that was checked, and app/web/static/imports.js for drop and progress.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import gettext as _
from app.routers import Router
from app.schemas_outcomes import FIGURES
from app.services import outcome_import as service
from app.services.access import Access
from app.services.channels import all_channels
from app.services.imports import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from app.web.deps import UPLOAD_FIELD_BYTES, CurrentUser, UploadCsrfChecked, WebAccess
from app.web.imports import refusal
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)
OPTIONS = ("date_order", "separator")


def _page(request: Request, session: Session, access: Access, user: Any, *,
          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          plan: service.OutcomePlan | None = None, file_b64: str = "",
          entered: int | None = None, status: int = 200) -> Response:
    names = {c.id: c.name for c in all_channels(session=session, access=access)}
    return render(request, "results_import.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "report"), "values": values or {},
        "errors": errors or {}, "plan": plan, "file_b64": file_b64, "entered": entered,
        "figures": FIGURES, "channel_names": names,
        "tz": ZoneInfo(access.workspace.timezone),
        "max_mb": MAX_IMPORT_BYTES // 1_000_000, "max_rows": MAX_IMPORT_ROWS},
        status_code=status)


@router.get("/report/results", response_class=HTMLResponse)
def results_page(request: Request, access: WebAccess, user: CurrentUser,
                 session: SessionDep) -> Response:
    access.require("editor")
    return _page(request, session, access, user)


async def _file(form: Any, values: dict[str, str]) -> bytes:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        values["filename"] = upload.filename
        return await upload.read()
    try:
        return base64.b64decode(str(form.get("file_b64") or ""), validate=True)
    except (binascii.Error, ValueError):
        return b""


@router.post("/report/results", response_class=HTMLResponse, dependencies=[UploadCsrfChecked])
async def import_results(request: Request, access: WebAccess, user: CurrentUser,
                         session: SessionDep) -> Response:
    access.require("editor")
    form = await request.form(max_part_size=UPLOAD_FIELD_BYTES)
    values = {k: str(form.get(k) or "").strip() for k in (*OPTIONS, "filename")}
    data = await _file(form, values)
    if not data:
        return _page(request, session, access, user, values=values, status=422,
                     errors={"file": _("Choose a CSV file with the results.")})
    encoded = base64.b64encode(data).decode()
    try:
        with savepoint(session):
            plan = service.prepare(session=session, access=access, data=data,
                                   date_order=values["date_order"] or None,
                                   separator=values["separator"] or None)
            if form.get("action") == "import" and not plan.errors:
                entered = service.run(session=session, access=access, plan=plan)
                return _page(request, session, access, user, entered=entered)
    except AppError as exc:
        errors, kept = refusal(exc, OPTIONS, encoded)
        return _page(request, session, access, user, values=values, errors=errors,
                     file_b64=kept, status=exc.status)
    return _page(request, session, access, user, values=values, plan=plan, file_b64=encoded,
                 status=422 if plan.errors else 200)
