"""Workspaces and who belongs to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import Membership, Workspace
from app.rules.presets import PRESETS
from app.schemas import WorkspaceCreate, WorkspacePublic, WorkspaceUpdate, not_null_text
from app.services import audit
from app.services.access import Access, Principal
from app.services.paging import check_limit, decode_cursor, encode_cursor
from app.services.versioning import check_version, save


def _check_preset(name: str) -> None:
    if name not in PRESETS:
        known = ", ".join(sorted(PRESETS))
        raise Invalid.one("rules_preset", _("unknown preset %(name)s (known: %(known)s)") % {
            "name": repr(name), "known": known})


def create_workspace(
    *, session: Session, data: WorkspaceCreate, admin_user_id: str | None
) -> Workspace:
    _check_preset(data.rules_preset)
    workspace = Workspace(**data.model_dump())
    session.add(workspace)
    session.flush()
    if admin_user_id is not None:
        session.add(Membership(workspace_id=workspace.id, user_id=admin_user_id, role="admin"))
        session.flush()
    return workspace


def update_workspace(
    *, session: Session, access: Access, data: WorkspaceUpdate, if_match: int | None
) -> Workspace:
    workspace = access.workspace
    check_version(workspace, if_match)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise Invalid.one(field, not_null_text())
    if "archived" in changes:
        set_archived(session=session, access=access, archived=changes.pop("archived"),
                     now=utcnow())
    if "rules_preset" in changes:
        _check_preset(changes["rules_preset"])
    for field, value in changes.items():
        setattr(workspace, field, value)
    if changes:
        save(session, workspace)
    return workspace


def set_archived(*, session: Session, access: Access, archived: bool, now: datetime,
                 if_match: int | None = None) -> Workspace:
    """Archive a workspace (its history stays; it leaves the switcher and takes no
    new posts) or bring it back. Admins only."""
    access.require("admin")
    workspace = access.workspace
    check_version(workspace, if_match)
    if (workspace.archived_at is not None) != archived:
        workspace.archived_at = now if archived else None
        save(session, workspace)
        audit.record(session=session, access=access, subject_type="workspace",
                     subject_id=workspace.id, action="archived" if archived else "unarchived")
    return workspace


def list_workspaces(
    *, session: Session, principal: Principal, limit: int | None, cursor: str | None
) -> tuple[list[tuple[Workspace, str]], str | None]:
    limit = check_limit(limit)
    after_id = decode_cursor(cursor, expect=1)[0] if cursor else None
    if principal.is_token:
        workspace = session.get(Workspace, principal.token_workspace_id)
        rows = [(workspace, principal.token_role or "viewer")] if workspace else []
        return rows, None
    query = (
        select(Workspace, Membership.role)
        .join(Membership, col(Membership.workspace_id) == col(Workspace.id))
        .where(Membership.user_id == principal.user_id)
        .order_by(col(Workspace.id))
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(col(Workspace.id) > after_id)
    found = [(w, r) for w, r in session.exec(query).all()]
    next_cursor = encode_cursor(found[limit - 1][0].id) if len(found) > limit else None
    return found[:limit], next_cursor


SWITCHER_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SwitcherEntry:
    id: str
    name: str
    archived_at: datetime | None


# Every workspace page's switcher runs it: built once, columns only.
_SWITCHER = (
    select(Workspace.id, Workspace.name, Workspace.archived_at, Membership.role)
    .join(Membership, col(Membership.workspace_id) == col(Workspace.id))
    .where(Membership.user_id == bindparam("user_id"))
    .order_by(col(Workspace.id))
    .limit(SWITCHER_LIMIT)
)


def switcher(*, session: Session, user_id: str | None) -> list[tuple[SwitcherEntry, str]]:
    """The workspaces a person can switch to (the first 500), with their role."""
    if user_id is None:
        return []
    return [(SwitcherEntry(id=i, name=n, archived_at=a), r)
            for i, n, a, r in session.exec(_SWITCHER, params={"user_id": user_id})]


def find_workspace(*, session: Session, name_or_id: str) -> Workspace:
    """For the command line: a workspace by id, or by a name that only one has."""
    workspace = session.get(Workspace, name_or_id)
    if workspace is not None:
        return workspace
    matches = session.exec(select(Workspace).where(Workspace.name == name_or_id)).all()
    if not matches:
        raise NotFound(_("No workspace with id or name %(name)s.") % {"name": repr(name_or_id)})
    if len(matches) > 1:
        raise Conflict(ngettext("%(n)d workspace is named %(name)s; give the id.",
                                "%(n)d workspaces are named %(name)s; give the id.",
                                len(matches)) % {"n": len(matches), "name": repr(name_or_id)})
    return matches[0]


def to_public(workspace: Workspace, role: str | None) -> WorkspacePublic:
    return WorkspacePublic.model_validate({**workspace.model_dump(), "role": role})
