"""Opaque cursors for keyset pagination.

A cursor is the sort key of the last item of a page, so the next page starts
right after it even when rows are added meanwhile; no OFFSET scans.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from app.errors import Invalid

R = TypeVar("R", bound=SQLModel)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def encode_cursor(*parts: Any) -> str:
    plain = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, expect: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(parts, list) or len(parts) != expect:
            raise ValueError
        if not all(isinstance(p, str) for p in parts):
            raise ValueError
        return parts
    except ValueError:
        raise Invalid.one(
            "query.cursor", "not a cursor this API gave out; start again without it"
        ) from None


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid.one("query.limit", f"must be between 1 and {MAX_LIMIT}")
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
