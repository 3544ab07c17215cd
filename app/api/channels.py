from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from app.api.http import IfMatch, LimitQuery, created, parse_if_match, versioned
from app.auth import EditorAccess, ViewerAccess
from app.db import SessionDep
from app.platforms import text_limit
from app.routers import Router
from app.schemas import ChannelCreate, ChannelPublic, ChannelUpdate, Page
from app.services import channels as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/channels", tags=["channels"])


def _public(channel: Any) -> ChannelPublic:
    model = ChannelPublic.model_validate(channel, from_attributes=True)
    model.text_limit = text_limit(channel.platform)
    return model


@router.get("", response_model=Page[ChannelPublic])
def list_channels(
    access: ViewerAccess, session: SessionDep,
    limit: LimitQuery = None,
    cursor: str | None = None,
) -> dict[str, object]:
    rows, next_cursor = service.list_channels(
        session=session, access=access, limit=limit, cursor=cursor
    )
    return {"items": [_public(c) for c in rows], "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=ChannelPublic)
def create_channel(
    request: Request, workspace_id: str, data: ChannelCreate, access: EditorAccess,
    session: SessionDep,
) -> Response:
    channel = service.create_channel(session=session, access=access, data=data)
    return created(request, _public(channel),
                   f"/api/v1/workspaces/{workspace_id}/channels/{channel.id}", channel.version)


@router.get("/{channel_id}", response_model=ChannelPublic)
def get_channel(
    channel_id: str, access: ViewerAccess, session: SessionDep, response: Response
) -> ChannelPublic:
    channel = service.get_channel(session=session, access=access, channel_id=channel_id)
    model = _public(channel)
    versioned(model, channel.version, response)
    return model


@router.patch("/{channel_id}", response_model=ChannelPublic)
def update_channel(
    channel_id: str, data: ChannelUpdate, access: EditorAccess, session: SessionDep,
    response: Response, if_match: IfMatch = None,
) -> ChannelPublic:
    channel = service.update_channel(
        session=session, access=access, channel_id=channel_id, data=data,
        if_match=parse_if_match(if_match),
    )
    model = _public(channel)
    versioned(model, channel.version, response)
    return model


@router.delete("/{channel_id}", status_code=204)
def delete_channel(channel_id: str, access: EditorAccess, session: SessionDep) -> Response:
    service.delete_channel(session=session, access=access, channel_id=channel_id)
    return Response(status_code=204)


@router.post("/{channel_id}/archive", response_model=ChannelPublic)
def archive_channel(
    channel_id: str, access: EditorAccess, session: SessionDep, response: Response,
    if_match: IfMatch = None,
) -> ChannelPublic:
    """Archive a channel: its posts stay as history, and it takes no new posts, and no
    edits or moves into it (422 on channel_id). Archiving an archived channel changes
    nothing."""
    channel = service.archive_channel(session=session, access=access, channel_id=channel_id,
                                      if_match=parse_if_match(if_match))
    model = _public(channel)
    versioned(model, channel.version, response)
    return model


@router.post("/{channel_id}/unarchive", response_model=ChannelPublic)
def unarchive_channel(
    channel_id: str, access: EditorAccess, session: SessionDep, response: Response,
    if_match: IfMatch = None,
) -> ChannelPublic:
    """Bring an archived channel back into use."""
    channel = service.unarchive_channel(session=session, access=access, channel_id=channel_id,
                                        if_match=parse_if_match(if_match))
    model = _public(channel)
    versioned(model, channel.version, response)
    return model
