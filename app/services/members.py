"""Members and invitations.

An admin never attaches an account to a workspace directly: adding someone
creates an invitation for their email, and only the person who can sign in
with that email (or who creates the account for it) joins. The admin's
answer is the same whether or not the email has an account, so the members
API tells nobody which emails are registered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app import i18n
from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.i18n import gettext as _
from app.i18n import ngettext, pgettext
from app.models import ROLES, Invitation, Membership, User, Workspace
from app.schemas import at_most_text
from app.security import token_hash
from app.services import audit, users
from app.services.access import Access, Principal
from app.services.outbox import Mail, enqueue_mail
from app.services.people import display_names

INVITATION_PREFIX = "gki_"


def _gone() -> NotFound:
    return NotFound(_("This invitation link is not valid: it was used, withdrawn or has "
                      "expired. Ask the workspace's admin for a new one."))


@dataclass(frozen=True, slots=True)
class NewInvitation:
    invitation: Invitation
    token: str  # shown once; only its hash is kept
    url: str  # the link to pass on: base + /invitations/<token>
    mailed: bool  # whether a mail with the link went to the outbox


def invitation_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/invitations/{token}"


def _invitation_mail(workspace: Workspace, email: str, role: str, url: str, days: int,
                     inviter: str) -> Mail:
    values = {"workspace": workspace.name, "inviter": inviter, "role": pgettext("role", role),
              "days": days, "url": url}
    return Mail(to=email, subject=_("You're invited to %(workspace)s on Giveask") % values,
                body=(_("%(inviter)s invites you to plan posts with %(workspace)s on Giveask, "
                        "as %(role)s.") % values + "\n\n"
                      + ngettext("Open this link within %(days)s day to accept (it works "
                                 "once):", "Open this link within %(days)s days to accept (it "
                                 "works once):", days) % values + f"\n{url}\n\n"
                      + _("If you didn't expect this, ignore this mail: nothing happens until "
                          "the link is opened.") + "\n"))


def mail_language(session: Session, workspace: Workspace, email: str) -> str:
    """A mail speaks its reader's language: their account's, else the team's."""
    chosen = session.exec(select(User.language).where(User.email == email)).first()
    return chosen or workspace.language


def _check_role(role: str) -> str:
    if role not in ROLES:
        # The roles as the API spells them: they are what the client sends.
        raise Invalid.one("role", _("must be one of %(roles)s") % {
            "roles": "viewer, editor, lead, admin"})
    return role


def _member_by_email(session: Session, workspace_id: str, email: str) -> Membership | None:
    return session.exec(
        select(Membership).join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.workspace_id == workspace_id, User.email == email)
    ).first()


def pending_invitations(*, session: Session, access: Access, now: datetime) -> list[Invitation]:
    return list(session.exec(
        select(Invitation).where(
            Invitation.workspace_id == access.workspace.id,
            col(Invitation.accepted_at).is_(None), col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
        ).order_by(col(Invitation.created_at), col(Invitation.id))
    ).all())


def invite(*, session: Session, access: Access, email: str, role: str, now: datetime,
           valid_for: timedelta, link_base: str = "", send_mail: bool = False
           ) -> NewInvitation:
    """Invite an email with a role. A newer invitation of the same email
    replaces the pending one; a current member is a 409 (the admin sees the
    members anyway, so this tells nothing new)."""
    access.require("admin")
    email = users.normalise_email(email)
    role = _check_role(role)
    if _member_by_email(session, access.workspace.id, email) is not None:
        raise Conflict(_("%(email)s is already a member of this workspace; change their role "
                         "instead.") % {"email": email},
                       errors=[FieldError("email", _("is already a member"))])
    for old in pending_invitations(session=session, access=access, now=now):
        if old.email == email:
            old.revoked_at = now
            session.add(old)
    token = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(workspace_id=access.workspace.id, email=email, role=role,
                            token_hash=token_hash(token), expires_at=now + valid_for,
                            invited_by_id=access.user_id, created_at=now)
    session.add(invitation)
    session.flush()
    audit.record(session=session, access=access, subject_type="invitation",
                 subject_id=invitation.id, action="created",
                 after={"email": email, "role": role}, note=f"{email} invited as {role}")
    url = invitation_url(link_base, token)
    if send_mail:
        # In this transaction: no mail for an invitation that was rolled back.
        inviter = display_names(session=session, ids=[access.user_id]).get(
            access.user_id or "", "An admin")
        with i18n.speaking(mail_language(session, access.workspace, email)):
            mail = _invitation_mail(access.workspace, email, role, url,
                                    max(1, valid_for.days), inviter)
        enqueue_mail(session=session, now=now, mail=mail)
    return NewInvitation(invitation=invitation, token=token, url=url, mailed=send_mail)


