"""A 10,000-row CSV import: the dry run (review and findings) and the real
import (one transaction), against a reference in the same run: creating the
same posts one by one through the posts service, as a script calling the API
per post would. Printed: seconds and rows per second for each, and the ratio.
SQLite in a temporary directory; PostgreSQL too when GIVEASK_TEST_DATABASE_URL
is set (its tables are made in a throwaway database). Figures only.

    .venv/bin/python bench/imports.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.models import Channel  # noqa: E402
from app.schemas import PostCreate, WorkspaceCreate  # noqa: E402
from app.services import imports, posts  # noqa: E402
from app.services.access import Access, Principal, workspace_access  # noqa: E402
from app.services.tokens import create_token  # noqa: E402
from app.services.workspaces import create_workspace  # noqa: E402


def big_file(rows: int) -> bytes:
    lines = ["Date,Text,Link(s),Label(s)"]
    start = datetime(2031, 1, 1, 8, 0)
    for i in range(rows):
        # Four posts a day between 08:00 and 17:00: never at a clock change.
        at = start + timedelta(days=i // 4, hours=3 * (i % 4))
        lines.append(f"{at:%Y-%m-%d %H:%M},Post number {i},,"
                     f"{'offer' if i % 10 == 9 else 'help'}")
    return ("\n".join(lines) + "\n").encode()


def setup(url: str) -> tuple[object, str, str]:
    from alembic import command

    from app.cli import alembic_config

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine) as session:
        workspace = create_workspace(session=session, data=WorkspaceCreate(
            name=f"Bench {uuid.uuid4().hex[:6]}", timezone="Europe/Berlin"), admin_user_id=None)
        token, _ = create_token(session=session, workspace=workspace, role="admin",
                                name="bench", created_by_id=None)
        channels = []
        for name in ("Import", "One by one"):
            channel = Channel(workspace_id=workspace.id, name=name, platform="linkedin")
            session.add(channel)
            channels.append(channel)
        session.commit()
        return engine, workspace.id, token.id + "|" + channels[0].id + "|" + channels[1].id


def access_for(session: Session, workspace_id: str, token_id: str) -> Access:
    return workspace_access(session=session, principal=Principal(token_id=token_id,
                                                                 token_role="admin",
                                                                 token_workspace_id=workspace_id),
                            workspace_id=workspace_id)


def measure(label: str, url: str, rows: int) -> None:
    engine, workspace_id, ids = setup(url)
    token_id, import_channel, reference_channel = ids.split("|")
    data = big_file(rows)
    options = imports.ImportOptions(filename="bench.csv", channel_id=import_channel)
    with Session(engine) as session:
        access = access_for(session, workspace_id, token_id)
        started = time.perf_counter()
        plan = imports.prepare(session=session, access=access, data=data, options=options)
        dry = time.perf_counter() - started
        assert not plan.errors, plan.errors[:3]
    with Session(engine) as session:
        access = access_for(session, workspace_id, token_id)
        started = time.perf_counter()
        result = imports.run_import(session=session, access=access, data=data, options=options)
        session.commit()
        real = time.perf_counter() - started
        assert result.run.created == rows
    with Session(engine) as session:
        access = access_for(session, workspace_id, token_id)
        started = time.perf_counter()
        for row in plan.rows:
            posts.create_post(session=session, access=access, data=PostCreate(
                channel_id=reference_channel, scheduled_at=row.at, kind=row.kind,
                category=row.category, text=row.text))
        session.commit()
        one_by_one = time.perf_counter() - started
    print(f"{label}: {rows:,} rows")
    print(f"  dry run (review + findings) {dry:7.2f} s  {rows / dry:9,.0f} rows/s")
    print(f"  import (one transaction)    {real:7.2f} s  {rows / real:9,.0f} rows/s")
    print(f"  one by one (posts service)  {one_by_one:7.2f} s  {rows / one_by_one:9,.0f} rows/s")
    print(f"  import is {one_by_one / real:.1f}x faster than one by one; "
          f"dry run + import take {(dry + real) / one_by_one:.2f}x its time")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=imports.MAX_IMPORT_ROWS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{folder}/bench.db", args.rows)
    server = os.environ.get("GIVEASK_TEST_DATABASE_URL")
    if server:
        name = f"bench_imports_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            measure("PostgreSQL", server.rsplit("/", 1)[0] + "/" + name, args.rows)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
