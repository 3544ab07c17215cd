"""Kept calendar answers sent from the event loop (PostgreSQL).

A kept week (calendar_cache.py) needs only its caller and its stamp checked,
one row. On the usual path that row cost three trips to the thread pool, a
session, ORM objects and BEGIN and COMMIT round trips: more than serving the
answer itself, and under load the threads' turns at the interpreter lock were
the calendar's p99. Here the token, its workspace and the stamp come in one
autocommit query on an async connection, and a kept answer under that stamp
is sent without a thread.

This path only ever says yes. A token that is unknown, revoked, of another
workspace or due for its last-used mark, a range the kept answers do not hold,
a database that does not answer: each goes the usual way, which answers it by
the same rules as every other request (and records the token's use). So a
refusal, an error message or a write never has a second implementation here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import Engine

from app import i18n
from app.security import token_hash
from app.services import calendar_cache
from app.services.access import ROLE_RANK
from app.services.calendar import CalendarFilter, json_key
from app.services.tokens import LAST_USED_PRECISION

log = logging.getLogger(__name__)

# Each read holds its connection for one round trip: a few serve a process.
KEPT_READ_CONNECTIONS = 4
# How long the path rests after a failure.
REST_SECONDS = 5.0
# As pg_stat_activity names this pool's connections.
APPLICATION_NAME = "giveask-kept-reads"
# A connection must come quickly: a request that waits longer goes the usual way.
CONNECTION_WAIT_SECONDS = 0.5

_CALLER_AND_STAMP = (
    "SELECT t.workspace_id, t.role, t.revoked_at, t.last_used_at,"
    " w.timezone, w.calendar_revision, w.version, w.language"
    " FROM api_token t JOIN workspace w ON w.id = t.workspace_id"
    " WHERE t.token_hash = %s"
)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def connect_options(engine: Engine, *, connect_timeout: float,
                    statement_timeout: float) -> dict[str, Any]:
    """The main engine's own connection parameters (the URL's options, such as
    a search_path, included), with the same timeouts db.py adds."""
    _, params = engine.dialect.create_connect_args(engine.url)
    options: dict[str, Any] = {**params, "autocommit": True,
                               "application_name": APPLICATION_NAME}
    if connect_timeout > 0:
        options["connect_timeout"] = max(2, int(connect_timeout + 0.999))
    if statement_timeout > 0:
        limit = f"-c statement_timeout={int(statement_timeout * 1000)}"
        options["options"] = f"{options.get('options', '')} {limit}".strip()
    return options


def _forget(task: asyncio.Future[Any]) -> None:
    """A read left behind ends on its own; its outcome is of no more use."""
    if not task.cancelled():
        task.exception()


class KeptReads:
    """One process's pool for the reads above; opened and closed with the app."""

    def __init__(self, engine: Engine, *, size: int, connect_timeout: float,
                 statement_timeout: float) -> None:
        options = connect_options(engine, connect_timeout=connect_timeout,
                                  statement_timeout=statement_timeout)
        # A server that stops answering must not hold a request: past this the
        # read gives up and the request goes the usual way.
        self.answer_within = (statement_timeout or 5.0) + 1.0
        self.pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            # No check on checkout (a round trip each): a connection that broke
            # fails its query, that request goes the usual way, and the pool
            # drops the connection when it comes back.
            "", min_size=1, max_size=max(1, size), kwargs=options, open=False,
            name="kept-reads")
        # After a failure the path rests a moment: while the database is down,
        # requests go straight to the route (and its 503) without waiting here.
        self.resting_until = 0.0
        self.served = 0

    async def open(self) -> None:
        # Not waiting: a database that is down at start-up leaves this path
        # failing over to the usual one, which reports the outage.
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def _caller_and_stamp(self, digest: str) -> tuple[Any, ...] | None:
        async with self.pool.connection(timeout=CONNECTION_WAIT_SECONDS) as connection:
            cursor = await connection.execute(_CALLER_AND_STAMP, (digest,))
            return await cursor.fetchone()

    async def calendar_json(self, *, secret: str, workspace_id: str, start: datetime | None,
                            end: datetime | None, kind: str | None) -> bytes | None:
        """The kept week's JSON if the token may read it now, else None."""
        if time.monotonic() < self.resting_until:
            return None
        # The read runs as a task of its own: when the server stops answering,
        # this request leaves it behind (its cancellation can take psycopg
        # seconds) and goes the usual way at once.
        read = asyncio.ensure_future(self._caller_and_stamp(token_hash(secret)))
        read.add_done_callback(_forget)
        try:
            row = await asyncio.wait_for(asyncio.shield(read), self.answer_within)
        except Exception as error:  # any failure: the usual path reports it
            read.cancel()
            log.warning("kept calendar reads pause for %s s: %r", REST_SECONDS, error)
            self.resting_until = time.monotonic() + REST_SECONDS
            return None
        if row is None:
            return None
        (token_workspace, role, revoked_at, last_used_at, timezone, revision, version,
         team_language) = row
        if token_workspace != workspace_id or revoked_at is not None or role not in ROLE_RANK:
            return None
        now = datetime.now(UTC)
        if last_used_at is None or now - _aware(last_used_at) > LAST_USED_PRECISION:
            return None
        try:
            key = json_key(timezone, start, end, now, CalendarFilter(kind=kind))
        except Exception:  # a bad range is the usual path's to explain
            return None
        # A token's call, so the route would speak as app/auth.py makes it.
        i18n.know_script()
        i18n.know_workspace(team_language)
        found = calendar_cache.KEPT.get((workspace_id, i18n.current(), *key),
                                        (int(revision), int(version)))
        if not isinstance(found, bytes):
            return None
        self.served += 1
        return found
