"""API tokens: prefixed, shown once, stored only as a hash, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from app.db import best_effort_write, utcnow
from app.errors import NotFound, Unauthorized
from app.models import ApiToken, Workspace
from app.security import new_token, token_hash
from app.services.access import Access, Principal

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
        raise NotFound(f"No token {token_id} in this workspace.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
    return token


def authenticate_token(*, session: Session, secret: str) -> Principal:
    invalid = Unauthorized("The token is not valid: it is unknown, mistyped or revoked.")
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
    if token is None or token.revoked_at is not None:
        raise invalid
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
