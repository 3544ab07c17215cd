"""The week calendar over HTTP, against the stack's ceiling.

What is measured
    The real app, served as ``giveask serve --workers 2`` serves it
    (``python -m app.serving --factory app.main:app_factory --workers 2``, two
    uvicorn processes each listening on the port, on 127.0.0.1), first on SQLite (a
    temporary directory), then on PostgreSQL when it answers (a database of its
    own, ``giveask_bench_http``, created and dropped here). The database is
    the one bench/calendar.py builds, migrated as the app does: one workspace in
    Europe/Berlin, 20 channels, 20,000 posts, of which the ISO week shown
    (2026-W48) holds a few hundred, mostly gives, about one ask in ten.

    wrk (2 threads, 32 connections) loads, for a fixed time each:

    - reference: ``bench/reference_app.py`` under the same uvicorn settings,
      answering the calendar path with the app's own JSON for the week, held in
      memory and serialised on each request as the app does (orjson). Nothing
      can be faster on this stack and machine: it is the ceiling.
    - calendar JSON: ``GET /api/v1/workspaces/{id}/calendar?start=…&end=…``
      for the week, with a viewer token.
    - week page: ``GET /w/{id}/calendar?view=week&date=2026-11-23``, the HTML a
      signed-in viewer sees (its session cookie sent as a header).
    - what-if check: ``POST /api/v1/workspaces/{id}/check``, the live check the
      post dialog makes while an editor types (a new ask in the week).
    - next slot: ``GET …/channels/{id}/next-slot?kind=ask&after=…`` for the
      channel whose next slot for an ask is farthest from the week's Monday.

    Runs take turns (reference, calendar JSON, page, check, next slot, then
    again) so that a busy moment on the machine slows all alike; each target
    gets a short warm-up first. A Lua script counts every non-2xx answer by
    status (a redirect to the sign-in page counts, and so does a 503 "database
    busy"); socket errors and answers slower than wrk's timeout (5 s) count
    too: "failed" is their sum, and the report says which they were.

    Then, with no load: 50 sequential requests to the next slot (its worst
    case is the maximum) and 100 to the what-if check (its p99: the live
    check is one editor's dialog asking while they type, one check at a time;
    the figure under 32 connections is printed too, with no target, as it is
    mostly the queue of 32 clients on two cores), and the growth figure: two
    more servers on copies of the database with 5,000 and 500,000 posts of
    history (the same week, only older posts added), their calendar JSON asked
    in turns, one request at a time; the ratio of the medians.

How to read it
    rps is requests per second over all rounds; p50 is the median of the
    rounds' medians, p99 the worst round's; "vs reference" is the endpoint's
    rps over the reference's (the HTML page too is read against the JSON
    ceiling). wrk, the servers and the database share the machine's cores, so
    absolute figures say more about the machine than the ratios do. Targets are
    printed next to the figures as met or missed; a slow run never fails: this
    prints figures.

    .venv/bin/python bench/http.py [--duration 10] [--connections 32]
        [--backends sqlite,postgresql] [--large 500000] [--quick]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, where this file
# would stand in for the standard library's `http` (and bench/calendar.py for
# `calendar`), which httpx, uvicorn and the email modules import. Look up
# modules from the project root instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import httpx  # noqa: E402
import orjson  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.db import make_engine  # noqa: E402
from bench.seeding import (  # noqa: E402
    CHANNELS,
    TIMEZONE,
    WEEK,
    Bench,
    count_posts,
    say,
    setup,
    week_query,
)

ROOT = Path(_HERE).parent
SECRET = "bench-http-secret-key-0123456789abcdef-0123456789abcdef"
WRK = "/usr/bin/wrk"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "giveask_bench_http"
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# The targets, printed next to the figures (never a failure).
JSON_SHARE = 0.33
PAGE_SHARE = 0.20
JSON_P99_MS = 100.0
GROWTH_RATIO = 1.2
CHECK_P99_MS = 50.0
SLOT_MAX_MS = 100.0


# ---- servers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def start_server(name: str, factory: str, folder: Path, env: dict[str, str],
                 workers: int, attempts: int = 2) -> Server:
    """uvicorn serving `factory` on a free port of 127.0.0.1, ready when its
    /healthz answers. A server that dies while starting (the app's code being
    changed at that moment, say) is given one more try a little later."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        environment = {**os.environ, **env}
        log_path = folder / f"{name}-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.serving", "--factory", factory,
                 "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                 "--log-level", "warning", "--no-access-log"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process,
                        log_path=log_path)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(server.url + "/healthz", timeout=5).raise_for_status()
                return server
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    server.stop()
                    break
                time.sleep(0.2)
        if attempt < attempts:
            say(f"    {name} did not start; trying again in 30 s:\n"
                + indent(server.log()[-2000:]))
            time.sleep(30)
    raise RuntimeError(f"{name} did not start:\n{server.log()[-4000:]}")


def indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


# ---- wrk --------------------------------------------------------------------------

LUA = r"""-- Written by bench/http.py: one request, counted by status.
wrk.method = "@METHOD@"
@BODY@
@HEADERS@

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  statuses = {}
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
    if first_bad == nil then
      first_bad = status .. " " .. string.sub(string.gsub(body or "", "%s+", " "), 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    for status, count in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  for _, thread in ipairs(threads) do
    local bad_answer = thread:get("first_bad")
    if bad_answer ~= nil then
      io.write("GIVEASK_BAD " .. bad_answer .. "\n")
      break
    end
  end
  local seen = {}
  for status, count in pairs(by_status) do
    table.insert(seen, string.format("\"%d\": %d", status, count))
  end
  local e = summary.errors
  io.write(string.format(
    "GIVEASK_WRK {\"statuses\": {" .. table.concat(seen, ", ") .. "}, " ..
    "\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, \"non2xx\": %d, " ..
    "\"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"timeout\": %d, " ..
    "\"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def lua_string(text: str) -> str:
    """A Lua long string holding `text` as it is."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def lua_script(method: str, headers: dict[str, str], body: str | None) -> str:
    return (LUA.replace("@METHOD@", method)
            .replace("@BODY@", f"wrk.body = {lua_string(body)}" if body is not None else "")
            .replace("@HEADERS@", "\n".join(
                f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items())))


@dataclass
class Run:
    """One wrk run's figures."""

    requests: int
    seconds: float
    bytes: int
    non2xx: int
    errors: int  # connect, read and write errors
    timeouts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int] = field(default_factory=dict)  # the non-2xx ones
    first_bad: str = ""  # the first non-2xx answer: status and the start of its body

    @property
    def failed(self) -> int:
        return self.non2xx + self.errors + self.timeouts


def failures(runs: list[Run]) -> str:
    """How many failed and how: "0", or "14 (3 non-2xx, 11 timeouts)"."""
    statuses: dict[int, int] = {}
    for run in runs:
        for status, count in run.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    kinds = {f"HTTP {status}": count for status, count in sorted(statuses.items())}
    kinds["other non-2xx"] = sum(r.non2xx for r in runs) - sum(statuses.values())
    kinds["socket errors"] = sum(r.errors for r in runs)
    kinds["timeouts"] = sum(r.timeouts for r in runs)
    total = sum(r.failed for r in runs)
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{n} {kind}" for kind, n in kinds.items() if n) + ")"


def find_wrk() -> str | None:
    """wrk's path; installed with apt-get when missing (None if that fails)."""
    found = WRK if os.access(WRK, os.X_OK) else shutil.which("wrk")
    if found:
        return found
    say("  wrk is missing: apt-get install -y wrk ...")
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True,
                       timeout=300, check=True)
    return WRK if os.access(WRK, os.X_OK) else shutil.which("wrk")


