"""When the database is away: 503 with Retry-After, not a 500.

A stopped, unreachable or hung database, a connection that broke, a pool with
no free connection in time, a statement the server cancelled for running too
long, or SQLite's write lock held past busy_timeout: none of these is a bug in
the request, and the same request will work again shortly. API routes answer
with problem+json, pages with a friendly page; both carry ``Retry-After``.
Database errors that are bugs (an IntegrityError, a ProgrammingError, SQLite's
"no such table") go on to the 500 handler as before.
"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.api import problems
from app.config import get_settings
from app.db import sqlite_busy
from app.i18n import gettext as _

log = logging.getLogger("giveask")

# SQLite failures of the file or the disk, not of the statement.
_SQLITE_UNAVAILABLE = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
                       sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOLFS}
BUSY_RETRY_AFTER = 1  # the write lock is held for milliseconds at a time


def outage_kind(exc: BaseException) -> str | None:
    """``"busy"`` (SQLite's write lock), ``"unavailable"``, or None for an
    error that is not about the database being available."""
    if isinstance(exc, PoolTimeout | DisconnectionError):
        return "unavailable"
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return "unavailable"
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        if sqlite_busy(exc):
            return "busy"
        code = getattr(orig, "sqlite_errorcode", None)
        return "unavailable" if code is not None and code & 0xFF in _SQLITE_UNAVAILABLE else None
    # psycopg's OperationalError covers what is not the statement's fault:
    # refused or lost connections, timeouts (QueryCanceled), server shutdown,
    # serialization failures and deadlocks; all pass when tried again.
    if isinstance(orig, psycopg.OperationalError):
        return "unavailable"
    return None


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def outage_response(request: Request, kind: str) -> Response:
    # The app's own settings when it was built with some (tests), else the environment's.
    settings = getattr(request.app.state, "settings", None) or get_settings()
    retry_after = BUSY_RETRY_AFTER if kind == "busy" else settings.db_retry_after
    headers = {"Retry-After": str(retry_after)}
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    if kind == "busy":
        title = _("Database busy")
        detail = _("Other changes are being saved; nothing of this request was saved. "
                   "Try again.")
    else:
        title = _("Database unavailable")
        detail = (_("The database is not answering right now; your change may not have been "
                    "saved. Try again in %(seconds)s seconds.") if writes else
                  _("The database is not answering right now. Try again in %(seconds)s "
                    "seconds.")) % {"seconds": retry_after}
    if _is_api(request):
        return problems.problem(503, title, detail, slug=f"database-{kind}", headers=headers)
    from app.web.render import render_error

    page_title = (_("Giveask is busy for a moment") if kind == "busy"
                  else _("Giveask cannot reach its database"))
    try:
        response: Response = render_error(request, 503, page_title, detail)
    except Exception:  # the page needs the session cookie; never fail the failure
        response = Response(f"{page_title}. {detail}", status_code=503, media_type="text/plain")
    response.headers.update(headers)
    return response


async def on_database_error(request: Request, exc: Exception) -> Response:
    kind = outage_kind(exc)
    if kind is None:
        raise exc  # a bug: the 500 handler logs it and answers
    orig = getattr(exc, "orig", None) or exc
    # One line, no statement or parameters: the cause is the database's state.
    log.warning("database %s on %s %s: %s: %s", kind, request.method, request.url.path,
                type(orig).__name__, str(orig).strip().splitlines()[0] if str(orig) else "")
    return outage_response(request, kind)


def install(app: FastAPI) -> None:
    """Answer database outages on every route with 503 + Retry-After."""
    for error in (DBAPIError, PoolTimeout, DisconnectionError):
        app.add_exception_handler(error, on_database_error)
