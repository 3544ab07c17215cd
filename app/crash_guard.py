"""Unhandled errors: answered like any other error, and logged without secrets.

Starlette's outermost error middleware sends the 500 and then re-raises, and the
server answers a re-raised error by closing the keep-alive connection, so the
client's next request fails too. This guard sits inside it, answers the 500
(problem+json for the API, the error page for the pages) and does not re-raise:
the connection stays usable. Errors with a handler of their own (the app's
errors, validation, database outages) never get here; FastAPI's exception
middleware, further in, answers them first.

The log line carries the traceback's frames and each exception's type, but a
database error only by its first line and statement: PostgreSQL's DETAIL lines
quote the row's values ("Key (token_hash)=(…) already exists", "Failing row
contains (…)"), and a row may hold a password hash or a token hash.
"""

from __future__ import annotations

import logging
import re
import traceback

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import problems
from app.i18n import gettext as _
from app.input_guard import error_response, is_api_path

log = logging.getLogger("giveask")


# Paths that carry a secret (an invitation link's token, a share link's, a
# calendar feed's ?token=); logs show them cut.
_SECRET_IN_PATH = re.compile(r"(/invitations/|^/s/)[^/?#\s]+|([?&]token=)[^&#\s]+")


def redact_path(path: str) -> str:
    return _SECRET_IN_PATH.sub(lambda m: (m.group(1) or m.group(2)) + "…", path)


class _NoSqlRows(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


class _NoSecretPaths(logging.Filter):
    """uvicorn's access log line: (client, method, path with query, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def keep_secrets_out_of_logs() -> None:
    """Whatever the logging setup says: never log result rows (SQLAlchemy logs
    them at DEBUG, and a user row holds a password hash; statements still log at
    INFO when asked for, their parameters hidden by hide_parameters), and never
    an invitation's token from a request line."""
    for name, kind in (("sqlalchemy.engine.Engine", _NoSqlRows),
                       ("uvicorn.access", _NoSecretPaths)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


def _message(exc: BaseException) -> str:
    from sqlalchemy.exc import StatementError

    if isinstance(exc, StatementError):
        driver = exc.orig if exc.orig is not None else exc
        first = str(driver).strip().splitlines()[:1]
        return f"{type(driver).__name__}: {first[0] if first else ''} [SQL: {exc.statement}]"
    if _is_driver_error(exc):
        first = str(exc).strip().splitlines()[:1]
        return first[0] if first else ""
    return str(exc)


def _is_driver_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("psycopg", "sqlite3", "_sqlite3"))


def describe(exc: BaseException) -> str:
    """A traceback like Python's, with database messages cut to their first line."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__)
    parts = []
    for item in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(f"{type(item).__module__}.{type(item).__qualname__}: {_message(item)}\n")
    return "".join(parts)


class CrashGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.error("unhandled error on %s %s\n%s", scope.get("method"),
                      redact_path(scope.get("path", "")), describe(exc))
            if started:
                # Half a response is out. Returning without finishing it makes the
                # server close the connection, which tells the client it is broken;
                # re-raising would log the unredacted traceback once more.
                return
            response: Response
            if is_api_path(scope.get("path", "")):
                response = problems.internal_error_response()
            else:
                response = error_response(scope, 500, _("Something went wrong"),
                                          _("Nothing was saved. Please try again."),
                                          slug="internal")
            await response(scope, receive, send)
