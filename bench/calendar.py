"""How the calendar's time grows with a workspace's history.

Two SQLite databases in a temporary directory, migrated as the app does, with
one workspace in Europe/Berlin and 20 channels, each posting a few times a day
(mostly gives, about one ask in ten) back in time from two weeks after the week
shown: the first with 5,000 posts of history, the second a copy of it with
495,000 older posts added, so the week's posts and findings are the same and
only the history differs. The real ASGI app answers ``GET /calendar`` for that
ISO week through a TestClient with a viewer token; requests to the two databases
take turns (so a busy moment on the machine slows both alike), and the median
of 15 each after warm-up is printed with the ratio, whose target is at most
1.2x. The ``findings`` endpoint is timed the same way. Figures only: nothing
here fails on a slow machine.

    .venv/bin/python bench/calendar.py [--small 5000] [--large 500000] [--requests 15]
                                       [--profile]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, where this
# file would stand in for the standard library's `calendar` (which the email
# and HTTP modules import). Look up modules from the project root instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import Engine, func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import get_session, make_engine, new_id  # noqa: E402
from app.models import Channel, Post  # noqa: E402
from app.rules import ASK_CATEGORIES, GIVE_CATEGORIES  # noqa: E402
from app.schemas import WorkspaceCreate  # noqa: E402
from app.services.tokens import create_token  # noqa: E402
from app.services.workspaces import create_workspace  # noqa: E402

CHANNELS = 20
TIMEZONE = "Europe/Berlin"
WEEK = date(2026, 11, 23)  # the Monday of the week shown, ISO week 2026-W48
TARGET_RATIO = 1.2
BATCH = 20_000
ASK_SHARE = 0.1


def say(text: str) -> None:
    print(text, flush=True)


@dataclass
class Stream:
    """One channel's posts, made backwards in time from a moment."""

    channel_id: str
    at: datetime
    rng: random.Random = field(default_factory=random.Random)

    def back(self, count: int) -> Iterator[tuple[str, datetime, str, str]]:
        for _ in range(count):
            # A few posts a day: every 3 to 9 hours, on the quarter hour.
            self.at -= timedelta(minutes=self.rng.randrange(3 * 60, 9 * 60, 15))
            if self.rng.random() < ASK_SHARE:
                yield self.channel_id, self.at, "ask", self.rng.choice(ASK_CATEGORIES)
            else:
                yield self.channel_id, self.at, "give", self.rng.choice(GIVE_CATEGORIES)


