"""Applying a suggestion: every change of it in one transaction, or none."""

from __future__ import annotations

from typing import Any

from app.auth import EditorAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas_analysis import AppliedSuggestion
from app.services import posts as post_service
from app.services import suggestions as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["rules"])


# The versions travel in the body, not in If-Match, so the 412 is declared here.
STALE: dict[int | str, dict[str, Any]] = {412: {
    "description": "A post changed since the suggestion was made (`post_id` names it): "
                   "nothing was applied.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}}


@router.post("/suggestions/apply", response_model=AppliedSuggestion, responses=STALE)
def apply_suggestion(
    data: service.ApplyBody, access: EditorAccess, session: SessionDep
) -> dict[str, Any]:
    """Apply a suggestion's changes (as `GET /findings` lists them) all at once, with
    the same checks as editing each post: a post whose version moved is a 412 naming
    it (`post_id`), a published post a 409, and nothing is saved unless all apply."""
    applied = service.apply_changes(session=session, access=access, changes=data.changes)
    return {"posts": [post_service.to_public(p) for p in applied.posts],
            "deleted": applied.deleted}
