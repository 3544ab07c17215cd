"""What webhooks cost a large change, and how fast a worker delivers.

A migrated SQLite database in a temporary directory, one workspace with one
channel. One transaction adds N posts the way an import does (add them all,
record each in the audit history) and commits; timed with no webhook, with a
webhook on ``post.created`` (N outbox rows written in the same commit) and with
one on ``finding.added`` too (the findings of the touched span computed once).
Then a worker delivers the outbox to a local HTTP receiver on 127.0.0.1 and the
deliveries per second are printed. Figures only: nothing here fails on a slow
machine.

    .venv/bin/python bench/webhooks.py [--posts 10000] [--deliveries 500]
"""

from __future__ import annotations

import os
import sys

# This folder holds a calendar.py that would stand in for the standard library's.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import Engine, func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.models import Channel, Post, Webhook, WebhookDelivery, Workspace  # noqa: E402
from app.services import audit, webhook_events  # noqa: E402
from app.services.access import Access, Principal  # noqa: E402
from app.services.webhook_delivery import deliver_due  # noqa: E402
from app.services.webhook_signing import new_secret  # noqa: E402


def migrated(path: str) -> Engine:
    from alembic import command

    from app.cli import alembic_config

    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "head")
    return make_engine(url)


def workspace(engine: Engine, events: list[list[str]], url: str) -> tuple[str, str]:
    with Session(engine) as session:
        space = Workspace(name="Bench", timezone="Europe/Berlin")
        session.add(space)
        session.flush()
        channel = Channel(workspace_id=space.id, name="LinkedIn", platform="linkedin")
        session.add(channel)
        for names in events:
            session.add(Webhook(workspace_id=space.id, url=url, events=names,
                                secret=new_secret()))
        session.commit()
        return space.id, channel.id


def import_posts(engine: Engine, workspace_id: str, channel_id: str, count: int) -> float:
    start_at = datetime.now(UTC) + timedelta(days=7)
    with Session(engine) as session:
        space = session.get(Workspace, workspace_id)
        assert space is not None
        access = Access(workspace=space, role="editor", principal=Principal())
        began = time.perf_counter()
        posts = [Post(workspace_id=workspace_id, channel_id=channel_id,
                      scheduled_at=start_at + timedelta(hours=7 * n),
                      kind="ask" if n % 9 == 0 else "give",
                      category="offer" if n % 9 == 0 else "share",
                      text=f"Post {n}", status="draft") for n in range(count)]
        session.add_all(posts)
        for post in posts:
            audit.record(session=session, access=access, subject_type="post",
                         subject_id=post.id, action="created", after=audit.post_snapshot(post))
        session.commit()
        return time.perf_counter() - began


def outbox_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(WebhookDelivery)).one())


def receiver() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hooks"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--deliveries", type=int, default=500)
    args = parser.parse_args()
    webhook_events.install()
    server, url = receiver()
    cases = {"no webhook": [], "post.created": [["post.created"]],
             "post.created + finding.added": [["post.created"], ["finding.added"]]}
    times = {}
    with tempfile.TemporaryDirectory() as folder:
        for n, (label, events) in enumerate(cases.items()):
            engine = migrated(os.path.join(folder, f"case{n}.db"))
            workspace_id, channel_id = workspace(engine, events, url)
            times[label] = import_posts(engine, workspace_id, channel_id, args.posts)
            print(f"{label:32s} {args.posts} posts in {times[label]:6.2f} s, "
                  f"{outbox_rows(engine)} outbox rows")
            engine.dispose()
        base = times["no webhook"]
        for label, seconds in times.items():
            print(f"  {label:30s} {seconds / base:5.2f}x the commit without webhooks")

        engine = migrated(os.path.join(folder, "deliver.db"))
        workspace_id, channel_id = workspace(engine, [["post.created"]], url)
        import_posts(engine, workspace_id, channel_id, args.deliveries)
        began = time.perf_counter()
        delivered = 0
        while delivered < args.deliveries:
            done, failed = deliver_due(engine=engine, now=datetime.now(UTC), allow_private=True)
            if not done and not failed:
                break
            delivered += done
        seconds = time.perf_counter() - began
        print(f"one worker delivered {delivered} webhooks in {seconds:.2f} s "
              f"({delivered / seconds:.0f} a second)")
        engine.dispose()
    server.shutdown()


if __name__ == "__main__":
    main()
