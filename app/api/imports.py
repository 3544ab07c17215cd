"""POST imports: a CSV file in (the body as text/csv, or a multipart form's
``file``), checked whole with ``?dry_run=true``, saved whole otherwise."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from app.auth import EditorAccess, ViewerAccess
from app.db import SessionDep
from app.errors import Invalid, NotFound
from app.i18n import gettext as _
from app.routers import Router
from app.schemas_imports import ImportReport, ImportRunPage, ImportRunPublic
from app.services import imports as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["imports"])

BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "channel_id": {"type": "string"}, "kind": {"type": "string", "enum": ["give", "ask"]},
        "date_order": {"type": "string", "enum": ["dmy", "mdy"]},
        "separator": {"type": "string", "enum": [",", ";", "tab"]},
        "format": {"type": "string", "enum": list(service.FORMATS)}}}},
}}}
Choice = Annotated[str | None, Query(max_length=40)]


def report(plan: service.ImportPlan) -> ImportReport:
    names = {r.channel_id: r.channel for r in plan.rows}
    findings = []
    for finding in plan.findings_added:
        body = finding.as_dict()
        body["channel"] = names.get(finding.channel_id, finding.channel_id)
        if finding.channel_id.startswith(service.NEW_CHANNEL):
            body["channel_id"] = None
        body["lines"] = [n for n in map(plan.line_of, finding.post_ids) if n is not None]
        body["post_ids"] = [p for p in finding.post_ids if plan.line_of(p) is None]
        findings.append(body)
    return ImportReport.model_validate({
        "format": plan.format, "date_order": plan.date_order, "rows": len(plan.rows),
        "to_create": len(plan.to_create), "skipped": plan.skipped,
        "errors": [e.as_dict() for e in service.as_field_errors(plan.errors)],
        "channels_to_create": plan.channels_to_create,
        "stories_to_create": plan.stories_to_create, "findings_added": findings,
        "review": [{
            "line": r.line, "channel": r.channel,
            "channel_id": None if r.channel_id.startswith(service.NEW_CHANNEL) else r.channel_id,
            "scheduled_at": r.at, "local_time": r.local.isoformat(timespec="minutes"),
            "kind": r.kind, "kind_from": r.kind_from, "category": r.category, "text": r.text,
            "link": r.link, "status": r.status, "story": r.story, "episode": r.episode,
            "skipped": r.skipped, "notes": r.notes} for r in plan.rows],
    })


def run_public(run: Any) -> ImportRunPublic:
    return ImportRunPublic.model_validate(run.model_dump())


async def _file(request: Request) -> tuple[bytes, str, dict[str, str]]:
    """The file's bytes, its name, and the form's other fields (multipart)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_part_size=service.MAX_IMPORT_BYTES + 1)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid.one("file", _("is required: send the CSV file as the form's file "
                                         "field"))
        data = await upload.read()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return data, upload.filename or "", fields
    data = await request.body()
    disposition = request.headers.get("content-disposition", "")
    name = ""
    if "filename=" in disposition:
        name = unquote(disposition.split("filename=", 1)[1].strip().strip('"'))
    return data, name, {}


@router.post("/imports", response_model=ImportReport, status_code=200, openapi_extra=BODY,
             responses={201: {"model": ImportRunPublic, "description": "Imported: the run"}})
async def import_posts(
    request: Request, workspace_id: str, access: EditorAccess, session: SessionDep,
    dry_run: bool = False, format: Choice = None, channel_id: Choice = None,
    kind: Choice = None, date_order: Choice = None, separator: Choice = None,
) -> Any:
    """Import posts from a CSV file: Giveask's own columns, or the bulk formats of
    Publer, SocialBee, Sprout Social or Hootsuite (told from the header;
    `format` overrides). `channel_id` and `kind` are the defaults for rows that
    name no channel or kind; `date_order` (dmy or mdy) reads slashed dates
    (default: the file's own order; dates that read both ways are day first
    when the request's language is German, else a 422 asks for it);
    `separator` (`,` `;` or `tab`) overrides the one told from the file.
    With `dry_run=true` the answer is the review (every row, every error, the
    findings the import would add) and nothing is saved; otherwise every row is
    saved in one transaction, or on any error none (422 naming each line and
    column). Rows imported before are skipped. At most 5 MB (413) and 10,000
    rows (422). See docs/imports.md."""
    data, filename, fields = await _file(request)

    def given(name: str, value: str | None) -> str | None:
        return (value or fields.get(name) or "").strip() or None

    options = service.ImportOptions(
        filename=filename, format=given("format", format),
        channel_id=given("channel_id", channel_id), kind=given("kind", kind),
        date_order=given("date_order", date_order),
        separator=(separator or fields.get("separator") or None))
    if dry_run:
        plan = await run_in_threadpool(service.prepare, session=session, access=access,
                                       data=data, options=options)
        return report(plan)
    result = await run_in_threadpool(service.run_import, session=session, access=access,
                                     data=data, options=options)
    body = run_public(result.run).model_dump(mode="json")
    return JSONResponse(body, status_code=201, headers={
        "Location": str(request.base_url).rstrip("/")
        + f"/api/v1/workspaces/{workspace_id}/imports/{result.run.id}"})


@router.get("/imports", response_model=ImportRunPage)
def list_imports(access: ViewerAccess, session: SessionDep) -> dict[str, Any]:
    """The workspace's last 50 imports, newest first."""
    runs = service.last_runs(session=session, access=access, limit=50)
    return {"items": [run_public(r) for r in runs]}


@router.get("/imports/{import_id}", response_model=ImportRunPublic)
def get_import(import_id: str, access: ViewerAccess, session: SessionDep) -> ImportRunPublic:
    run = service.get_run(session=session, access=access, import_id=import_id)
    if run is None:
        raise NotFound(_("No import %(id)s in this workspace.") % {"id": import_id})
    return run_public(run)
