"""Optimistic concurrency: every resource has a version, and a write that names
an old version is refused, so two editors never overwrite each other silently.

The version column is the mapper's ``version_id_col``: SQLAlchemy bumps it on
each UPDATE and guards the UPDATE with the version it read, which also catches
two requests racing with the same version.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from app.db import utcnow
from app.errors import PreconditionFailed
from app.i18n import gettext as _


class Versioned(Protocol):
    version: int


def stale(current: int | None, given: int | None) -> PreconditionFailed:
    if current is not None:
        detail = _("This was changed by someone else (you had version %(given)s, it is now "
                   "version %(current)s). Reload it and apply your change again.")
    else:
        detail = _("This was changed by someone else (you had version %(given)s, it was "
                   "changed meanwhile). Reload it and apply your change again.")
    return PreconditionFailed(
        detail % {"given": given, "current": current},
        extra={"current_version": current},
    )


def check_version(row: Versioned, if_match: int | None) -> None:
    if if_match is not None and if_match != row.version:
        raise stale(row.version, if_match)


def save(session: Session, row: Any) -> None:
    """Flush a changed row, stamping updated_at; a lost race becomes a 412."""
    if hasattr(row, "updated_at"):
        row.updated_at = utcnow()
    # Read now: after a failed flush the row is expired and cannot be read.
    given = getattr(row, "version", None)
    session.add(row)
    try:
        session.flush()
    except StaleDataError:
        raise stale(None, given) from None
