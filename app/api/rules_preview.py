"""What a change of the rules would do, before it is saved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.api.http import TimeQuery
from app.auth import LeadAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas import format_utc
from app.schemas_analysis import RulesPreview
from app.services import rules_preview
from app.services.rules_profile import RulesProfileIn

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["rules"])



@router.post("/rules/preview", response_model=RulesPreview)
def preview_rules(
    data: RulesProfileIn, access: LeadAccess, session: SessionDep,
    start: TimeQuery = None, end: TimeQuery = None,
) -> dict[str, Any]:
    """What `PUT /rules` with this body would change (lead or admin): the findings over
    `[start, end)` (default: from today's local midnight for 8 weeks) the proposed
    profile adds and resolves, compared by finding key. Nothing is saved; a bad value
    is the same 422 as `PUT /rules`."""
    result = rules_preview.preview(session=session, access=access, data=data, start=start,
                                   end=end, now=datetime.now(UTC))
    return {"start": format_utc(result.start), "end": format_utc(result.end),
            "added": [f.as_dict() for f in result.added],
            "resolved": [f.as_dict() for f in result.resolved]}
