"""Who is asking, and what they may do in a workspace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, select

from app.errors import Forbidden, NotFound
from app.i18n import gettext as _
from app.i18n import pgettext
from app.models import Membership, Workspace
from app.services import calendar_cache

ROLE_RANK = {"viewer": 0, "editor": 1, "lead": 2, "admin": 3}


def role_word(role: str) -> str:
    """A role in the reader's words ("editor" is "Redaktion")."""
    words = {"viewer": pgettext("role", "viewer"), "editor": pgettext("role", "editor"),
             "lead": pgettext("role", "lead"), "admin": pgettext("role", "admin")}
    return words.get(role, role)


def refusal(role: str, required: str) -> str:
    """Why a role may not do what needs ``required``: one whole sentence per
    required role, as languages put the article and the verb differently."""
    sentences = {
        "viewer": _("Your role here is %(role)s; only a viewer or above may read this "
                    "workspace."),
        "editor": _("Your role here is %(role)s; only an editor or above may plan posts, "
                    "channels and stories."),
        "lead": _("Your role here is %(role)s; only a lead or above may approve posts and "
                  "weeks or change the rules."),
        "admin": _("Your role here is %(role)s; only an admin or above may manage members, "
                   "tokens and workspace settings."),
    }
    return sentences[required] % {"role": role_word(role)}


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
                refusal(self.role, role),
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
    missing = NotFound(_("No workspace %(id)s.") % {"id": workspace_id})
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
