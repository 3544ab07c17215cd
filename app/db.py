"""Database engine, column types and the per-request session.

The session dependency commits when the route succeeds and rolls back when it
raises, so services never commit and a failed request leaves nothing behind.
On SQLite a read request's transaction never takes the write lock; on both
databases every wait (connect, statement, pool, lock) is bounded by a setting,
so an unavailable database becomes a prompt error that app.outage answers 503.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
import psycopg
from fastapi import Depends, Request
from psycopg.abc import PQGen
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from app.config import Settings, get_settings

log = logging.getLogger("giveask")

# Stable constraint names, so migrations can drop and alter them by name on
# every database (SQLite batch mode needs them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """Stores times as naive UTC and hands them back aware.

    SQLite keeps no offset, so every time is normalised to UTC on the way in;
    the same column type on PostgreSQL keeps both databases comparing alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


_uuid7_lock = threading.Lock()
_uuid7_last = (0, 0)


def new_id() -> str:
    """A UUIDv7 string: ids sort by creation time.

    The plan orders posts at the same time by creation order, and a time-ordered
    id gives that order without another column. Within one millisecond a counter
    keeps ids of this process increasing.
    """
    global _uuid7_last
    with _uuid7_lock:
        ms = time.time_ns() // 1_000_000
        last_ms, counter = _uuid7_last
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
            if counter > 0xFFF:
                ms, counter = last_ms + 1, 0
        else:
            counter = secrets.randbits(8)  # leave room for the counter to grow
        _uuid7_last = (ms, counter)
    rand_b = secrets.randbits(62)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_setup(engine: Engine, *, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions
        # begin; that makes SAVEPOINT work (tests roll back per test).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # A write waits this long for the write lock, then fails with
        # "database is locked", which the app answers as 503 + Retry-After.
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # a bare read (the health check) needs no lock
        # SQLite allows one writer; in WAL mode readers never wait for it. A
        # read (GET) begins DEFERRED and so never takes the write lock. Anything
        # else takes the lock when its transaction begins, not on its first
        # write: a read-then-write waits its turn (busy_timeout) instead of
        # failing half-way when another writer came first, which no wait cures.
        mode = "DEFERRED" if options.get(BEGIN_OPTION) == "DEFERRED" else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


RV = TypeVar("RV")


class _BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting when the server falls silent.

    A server that is stopped (SIGSTOP, a frozen VM) still has its socket
    acknowledged by the kernel, so neither TCP keepalives nor the server's own
    statement_timeout end the wait; every worker would hang. Each wait for the
    server is bounded instead, and a connection that timed out is closed (its
    state is unknown), which SQLAlchemy sees as a disconnect and invalidates.
    """

    io_timeout: float | None = None

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        if timeout is not None or self.io_timeout is None:
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.io_timeout)
        except _WAIT_TIMEOUT:
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.io_timeout:g} s") from None


_WAIT_TIMEOUT: type[Exception] = getattr(psycopg.errors, "_WaitTimeout", psycopg.OperationalError)


def _postgres_setup(engine: Engine, *, connect_timeout: float,
                    statement_timeout: float) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        if connect_timeout > 0:
            cparams.setdefault("connect_timeout", max(2, math.ceil(connect_timeout)))
        if statement_timeout > 0:
            option = f"-c statement_timeout={int(statement_timeout * 1000)}"
            cparams["options"] = f"{cparams.get('options', '')} {option}".strip()
        connection = _BoundedConnection.connect(*cargs, **cparams)
        if statement_timeout > 0:
            # A live server cancels a slow statement itself (a clean error);
            # only a silent one is left for the client to give up on.
            connection.io_timeout = statement_timeout + 1
        return connection


# A pooled connection idle for longer than this is pinged before use.
PING_AFTER_IDLE = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """Replace a pooled connection that died while idle (the database was
    restarted, a proxy dropped it), so the app recovers by itself.

    SQLAlchemy's pre-ping would cost every request a round trip; under load a
    connection goes back into use within milliseconds, so only one that sat
    idle is pinged. One that breaks in between fails its request with a 503,
    and the disconnect it reports makes the pool replace every connection."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["giveask_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("giveask_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()
        except Exception as error:
            # The pool retries with a new connection.
            raise DisconnectionError(f"a pooled connection was dead: {error}") from error


def _pooled(url: str, kwargs: dict[str, Any]) -> bool:
    if "poolclass" in kwargs or "pool" in kwargs:
        return False
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database not in (None, "", ":memory:") and "memory" not in str(parsed.query)
    return True


def make_engine(url: str | None = None, *, settings: Settings | None = None,
                statement_timeout: float | None = None, **kwargs: Any) -> Engine:
    """An engine with the timeouts of ``settings``; ``statement_timeout=0`` lifts
    the statement limit (migrations may run long on a large database)."""
    settings = settings or get_settings()
    url = url or settings.database_url
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; a plain postgresql:// URL means it.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # SQL parameters never reach a log line or an error message: they hold
    # password hashes, token hashes and everything a team writes.
    kwargs["hide_parameters"] = True
    if _pooled(url, kwargs):
        if settings.db_pool_timeout > 0:
            kwargs.setdefault("pool_timeout", settings.db_pool_timeout)
        kwargs.setdefault("pool_size", min(settings.db_pool_size, settings.threads))
        kwargs.setdefault("max_overflow", max(settings.threads - settings.db_pool_size, 0))
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _sqlite_setup(engine, busy_timeout=settings.db_busy_timeout)
    else:
        engine = create_engine(url, **kwargs)
        if _pooled(url, kwargs) and not kwargs.get("pool_pre_ping"):
            _ping_idle_connections(engine)
        if engine.dialect.driver == "psycopg":
            _postgres_setup(
                engine, connect_timeout=settings.db_connect_timeout,
                statement_timeout=(settings.db_statement_timeout if statement_timeout is None
                                   else statement_timeout))
    return engine


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = make_engine()
        return _engine


def set_engine(engine: Engine | None) -> None:
    """Point the app at another engine (tests, the CLI with --database-url)."""
    global _engine
    with _engine_lock:
        _engine = engine


# Requests that only read; their SQLite transactions begin DEFERRED.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEGIN_OPTION = "giveask_sqlite_begin"
_read_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def for_reads(engine: Engine) -> Engine:
    """The engine for a read-only unit of work: on SQLite it never takes the
    write lock, so readers are never queued behind writers."""
    if not is_sqlite(engine):
        return engine
    reads = _read_engines.get(engine)
    if reads is None:
        reads = engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        _read_engines[engine] = reads
    return reads


# POSTs that save nothing: a what-if check and a rules preview. On SQLite they
# must not queue for the write lock behind every editor's live check.
READ_ONLY_POSTS = ("/check", "/rules/preview")


def reads_only(request: Request) -> bool:
    return request.method in READ_METHODS or (
        request.method == "POST" and request.url.path.endswith(READ_ONLY_POSTS))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work, committed before the response is sent.

    Opening a session does no I/O, so it happens on the event loop; ending it
    (commit or rollback, then the connection back to the pool) runs in a
    thread of its own, never queued behind requests that wait for one of the
    pool's connections, as FastAPI does for generator dependencies."""
    engine = get_engine()
    read = reads_only(request)
    if read:
        engine = for_reads(engine)
    session = Session(engine, expire_on_commit=False)
    # Read requests may keep answers for others (app/services/calendar_cache.py).
    session.info["read_request"] = read
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_discard, session, limiter=anyio.CapacityLimiter(1))
        raise
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(_finish, session, limiter=anyio.CapacityLimiter(1))


def _finish(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        _discard(session)
        raise
    session.close()


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


# "function" scope: the commit happens before the response is sent, so a
# client never sees 201 for a row that failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def database_url_for_display(url: str) -> str:
    """The URL without its password, for logs and the CLI."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked": another writer held the lock
    longer than busy_timeout, or a read's snapshot went stale on writing."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(orig, sqlite3.Error) and code is not None and code & 0xFF in (
        sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def best_effort_write(session: Session) -> Iterator[None]:
    """Bookkeeping that a read may skip (a token's last-used time).

    A read's SQLite transaction holds no write lock and cannot wait for one
    (its snapshot would be stale), so its write fails at once when another
    writer is busy. The write is then dropped, in its own savepoint, and the
    read goes on; elsewhere the write is kept as usual.
    """
    try:
        with session.begin_nested():
            yield
    except OperationalError as exc:
        if not sqlite_busy(exc):
            raise
        log.info("skipped a bookkeeping write: the database is busy")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """Run one service call so that a refusal undoes just that call.

    A page that catches an AppError to show the reason next to the field keeps
    using the request's session (to render the form again) and the session
    dependency still commits at the end: whatever the refused call had flushed
    is gone with the savepoint, so nothing is ever half-saved.
    """
    with session.begin_nested():
        yield
