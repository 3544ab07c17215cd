from __future__ import annotations

from fastapi import Request, Response

from app.api.http import created
from app.auth import AdminAccess
from app.db import SessionDep
from app.models import ApiToken
from app.routers import Router
from app.schemas import Page, TokenCreate, TokenCreated, TokenPublic
from app.services import tokens as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/tokens", tags=["tokens"])


def _public(token: ApiToken) -> TokenPublic:
    return TokenPublic.model_validate({**token.model_dump(), "created_by": token.created_by_id})


@router.get("", response_model=Page[TokenPublic])
def list_tokens(access: AdminAccess, session: SessionDep) -> dict[str, object]:
    """Tokens of the workspace, revoked ones included; never their secrets."""
    rows = service.list_tokens(session=session, access=access)
    return {"items": [_public(t) for t in rows], "next_cursor": None}


@router.post("", status_code=201, response_model=TokenCreated)
def create_token(
    request: Request, workspace_id: str, data: TokenCreate, access: AdminAccess,
    session: SessionDep,
) -> Response:
    """Create a token. The response carries the secret once; store it now."""
    token, secret = service.create_token(
        session=session, workspace=access.workspace, role=data.role, name=data.name,
        created_by_id=access.user_id,
    )
    model = TokenCreated.model_validate({**_public(token).model_dump(), "token": secret})
    return created(request, model, f"/api/v1/workspaces/{workspace_id}/tokens/{token.id}")


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: str, access: AdminAccess, session: SessionDep) -> Response:
    service.revoke_token(session=session, access=access, token_id=token_id)
    return Response(status_code=204)