@dataclass
class Bench:
    engine: Engine
    workspace_id: str
    token: str
    streams: list[Stream]
    posts: int = 0

    def add_history(self, total: int) -> None:
        """`total` more posts, older than every post so far, in batches."""
        per_channel, extra = divmod(total, len(self.streams))
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        began = time.perf_counter()
        done = 0

        def flush() -> None:
            nonlocal done
            with self.engine.begin() as connection:
                connection.execute(insert(Post.__table__), rows)  # type: ignore[attr-defined]
            done += len(rows)
            rows.clear()
            if total >= 10 * BATCH:
                rate = done / (time.perf_counter() - began)
                say(f"    {done:>9,} / {total:,} posts inserted ({rate:,.0f}/s)")

        for number, stream in enumerate(self.streams):
            for channel_id, at, kind, category in stream.back(
                per_channel + (1 if number < extra else 0)
            ):
                rows.append(
                    {
                        "id": new_id(),
                        "workspace_id": self.workspace_id,
                        "channel_id": channel_id,
                        "scheduled_at": at,
                        "kind": kind,
                        "category": category,
                        "text": f"{kind} post on {at:%d %b %Y}",
                        "status": "published" if at < now else "draft",
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if len(rows) >= BATCH:
                    flush()
        if rows:
            flush()
        self.posts += total


def setup(path: Path) -> Bench:
    url = f"sqlite:///{path}"
    run_migrations(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        workspace = create_workspace(
            session=session, data=WorkspaceCreate(name="Bench Café", timezone=TIMEZONE),
            admin_user_id=None)
        channels = [Channel(workspace_id=workspace.id, name=f"Channel {n:02d}",
                            platform="linkedin", started_on=date(2000, 1, 1))
                    for n in range(CHANNELS)]
        session.add_all(channels)
        session.flush()
        _, secret = create_token(session=session, workspace=workspace, role="viewer",
                                 name="bench", created_by_id=None)
        session.commit()
        ids = [c.id for c in channels]
        workspace_id = workspace.id
    tz = ZoneInfo(TIMEZONE)
    # The plan runs two weeks past the week shown; channels end at different times.
    end = datetime.combine(WEEK + timedelta(days=21), datetime.min.time(), tzinfo=tz)
    streams = [Stream(cid, end - timedelta(minutes=37 * n), random.Random(n))
               for n, cid in enumerate(ids)]
    return Bench(engine=engine, workspace_id=workspace_id, token=secret, streams=streams)


def copy_of(bench: Bench, path: Path) -> Bench:
    """The same workspace in a copy of the database file; its channels' streams
    go on back in time from where the original's stopped."""
    source = bench.engine.url.database
    assert source is not None
    bench.engine.dispose()  # checkpoints the WAL into the file
    shutil.copyfile(source, path)
    return Bench(engine=make_engine(f"sqlite:///{path}"), workspace_id=bench.workspace_id,
                 token=bench.token, streams=bench.streams, posts=bench.posts)


def app_on(engine: Engine) -> Any:
    """The real app, its requests served from `engine`."""
    from app.main import create_app

    app = create_app(Settings(env="test", secret_key="bench-secret-key-" + "x" * 40))

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as db:
            try:
                yield db
                db.commit()
            except BaseException:
                db.rollback()
                raise

    app.dependency_overrides[get_session] = session
    return app


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def text(self) -> str:
        return (f"{self.median * 1000:>8.1f} ms ({min(self.times) * 1000:.0f}-"
                f"{max(self.times) * 1000:.0f})")


def week_query() -> dict[str, str]:
    start = datetime.combine(WEEK, datetime.min.time(), tzinfo=ZoneInfo(TIMEZONE))
    return {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()}


def measure(benches: list[Bench], endpoint: str, requests: int,
            warmup: int = 3) -> list[Timing]:
    """Requests to each database in turn; the time of each, and the last answer."""
    from fastapi.testclient import TestClient

    timings = [Timing() for _ in benches]
    with ExitStack() as stack:
        clients = [stack.enter_context(TestClient(app_on(b.engine))) for b in benches]
        calls = [(client, f"/api/v1/workspaces/{b.workspace_id}/{endpoint}",
                  {"Authorization": f"Bearer {b.token}"}) for client, b in zip(
                      clients, benches, strict=True)]
        params = week_query()
        for round_number in range(warmup + requests):
            for (client, path, headers), timing in zip(calls, timings, strict=True):
                began = time.perf_counter()
                response = client.get(path, params=params, headers=headers)
                elapsed = time.perf_counter() - began
                response.raise_for_status()
                if round_number >= warmup:
                    timing.times.append(elapsed)
                    timing.body = response.json()
    return timings


def profile(bench: Bench, top: int = 25) -> str:
    """Where one calendar request spends its time, by own time. The service is
    called directly: a TestClient serves requests in another thread, out of
    the profiler's sight."""
    from app.models import Workspace
    from app.services.access import Access, Principal
    from app.services.calendar import calendar

    query = week_query()
    start = datetime.fromisoformat(query["start"])
    end = datetime.fromisoformat(query["end"])

    def once() -> None:
        with Session(bench.engine, expire_on_commit=False) as session:
            workspace = session.get(Workspace, bench.workspace_id)
            assert workspace is not None
            access = Access(workspace=workspace, role="viewer", principal=Principal())
            calendar(session=session, access=access, start=start, end=end,
                     now=datetime.now(UTC))

    once()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        once()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def count_posts(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Post)).scalar_one())


def summary(body: dict[str, Any]) -> str:
    week = body["weeks"][0]
    return (
        f"{len(body['posts'])} posts, {len(body['findings'])} findings, "
        f"{week['total']['gives']} gives / {week['total']['asks']} asks in {week['week']}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", type=int, default=5_000, help="posts of history first")
    parser.add_argument("--large", type=int, default=500_000, help="posts of history then")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per figure")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the calendar on the large history")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", DeprecationWarning)

    with tempfile.TemporaryDirectory(prefix="giveask-bench-") as name:
        directory = Path(name)
        say(f"calendar bench: SQLite in {directory}, {CHANNELS} channels, zone {TIMEZONE}, "
            f"week of {WEEK:%a %d %b %Y}")
        began = time.perf_counter()
        small = setup(directory / "small.db")
        say(f"  migrated and set up in {time.perf_counter() - began:.1f} s")
        say(f"  inserting {args.small:,} posts ...")
        small.add_history(args.small)
        large = copy_of(small, directory / "large.db")
        more = args.large - args.small
        say(f"  copying, and inserting {more:,} older posts ...")
        began = time.perf_counter()
        large.add_history(more)
        say(f"  inserted in {time.perf_counter() - began:.1f} s; "
            f"{count_posts(small.engine):,} and {count_posts(large.engine):,} posts")

        results = {}
        for endpoint in ("calendar", "findings"):
            say(f"  measuring GET /{endpoint}, {args.requests} requests to each database "
                "in turn ...")
            results[endpoint] = measure([small, large], endpoint, args.requests)

        say("")
        say(f"GET /calendar and /findings for one week, median of {args.requests} requests "
            "after 3 warm-up ones (min-max)")
        say(f"{'endpoint':<10} {f'{args.small:,} posts':>22} {f'{args.large:,} posts':>22} "
            f"{'ratio':>7}")
        for endpoint, (a, b) in results.items():
            ratio = b.median / a.median
            target = f"   (target <= {TARGET_RATIO:g}x)" if endpoint == "calendar" else ""
            say(f"{endpoint:<10} {a.text()} {b.text()} {ratio:>6.2f}x{target}")
        say("")
        a, b = results["calendar"]
        say(f"week shown, {args.small:,} posts: {summary(a.body)}")
        say(f"week shown, {args.large:,} posts: {summary(b.body)}")
        say(f"same calendar answer for both histories: {'yes' if a.body == b.body else 'NO'}")
        if args.profile:
            say("")
            say(f"profile of 5 calendar calls on {args.large:,} posts:")
            say(profile(large))
        small.engine.dispose()
        large.engine.dispose()


if __name__ == "__main__":
    main()
