"""kill -9 in the middle of a big import leaves no row of it: the import writes
in one transaction, so the database keeps the plan as it was before."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.served import ROOT, SECRET, free_port, migrate, seed


def big_file(rows: int) -> bytes:
    lines = ["Date,Text,Link(s),Label(s)"]
    for i in range(rows):
        day, minute = divmod(i, 600)
        lines.append(f"2031-{1 + day // 28:02d}-{1 + day % 28:02d} "
                     f"{8 + minute // 60:02d}:{minute % 60:02d},Post number {i},,"
                     f"{'offer' if i % 10 == 9 else 'help'}")
    return ("\n".join(lines) + "\n").encode()


def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            posts = connection.execute(text("select count(*) from post")).scalar_one()
            runs = connection.execute(text("select count(*) from import_run")).scalar_one()
    finally:
        engine.dispose()
    return int(posts), int(runs)


def sqlite_writing(db: Path) -> bool:
    """Whether another connection holds the write lock (a transaction that wrote)."""
    connection = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        connection.execute("begin immediate")
        connection.execute("rollback")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def postgres_writing(url: str) -> Callable[[], bool]:
    """Whether another session of the database has written in a transaction
    still open (PostgreSQL gives a transaction an id at its first write)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")

    def writing() -> bool:
        with engine.connect() as connection:
            return bool(connection.execute(text(
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and pid <> pg_backend_pid() and backend_xid is not null")).scalar_one())

    return writing


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_database(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        db = tmp_path / "crash.db"
        return f"sqlite:///{db}", lambda: sqlite_writing(db)
    url = request.getfixturevalue("postgres_databases").create("crash")
    return url, postgres_writing(url)


def test_kill_9_during_an_import_leaves_no_row_of_it(tmp_path, crash_database):
    url, writing = crash_database
    migrate(url)
    seeded = seed(url)
    before = counts(url)
    port = free_port()
    env = {**os.environ, "GIVEASK_DATABASE_URL": url, "GIVEASK_SECRET_KEY": SECRET,
           "GIVEASK_ENV": "test", "GIVEASK_MAIL_WORKER": "false"}
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/healthz", timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, \
                    (tmp_path / "server.log").read_text()
                time.sleep(0.2)
        answer: dict[str, object] = {}

        def send() -> None:
            try:
                answer["response"] = httpx.post(
                    f"{base}/api/v1/workspaces/{seeded.workspace_id}/imports",
                    params={"channel_id": seeded.channel_id, "kind": "give"},
                    content=big_file(10_000), timeout=120,
                    headers={"Authorization": f"Bearer {seeded.admin_token}",
                             "Content-Type": "text/csv"})
            except httpx.HTTPError as exc:
                answer["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        # Wait until the import holds the write lock: it has begun writing its rows.
        while not writing():
            assert sender.is_alive(), f"the import ended before it was killed: {answer}"
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        sender.join(timeout=30)
        assert "response" not in answer, answer
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert counts(url) == before
