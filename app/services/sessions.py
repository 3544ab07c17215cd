"""Signed-in sessions that end on the server.

The cookie (signed by Starlette's SessionMiddleware) carries a random session
secret and the time of the last request; the database keeps one row per
session, found by the secret's hash. So an app process holds no state, and
signing out, "sign out everywhere" and a password change end sessions for
every process at once: a copy of an old cookie is signed out too.

A session ends after ``idle`` without a request (checked against the signed
time in the cookie, so a read costs no write) and ``absolute`` after sign-in
(checked against the row), whichever comes first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select, update

from app.models import User, UserSession
from app.security import token_hash


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True, slots=True)
class ActiveSession:
    user: User
    row: UserSession


def start_session(*, session: Session, user: User, now: datetime,
                  policy: SessionPolicy) -> str:
    """A new session for a user who just proved who they are; returns the
    secret for the cookie. The user's ended and expired rows are tidied away."""
    session.exec(delete(UserSession).where(
        col(UserSession.user_id) == user.id,
        (col(UserSession.ended_at).is_not(None))
        | (col(UserSession.created_at) <= now - policy.absolute),
    ))
    secret = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, secret_hash=token_hash(secret), created_at=now))
    session.flush()
    return secret


# Every page asks it: built once, SQLAlchemy keeps it compiled; the user
# comes in the same query.
_BY_SECRET = (
    select(UserSession, User)
    .join(User, col(User.id) == col(UserSession.user_id))
    .where(UserSession.secret_hash == bindparam("digest"))
)


def resolve(*, session: Session, secret: str | None, seen: float | None, now: datetime,
            policy: SessionPolicy) -> ActiveSession | None:
    """The live session of this cookie, or None when it ended or timed out."""
    if not secret or not isinstance(secret, str) or not isinstance(seen, int | float):
        return None
    if now.timestamp() - seen > policy.idle.total_seconds():
        return None
    found = session.exec(_BY_SECRET, params={"digest": token_hash(secret)}).first()
    if found is None:
        return None
    row, user = found
    if row.ended_at is not None or now - row.created_at > policy.absolute:
        return None
    return ActiveSession(user=user, row=row)


def end_session(*, session: Session, secret: str | None, now: datetime) -> None:
    if not secret or not isinstance(secret, str):
        return
    session.exec(update(UserSession)
                 .where(col(UserSession.secret_hash) == token_hash(secret),
                        col(UserSession.ended_at).is_(None))
                 .values(ended_at=now))


def end_user_sessions(*, session: Session, user_id: str, now: datetime,
                      keep_id: str | None = None) -> int:
    """End every live session of the user (but ``keep_id``); how many ended."""
    query = (update(UserSession)
             .where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
             .values(ended_at=now))
    if keep_id is not None:
        query = query.where(col(UserSession.id) != keep_id)
    result = session.exec(query)
    return int(result.rowcount or 0)


def live_sessions(*, session: Session, user_id: str, now: datetime,
                  policy: SessionPolicy) -> int:
    """How many sessions of the user have not ended (idle ones included, which
    only their cookie can tell)."""
    rows = session.exec(select(UserSession).where(
        UserSession.user_id == user_id, col(UserSession.ended_at).is_(None),
        col(UserSession.created_at) > now - policy.absolute)).all()
    return len(rows)
