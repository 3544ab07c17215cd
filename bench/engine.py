"""How fast the rules engine analyses big plans.

Plans of 10k, 100k and 1M posts over 100 channels: mostly gives, about one
ask in ten, each channel posting every few hours over the years, handed over in
time order as the database returns them. Prints the engine's time per size with
the beth_dunn preset (and, at the largest size, with eighty_twenty and with the
posts handed over channel by channel), the growth ratios, and the targets next
to them. Figures only: nothing here fails on a slow machine.

    .venv/bin/python bench/engine.py [--sizes 10000,100000,1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where bench/calendar.py
# would stand in for the standard library's `calendar`. Look up modules from the
# project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from app.rules import (  # noqa: E402  (after the sys.path fix above)
    ASK_CATEGORIES,
    GIVE_CATEGORIES,
    ChannelFact,
    Plan,
    PostFact,
    Profile,
    analyse,
    build_params,
)

CHANNELS = 100
TIMEZONE = "Europe/Berlin"
TARGET_SECONDS_1M = 2.0
TARGET_RATIO = 11.0
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


def make_posts(total: int, seed: int = 7) -> tuple[list[PostFact], list[ChannelFact]]:
    """``total`` posts over ``CHANNELS`` channels, in time order."""
    rng = random.Random(seed)
    start = datetime(2022, 1, 3, 7, 0, tzinfo=UTC)
    per_channel = total // CHANNELS
    planned: list[tuple[int, str, str, str]] = []
    channels = []
    for number in range(CHANNELS):
        channel_id = f"channel-{number:03d}"
        channels.append(ChannelFact(channel_id, f"Channel {number}", started_on=start.date()))
        # Channels start on different days and keep their own rhythm.
        minute = rng.randrange(0, 60 * 24 * 30)
        for _ in range(per_channel):
            minute += rng.randrange(3 * 60, 9 * 60, 15)
            if rng.random() < 0.1:
                planned.append((minute, channel_id, "ask", rng.choice(ASK_CATEGORIES)))
            else:
                planned.append((minute, channel_id, "give", rng.choice(GIVE_CATEGORIES)))
    planned.sort(key=lambda row: (row[0], row[1]))
    # Built row by row in the order a query returns them, as the app does; ids
    # follow creation order, as UUIDv7 ids do.
    posts = [
        PostFact(
            f"{number:012x}-post", channel_id, start + timedelta(minutes=minute), kind, category
        )
        for number, (minute, channel_id, kind, category) in enumerate(planned)
    ]
    return posts, channels


def time_runs(plans: dict[str, Plan], repeat: int) -> dict[str, tuple[float, int]]:
    """Best time and finding count per plan. Runs take turns, so a busy moment
    on the machine slows every size alike rather than skewing the ratios."""
    best = dict.fromkeys(plans, float("inf"))
    found = dict.fromkeys(plans, 0)
    for _ in range(repeat):
        for name, plan in plans.items():
            gc.collect()
            began = time.perf_counter()
            findings = analyse(plan)
            best[name] = min(best[name], time.perf_counter() - began)
            found[name] = len(findings)
            del findings
    return {name: (best[name], found[name]) for name in plans}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in DEFAULT_SIZES),
        help="comma-separated plan sizes in posts (default: %(default)s)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per plan; the best counts")
    args = parser.parse_args(argv)
    sizes = sorted(int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip())
    largest = sizes[-1]

    beth_dunn = Profile(build_params("beth_dunn"))
    eighty_twenty = Profile(build_params("eighty_twenty"))
    plans: dict[str, Plan] = {}
    labels: dict[str, tuple[int, str]] = {}
    for size in sizes:
        posts, channels = make_posts(size)
        plans[f"{size}"] = Plan(posts, channels, beth_dunn, TIMEZONE)
        labels[f"{size}"] = (size, "beth_dunn")
        if size == largest:
            plans["80/20"] = Plan(posts, channels, eighty_twenty, TIMEZONE)
            labels["80/20"] = (size, "eighty_twenty")
            # As a query ordered by channel, then time, hands them over: rows
            # (and so objects) made in that order.
            grouped = [
                PostFact(p.id, p.channel_id, p.at + timedelta(0), p.kind, p.category)
                for p in sorted(posts, key=lambda post: (post.channel_id, post.at, post.id))
            ]
            plans["grouped"] = Plan(grouped, channels, beth_dunn, TIMEZONE)
            labels["grouped"] = (size, "beth_dunn, by channel")

    results = time_runs(plans, args.repeat)
    print(f"rules engine, {CHANNELS} channels, zone {TIMEZONE}, best of {args.repeat} runs")
    print(f"{'posts':>10}  {'preset':<22} {'seconds':>8} {'findings':>9} {'per post':>9}")
    for name, (seconds, found) in results.items():
        size, label = labels[name]
        print(
            f"{size:>10,}  {label:<22} {seconds:>8.3f} {found:>9,} {seconds / size * 1e6:>7.2f}µs"
        )

    print()
    timings = {size: results[f"{size}"][0] for size in sizes}
    for smaller, larger in pairwise(sizes):
        ratio = timings[larger] / timings[smaller]
        print(
            f"growth {larger:,}/{smaller:,} posts: {ratio:5.2f}x"
            f"   (target for 1M/100k: <= {TARGET_RATIO:g}x; size ratio {larger / smaller:g}x)"
        )
    if 1_000_000 in timings:
        seconds = timings[1_000_000]
        print(f"1M posts: {seconds:.3f} s   (target: <= {TARGET_SECONDS_1M:g} s on one core)")


if __name__ == "__main__":
    main()