@dataclass
class Wrk:
    path: str
    folder: Path
    connections: int
    threads: int
    timeout: float

    def run(self, target: Target, seconds: float) -> Run:
        script = self.folder / f"{target.key}.lua"
        script.write_text(lua_script(target.method, target.headers, target.body))
        command = [self.path, "-t", str(self.threads), "-c", str(self.connections),
                   "-d", f"{max(1, round(seconds))}s", "--timeout", f"{self.timeout:g}s",
                   "-s", str(script), target.url]
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=seconds + self.timeout + 60)
        bad = ""
        for line in done.stdout.splitlines():
            if line.startswith("GIVEASK_BAD "):
                bad = line.removeprefix("GIVEASK_BAD ")
            if line.startswith("GIVEASK_WRK "):
                data = json.loads(line.removeprefix("GIVEASK_WRK "))
                return Run(requests=int(data["requests"]),
                           seconds=int(data["duration_us"]) / 1e6,
                           bytes=int(data["bytes"]), non2xx=int(data["non2xx"]),
                           errors=int(data["connect"]) + int(data["read"]) + int(data["write"]),
                           timeouts=int(data["timeout"]),
                           p50_ms=int(data["p50_us"]) / 1000, p99_ms=int(data["p99_us"]) / 1000,
                           max_ms=int(data["max_us"]) / 1000,
                           statuses={int(k): int(v) for k, v in data["statuses"].items()},
                           first_bad=bad)
        raise RuntimeError(f"wrk gave no figures (exit {done.returncode}) for {target.url}:\n"
                           f"{done.stdout}\n{done.stderr}")


# ---- what is loaded ---------------------------------------------------------------


@dataclass
class Target:
    key: str
    label: str
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    runs: list[Run] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def rps(self) -> float:
        seconds = sum(r.seconds for r in self.runs)
        return self.requests / seconds if seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self) -> float:
        return max(r.p99_ms for r in self.runs)

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.runs)

    @property
    def kb_per_answer(self) -> float:
        return sum(r.bytes for r in self.runs) / max(1, self.requests) / 1024


# ---- databases --------------------------------------------------------------------


@dataclass
class Databases:
    """The load's database and, for the growth figure, a small and a large one;
    all three hold the same workspace, channels, tokens and week."""

    main: Bench
    small: Bench | None
    large: Bench | None
    drop: Callable[[], None] = lambda: None

    def dispose(self) -> None:
        for bench in (self.main, self.small, self.large):
            if bench is not None:
                bench.engine.dispose()


def clone(bench: Bench, url: str, create: Callable[[], None]) -> Bench:
    """A copy of `bench`'s database at `url` (made by `create` while no
    connection is open), whose streams go on back in time on their own."""
    bench.engine.dispose()
    create()
    return Bench(engine=make_engine(url, statement_timeout=0), workspace_id=bench.workspace_id,
                 token=bench.token, streams=copy.deepcopy(bench.streams), posts=bench.posts)


def seed(urls: tuple[str, str, str], copier: Callable[[str, str], None], posts: int,
         small: int, large: int) -> tuple[Bench, Bench | None, Bench | None]:
    """The main database at urls[0] with `posts` posts; with `large`, the small
    and large ones at urls[1] and urls[2], copies of the same first `small` posts."""
    began = time.perf_counter()
    if not large:
        main = setup(urls[0])
        main.add_history(posts)
        say(f"  seeded {posts:,} posts in {time.perf_counter() - began:.1f} s")
        return main, None, None
    first = setup(urls[1])
    first.add_history(small)
    main = clone(first, urls[0], lambda: copier(urls[1], urls[0]))
    main.add_history(posts - small)
    big = clone(first, urls[2], lambda: copier(urls[1], urls[2]))
    say(f"  {posts:,} posts for the load, {small:,} for the small history; "
        f"inserting {large - small:,} older posts for the large one ...")
    big.add_history(large - small)
    say(f"  seeded in {time.perf_counter() - began:.1f} s: {count_posts(main.engine):,}, "
        f"{count_posts(first.engine):,} and {count_posts(big.engine):,} posts")
    return main, first, big