def revoke(*, session: Session, access: Access, invitation_id: str, now: datetime) -> None:
    access.require("admin")
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != access.workspace.id:
        raise NotFound(_("No invitation %(id)s.") % {"id": invitation_id})
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation was accepted already; change the member's role "
                         "instead."))
    if invitation.revoked_at is None:
        invitation.revoked_at = now
        session.add(invitation)
        audit.record(session=session, access=access, subject_type="invitation",
                     subject_id=invitation.id, action="revoked",
                     note=f"{invitation.email} ({invitation.role})")
    session.flush()


def change_role(*, session: Session, access: Access, member_id: str, role: str) -> Membership:
    """A member's new role; the workspace always keeps at least one admin."""
    access.require("admin")
    role = _check_role(role)
    membership = session.get(Membership, member_id)
    if membership is None or membership.workspace_id != access.workspace.id:
        raise NotFound(_("No member %(id)s.") % {"id": member_id})
    if membership.role == "admin" and role != "admin":
        admins = session.exec(select(Membership).where(
            Membership.workspace_id == access.workspace.id, Membership.role == "admin")).all()
        if len(admins) <= 1:
            raise Conflict(_("The workspace needs at least one admin; make someone else admin "
                             "first."),
                           errors=[FieldError("role", _("the last admin stays admin"))])
    if membership.role != role:
        before = membership.role
        membership.role = role
        session.add(membership)
        audit.record(session=session, access=access, subject_type="member",
                     subject_id=membership.id, action="role_changed",
                     before={"role": before}, after={"role": role})
        session.flush()
    return membership


def remove_member(*, session: Session, access: Access, member_id: str) -> Membership:
    """Take someone out of the workspace; the workspace always keeps an admin."""
    access.require("admin")
    membership = session.get(Membership, member_id)
    if membership is None or membership.workspace_id != access.workspace.id:
        raise NotFound(_("No member %(id)s.") % {"id": member_id})
    if membership.role == "admin":
        admins = session.exec(select(Membership).where(
            Membership.workspace_id == access.workspace.id, Membership.role == "admin")).all()
        if len(admins) <= 1:
            raise Conflict(_("The workspace needs at least one admin; make someone else admin "
                             "before removing this one."),
                           errors=[FieldError("member_id", _("is the last admin"))])
    audit.record(session=session, access=access, subject_type="member",
                 subject_id=membership.id, action="removed",
                 before={"role": membership.role, "user_id": membership.user_id})
    session.delete(membership)
    session.flush()
    return membership


# ---- the invitee's side ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenInvitation:
    invitation: Invitation
    workspace: Workspace


def open_invitation(*, session: Session, token: str, now: datetime) -> OpenInvitation:
    """The invitation a link names, while it can still be accepted. Used, withdrawn,
    expired and unknown links look alike."""
    if not token.startswith(INVITATION_PREFIX) or len(token) > 100:
        raise _gone()
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).first()
    if (invitation is None or invitation.accepted_at is not None
            or invitation.revoked_at is not None or invitation.expires_at <= now):
        raise _gone()
    workspace = session.get(Workspace, invitation.workspace_id)
    if workspace is None:
        raise _gone()
    return OpenInvitation(invitation=invitation, workspace=workspace)


def accept(*, session: Session, token: str, user: User, now: datetime) -> Membership:
    """The signed-in person the invitation names joins with its role."""
    found = open_invitation(session=session, token=token, now=now)
    invitation = found.invitation
    if user.email != invitation.email:
        raise Forbidden(_("This invitation is for %(invited)s; you are signed in as "
                          "%(email)s. Sign out and sign in with the invited email.") % {
            "invited": invitation.email, "email": user.email})
    membership = users.set_membership(session=session, workspace_id=invitation.workspace_id,
                                      user_id=user.id, role=invitation.role)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    session.add(invitation)
    member_access = Access(workspace=found.workspace, role=invitation.role,
                           principal=Principal(user_id=user.id))
    audit.record(session=session, access=member_access, subject_type="invitation",
                 subject_id=invitation.id, action="accepted",
                 note=f"{invitation.email} joined as {invitation.role}")
    session.flush()
    return membership


def accept_with_new_account(*, session: Session, token: str, name: str, password: str,
                            now: datetime) -> tuple[User, Membership]:
    """Someone without an account creates one for the invited email and joins.
    An email that has an account must sign in instead (its owner's password
    is the consent)."""
    found = open_invitation(session=session, token=token, now=now)
    email = found.invitation.email
    if users.find_user(session=session, email=email) is not None:
        raise Conflict(_("There is already an account for %(email)s: sign in to accept.") % {
            "email": email}, errors=[FieldError("email", _("already has an account; sign in "
                                                           "to accept"))])
    if len(name) > 120:
        raise Invalid.one("name", at_most_text(120))
    user = users.create_user(session=session, email=email, password=password, name=name)
    return user, accept(session=session, token=token, user=user, now=now)
