"""A team editing at once: no 5xx, no lost update, readers never queued.

Twenty editors, each with a client and a token of their own, read a post and
PATCH it with If-Match, on one post they share and on one post each, for
several rounds, against the real app served by uvicorn (two worker processes)
on a file SQLite database, and the same against PostgreSQL. On SQLite a read
goes on while another connection holds the write lock, and a write that cannot
get the lock within busy_timeout is a 503 with Retry-After, not a 500.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.db import make_engine
from app.models import User, Workspace
from app.services.tokens import create_token
from tests.conftest import World, build_world, migrate
from tests.live import Server, start_server

EDITORS = 20
ROUNDS = 4
CALL_TIMEOUT = 60.0
# Generous bounds: the machine running the tests may be busy; the point here
# is that writers queue and nothing is lost, not how fast.
EDITORS_ENV = {"GIVEASK_DB_BUSY_TIMEOUT": "20", "GIVEASK_DB_POOL_TIMEOUT": "20"}


@dataclass
class Site:
    backend: str
    database_url: str
    server: Server
    world: World
    tokens: list[str] = field(default_factory=list)
    folder: Path = Path()

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def _seed(url: str) -> tuple[World, list[str]]:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        workspace = session.get(Workspace, world.workspace_id)
        editor = session.exec(select(User).where(User.email == world.users["editor"])).one()
        assert workspace is not None
        tokens = [create_token(session=session, workspace=workspace, role="editor",
                               name=f"editor {n}", created_by_id=editor.id)[1]
                  for n in range(EDITORS + 1)]
        session.commit()
    engine.dispose()
    return world, tokens


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("editors")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'giveask.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create("editors")
    migrate(url)
    world, tokens = _seed(url)
    server = start_server(url, folder, env=EDITORS_ENV, workers=2)
    try:
        yield Site(backend=request.param, database_url=url, server=server, world=world,
                   tokens=tokens, folder=folder)
    finally:
        server.stop()


def _new_post(site: Site, client: httpx.Client, label: str) -> str:
    response = client.post(site.world.path("/posts"), json={
        "channel_id": site.world.channel_id, "scheduled_at": "2026-11-24T09:00:00+01:00",
        "kind": "give", "category": "share", "text": label})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@dataclass
class Outcome:
    post_id: str
    status: int
    version: int | None = None
    text: str | None = None


def _editor(site: Site, token: str, number: int, shared: str, own: str,
            barrier: threading.Barrier, outcomes: list[Outcome], others: list[int]) -> None:
    with httpx.Client(base_url=site.server.url, timeout=CALL_TIMEOUT,
                      headers=site.auth(token)) as client:
        for round_ in range(ROUNDS):
            barrier.wait(timeout=CALL_TIMEOUT)
            for post_id in (shared, own):
                path = site.world.path(f"/posts/{post_id}")
                read = client.get(path)
                if read.status_code != 200:
                    others.append(read.status_code)
                    continue
                text = f"editor {number} round {round_} on {post_id}"
                write = client.patch(path, json={"text": text},
                                     headers={"If-Match": read.headers["etag"]})
                outcome = Outcome(post_id=post_id, status=write.status_code)
                if write.status_code == 200:
                    outcome.version, outcome.text = write.json()["version"], text
                outcomes.append(outcome)


def test_twenty_editors_lose_no_update_and_see_no_server_error(site: Site) -> None:
    with httpx.Client(base_url=site.server.url, timeout=CALL_TIMEOUT,
                      headers=site.auth(site.tokens[0])) as setup:
        shared = _new_post(site, setup, "shared")
        own = [_new_post(site, setup, f"own {n}") for n in range(EDITORS)]

    barrier = threading.Barrier(EDITORS)
    outcomes: list[Outcome] = []
    failed_reads: list[int] = []
    threads = [threading.Thread(target=_editor, args=(
        site, site.tokens[n + 1], n, shared, own[n], barrier, outcomes, failed_reads))
        for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=ROUNDS * CALL_TIMEOUT * 3)
    assert not any(thread.is_alive() for thread in threads)

    assert failed_reads == []
    assert len(outcomes) == EDITORS * ROUNDS * 2
    statuses = sorted({o.status for o in outcomes})
    assert all(status < 500 for status in statuses), site.server.log()
    assert set(statuses) <= {200, 412}

    with httpx.Client(base_url=site.server.url, timeout=CALL_TIMEOUT,
                      headers=site.auth(site.tokens[0])) as check:
        # Each editor's own post: nobody else wrote it, so every PATCH landed.
        for n, post_id in enumerate(own):
            mine = [o for o in outcomes if o.post_id == post_id]
            assert [o.status for o in mine] == [200] * ROUNDS
            final = check.get(site.world.path(f"/posts/{post_id}")).json()
            assert final["version"] == 1 + ROUNDS
            assert final["text"] == f"editor {n} round {ROUNDS - 1} on {post_id}"

        # The shared post: each accepted PATCH made exactly one new version,
        # the refused ones (stale If-Match) none, and the last accepted is what stays.
        accepted = [o for o in outcomes if o.post_id == shared and o.status == 200]
        assert accepted
        versions = sorted(o.version for o in accepted if o.version is not None)
        assert versions == list(range(2, 2 + len(accepted)))
        final = check.get(site.world.path(f"/posts/{shared}")).json()
        assert final["version"] == 1 + len(accepted)
        last = max(accepted, key=lambda o: o.version or 0)
        assert final["text"] == last.text


def test_sqlite_reads_go_on_while_a_writer_holds_the_lock(
        site: Site, tmp_path: Path) -> None:
    """Another connection holds BEGIN IMMEDIATE: a GET still answers 200 (even
    with a token whose last-used time is due an update), and a PATCH waits
    busy_timeout (1 s here), then answers 503 + Retry-After and saves nothing."""
    if site.backend != "sqlite":
        pytest.skip("SQLite's write lock")
    server = start_server(site.database_url, tmp_path,
                          env={"GIVEASK_DB_BUSY_TIMEOUT": "1"})
    fresh_token = site.tokens[-1]  # never used before this test
    try:
        with httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT,
                          headers=site.auth(site.tokens[0])) as client:
            post_id = _new_post(site, client, "locked")
            path = site.world.path(f"/posts/{post_id}")
            holder = sqlite3.connect(site.database_url.removeprefix("sqlite:///"),
                                     isolation_level=None, timeout=CALL_TIMEOUT)
            try:
                holder.execute("BEGIN IMMEDIATE")
                holder.execute("UPDATE post SET text = 'uncommitted' WHERE id = ?",
                               (post_id,))
                read = client.get(path, headers=site.auth(fresh_token))
                assert read.status_code == 200
                assert read.json()["text"] == "locked"  # the committed state
                assert client.get(site.world.path("/posts")).status_code == 200

                write = client.patch(path, json={"text": "waited"},
                                     headers={"If-Match": read.headers["etag"]})
                assert write.status_code == 503
                assert write.headers["content-type"].startswith("application/problem+json")
                assert int(write.headers["retry-after"]) >= 1
                assert write.json()["status"] == 503
            finally:
                holder.execute("ROLLBACK")
                holder.close()

            after = client.get(path)
            assert after.json()["version"] == 1  # the refused PATCH saved nothing
            retried = client.patch(path, json={"text": "waited"},
                                   headers={"If-Match": after.headers["etag"]})
            assert retried.status_code == 200
    finally:
        server.stop()
