"""Acknowledging a finding: the plan stays as it is, with a note saying why."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from app.api.http import LimitQuery, created
from app.auth import EditorAccess, ViewerAccess
from app.db import SessionDep
from app.models import Acknowledgement
from app.routers import Router
from app.schemas import Page, format_utc
from app.schemas_analysis import AcknowledgementIn, AcknowledgementPublic
from app.services import acknowledgements as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}", tags=["rules"])


def _public(ack: Acknowledgement, names: dict[str, str]) -> AcknowledgementPublic:
    return AcknowledgementPublic(
        id=ack.id, code=ack.code, channel_id=ack.channel_id, story_id=ack.story_id,
        post_ids=list(ack.post_ids), severity=ack.severity,
        note=ack.note, by=ack.by_id, by_name=names.get(ack.by_id or ""),
        by_token=ack.by_token_id, created_at=format_utc(ack.created_at))


@router.post("/acknowledgements", status_code=201, response_model=AcknowledgementPublic)
def acknowledge_finding(request: Request, workspace_id: str, data: AcknowledgementIn,
                        access: EditorAccess, session: SessionDep) -> Response:
    """Acknowledge a finding by its key (`code`, `channel_id`, `story_id`, `post_ids`,
    as the finding carries them) with a `note`. The finding must exist now (422 naming
    `post_ids` otherwise); a `blocking` one needs a lead or admin (403); a key already
    acknowledged is a 409 naming that acknowledgement. An acknowledged `warning` no longer
    counts against "on rhythm"; an acknowledged `blocking` finding needs no override
    reason at approval. Once the key changes, the acknowledgement no longer applies."""
    ack = service.acknowledge(session=session, access=access, code=data.code,
                              channel_id=data.channel_id, story_id=data.story_id,
                              post_ids=data.post_ids, note=data.note)
    names = service.names_of(session=session, acks=[ack])
    return created(request, _public(ack, names),
                   f"/api/v1/workspaces/{workspace_id}/acknowledgements/{ack.id}")


@router.get("/acknowledgements", response_model=Page[AcknowledgementPublic])
def list_acknowledgements(access: ViewerAccess, session: SessionDep, limit: LimitQuery = None,
                          cursor: str | None = None) -> dict[str, Any]:
    """The workspace's acknowledgements, oldest first, including those whose key no
    longer matches a finding."""
    rows, next_cursor = service.list_acknowledgements(session=session, access=access,
                                                      limit=limit, cursor=cursor)
    names = service.names_of(session=session, acks=rows)
    return {"items": [_public(a, names) for a in rows], "next_cursor": next_cursor}


@router.get("/acknowledgements/{acknowledgement_id}", response_model=AcknowledgementPublic)
def get_acknowledgement(acknowledgement_id: str, access: ViewerAccess,
                        session: SessionDep) -> AcknowledgementPublic:
    ack = service.get_acknowledgement(session=session, access=access,
                                      acknowledgement_id=acknowledgement_id)
    return _public(ack, service.names_of(session=session, acks=[ack]))


@router.delete("/acknowledgements/{acknowledgement_id}", status_code=204)
def withdraw_acknowledgement(acknowledgement_id: str, access: EditorAccess,
                             session: SessionDep) -> Response:
    """Withdraw an acknowledgement: the finding nags again. One of a `blocking` finding
    needs a lead or admin."""
    service.withdraw(session=session, access=access, acknowledgement_id=acknowledgement_id)
    return Response(status_code=204)