def sqlite_databases(folder: Path, posts: int, small: int, large: int) -> Databases:
    urls = (f"sqlite:///{folder / 'main.db'}", f"sqlite:///{folder / 'small.db'}",
            f"sqlite:///{folder / 'large.db'}")

    def copier(source: str, target: str) -> None:
        source_path = make_url(source).database
        target_path = make_url(target).database
        assert source_path and target_path
        shutil.copyfile(source_path, target_path)

    main, first, big = seed(urls, copier, posts, small, large)
    return Databases(main=main, small=first, large=big)


def postgres_admin(url: str) -> Callable[[str], None]:
    """Runs one statement with autocommit on the server of `url`."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: str) -> None:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement.encode())

    return run


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL at `url` answers, else why not."""
    try:
        postgres_admin(url)("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


def postgres_databases(base: str, posts: int, small: int, large: int) -> Databases:
    admin = postgres_admin(base)
    names = (DATABASE, f"{DATABASE}_small", f"{DATABASE}_large")

    def drop() -> None:
        for name in names:
            with contextlib.suppress(Exception):
                admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    admin(f'CREATE DATABASE "{names[1] if large else names[0]}"')
    urls = (make_url(base).set(database=names[0]).render_as_string(hide_password=False),
            make_url(base).set(database=names[1]).render_as_string(hide_password=False),
            make_url(base).set(database=names[2]).render_as_string(hide_password=False))

    def copier(source: str, target: str) -> None:
        admin(f'CREATE DATABASE "{make_url(target).database}" '
              f'TEMPLATE "{make_url(source).database}"')

    try:
        main, first, big = seed(urls, copier, posts, small, large)
    except BaseException:
        drop()
        raise
    return Databases(main=main, small=first, large=big, drop=drop)


# ---- one backend ------------------------------------------------------------------


@dataclass
class Options:
    duration: float
    warmup: float
    rounds: int
    connections: int
    threads: int
    workers: int
    timeout: float
    posts: int
    small: int
    large: int
    growth_requests: int
    slot_requests: int
    postgres_url: str


@dataclass
class Report:
    backend: str
    targets: list[Target]
    week: str = ""
    slot_note: str = ""
    slot_times: list[float] = field(default_factory=list)
    check_times: list[float] = field(default_factory=list)
    growth: tuple[list[float], list[float]] | None = None
    growth_same: bool = True
    body_note: str = ""
    log_note: str = ""


def app_env(url: str) -> dict[str, str]:
    return {"GIVEASK_DATABASE_URL": url, "GIVEASK_SECRET_KEY": SECRET, "GIVEASK_ENV": "test"}


def sign_in(base: str, email: str, password: str) -> str:
    """The session cookie of a sign-in through the login form."""
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login")
        page.raise_for_status()
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": csrf, "next": "/"})
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in answered {answer.status_code}: {answer.text[:500]}")
        cookie = client.cookies.get("giveask_session")
    if not cookie:
        raise RuntimeError("sign-in set no giveask_session cookie")
    return cookie


def timed_get(client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[float, bytes]:
    began = time.perf_counter()
    answer = client.get(url, headers=headers)
    elapsed = time.perf_counter() - began
    answer.raise_for_status()
    return elapsed, answer.content


def hardest_channel(base: str, bench: Bench, headers: dict[str, str],
                    after: str) -> tuple[str, str]:
    """The channel whose next slot for an ask after `after` is farthest (none
    within the 90 days searched counts as farthest; ties go to the slower)."""
    best: tuple[float, float, str, str] | None = None
    with httpx.Client(base_url=base, timeout=60) as client:
        for channel_id in bench.channel_ids():
            path = f"/api/v1/workspaces/{bench.workspace_id}/channels/{channel_id}/next-slot"
            query = urlencode({"kind": "ask", "after": after})
            elapsed, body = timed_get(client, f"{path}?{query}", headers)
            answer = orjson.loads(body)
            slot = answer.get("slot")
            far = (datetime.fromisoformat(slot).timestamp() if slot else float("inf"))
            note = (f"slot {slot}" if slot else "no slot within 90 days") + (
                f" ({answer['reason']})" if answer.get("reason") else "")
            if best is None or (far, elapsed) > best[:2]:
                best = (far, elapsed, channel_id, note)
    assert best is not None
    return best[2], best[3]


def measure_backend(backend: str, databases: Databases, folder: Path, wrk: Wrk | None,
                    options: Options) -> Report:
    main = databases.main
    ws = main.workspace_id
    editor_token = main.add_token("editor", "bench editor")
    email, password = main.add_member("viewer")
    main_url = main.engine.url.render_as_string(hide_password=False)
    main.engine.dispose()
    viewer = {"Authorization": f"Bearer {main.token}"}
    editor = {"Authorization": f"Bearer {editor_token}", "Content-Type": "application/json"}
    query = week_query()
    calendar_path = f"/api/v1/workspaces/{ws}/calendar?{urlencode(query)}"
    week_day = WEEK.isoformat()
    page_path = f"/w/{ws}/calendar?{urlencode({'view': 'week', 'date': week_day})}"
    tz = ZoneInfo(TIMEZONE)
    check_body = json.dumps({"action": "create", "post": {
        "channel_id": main.channel_ids()[0],
        "scheduled_at": datetime.combine(WEEK + timedelta(days=2), datetime.min.time(),
                                         tzinfo=tz).replace(hour=9).isoformat(),
        "kind": "ask", "category": "offer", "text": "Winter blend, 20% off"}})
    report = Report(backend=backend, targets=[])

    with ExitStack() as stack:
        say(f"  starting the app: {options.workers} workers on {backend} ...")
        app = start_server("app", "app.main:app_factory", folder, app_env(main_url),
                           options.workers)
        stack.callback(app.stop)
        cookie = sign_in(app.url, email, password)
        page_headers = {"Cookie": f"giveask_session={cookie}"}

        with httpx.Client(base_url=app.url, timeout=60) as client:
            body = client.get(calendar_path, headers=viewer)
            body.raise_for_status()
            calendar = orjson.loads(body.content)
            week = calendar["weeks"][0]
            report.week = (f"{len(calendar['posts'])} posts and {len(calendar['findings'])} "
                           f"findings in {week['week']} ({week['total']['gives']} gives, "
                           f"{week['total']['asks']} asks), {len(body.content) / 1024:.0f} KB "
                           "of JSON")
            page = client.get(page_path, headers=page_headers)
            if page.status_code != 200:
                raise RuntimeError(f"the week page answered {page.status_code}")
            check = client.post(f"/api/v1/workspaces/{ws}/check", content=check_body,
                                headers=editor)
            if check.status_code != 200:
                raise RuntimeError(f"the what-if check answered {check.status_code}: "
                                   f"{check.text[:500]}")
        body_file = folder / "calendar.json"
        body_file.write_bytes(body.content)
        say(f"  the week: {report.week}; the page {len(page.content) / 1024:.0f} KB of HTML")

        say(f"  starting the reference: {options.workers} workers, in memory ...")
        reference = start_server("reference", "bench.reference_app:create_app", folder,
                                 {"GIVEASK_BENCH_REFERENCE_BODY": str(body_file)},
                                 options.workers)
        stack.callback(reference.stop)
        served = httpx.get(reference.url + calendar_path, timeout=30)
        served.raise_for_status()
        same = served.content == body.content
        report.body_note = ("the reference's answer is byte for byte the app's" if same else
                            "the reference's answer differs from the app's in bytes"
                            f" ({len(served.content):,} vs {len(body.content):,}); "
                            + ("same JSON" if orjson.loads(served.content) == calendar
                               else "and in JSON"))

        after = datetime.combine(WEEK, datetime.min.time(), tzinfo=tz).isoformat()
        slot_channel, report.slot_note = hardest_channel(app.url, main, viewer, after)
        slot_path = (f"/api/v1/workspaces/{ws}/channels/{slot_channel}/next-slot?"
                     f"{urlencode({'kind': 'ask', 'after': after})}")
        say(f"  next slot's hardest channel: {report.slot_note}")

        report.targets = [
            Target("reference", "reference (in memory)", reference.url + calendar_path),
            Target("calendar", "calendar JSON", app.url + calendar_path, headers=viewer),
            Target("page", "week page (HTML)", app.url + page_path, headers=page_headers),
            Target("check", "what-if check (POST)", app.url + f"/api/v1/workspaces/{ws}/check",
                   method="POST", headers=editor, body=check_body),
            Target("slot", "next slot (hardest)", app.url + slot_path, headers=viewer),
        ]
        if wrk is not None:
            for round_number in range(1, options.rounds + 1):
                for target in report.targets:
                    if round_number == 1 and options.warmup > 0:
                        wrk.run(target, options.warmup)
                    run = wrk.run(target, options.duration)
                    target.runs.append(run)
                    say(f"  round {round_number}/{options.rounds} {target.label:<22} "
                        f"{run.requests / max(run.seconds, 1e-9):>8.1f} rps  p50 "
                        f"{run.p50_ms:>7.1f} ms  p99 {run.p99_ms:>7.1f} ms  "
                        f"max {run.max_ms:>7.1f} ms  failed {failures([run])}")

        say(f"  next slot and what-if check: {options.slot_requests} sequential requests "
            "each ...")
        # The load's last requests may still be running in the servers: each
        # one-at-a-time figure starts once they are done, after a warm-up.
        time.sleep(3)
        with httpx.Client(base_url=app.url, timeout=60) as client:
            timed_get(client, slot_path, viewer)
            for _ in range(3):
                client.post(f"/api/v1/workspaces/{ws}/check", content=check_body,
                            headers=editor).raise_for_status()
            report.slot_times = [timed_get(client, slot_path, viewer)[0]
                                 for _ in range(options.slot_requests)]
            check_path = f"/api/v1/workspaces/{ws}/check"
            for _ in range(2 * options.slot_requests):
                began = time.perf_counter()
                client.post(check_path, content=check_body, headers=editor).raise_for_status()
                report.check_times.append(time.perf_counter() - began)
        app.stop()
        reference.stop()
        log = app.log()
        if "Traceback" in log or "ERROR" in log:
            report.log_note = log[-3000:]

    if databases.small is not None and databases.large is not None:
        report.growth, report.growth_same = measure_growth(databases, folder, options,
                                                           calendar_path, viewer)
    return report


def measure_growth(databases: Databases, folder: Path, options: Options, path: str,
                   headers: dict[str, str]) -> tuple[tuple[list[float], list[float]], bool]:
    """The calendar JSON's time, one request at a time, on the small and the large
    history in turns: 3 warm-up requests each, then `growth_requests` each."""
    assert databases.small is not None and databases.large is not None
    benches = (databases.small, databases.large)
    say(f"  growth: {benches[0].posts:,} vs {benches[1].posts:,} posts of history, "
        f"{options.growth_requests} sequential requests each in turns ...")
    times: tuple[list[float], list[float]] = ([], [])
    bodies: list[Any] = [None, None]
    with ExitStack() as stack:
        servers = []
        for name, bench in zip(("small", "large"), benches, strict=True):
            url = bench.engine.url.render_as_string(hide_password=False)
            bench.engine.dispose()
            server = start_server(name, "app.main:app_factory", folder, app_env(url),
                                  options.workers)
            stack.callback(server.stop)
            servers.append(server)
        clients = [stack.enter_context(httpx.Client(base_url=s.url, timeout=120))
                   for s in servers]
        for number in range(3 + options.growth_requests):
            for index, client in enumerate(clients):
                elapsed, body = timed_get(client, path, headers)
                if number >= 3:
                    times[index].append(elapsed)
                    bodies[index] = orjson.loads(body)
    return times, bodies[0] == bodies[1]


# ---- the report -------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_report(report: Report, options: Options) -> None:
    say("")
    say(f"== {report.backend}: {options.workers} workers (app.serving), wrk {options.threads} "
        f"threads x {options.connections} connections, {options.rounds} round(s) of "
        f"{options.duration:g} s after a {options.warmup:g} s warm-up ==")
    say(f"   {report.week}; {report.body_note}")
    loaded = [t for t in report.targets if t.runs]
    reference = next((t for t in loaded if t.key == "reference"), None)
    if loaded:
        say(f"   {'endpoint':<24}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}"
            f"{'KB/answer':>11}{'vs reference':>14}")
        for t in loaded:
            share = f"{t.rps / reference.rps:.0%}" if reference and reference.rps else "-"
            say(f"   {t.label:<24}{t.rps:>9.1f}{t.p50_ms:>9.1f}{t.p99_ms:>9.1f}{t.failed:>8}"
                f"{t.kb_per_answer:>11.1f}{share:>14}")
        for t in loaded:
            if t.failed:
                say(f"   {t.label} failed: {failures(t.runs)}, slowest answer "
                    f"{max(r.max_ms for r in t.runs):.0f} ms (wrk's timeout "
                    f"{options.timeout:g} s)")
                for bad in dict.fromkeys(r.first_bad for r in t.runs if r.first_bad):
                    say(f"     e.g. {bad}")
    else:
        say("   (no load figures: wrk is missing)")
    say("")
    say(f"   {'target':<58}{'figure':>10}  {'wanted':<10}result")
    by_key = {t.key: t for t in loaded}

    def line(text: str, figure: str, wanted: str, met: bool, note: str = "") -> None:
        say(f"   {text:<58}{figure:>10}  {wanted:<10}{verdict(met)}{note}")

    if reference and reference.rps:
        shares = (("calendar", JSON_SHARE, "calendar JSON rps, share of the reference's"),
                  ("page", PAGE_SHARE, "week page rps, share of the reference's"))
        for key, wanted, text in shares:
            if key in by_key:
                got = by_key[key].rps / reference.rps
                line(text, f"{got:.0%}", f">= {wanted:.0%}", got >= wanted)
    if "calendar" in by_key:
        p99 = by_key["calendar"].p99_ms
        note = "" if report.backend == "PostgreSQL" else "  (the target is PostgreSQL's)"
        line(f"calendar JSON p99, {options.connections} connections, {options.workers} workers",
             f"{p99:.1f} ms", f"<= {JSON_P99_MS:g} ms", p99 <= JSON_P99_MS, note)
    if loaded:
        failed = sum(t.failed for t in loaded)
        line("failed or timed-out responses, all runs", f"{failed}", "0", failed == 0)
    if report.growth is not None:
        small, large = (statistics.median(times) for times in report.growth)
        ratio = large / small
        same = "" if report.growth_same else "  (the two answers DIFFER)"
        line(f"calendar JSON at {options.large:,} vs {options.small:,} posts "
             f"({ms(small)} vs {ms(large)})",
             f"{ratio:.2f}x", f"<= {GROWTH_RATIO:g}x", ratio <= GROWTH_RATIO, same)
    if report.check_times:
        # The live check is one editor's dialog asking while they type: its
        # latency is that of one check at a time. Under 32 connections it is
        # mostly the queue of 32 clients sharing two cores (printed below).
        times = sorted(report.check_times)
        p99 = statistics.quantiles(times, n=100, method="inclusive")[98] * 1000
        line(f"what-if check p99, {len(times)} one at a time (median "
             f"{statistics.median(times) * 1000:.0f} ms)", f"{p99:.1f} ms",
             f"<= {CHECK_P99_MS:g} ms", p99 <= CHECK_P99_MS)
    if "check" in by_key:
        loaded_check = by_key["check"]
        say(f"   {'  the check under ' + str(options.connections) + ' connections: p50 ':<58}"
            f"{loaded_check.p50_ms:>7.1f} ms  p99 {loaded_check.p99_ms:.1f} ms (no target)")
    if report.slot_times:
        worst = max(report.slot_times) * 1000
        line(f"next slot worst case, max of {len(report.slot_times)} sequential "
             f"(median {statistics.median(report.slot_times) * 1000:.0f} ms)",
             f"{worst:.1f} ms", f"<= {SLOT_MAX_MS:g} ms", worst <= SLOT_MAX_MS)
    say(f"   next slot measured on the channel with the farthest slot: {report.slot_note}")
    if report.log_note:
        say("   the app logged errors; the end of its log:")
        say(indent(report.log_note))


# ---- main -------------------------------------------------------------------------


def parse(argv: list[str] | None) -> tuple[Options, list[str]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 10)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per endpoint (2)")
    parser.add_argument("--rounds", type=int, help="turns of every endpoint (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("--timeout", type=float, default=5, help="wrk's timeout, seconds")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--posts", type=int, default=20_000, help="posts in the load's database")
    parser.add_argument("--small", type=int, default=5_000,
                        help="posts of history for the growth figure's small side")
    parser.add_argument("--large", type=int,
                        help="posts of history for its large side (500000; 0 skips it)")
    parser.add_argument("--growth-requests", type=int, help="sequential requests each (15)")
    parser.add_argument("--slot-requests", type=int, help="sequential next-slot requests (50)")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "GIVEASK_BENCH_POSTGRES_URL", POSTGRES_URL),
        help="a PostgreSQL server to create the bench's database on")
    parser.add_argument("--quick", action="store_true",
                        help="short runs and a smaller history: a smoke check")
    args = parser.parse_args(argv)
    quick = args.quick

    def pick(value: Any, normal: Any, short: Any) -> Any:
        return value if value is not None else (short if quick else normal)

    options = Options(
        duration=pick(args.duration, 10.0, 3.0), warmup=pick(args.warmup, 2.0, 1.0),
        rounds=pick(args.rounds, 2, 1), connections=args.connections, threads=args.threads,
        workers=args.workers, timeout=args.timeout, posts=args.posts, small=args.small,
        large=pick(args.large, 500_000, 50_000),
        growth_requests=pick(args.growth_requests, 15, 5),
        slot_requests=pick(args.slot_requests, 50, 10), postgres_url=args.postgres_url)
    if options.large and not options.small <= options.posts <= options.large:
        parser.error("--small <= --posts <= --large, or --large 0")
    if options.threads > options.connections:
        parser.error("wrk needs at least as many connections as threads")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKEND_NAMES]
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)}")
    return options, backends


