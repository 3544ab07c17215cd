"""A burst of requests larger than the database pool is served in turns, not
stalled until the pool's timeout answers 503 (app/admission.py).

A real uvicorn server on a SQLite file, its thread pool and database pool cut
to two so that a burst of two dozen requests is many times what it can hold:
each request holds a connection from its first query to its commit and needs
threads in between, so without a queue at the door the requests waiting for a
connection take every thread and those holding one can never finish.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from tests.conftest import World, build_world, migrate
from tests.live import Server, start_server

BURST = 24
# Far longer than a fair turn takes, far shorter than a stall lasts.
CALL_TIMEOUT = 30.0


@pytest.fixture()
def small_server(tmp_path: Path) -> Iterator[tuple[Server, World]]:
    url = f"sqlite:///{tmp_path / 'giveask.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
    engine.dispose()
    server = start_server(url, tmp_path, env={"GIVEASK_THREADS": "2",
                                              "GIVEASK_DB_POOL_SIZE": "2",
                                              "GIVEASK_DB_POOL_TIMEOUT": "3"})
    try:
        yield server, world
    finally:
        server.stop()


def test_a_burst_larger_than_the_pool_is_served_in_turns(small_server):
    server, world = small_server
    headers = {"Authorization": f"Bearer {world.tokens['editor']}"}
    paths = [f"/api/v1/workspaces/{world.workspace_id}/calendar",
             f"/api/v1/workspaces/{world.workspace_id}/posts",
             f"/api/v1/workspaces/{world.workspace_id}/channels"]

    def ask(number: int) -> int:
        with httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT) as client:
            if number % 4 == 3:
                created = client.post(
                    f"/api/v1/workspaces/{world.workspace_id}/posts", headers=headers,
                    json={"channel_id": world.channel_id, "kind": "give", "text": f"n{number}",
                          "scheduled_at": "2031-03-03T09:00:00+01:00"})
                return created.status_code
            return client.get(paths[number % 3], headers=headers).status_code

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        statuses = list(pool.map(ask, range(BURST)))
        # The health check goes past the queue while the burst is served.
        health = httpx.get(server.url + "/healthz", timeout=CALL_TIMEOUT)

    assert statuses.count(503) == 0, (statuses, server.log()[-2000:])
    assert sorted(set(statuses)) == [200, 201], statuses
    assert health.status_code == 200
    with httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT) as client:
        posts = client.get(f"/api/v1/workspaces/{world.workspace_id}/posts", headers=headers,
                           params={"limit": 100}).json()["items"]
    # Every write in the burst was saved once.
    assert len([p for p in posts if p["text"].startswith("n")]) == BURST // 4
