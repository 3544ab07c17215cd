from __future__ import annotations

from fastapi import Request, Response

from app.api.http import IfMatch, LimitQuery, created, parse_if_match, versioned
from app.auth import AdminAccess, PrincipalDep, ViewerAccess
from app.db import SessionDep
from app.errors import Forbidden
from app.routers import Router
from app.schemas import Page, WorkspaceCreate, WorkspacePublic, WorkspaceUpdate
from app.services import workspaces as service

router = Router(prefix="/api/v1/workspaces", tags=["workspaces"])


@router.get("", response_model=Page[WorkspacePublic])
def list_workspaces(
    session: SessionDep, principal: PrincipalDep,
    limit: LimitQuery = None,
    cursor: str | None = None,
) -> dict[str, object]:
    """The workspaces the caller may see (a token: its own)."""
    rows, next_cursor = service.list_workspaces(
        session=session, principal=principal, limit=limit, cursor=cursor
    )
    return {"items": [service.to_public(w, r) for w, r in rows], "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=WorkspacePublic)
def create_workspace(
    request: Request, data: WorkspaceCreate, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Create a workspace; the signed-in user becomes its admin. Tokens cannot (403)."""
    if principal.is_token or principal.user_id is None:
        raise Forbidden(
            "An API token belongs to one workspace and cannot create another; "
            "sign in, or use `giveask` on the command line."
        )
    workspace = service.create_workspace(
        session=session, data=data, admin_user_id=principal.user_id
    )
    return created(request, service.to_public(workspace, "admin"),
                   f"/api/v1/workspaces/{workspace.id}", workspace.version)


@router.get("/{workspace_id}", response_model=WorkspacePublic)
def get_workspace(access: ViewerAccess, response: Response) -> WorkspacePublic:
    model = service.to_public(access.workspace, access.role)
    versioned(model, access.workspace.version, response)
    return model


@router.patch("/{workspace_id}", response_model=WorkspacePublic)
def update_workspace(
    data: WorkspaceUpdate, access: AdminAccess, session: SessionDep, response: Response,
    if_match: IfMatch = None,
) -> WorkspacePublic:
    workspace = service.update_workspace(
        session=session, access=access, data=data, if_match=parse_if_match(if_match)
    )
    model = service.to_public(workspace, access.role)
    versioned(model, workspace.version, response)
    return model
