"""Opaque cursors for keyset pagination.

A cursor is the sort key of the last item of a page, so the next page starts
right after it even when rows are added meanwhile; no OFFSET scans.

Cursors are signed with the app's secret: a client can only hand back one this
API gave out, so nothing crafted (a naive time, a NUL byte, a giant number)
reaches a query through one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, SQLModel, col, select

from app.errors import Invalid
from app.i18n import gettext as _

R = TypeVar("R", bound=SQLModel)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_SALT = "giveask.cursor"

_serializer: URLSafeSerializer | None = None


def configure(secret_key: str) -> None:
    """Sign cursors with the app's secret (create_app calls this)."""
    global _serializer
    _serializer = URLSafeSerializer(secret_key, salt=_SALT)


def _signer() -> URLSafeSerializer:
    if _serializer is None:
        from app.config import get_settings

        configure(get_settings().resolved_secret_key())
    assert _serializer is not None
    return _serializer


def _bad_cursor() -> Invalid:
    return Invalid.one("query.cursor", _("not a cursor this API gave out; start again without "
                                         "it"))


def encode_cursor(*parts: Any) -> str:
    plain = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    return str(_signer().dumps(plain))


def decode_cursor(cursor: str, *, expect: int) -> list[str]:
    """The `expect` parts of a cursor this API signed, as strings; a 422
    `query.cursor` for anything else."""
    try:
        parts = _signer().loads(cursor)
    except (BadSignature, ValueError, UnicodeError):
        raise _bad_cursor() from None
    if not isinstance(parts, list) or len(parts) != expect:
        raise _bad_cursor()
    if not all(isinstance(p, str) for p in parts):
        raise _bad_cursor()
    return parts


def cursor_time(text: str) -> datetime:
    """A time part of a cursor: always aware, as encode_cursor wrote it."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _bad_cursor() from None
    if at.tzinfo is None:
        raise _bad_cursor()
    return at


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid.one("query.limit", _("must be between %(least)d and %(most)d") % {
            "least": 1, "most": MAX_LIMIT})
    return limit


def workspace_page(
    session: Session, model: type[R], workspace_id: str, limit: int | None, cursor: str | None
) -> tuple[list[R], str | None]:
    """One page of a workspace's rows of `model`, in creation order (ids are
    time-ordered), with the cursor of the next page."""
    size = check_limit(limit)
    id_column = col(model.id)  # type: ignore[attr-defined]
    query = (select(model).where(model.workspace_id == workspace_id)  # type: ignore[attr-defined]
             .order_by(id_column).limit(size + 1))
    if cursor:
        (after_id,) = decode_cursor(cursor, expect=1)
        query = query.where(id_column > after_id)
    rows = list(session.exec(query).all())
    next_cursor = encode_cursor(rows[size - 1].id) if len(rows) > size else None  # type: ignore[attr-defined]
    return rows[:size], next_cursor
