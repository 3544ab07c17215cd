"""Revision 0005 on a database with posts: story ids that named no table before
become stories of their own, so nothing planned loses its grouping."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import text

from app.cli import alembic_config
from app.db import make_engine
from tests.conftest import PostgresDatabases


@pytest.fixture()
def empty_url(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'stories.db'}"
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return databases.create("stories")


POST = ("INSERT INTO post (id, workspace_id, channel_id, scheduled_at, kind, text, status, "
        "story_id, episode, series_id, version, created_at, updated_at) VALUES "
        "(:id, :ws, :ch, :at, 'give', 'x', 'draft', :story, :episode, :series, 1, :now, :now)")


def seed(url: str) -> None:
    engine = make_engine(url)
    now = datetime(2026, 11, 1, 9, 0)
    with engine.begin() as connection:
        for ws in ("ws-a", "ws-b"):
            connection.execute(text(
                "INSERT INTO workspace (id, name, timezone, rules_preset, allow_self_approval, "
                "version, created_at, updated_at) VALUES (:id, :id, 'UTC', 'beth_dunn', false, "
                "1, :now, :now)"), {"id": ws, "now": now})
            connection.execute(text(
                "INSERT INTO channel (id, workspace_id, name, platform, version, created_at, "
                "updated_at) VALUES (:id, :ws, :id, '', 1, :now, :now)"),
                {"id": f"ch-{ws}", "ws": ws, "now": now})
        rows = [("p1", "ws-a", "launch", 1, None, 1), ("p2", "ws-a", "launch", 1, "s-1", 2),
                ("p3", "ws-a", "launch", 2, None, 3), ("p4", "ws-b", "launch", 1, None, 4),
                ("p5", "ws-a", None, None, None, 5)]
        for post_id, ws, story, episode, series, day in rows:
            connection.execute(text(POST), {
                "id": post_id, "ws": ws, "ch": f"ch-{ws}", "at": datetime(2026, 11, day, 9),
                "story": story, "episode": episode, "series": series, "now": now})
    engine.dispose()


class TestLooseStoryIds:
    def test_become_stories_and_the_foreign_keys_hold(self, empty_url):
        config = alembic_config(empty_url)
        command.upgrade(config, "0004")
        seed(empty_url)
        command.upgrade(config, "head")
        engine = make_engine(empty_url)
        try:
            with engine.connect() as connection:
                stories = connection.execute(text(
                    "SELECT id, workspace_id, name FROM story")).all()
                posts = dict(
                    (row[0], tuple(row[1:])) for row in connection.execute(text(
                        "SELECT id, story_id, episode, series_id FROM post ORDER BY id")))
        finally:
            engine.dispose()
        assert [tuple(s) for s in stories] == [("launch", "ws-a", "Story launch")]
        assert posts == {
            "p1": ("launch", 1, None),
            "p2": ("launch", None, None),  # a repeated episode 1 loses its number
            "p3": ("launch", 2, None),
            "p4": (None, None, None),  # the same id in another workspace leaves it
            "p5": (None, None, None),
        }
