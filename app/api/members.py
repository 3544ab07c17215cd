"""Members and invitations: an admin invites an email; the person it names
accepts (app/services/members.py). The answer to an invitation is the same
whether or not the email has an account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request, Response

from app.auth import (
    AdminAccess,
    LeadAccess,
    PrincipalDep,
    ViewerAccess,
    request_now,
    request_settings,
)
from app.db import SessionDep
from app.errors import Forbidden
from app.i18n import gettext as _
from app.models import Invitation, Membership, User
from app.routers import Router
from app.schemas import (
    InvitationCreated,
    InvitationPublic,
    MemberCapacity,
    MemberCreate,
    MemberPublic,
    MembersPage,
    MemberUpdate,
)
from app.services import capacity as team_capacity
from app.services import members as service
from app.services import users

router = Router(tags=["members"])
WORKSPACE = "/api/v1/workspaces/{workspace_id}"


def _public(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        id=membership.id, user_id=user.id, email=user.email, name=user.name,
        role=membership.role, capacity=membership.capacity,
        created_at=membership.created_at,
    )


def _invitation(invitation: Invitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.id, email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at, invited_by=invitation.invited_by_id,
        created_at=invitation.created_at,
    )


@router.get(WORKSPACE + "/members", response_model=MembersPage)
def list_members(request: Request, access: ViewerAccess, session: SessionDep) -> MembersPage:
    """The workspace's members, and the invitations still waiting for an answer."""
    rows = users.list_members(session=session, access=access)
    pending = service.pending_invitations(session=session, access=access,
                                          now=request_now(request))
    return MembersPage(items=[_public(m, u) for m, u in rows], next_cursor=None,
                       invitations=[_invitation(i) for i in pending])


@router.post(WORKSPACE + "/members", status_code=202, response_model=InvitationCreated)
def invite_member(request: Request, data: MemberCreate, access: AdminAccess,
                  session: SessionDep) -> InvitationCreated:
    """Invite a person by email with a role. They become a member when they
    open the link (``accept_url``) and accept: signed in with that email, or
    creating the account for it. Giveask sends no email: pass the link on.
    A newer invitation of an email replaces its pending one; an email that is
    already a member is a 409 (change the role with PATCH instead)."""
    return _invite(request, data, access, session)


def _invite(request: Request, data: MemberCreate, access: Any, session: Any
            ) -> InvitationCreated:
    settings = request_settings(request)
    created = service.invite(session=session, access=access, email=data.email, role=data.role,
                             now=request_now(request),
                             valid_for=timedelta(days=settings.invitation_days),
                             link_base=settings.base_url or str(request.base_url),
                             send_mail=bool(settings.smtp_url))
    public = _invitation(created.invitation)
    return InvitationCreated(**public.model_dump(), token=created.token,
                             accept_url=created.url, url=created.url, mailed=created.mailed)


@router.post(WORKSPACE + "/invitations", status_code=201, response_model=InvitationCreated)
def create_invitation(request: Request, data: MemberCreate, access: AdminAccess,
                      session: SessionDep) -> InvitationCreated:
    """Invite a person by email with a role: a single-use link (``url``) that
    expires (``expires_at``, GIVEASK_INVITATION_DAYS, 7 by default), also sent
    by mail when the server has GIVEASK_SMTP_URL (``mailed``). The answer is the
    same whether or not the email has an account. ``POST …/members`` does the
    same and answers 202."""
    return _invite(request, data, access, session)


@router.delete(WORKSPACE + "/members/{member_id}", status_code=204)
def remove_member(member_id: str, access: AdminAccess, session: SessionDep) -> Response:
    """Take a member out of the workspace. The last admin stays (409)."""
    service.remove_member(session=session, access=access, member_id=member_id)
    return Response(status_code=204)


@router.patch(WORKSPACE + "/members/{member_id}", response_model=MemberPublic)
def change_member_role(member_id: str, data: MemberUpdate, access: AdminAccess,
                       session: SessionDep) -> MemberPublic:
    """Change a member's role. The workspace keeps at least one admin (409)."""
    membership = service.change_role(session=session, access=access, member_id=member_id,
                                     role=data.role)
    user = users.member_user(session=session, membership=membership)
    return _public(membership, user)


@router.put(WORKSPACE + "/members/{member_id}/capacity", response_model=MemberPublic)
def set_member_capacity(member_id: str, data: MemberCapacity, access: LeadAccess,
                        session: SessionDep) -> MemberPublic:
    """Set (or, with null, clear) the posts a week this member can plan (leads). A
    week where they plan more carries a ``capacity_exceeded`` finding in its review."""
    membership = team_capacity.set_capacity(session=session, access=access,
                                            member_id=member_id, capacity=data.capacity)
    user = users.member_user(session=session, membership=membership)
    return _public(membership, user)


@router.delete(WORKSPACE + "/invitations/{invitation_id}", status_code=204)
def revoke_invitation(request: Request, invitation_id: str, access: AdminAccess,
                      session: SessionDep) -> Response:
    """Withdraw an invitation: its link stops working."""
    service.revoke(session=session, access=access, invitation_id=invitation_id,
                   now=request_now(request))
    return Response(status_code=204)


@router.post("/api/v1/invitations/{token}/accept", response_model=MemberPublic)
def accept_invitation(request: Request, token: str, principal: PrincipalDep,
                      session: SessionDep) -> MemberPublic:
    """Join the workspace an invitation names, signed in (session cookie, with
    its X-CSRF-Token) as the invited email. An API token cannot accept: it
    belongs to a workspace, not to the person invited. Someone without an
    account creates it on the invitation's page (``accept_url``)."""
    if principal.is_token or principal.user_id is None:
        raise Forbidden(_("Accept an invitation signed in as the person invited, not with an "
                          "API token."))
    user = users.get_user(session=session, user_id=principal.user_id)
    membership = service.accept(session=session, token=token, user=user,
                                now=request_now(request))
    return _public(membership, user)
