"""The import page: drop a CSV file, check it (every row with its kind, the
findings it would add, the errors by line), then import it.

A plain multipart form works without JavaScript; app/web/static/imports.js adds
drag and drop and an upload progress bar. The checked file travels back in the
review form as base64 (a hidden field browsers send byte for byte), so "Import"
saves exactly the file that was checked, with no second upload.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.db import SessionDep, savepoint
from app.errors import AppError
from app.i18n import gettext as _
from app.routers import Router
from app.services import imports as service
from app.services.access import Access
from app.services.channels import all_channels
from app.services.import_formats import FORMAT_NAMES
from app.web.deps import UPLOAD_FIELD_BYTES, CurrentUser, UploadCsrfChecked, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)
OPTIONS = ("channel_id", "kind", "date_order", "format", "separator")


def _page(request: Request, session: Session, access: Access, user: Any, *,
          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          plan: service.ImportPlan | None = None, file_b64: str = "",
          result: service.ImportResult | None = None, message: str = "",
          status: int = 200) -> Response:
    channels = [c for c in all_channels(session=session, access=access) if c.archived_at is None]
    return render(request, "imports.html", {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "connect"), "channels": channels,
        "values": values or {}, "errors": errors or {}, "plan": plan, "file_b64": file_b64,
        "result": result, "message": message, "formats": FORMAT_NAMES,
        "max_mb": service.MAX_IMPORT_BYTES // 1_000_000, "max_rows": service.MAX_IMPORT_ROWS,
        "errors_by_line": _by_line(plan), "finding_lines": _finding_lines(plan),
        "findings": [(f, [n for n in map(plan.line_of, f.post_ids) if n is not None])
                     for f in plan.findings_added] if plan else []},
        status_code=status)


def refusal(exc: AppError, options: tuple[str, ...], encoded: str
            ) -> tuple[dict[str, str], str]:
    """A refused file's messages by field (the file's own when it names none of
    the page's), and the file to keep: a wrong choice keeps it, so the editor
    only fixes the choice; a wrong file does not."""
    errors = {e.field: e.message for e in exc.errors if e.field in (*options, "file")}
    if not errors:
        errors = {"file": exc.detail}
    return errors, "" if "file" in errors else encoded


def _by_line(plan: service.ImportPlan | None) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for error in plan.errors if plan else []:
        found.setdefault(error.line or 0, []).append(f"{error.column}: {error.message}")
    return found


def _finding_lines(plan: service.ImportPlan | None) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for finding in plan.findings_added if plan else []:
        for post_id in finding.post_ids:
            line = plan.line_of(post_id) if plan else None
            if line is not None:
                found.setdefault(line, []).append(finding.code)
    return found


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, access: WebAccess, user: CurrentUser,
                session: SessionDep) -> Response:
    access.require("editor")
    return _page(request, session, access, user)


@router.post("/import", response_class=HTMLResponse, dependencies=[UploadCsrfChecked])
async def import_file(request: Request, access: WebAccess, user: CurrentUser,
                      session: SessionDep) -> Response:
    access.require("editor")
    form = await request.form(max_part_size=UPLOAD_FIELD_BYTES)
    values = {k: str(form.get(k) or "").strip() for k in (*OPTIONS, "filename")}
    upload = form.get("file")
    data = b""
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        values["filename"] = upload.filename
    elif form.get("file_b64"):
        try:
            data = base64.b64decode(str(form.get("file_b64")), validate=True)
        except (binascii.Error, ValueError):
            data = b""
    if not data:
        return _page(request, session, access, user, values=values, status=422,
                     errors={"file": _("Choose a CSV file to import.")})
    options = service.ImportOptions(
        filename=values["filename"], format=values["format"] or None,
        channel_id=values["channel_id"] or None, kind=values["kind"] or None,
        date_order=values["date_order"] or None, separator=values["separator"] or None)
    encoded = base64.b64encode(data).decode()
    try:
        with savepoint(session):
            if form.get("action") == "import":
                result = service.run_import(session=session, access=access, data=data,
                                            options=options)
                return _page(request, session, access, user, result=result)
            plan = service.prepare(session=session, access=access, data=data,
                                   options=options)
    except AppError as exc:
        errors, kept = refusal(exc, OPTIONS, encoded)
        return _page(request, session, access, user, values=values, errors=errors,
                     file_b64=kept, status=exc.status)
    return _page(request, session, access, user, values=values, plan=plan, file_b64=encoded)
