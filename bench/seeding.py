"""The benchmarks' workspace: one workspace in Europe/Berlin with 20 channels,
each posting a few times a day (mostly gives, about one ask in ten) back in
time from two weeks after the week shown (ISO week 2026-W48), on a database
migrated as the app does.

    bench = setup("sqlite:///path/to.db")   # or a postgresql:// URL
    bench.add_history(20_000)               # older than every post so far
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine, new_id
from app.models import Channel, Post, Workspace
from app.rules import ASK_CATEGORIES, GIVE_CATEGORIES
from app.schemas import WorkspaceCreate
from app.services.tokens import create_token
from app.services.users import create_user, set_membership
from app.services.workspaces import create_workspace

CHANNELS = 20
TIMEZONE = "Europe/Berlin"
WEEK = date(2026, 11, 23)  # the Monday of the week shown, ISO week 2026-W48
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
            if self.engine.dialect.name == "postgresql":
                copy_posts(self.engine, rows)
            else:
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

    def channel_ids(self) -> list[str]:
        return [s.channel_id for s in self.streams]

    def add_token(self, role: str, name: str = "bench") -> str:
        """The secret of a new API token of this workspace with `role`."""
        with Session(self.engine, expire_on_commit=False) as session:
            workspace = session.get(Workspace, self.workspace_id)
            assert workspace is not None
            _, secret = create_token(session=session, workspace=workspace, role=role,
                                     name=name, created_by_id=None)
            session.commit()
        return secret

    def add_member(self, role: str) -> tuple[str, str]:
        """A new account with `role` in the workspace: its email and password."""
        email = f"{role}-{new_id()[-8:]}@bench.giveask.test"
        password = f"bench-{role}-password-{new_id()}"
        with Session(self.engine, expire_on_commit=False) as session:
            user = create_user(session=session, email=email, password=password,
                               name=f"Bench {role}")
            set_membership(session=session, workspace_id=self.workspace_id,
                           user_id=user.id, role=role)
            session.commit()
        return email, password


def copy_posts(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Rows into PostgreSQL's post table with one COPY: a single statement, so
    the table's statement triggers run once, not once a row as with an
    executemany. Values go through the columns' own bind processing (times as
    naive UTC) and missing columns get their scalar defaults, as an INSERT would."""
    table: Any = Post.__table__  # type: ignore[attr-defined]
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in rows[0] and c.default is not None and c.default.is_scalar}
    names = [*rows[0], *defaults]
    binds = [table.c[name].type.bind_processor(engine.dialect) for name in names]
    columns = ", ".join(f'"{name}"' for name in names)
    raw: Any = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [row.get(name, defaults.get(name)) for name in names]
                copy.write_row([bind(value) if bind else value
                                for bind, value in zip(binds, values, strict=True)])
        raw.commit()
    finally:
        raw.close()


def setup(url: str) -> Bench:
    """A migrated database at `url` with the workspace, its channels and a viewer
    token, and no post yet."""
    run_migrations(url)
    engine = make_engine(url, statement_timeout=0)
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


def week_query() -> dict[str, str]:
    """`start` and `end` of the week shown, local midnights with their offset."""
    start = datetime.combine(WEEK, datetime.min.time(), tzinfo=ZoneInfo(TIMEZONE))
    return {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()}


def count_posts(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Post)).scalar_one())
