"""The real app served by uvicorn on 127.0.0.1, on a migrated database with a
seeded workspace: for the generated-client test and the fuzzing run, which talk
to it over HTTP as any client would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
SECRET = "served-app-secret-0123456789abcdef-0123456789"


@dataclass(frozen=True)
class Seeded:
    workspace_id: str
    channel_id: str
    post_id: str
    story_id: str
    series_id: str
    admin_token: str
    # A second set, for callers that delete: the first set stays for the others.
    spare_channel_id: str
    spare_post_id: str
    spare_story_id: str
    spare_series_id: str


@dataclass(frozen=True)
class Served:
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def migrate(url: str) -> None:
    from alembic import command

    from app.cli import alembic_config

    command.upgrade(alembic_config(url), "head")


def seed(database_url: str) -> Seeded:
    """A workspace with an admin token, a channel, a story and a few posts, made
    through the services as the command line would."""
    from app.db import make_engine
    from app.schemas import ChannelCreate, PostCreate, WorkspaceCreate
    from app.schemas_stories import SeriesCreate, StoryCreate
    from app.services import channels, posts, series, stories
    from app.services.access import Access, Principal
    from app.services.tokens import create_token
    from app.services.workspaces import create_workspace

    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            workspace = create_workspace(session=session, data=WorkspaceCreate(
                name="Served Café", timezone="Europe/Berlin"), admin_user_id=None)
            token, secret = create_token(session=session, workspace=workspace, role="admin",
                                         name="served admin", created_by_id=None)
            access = Access(workspace=workspace, role="admin", principal=Principal(
                token_id=token.id, token_workspace_id=workspace.id, token_role="admin"))
            channel = channels.create_channel(session=session, access=access, data=ChannelCreate(
                name="Mastodon – Café", platform="mastodon", started_on=date(2026, 1, 5)))
            story = stories.create_story(session=session, access=access,
                                         data=StoryCreate(name="Winter blend"))
            spare_channel = channels.create_channel(session=session, access=access,
                                                    data=ChannelCreate(name="Spare channel"))
            spare_story = stories.create_story(session=session, access=access,
                                               data=StoryCreate(name="Spare story"))
            monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
            first = None
            for day, kind in enumerate(("give", "give", "ask", "give")):
                post, _ = posts.create_post(session=session, access=access, data=PostCreate(
                    channel_id=channel.id, scheduled_at=monday + timedelta(days=day),
                    kind=kind, text=f"Post {day} of the week",
                    story_id=story.id if kind == "ask" else None,
                    episode=1 if kind == "ask" else None))
                first = first or post
            weekly = [series.create_series(
                session=session, access=access, data=SeriesCreate.model_validate({
                    "channel_id": channel.id, "name": name, "kind": "give",
                    "text": "This week's brewing tip.", "rrule": "FREQ=WEEKLY;BYDAY=TU",
                    "starts_on": "2026-12-01", "time": "09:00", "count": 4}))
                for name in ("Tip Tuesday", "Spare series")]
            spare_post, _ = posts.create_post(session=session, access=access, data=PostCreate(
                channel_id=spare_channel.id, scheduled_at=monday, kind="give", text="Spare"))
            session.commit()
            assert first is not None
            return Seeded(workspace_id=workspace.id, channel_id=channel.id, post_id=first.id,
                          story_id=story.id, series_id=weekly[0].id, admin_token=secret,
                          spare_channel_id=spare_channel.id, spare_post_id=spare_post.id,
                          spare_story_id=spare_story.id, spare_series_id=weekly[1].id)
    finally:
        engine.dispose()


@contextmanager
def serve(database_url: str, folder: Path) -> Iterator[Served]:
    """uvicorn serving the app on a free port until the block ends."""
    port = free_port()
    env = {**os.environ, "GIVEASK_DATABASE_URL": database_url, "GIVEASK_SECRET_KEY": SECRET,
           "GIVEASK_ENV": "test"}
    log_path = folder / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    served = Served(url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(served.url + "/healthz", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the app did not start:\n" + served.log()) from None
                time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
