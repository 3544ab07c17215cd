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
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import get_session, make_engine  # noqa: E402
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

TARGET_RATIO = 1.2


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
        small = setup(f"sqlite:///{directory / 'small.db'}")
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
