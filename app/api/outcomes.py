"""A published post's outcome (GET, PUT) and the outcome CSV import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.api.http import IfMatch, etag, parse_if_match
from app.auth import EditorAccess, ViewerAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas_outcomes import OutcomeImportReport, OutcomeIn, OutcomePublic
from app.services import outcome_import
from app.services import outcomes as service
from app.services.imports import as_field_errors

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["outcomes"])

CSV_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}}}}}
Choice = Annotated[str | None, Query(max_length=40)]


@router.get("/posts/{post_id}/outcome", response_model=OutcomePublic)
def get_outcome(post_id: str, access: ViewerAccess, session: SessionDep,
                response: Response) -> OutcomePublic:
    """The post's results. A post with none entered yet (any post, published or
    not) answers 200 with every figure null, `version` 0 and `updated_at` null."""
    outcome = service.get_outcome(session=session, access=access, post_id=post_id)
    response.headers["ETag"] = etag(outcome.version)
    return service.to_public(outcome)


@router.put("/posts/{post_id}/outcome", response_model=OutcomePublic)
def replace_outcome(post_id: str, data: OutcomeIn, access: EditorAccess, session: SessionDep,
                    response: Response, if_match: IfMatch = None) -> OutcomePublic:
    """Replace a published post's results (editor or above): a figure left out or
    null becomes unknown. 409 when the post is not published (the problem names
    its `post_status`); 422 naming each bad figure, and nothing saved. `If-Match` is
    the version read (`"0"`: none entered yet); a stale one is 412."""
    outcome = service.put_outcome(session=session, access=access, post_id=post_id, data=data,
                                  if_match=parse_if_match(if_match))
    response.headers["ETag"] = etag(outcome.version)
    return service.to_public(outcome)


@router.post("/outcomes/import", response_model=OutcomeImportReport, openapi_extra=CSV_BODY)
async def import_outcomes(request: Request, access: EditorAccess, session: SessionDep,
                          dry_run: bool = False, date_order: Choice = None,
                          separator: Choice = None) -> Any:
    """Enter the results of many published posts from a CSV file (the body, as
    text/csv): a `post_id` column, or `channel` (its name) and `scheduled_at`
    (local time in the workspace's zone unless it carries an offset), then any of
    reach, impressions, engagements, clicks, conversions. A figure column
    replaces that figure (an empty cell: unknown); figures without a column stay.
    With `dry_run=true` the answer reviews every row and error and nothing is
    saved; otherwise all rows are saved, or on any error none (422 naming each
    line and column). At most 5 MB (413) and 10,000 rows. See docs/outcomes.md."""
    data = await request.body()
    plan = await run_in_threadpool(outcome_import.prepare, session=session, access=access,
                                   data=data, date_order=date_order, separator=separator)
    updated = len(plan.rows)
    if not dry_run:
        updated = await run_in_threadpool(outcome_import.run, session=session, access=access,
                                          plan=plan)
    return OutcomeImportReport.model_validate({
        "dry_run": dry_run, "date_order": plan.date_order, "columns": plan.columns,
        "rows": plan.records,
        "updated": 0 if plan.errors else updated,
        "errors": [e.as_dict() for e in as_field_errors(plan.errors)],
        "review": [{"line": r.line, "post_id": r.post.id, "channel_id": r.post.channel_id,
                    "scheduled_at": r.post.scheduled_at, "figures": r.figures}
                   for r in plan.rows],
    })
