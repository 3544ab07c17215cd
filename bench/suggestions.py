"""What suggestions cost: a week's findings with suggestions next to without.

One SQLite database in a temporary directory, migrated as the app does, with two
workspaces: the demo (three channels, eight weeks, loaded as `giveask demo` does
with "today" the Wednesday of the week shown) and a larger one (20 channels,
each posting two to four times a day over twelve weeks around that week, about
one ask in six, so findings are many). For the ISO week shown, the analysis
service answers the findings alone (``findings_in_range``) and with their
suggestions (``findings_with_suggestions``, as ``GET /findings`` does), taking
turns, the median of ``--repeat`` runs each after a warm-up. "Now" is the
week's Monday, so the whole week may still change. Figures only: nothing here
fails on a slow machine.

    .venv/bin/python bench/suggestions.py [--repeat 7] [--channels 20]
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
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from datetime import time as clock  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import Engine, insert  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.db import make_engine, new_id  # noqa: E402
from app.demo import load_demo  # noqa: E402
from app.models import Channel, Post, Workspace  # noqa: E402
from app.rules import ASK_CATEGORIES, GIVE_CATEGORIES  # noqa: E402
from app.schemas import WorkspaceCreate  # noqa: E402
from app.services.analysis import context, findings_in_range  # noqa: E402
from app.services.suggestions import findings_with_suggestions  # noqa: E402
from app.services.workspaces import create_workspace  # noqa: E402

TIMEZONE = "Europe/Berlin"
TODAY = date(2026, 11, 25)  # a Wednesday; the week shown is ISO week 2026-W48
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def say(text: str) -> None:
    print(text, flush=True)


def larger_workspace(engine: Engine, channels: int) -> str:
    tz = ZoneInfo(TIMEZONE)
    with Session(engine, expire_on_commit=False) as session:
        workspace = create_workspace(
            session=session, data=WorkspaceCreate(name="Bench Roastery", timezone=TIMEZONE),
            admin_user_id=None)
        rows = [Channel(workspace_id=workspace.id, name=f"Channel {n:02d}",
                        platform="linkedin", started_on=date(2020, 1, 1))
                for n in range(channels)]
        session.add_all(rows)
        session.commit()
        ids, workspace_id = [c.id for c in rows], workspace.id
    rng = random.Random(48)
    now = datetime.now(UTC)
    posts: list[dict[str, Any]] = []
    first = MONDAY - timedelta(weeks=8)
    for channel_id in ids:
        for offset in range(12 * 7):
            day = first + timedelta(days=offset)
            for hour in sorted(rng.sample(range(8, 20), rng.randint(2, 4))):
                at = datetime.combine(day, clock(hour, rng.choice((0, 15, 30))), tzinfo=tz)
                kind = "ask" if rng.random() < 1 / 6 else "give"
                category = rng.choice(ASK_CATEGORIES if kind == "ask" else GIVE_CATEGORIES)
                posts.append({
                    "id": new_id(), "workspace_id": workspace_id, "channel_id": channel_id,
                    "scheduled_at": at, "kind": kind, "category": category,
                    "text": f"{kind} post on {at:%d %b %Y}",
                    "status": "published" if day < TODAY else "draft", "version": 1,
                    "created_at": now, "updated_at": now,
                })
    with engine.begin() as connection:
        connection.execute(insert(Post.__table__), posts)  # type: ignore[attr-defined]
    say(f"  larger workspace: {channels} channels, {len(posts):,} posts")
    return workspace_id


def timed(engine: Engine, workspace_id: str, what: str) -> tuple[float, Any]:
    """One call, timed: ``plain`` findings alone, ``suggested`` with suggestions
    as ``GET /findings`` answers, ``paged`` also with the fix for the week of a
    stretch no fix ends, as the calendar's fixes and the week review ask."""
    tz = ZoneInfo(TIMEZONE)
    start = datetime.combine(MONDAY, clock(0), tzinfo=tz)
    end = start + timedelta(days=7)
    with Session(engine, expire_on_commit=False) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        began = time.perf_counter()
        ctx = context(session=session, workspace=workspace)
        result: Any
        if what == "plain":
            result = findings_in_range(ctx, start=start, end=end)
        else:
            result = findings_with_suggestions(
                ctx, start=start, end=end, now=start,
                weeks=[(start, end)] if what == "paged" else ())
        return time.perf_counter() - began, result


def measure(engine: Engine, name: str, workspace_id: str, repeat: int) -> None:
    for what in ("plain", "suggested", "paged"):
        timed(engine, workspace_id, what)
    without: list[float] = []
    with_: list[float] = []
    weekly: list[float] = []
    result: Any = None
    paged: Any = None
    for _ in range(repeat):
        seconds, _found = timed(engine, workspace_id, "plain")
        without.append(seconds)
        seconds, result = timed(engine, workspace_id, "suggested")
        with_.append(seconds)
        seconds, paged = timed(engine, workspace_id, "paged")
        weekly.append(seconds)
    plain, full = statistics.median(without), statistics.median(with_)
    pages = statistics.median(weekly)
    offered = sum(len(item.suggestions) for item in result)
    helped = sum(1 for item in result if item.suggestions)
    week_fixes = sum(len(fixes) for item in paged for fixes in item.weeks.values())
    say(f"{name}: {len(result)} findings in the week, {helped} with suggestions "
        f"({offered} in all), {week_fixes} fix(es) for this week of a longer stretch")
    say(f"  findings alone          {plain * 1000:8.1f} ms")
    say(f"  with suggestions        {full * 1000:8.1f} ms   {full / plain:6.1f}x")
    say(f"  and this week's fixes   {pages * 1000:8.1f} ms   {pages / plain:6.1f}x"
        "   (what the calendar's fixes and the week review compute)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--channels", type=int, default=20)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        run_migrations(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            demo = load_demo(session=session, today=TODAY).workspace.id
            session.commit()
        say(f"Week of {MONDAY:%a %d %b %Y}, now = its Monday 00:00 ({TIMEZONE})")
        larger = larger_workspace(engine, args.channels)
        measure(engine, "Demo Café", demo, args.repeat)
        measure(engine, "Bench Roastery", larger, args.repeat)
        engine.dispose()


if __name__ == "__main__":
    main()
