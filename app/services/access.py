"""Who is asking, and what they may do in a workspace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, select

from app.errors import Forbidden, NotFound
from app.models import Membership, Workspace
from app.services import calendar_cache

ROLE_RANK = {"viewer": 0, "editor": 1, "lead": 2, "admin": 3}
ROLE_VERBS = {
    "viewer": "read this workspace",
    "editor": "plan posts, channels and stories",
    "lead": "approve posts and weeks or change the rules",
    "admin": "manage members, tokens and workspace settings",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user (cookie) or an API token bound to one workspace."""

    user_id: str | None = None
    token_id: str | None = None
    token_workspace_id: str | None = None
    token_role: str | None = None

    @property
    def is_token(self) -> bool:
        return self.token_id is not None


@dataclass(frozen=True, slots=True)
class Access:
    workspace: Workspace
    role: str
    principal: Principal

    @property
    def user_id(self) -> str | None:
        return self.principal.user_id

    def can(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def require(self, role: str) -> None:
        if not self.can(role):
            raise Forbidden(
                f"Your role here is {self.role}; only {with_article(role)} or above may "
                f"{ROLE_VERBS[role]}.",
                extra={"role": self.role, "required_role": role},
            )


# Every request runs one of these: built once, SQLAlchemy keeps them compiled.
# The row is read afresh (populate_existing), as the calendar's stamp is taken
# from it (app/services/calendar_cache.py).
_AS_MEMBER = (
    select(Workspace, Membership.role)
    .join(Membership, Membership.workspace_id == Workspace.id)  # type: ignore[arg-type]
    .where(Workspace.id == bindparam("workspace_id"), Membership.user_id == bindparam("user_id"))
    .execution_options(populate_existing=True)
)
_WORKSPACE = (
    select(Workspace).where(Workspace.id == bindparam("workspace_id"))
    .execution_options(populate_existing=True)
)


def workspace_access(*, session: Session, principal: Principal, workspace_id: str) -> Access:
    """The caller's access to a workspace, or 404 when they have none: a
    foreign workspace must look exactly like one that does not exist."""
    missing = NotFound(f"No workspace {workspace_id}.")
    if principal.is_token:
        if principal.token_workspace_id != workspace_id:
            raise missing
        workspace = current_workspace(session, workspace_id)
        if workspace is None or principal.token_role is None:
            raise missing
        return Access(workspace=workspace, role=principal.token_role, principal=principal)
    if principal.user_id is None:
        raise missing
    row = session.exec(_AS_MEMBER, params={"workspace_id": workspace_id,
                                           "user_id": principal.user_id}).first()
    if row is None:
        raise missing
    workspace, role = row
    calendar_cache.note_loaded(session, workspace)
    return Access(workspace=workspace, role=role, principal=principal)


def current_workspace(session: Session, workspace_id: str) -> Workspace | None:
    """The workspace as its row reads in this transaction: taken as loaded
    when this transaction read it already (a token's check joins it), else
    read now, never from an object an earlier transaction left behind."""
    loaded = calendar_cache.loaded_here(session, workspace_id)
    if loaded is not None:
        return loaded
    workspace = session.exec(_WORKSPACE, params={"workspace_id": workspace_id}).first()
    if workspace is not None:
        calendar_cache.note_loaded(session, workspace)
    return workspace


def with_article(role: str) -> str:
    """"an editor", "an admin", "a lead", "a viewer"."""
    return ("an " if role[:1] in "aeiou" else "a ") + role
