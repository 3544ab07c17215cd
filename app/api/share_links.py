"""Share links: a read-only view of a week or a range for a client without an
account. Leads and admins create, list and withdraw them; the URL is shown once."""

from __future__ import annotations

from fastapi import Request, Response

from app.api.http import created
from app.auth import LeadAccess, request_now, request_settings
from app.db import SessionDep
from app.routers import Router
from app.schemas import Page
from app.schemas_share_links import ShareLinkCreate, ShareLinkCreated, ShareLinkPublic
from app.services import share_links as service

router = Router(prefix="/api/v1/workspaces/{workspace_id}/share-links",
                   tags=["share links"])


def _public(row: service.ShareLinkRow) -> ShareLinkPublic:
    link = row.link
    return ShareLinkPublic.model_validate({
        **link.model_dump(), "created_by": link.created_by_id, "status": row.status,
        "guest_comments": row.guest_comments})


@router.get("", response_model=Page[ShareLinkPublic])
def list_share_links(request: Request, access: LeadAccess,
                     session: SessionDep) -> dict[str, object]:
    """The workspace's share links, newest first, withdrawn and expired ones
    included; never their secrets."""
    rows = service.list_links(session=session, access=access, now=request_now(request))
    return {"items": [_public(r) for r in rows], "next_cursor": None}


@router.post("", status_code=201, response_model=ShareLinkCreated)
def create_share_link(request: Request, workspace_id: str, data: ShareLinkCreate,
                      access: LeadAccess, session: SessionDep) -> Response:
    """Create a link to a range (``starts_on``..``ends_on``, or an ISO ``week``).
    The response carries the link's URL once; pass it on now."""
    settings = request_settings(request)
    now = request_now(request)
    made = service.create_link(
        session=session, access=access, now=now,
        ask=service.ShareRequest(**data.model_dump()),
        link_base=settings.base_url or str(request.base_url))
    row = service.get_link(session=session, access=access, link_id=made.link.id, now=now)
    model = ShareLinkCreated.model_validate({**_public(row).model_dump(), "url": made.url})
    return created(request, model, f"/api/v1/workspaces/{workspace_id}/share-links/{made.link.id}")


@router.get("/{link_id}", response_model=ShareLinkPublic)
def get_share_link(request: Request, link_id: str, access: LeadAccess,
                   session: SessionDep) -> ShareLinkPublic:
    return _public(service.get_link(session=session, access=access, link_id=link_id,
                                    now=request_now(request)))


@router.delete("/{link_id}", status_code=204)
def revoke_share_link(request: Request, link_id: str, access: LeadAccess,
                      session: SessionDep) -> Response:
    """Withdraw the link: it shows its guests nothing from now on."""
    service.revoke_link(session=session, access=access, link_id=link_id,
                        now=request_now(request))
    return Response(status_code=204)
