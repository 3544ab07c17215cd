"""API tokens: prefixed, shown once, stored only as a hash, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.db import best_effort_write, utcnow
from app.errors import FieldError, Forbidden, Invalid, NotFound, Unauthorized
from app.i18n import gettext as _
from app.models import ApiToken, Membership, Workspace
from app.security import new_token, token_hash
from app.services import calendar_cache
from app.services.access import ROLE_RANK, Access, Principal, role_word

# Writing last_used_at on every request would turn each read into a write;
# a minute's precision is enough to see which tokens are alive.
LAST_USED_PRECISION = timedelta(minutes=1)


def create_token(
    *, session: Session, workspace: Workspace, role: str, name: str,
    created_by_id: str | None,
) -> tuple[ApiToken, str]:
    secret, prefix, digest = new_token()
    token = ApiToken(
        workspace_id=workspace.id, role=role, name=name.strip(), prefix=prefix,
        token_hash=digest, created_by_id=created_by_id,
    )
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(*, session: Session, access: Access) -> list[ApiToken]:
    access.require("admin")
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.workspace_id == access.workspace.id)
            .order_by(col(ApiToken.id))
        ).all()
    )


def revoke_token(*, session: Session, access: Access, token_id: str) -> ApiToken:
    access.require("admin")
    token = session.get(ApiToken, token_id)
    if token is None or token.workspace_id != access.workspace.id:
        raise NotFound(_("No token %(id)s in this workspace.") % {"id": token_id})
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
    return token


# Every API request runs it: built once (SQLAlchemy then keeps its compiled
# form). The token's workspace comes along, as the request goes on to check
# access to it (app/services/access.py).
_BY_DIGEST = (
    select(ApiToken, Workspace)
    .join(Workspace, col(Workspace.id) == col(ApiToken.workspace_id))
    .where(ApiToken.token_hash == bindparam("digest"))
    .execution_options(populate_existing=True)
)


def authenticate_token(*, session: Session, secret: str) -> Principal:
    invalid = Unauthorized(_("The token is not valid: it is unknown, mistyped or revoked."))
    row = session.exec(_BY_DIGEST, params={"digest": token_hash(secret)}).first()
    if row is None or row[0].revoked_at is not None:
        raise invalid
    token, workspace = row
    calendar_cache.note_loaded(session, workspace)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        # Within a read this write gives way to a busy writer (SQLite).
        with best_effort_write(session):
            token.last_used_at = now
            session.add(token)
            session.flush()
    return Principal(
        user_id=token.created_by_id, token_id=token.id,
        token_workspace_id=token.workspace_id, token_role=token.role,
    )


# ---- one's own tokens (the account page) ------------------------------------------------


def own_tokens(*, session: Session, user_id: str) -> list[tuple[ApiToken, Workspace]]:
    """The tokens this person created, in every workspace, revoked ones included."""
    return [
        (t, w)
        for t, w in session.exec(
            select(ApiToken, Workspace)
            .join(Workspace, col(Workspace.id) == col(ApiToken.workspace_id))
            .where(ApiToken.created_by_id == user_id)
            .order_by(col(Workspace.name), col(ApiToken.created_at), col(ApiToken.id))
        ).all()
    ]


def token_workspaces(*, session: Session, user_id: str) -> list[tuple[Workspace, str]]:
    """The workspaces this person may make a token of their own for, with their role
    there (an archived workspace keeps its history only, so it takes no new token)."""
    return [
        (w, r)
        for w, r in session.exec(
            select(Workspace, Membership.role)
            .join(Membership, col(Membership.workspace_id) == col(Workspace.id))
            .where(Membership.user_id == user_id, col(Workspace.archived_at).is_(None))
            .order_by(col(Workspace.name), col(Workspace.id))
        ).all()
    ]


def create_own_token(*, session: Session, user_id: str, workspace_id: str, role: str,
                     name: str) -> tuple[ApiToken, str]:
    """A token of one's own for one of one's workspaces, with a role no higher
    than one's own role there. Another workspace is a 404."""
    workspace = session.get(Workspace, workspace_id) if workspace_id else None
    membership = session.exec(
        select(Membership).where(Membership.workspace_id == workspace_id,
                                 Membership.user_id == user_id)
    ).first() if workspace is not None else None
    if workspace is None or membership is None:
        raise NotFound(_("No workspace %(id)s.") % {"id": workspace_id})
    if workspace.archived_at is not None:
        raise Invalid.one("workspace_id", _("%(workspace)s is archived: it keeps its history "
                                            "and takes no new token.") % {
            "workspace": workspace.name})
    if role not in ROLE_RANK:
        raise Invalid.one("role", _("Choose viewer, editor, lead or admin."))
    if ROLE_RANK[role] > ROLE_RANK[membership.role]:
        words = {"workspace": workspace.name, "role": role_word(membership.role)}
        raise Forbidden(
            _("Your role in %(workspace)s is %(role)s; a token of yours can be at most "
              "%(role)s.") % words,
            errors=[FieldError("role", _("Your role in %(workspace)s is %(role)s: a token of "
                                         "yours can be %(role)s or lower.") % words)],
        )
    if len(name.strip()) > 120:
        raise Invalid.one("name", _("Keep the name to %(most)d characters.") % {"most": 120})
    return create_token(session=session, workspace=workspace, role=role, name=name,
                        created_by_id=user_id)


def revoke_own_token(*, session: Session, user_id: str, token_id: str) -> ApiToken:
    """Revoke a token this person created; anyone else's token is a 404."""
    token = session.get(ApiToken, token_id)
    if token is None or token.created_by_id != user_id:
        raise NotFound(_("No token %(id)s of yours.") % {"id": token_id})
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
    return token
