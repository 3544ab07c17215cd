from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request, Response

from app.api.http import IfMatch, LimitQuery, TimeQuery, created, parse_if_match, versioned
from app.auth import EditorAccess, ViewerAccess, telling
from app.db import SessionDep
from app.routers import Router
from app.schemas import Kind, Page, PostCreate, PostPublic, PostUpdate, Status
from app.services import posts as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/posts", tags=["posts"])



@router.get("", response_model=Page[PostPublic])
def list_posts(
    access: ViewerAccess,
    session: SessionDep,
    channel_id: str | None = None,
    kind: Kind | None = None,
    status: Status | None = None,
    story_id: str | None = None,
    series_id: str | None = None,
    start: TimeQuery = None,
    end: TimeQuery = None,
    updated_since: TimeQuery = None,
    limit: LimitQuery = None,
    cursor: str | None = None,
) -> dict[str, object]:
    """Posts ordered by scheduled_at (oldest first); `start <= scheduled_at < end`."""
    filters = service.PostFilter(
        channel_id=channel_id, kind=kind, status=status, story_id=story_id,
        series_id=series_id, start=start, end=end, updated_since=updated_since,
    )
    rows, next_cursor = service.list_posts(
        session=session, access=access, filters=filters, limit=limit, cursor=cursor
    )
    return {"items": [service.to_public(p) for p in rows], "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=PostPublic, responses={200: {
    "model": PostPublic,
    "description": "A repeat with the same Idempotency-Key: the post the first request made"}})
def create_post(
    request: Request, workspace_id: str, data: PostCreate, access: EditorAccess,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key",
        description="Retry safely: a repeat with the same key returns the first post (200).",
        json_schema_extra={"maxLength": 64},
    )] = None,
) -> Response:
    """Plan a post (a draft). Answers 201 with Location; a repeat with the same
    Idempotency-Key answers 200 with the post the first request created."""
    post, was_created = service.create_post(session=session, access=access, data=data,
                                            idempotency_key=idempotency_key,
                                            telling=telling(request))
    response = created(request, service.to_public(post),
                       f"/api/v1/workspaces/{workspace_id}/posts/{post.id}", post.version)
    if not was_created:
        response.status_code = 200
    return response


@router.get("/{post_id}", response_model=PostPublic)
def get_post(
    post_id: str, access: ViewerAccess, session: SessionDep, response: Response
) -> PostPublic:
    post = service.get_post(session=session, access=access, post_id=post_id)
    model = service.to_public(post)
    versioned(model, post.version, response)
    return model


@router.patch("/{post_id}", response_model=PostPublic)
def update_post(
    post_id: str, data: PostUpdate, access: EditorAccess, session: SessionDep,
    request: Request, response: Response, if_match: IfMatch = None,
) -> PostPublic:
    post = service.update_post(
        session=session, access=access, post_id=post_id, data=data,
        if_match=parse_if_match(if_match), telling=telling(request),
    )
    model = service.to_public(post)
    versioned(model, post.version, response)
    return model


@router.delete("/{post_id}", status_code=204)
def delete_post(
    post_id: str, access: EditorAccess, session: SessionDep, if_match: IfMatch = None
) -> Response:
    service.delete_post(session=session, access=access, post_id=post_id,
                        if_match=parse_if_match(if_match))
    return Response(status_code=204)
