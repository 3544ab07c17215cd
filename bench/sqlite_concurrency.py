"""The week calendar on SQLite under concurrent connections: before and after
reads stopped taking the write lock.

One SQLite file in a temporary directory, migrated as the app does, holds a
workspace in Europe/Berlin with 20 channels and about 5,000 posts. The real app
is served by uvicorn (two worker processes by default) in two
ways, one after the other on the same file:

- ``before``: every transaction begins IMMEDIATE, as the app did until now, so
  each read queues for SQLite's single write lock;
- ``after``: the app as it is: reads (GET) begin DEFERRED and never wait for
  the lock; writes still take it up front.

``GET /calendar`` for one ISO week is then loaded with wrk (Debian's ``wrk``;
without it a pool of Python clients does the same) at several numbers of open
connections, first reads alone, then reads while one editor PATCHes a post in
a loop. Printed: requests per second, median and 99th-percentile latency,
errors (non-2xx and timeouts), and the after/before ratios. Figures only:
nothing here fails on a slow machine.

    .venv/bin/python bench/sqlite_concurrency.py [--connections 1,8,32] [--seconds 8]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, where
# bench/calendar.py would stand in for the standard library's `calendar`.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.db import get_engine, get_session, make_engine, new_id  # noqa: E402
from app.models import Channel, Post  # noqa: E402
from app.schemas import WorkspaceCreate  # noqa: E402
from app.services.tokens import create_token  # noqa: E402
from app.services.workspaces import create_workspace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Europe/Berlin"
WEEK = date(2026, 11, 23)
CHANNELS = 20
POSTS = 5_000
SECRET = "bench-secret-key-" + "x" * 40
MODES = ("before", "after")


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Seed:
    url: str
    workspace_id: str
    viewer: str
    editor: str
    post_id: str


def seed(path: Path) -> Seed:
    url = f"sqlite:///{path}"
    run_migrations(url)
    engine = make_engine(url)
    tz = ZoneInfo(TIMEZONE)
    rng = random.Random(7)
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        workspace = create_workspace(
            session=session, data=WorkspaceCreate(name="Bench Team", timezone=TIMEZONE),
            admin_user_id=None)
        channels = [Channel(workspace_id=workspace.id, name=f"Channel {n:02d}",
                            platform="linkedin", started_on=date(2020, 1, 1))
                    for n in range(CHANNELS)]
        session.add_all(channels)
        session.flush()
        _, viewer = create_token(session=session, workspace=workspace, role="viewer",
                                 name="bench readers", created_by_id=None)
        _, editor = create_token(session=session, workspace=workspace, role="editor",
                                 name="bench writer", created_by_id=None)
        end = datetime.combine(WEEK + timedelta(days=14), datetime.min.time(), tzinfo=tz)
        rows = []
        for n in range(POSTS):
            channel = channels[n % CHANNELS]
            at = end - timedelta(hours=5 * (n // CHANNELS), minutes=7 * (n % CHANNELS))
            kind = "ask" if rng.random() < 0.1 else "give"
            rows.append({
                "id": new_id(), "workspace_id": workspace.id, "channel_id": channel.id,
                "scheduled_at": at, "kind": kind, "category": "offer" if kind == "ask"
                else "share", "text": f"{kind} post on {at:%d %b %Y}",
                "status": "draft", "version": 1, "created_at": now, "updated_at": now})
        session.execute(insert(Post), rows)
        session.commit()
        target = rows[0]["id"]
        workspace_id = workspace.id
    engine.dispose()
    return Seed(url=url, workspace_id=workspace_id, viewer=viewer, editor=editor,
                post_id=str(target))


def bench_app() -> object:
    """The app, as it is (``after``) or with every transaction IMMEDIATE
    (``before``), for uvicorn's factory in each worker process."""
    from app.main import create_app

    app = create_app()
    if os.environ.get("GIVEASK_BENCH_MODE") == "before":
        def every_transaction_immediate() -> Iterator[Session]:
            with Session(get_engine(), expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

        app.dependency_overrides[get_session] = every_transaction_immediate
    return app


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(mode: str, data: Seed, workers: int) -> Server:
    port = free_port()
    env = {**os.environ, "GIVEASK_DATABASE_URL": data.url, "GIVEASK_SECRET_KEY": SECRET,
           "GIVEASK_ENV": "test", "GIVEASK_BENCH_MODE": mode}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench.sqlite_concurrency:bench_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(url=f"http://127.0.0.1:{port}", process=process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            raise RuntimeError(f"the {mode} server did not start")
        time.sleep(0.2)


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    writes: dict[int, int] = field(default_factory=dict)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def load_wrk(url: str, token: str, connections: int, seconds: int) -> Result:
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
         "--timeout", "10s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"timeout (\d+)", out):
        errors += int(match.group(1))
    return Result(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=requests)


def load_python(url: str, token: str, connections: int, seconds: int) -> Result:
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {token}"}) as http:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    ok = http.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    times.append(time.perf_counter() - started)
                    errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    return Result(rps=len(times) / seconds, p50_ms=statistics.median(times) * 1000,
                  p99_ms=times[int(len(times) * 0.99) - 1] * 1000, errors=errors[0],
                  requests=len(times))


class Writer(threading.Thread):
    """One editor saving a post over and over, with If-Match, during the load."""

    def __init__(self, server: Server, data: Seed) -> None:
        super().__init__(daemon=True)
        self.url = f"{server.url}/api/v1/workspaces/{data.workspace_id}/posts/{data.post_id}"
        self.token = data.editor
        self.statuses: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {self.token}"}) as http:
            n = 0
            while not self.done.is_set():
                n += 1
                try:
                    etag = http.get(self.url).headers.get("etag", "")
                    status = http.patch(self.url, json={"text": f"edit {n}"},
                                        headers={"If-Match": etag}).status_code
                except httpx.HTTPError:
                    status = 0
                self.statuses[status] = self.statuses.get(status, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--python-client", action="store_true",
                        help="use the Python client pool even when wrk is installed")
    args = parser.parse_args()
    levels = [int(n) for n in args.connections.split(",")]
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    load = load_wrk if use_wrk else load_python
    folder = Path(tempfile.mkdtemp(prefix="giveask-bench-"))
    try:
        say(f"Seeding {POSTS} posts on {CHANNELS} channels into {folder}/bench.db …")
        data = seed(folder / "bench.db")
        monday = datetime.combine(WEEK, datetime.min.time(), tzinfo=ZoneInfo(TIMEZONE))
        query = (f"start={monday.isoformat()}&end={(monday + timedelta(days=7)).isoformat()}"
                 .replace("+", "%2B"))
        say(f"Load: {'wrk' if use_wrk else 'a pool of Python clients'}, "
            f"{args.seconds} s per figure, GET /calendar for ISO week {WEEK:%G-W%V}.")
        results: dict[tuple[str, str, int], Result] = {}
        for scenario in ("reads", "reads + 1 writer"):
            for mode in MODES:
                server = start(mode, data, workers=args.workers)
                try:
                    url = f"{server.url}/api/v1/workspaces/{data.workspace_id}/calendar?{query}"
                    httpx.get(url, headers={"Authorization": f"Bearer {data.viewer}"},
                              timeout=30)  # warm-up
                    for connections in levels:
                        writer = Writer(server, data) if scenario != "reads" else None
                        if writer:
                            writer.start()
                        result = load(url, data.viewer, connections, args.seconds)
                        if writer:
                            writer.done.set()
                            writer.join(timeout=60)
                            result.writes = dict(writer.statuses)
                        results[(scenario, mode, connections)] = result
                finally:
                    server.stop()
        report(results, levels)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(results: dict[tuple[str, str, int], Result], levels: list[int]) -> None:
    for scenario in ("reads", "reads + 1 writer"):
        say()
        say(f"== {scenario} ==")
        say(f"{'conns':>5} {'mode':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7}  writer (status: count)")
        for connections in levels:
            for mode in MODES:
                r = results[(scenario, mode, connections)]
                writes = ", ".join(f"{k}: {v}" for k, v in sorted(r.writes.items()))
                say(f"{connections:>5} {mode:>7} {r.rps:>8.1f} {r.p50_ms:>8.1f} "
                    f"{r.p99_ms:>8.1f} {r.errors:>7}  {writes}")
            before, after = (results[(scenario, m, connections)] for m in MODES)
            say(f"{connections:>5} {'ratio':>7} {after.rps / max(before.rps, 1e-9):>7.2f}x "
                f"{after.p50_ms / max(before.p50_ms, 1e-9):>7.2f}x "
                f"{after.p99_ms / max(before.p99_ms, 1e-9):>7.2f}x   (after / before)")


if __name__ == "__main__":
    main()
