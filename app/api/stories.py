"""Stories: arcs of posts, episode by episode. Their posts are listed by
``GET posts?story_id=``; their findings come with the others from ``GET
findings`` and carry the story's id."""

from __future__ import annotations

from fastapi import Request, Response

from app.api.http import IfMatch, LimitQuery, created, parse_if_match, versioned
from app.auth import EditorAccess, ViewerAccess
from app.db import SessionDep
from app.routers import Router
from app.schemas import Page
from app.schemas_stories import StoryCreate, StoryPublic, StoryUpdate
from app.services import stories as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/stories", tags=["stories"])


@router.get("", response_model=Page[StoryPublic])
def list_stories(
    access: ViewerAccess, session: SessionDep,
    limit: LimitQuery = None,
    cursor: str | None = None,
) -> dict[str, object]:
    rows, next_cursor = service.list_stories(session=session, access=access, limit=limit,
                                             cursor=cursor)
    return {"items": [service.to_public(s) for s in rows], "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=StoryPublic)
def create_story(
    request: Request, workspace_id: str, data: StoryCreate, access: EditorAccess,
    session: SessionDep,
) -> Response:
    """A story; its posts join it with `story_id` and an `episode` number."""
    story = service.create_story(session=session, access=access, data=data)
    return created(request, service.to_public(story),
                   f"/api/v1/workspaces/{workspace_id}/stories/{story.id}", story.version)


@router.get("/{story_id}", response_model=StoryPublic)
def get_story(
    story_id: str, access: ViewerAccess, session: SessionDep, response: Response
) -> StoryPublic:
    story = service.get_story(session=session, access=access, story_id=story_id)
    model = service.to_public(story)
    versioned(model, story.version, response)
    return model


@router.patch("/{story_id}", response_model=StoryPublic)
def update_story(
    story_id: str, data: StoryUpdate, access: EditorAccess, session: SessionDep,
    response: Response, if_match: IfMatch = None,
) -> StoryPublic:
    story = service.update_story(session=session, access=access, story_id=story_id, data=data,
                                 if_match=parse_if_match(if_match))
    model = service.to_public(story)
    versioned(model, story.version, response)
    return model


@router.delete("/{story_id}", status_code=204)
def delete_story(
    story_id: str, access: EditorAccess, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete the story. Its posts stay in the plan, out of the story (their
    `story_id` and `episode` are cleared)."""
    service.delete_story(session=session, access=access, story_id=story_id,
                         if_match=parse_if_match(if_match))
    return Response(status_code=204)
