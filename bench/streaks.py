"""What the streak line costs next to the week it sits above.

One SQLite database in a temporary directory, migrated as the app does, with the
calendar benchmark's workspace (20 channels, each posting a few times a day, about
one ask in ten) and ``--posts`` posts of history, about a year of it. Each round
times, in turn:

- the week's calendar as the API builds it (``calendar``): the reference;
- the streaks computed from nothing (no kept findings: the first view after a
  release, or a year range not seen yet);
- the streaks again with the year's findings kept (what every later view of an
  unchanged plan costs once the process keeps nothing, e.g. another process);
- the streaks after one post of one channel changed (the usual case: an editor
  saved, every open calendar asks for its line again).

Medians of ``--rounds`` rounds, and each as a ratio of the week's calendar.
Figures only: nothing here fails on a slow machine.

    .venv/bin/python bench/streaks.py [--posts 30000] [--rounds 5]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder comes first on sys.path, where bench/calendar.py
# would stand in for the standard library's `calendar`. Look up modules from the
# project root instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import delete, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.models import PlanFindings, Workspace  # noqa: E402
from app.services import streaks  # noqa: E402
from app.services.access import Access, Principal  # noqa: E402
from app.services.calendar import calendar, local_midnight, week_start  # noqa: E402
from bench.seeding import say, setup  # noqa: E402


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        bench = setup(f"sqlite:///{Path(folder) / 'streaks.db'}")
        say(f"seeding {args.posts:,} posts over 20 channels…")
        bench.add_history(args.posts)
        now = datetime.now(UTC)
        with Session(bench.engine) as session:
            workspace = session.get(Workspace, bench.workspace_id)
            assert workspace is not None
            access = Access(workspace=workspace, role="viewer", principal=Principal())
            tz = ZoneInfo(workspace.timezone)
            monday = week_start(now, tz)
            start = local_midnight(monday, tz)
            end = start + timedelta(days=7)
            channel = bench.channel_ids()[0]

            def week() -> object:
                return calendar(session=session, access=access, start=start, end=end,
                                now=now)

            def year() -> object:
                found = streaks._streaks(session, access, monday, tz)
                session.commit()  # the kept findings are written as a read would
                return found

            def forget() -> None:
                session.execute(delete(PlanFindings))
                session.commit()

            def edit() -> None:
                session.execute(text(
                    "UPDATE post SET text = text || '.' WHERE id = (SELECT id FROM post "
                    "WHERE channel_id = :c ORDER BY scheduled_at DESC LIMIT 1)"), {"c": channel})
                session.commit()

            week()
            year()  # warm-up: imports, statement caches
            figures: dict[str, list[float]] = {
                "week": [], "cold": [], "kept": [], "edited": []}
            for _ in range(args.rounds):
                figures["week"].append(timed(week))
                forget()
                figures["cold"].append(timed(year))
                figures["kept"].append(timed(year))
                edit()
                figures["edited"].append(timed(year))
        bench.engine.dispose()
    reference = statistics.median(figures["week"])
    print(f"\nstreak line on {args.posts:,} posts, 20 channels, 52 weeks "
          f"(median of {args.rounds}):")
    print(f"  the week's calendar (reference)   {reference * 1000:8.1f} ms")
    for key, words in (("cold", "streaks, nothing kept"), ("kept", "streaks, findings kept"),
                       ("edited", "streaks after one edit")):
        value = statistics.median(figures[key])
        print(f"  {words:<33} {value * 1000:8.1f} ms   {value / reference:5.2f}x the week")


if __name__ == "__main__":
    main()
