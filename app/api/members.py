from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.http import created
from app.auth import AdminAccess, ViewerAccess
from app.db import SessionDep
from app.models import Membership, User
from app.schemas import MemberCreate, MemberPublic, Page
from app.services import users as service

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/members", tags=["members"])


def _public(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        id=membership.id, user_id=user.id, email=user.email, name=user.name,
        role=membership.role,
        created_at=membership.created_at,
    )


@router.get("", response_model=Page[MemberPublic])
def list_members(access: ViewerAccess, session: SessionDep) -> dict[str, object]:
    rows = service.list_members(session=session, access=access)
    return {"items": [_public(m, u) for m, u in rows], "next_cursor": None}


@router.post("", status_code=201, response_model=MemberPublic)
def add_member(
    request: Request, workspace_id: str, data: MemberCreate, access: AdminAccess,
    session: SessionDep,
) -> Response:
    """Add a person by email with a role (or change their role). A new email
    needs a password for the account it creates."""
    membership, user = service.add_member(session=session, access=access, data=data)
    return created(request, _public(membership, user),
                   f"/api/v1/workspaces/{workspace_id}/members/{membership.id}")