def main(argv: list[str] | None = None) -> None:
    options, backends = parse(argv)
    warnings.simplefilter("ignore", DeprecationWarning)
    say(f"HTTP bench: {CHANNELS} channels in {TIMEZONE}, week of {WEEK:%a %d %b %Y}, "
        f"{options.posts:,} posts; backends {', '.join(backends)}")
    wrk_path = find_wrk()
    if wrk_path is None:
        say("  wrk is not installed and `apt-get install -y wrk` failed: no load figures, "
            "only the sequential ones (install wrk for the rest)")
    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="giveask-bench-http-") as name:
        folder = Path(name)
        wrk = (Wrk(wrk_path, folder, options.connections, options.threads, options.timeout)
               if wrk_path else None)
        for backend in backends:
            label = BACKEND_NAMES[backend]
            say("")
            say(f"{label}:")
            if backend == "postgresql":
                problem = postgres_reachable(options.postgres_url)
                if problem:
                    say(f"  PostgreSQL at {make_url(options.postgres_url)} does not answer "
                        f"({problem}): skipped")
                    continue
                databases = postgres_databases(options.postgres_url, options.posts,
                                               options.small, options.large)
            else:
                directory = folder / "sqlite"
                directory.mkdir()
                say(f"  databases in {directory}")
                databases = sqlite_databases(directory, options.posts, options.small,
                                             options.large)
            try:
                reports.append(measure_backend(label, databases, folder, wrk, options))
            finally:
                databases.dispose()
                databases.drop()
    for report in reports:
        print_report(report, options)


if __name__ == "__main__":
    main()
