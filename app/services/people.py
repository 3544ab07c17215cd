"""The names pages show for the people behind comments, decisions and history."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from app.models import User


def display_names(*, session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    """Each user id's name, or email where the user has no name. Ids of other
    workspaces' members are only ever those recorded on this workspace's rows."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {u.id: (u.name or u.email) for u in rows}
