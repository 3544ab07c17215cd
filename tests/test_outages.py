"""When the database goes away, every route says so (503 + Retry-After) instead
of failing with a 500 or hanging, and the app recovers by itself.

The PostgreSQL tests start a cluster of their own (initdb into a temporary
folder, another port), serve the real app against it with uvicorn, then stop,
restart, freeze (SIGSTOP) and thaw that cluster. They skip with a reason when
initdb is missing and fail instead when GIVEASK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.db import SessionDep, make_engine
from tests.conftest import World, build_world, migrate
from tests.live import Server, ThrowawayPostgres, need_initdb, start_server

RETRY_AFTER = "3"
# Every call has a deadline: a hang fails the test instead of freezing the run.
CALL_TIMEOUT = 30.0
SERVER_ENV = {
    "GIVEASK_DB_CONNECT_TIMEOUT": "2",
    "GIVEASK_DB_STATEMENT_TIMEOUT": "2",
    "GIVEASK_DB_POOL_TIMEOUT": "2",
    "GIVEASK_HEALTH_TIMEOUT": "1",
    "GIVEASK_DB_RETRY_AFTER": RETRY_AFTER,
}


@dataclass
class Outage:
    postgres: ThrowawayPostgres
    server: Server
    world: World
    api: httpx.Client
    browser: httpx.Client

    def posts_path(self) -> str:
        return self.world.path("/posts")

    def page_path(self) -> str:
        return f"/w/{self.world.workspace_id}/calendar"


def _sign_in(client: httpx.Client, world: World) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": world.users["editor"],
                                           "password": world.passwords["editor"],
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    pytest.importorskip("psycopg")
    initdb, pg_ctl, user = need_initdb()
    postgres = ThrowawayPostgres(initdb=initdb, pg_ctl=pg_ctl, user=user)
    server = None
    try:
        postgres.create()
        with psycopg.connect(postgres.url(), autocommit=True, connect_timeout=10) as admin:
            admin.execute("CREATE DATABASE giveask")
        url = postgres.url("giveask")
        migrate(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            world = build_world(session)
        engine.dispose()
        server = start_server(url, tmp_path_factory.mktemp("outage"), env=SERVER_ENV)
        with httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT,
                          headers=world.auth("editor")) as api, \
                httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT) as browser:
            _sign_in(browser, world)
            yield Outage(postgres=postgres, server=server, world=world, api=api,
                         browser=browser)
    finally:
        if server is not None:
            server.stop()
        postgres.destroy()


def assert_all_up(outage: Outage) -> None:
    posts = outage.api.get(outage.posts_path())
    assert posts.status_code == 200, posts.text
    page = outage.browser.get(outage.page_path())
    assert page.status_code == 200, page.text
    health = outage.api.get("/healthz")
    assert health.status_code == 200
    assert health.json()["database"] == "ok"


def assert_all_unavailable(outage: Outage) -> None:
    posts = outage.api.get(outage.posts_path())
    assert posts.status_code == 503, posts.text
    assert posts.headers["retry-after"] == RETRY_AFTER
    assert posts.headers["content-type"].startswith("application/problem+json")
    assert posts.json()["status"] == 503

    page = outage.browser.get(outage.page_path())
    assert page.status_code == 503
    assert page.headers["retry-after"] == RETRY_AFTER
    assert page.headers["content-type"].startswith("text/html")
    assert "cannot reach its database" in page.text

    health = outage.api.get("/healthz")
    assert health.status_code == 503
    assert health.headers["retry-after"] == RETRY_AFTER
    assert health.json()["status"] == "unhealthy"


def new_post(world: World, label: str) -> dict[str, object]:
    return {"channel_id": world.channel_id, "scheduled_at": "2026-11-24T09:00:00+01:00",
            "kind": "give", "category": "share", "text": f"Outage post {label}"}


@pytest.mark.postgres
class TestPostgresOutages:
    def test_a_stopped_database_is_a_503_everywhere_and_the_app_recovers(self, outage):
        assert_all_up(outage)
        before = len(outage.api.get(outage.posts_path()).json()["items"])

        outage.postgres.stop()
        try:
            assert_all_unavailable(outage)
            write = outage.api.post(outage.posts_path(), json=new_post(outage.world, "down"))
            assert write.status_code == 503
            assert write.headers["retry-after"] == RETRY_AFTER
        finally:
            outage.postgres.start()

        # The same process, no restart: broken pooled connections are replaced.
        assert_all_up(outage)
        after = outage.api.get(outage.posts_path()).json()["items"]
        assert len(after) == before  # the refused write left nothing behind
        created = outage.api.post(outage.posts_path(), json=new_post(outage.world, "back"))
        assert created.status_code == 201, created.text

    def test_a_hung_database_is_a_503_not_a_hang(self, outage):
        assert_all_up(outage)
        outage.postgres.freeze()
        try:
            # Each call returns (its deadline would fail the test otherwise),
            # ended by the app's own connect and statement timeouts.
            assert_all_unavailable(outage)
        finally:
            outage.postgres.thaw()
        assert_all_up(outage)

    def test_a_database_that_hangs_mid_request_is_given_up_on(self, outage):
        """The database freezes after a connection was checked out (no pre-ping
        can notice): the statement still returns, as an outage, and the
        connection is replaced afterwards."""
        from app.config import Settings
        from app.outage import outage_kind

        settings = Settings(db_statement_timeout=1, db_connect_timeout=2)
        engine = make_engine(outage.postgres.url("giveask"), settings=settings)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                outage.postgres.freeze()
                try:
                    with pytest.raises(DBAPIError) as hung:
                        connection.execute(text("SELECT 2"))
                finally:
                    outage.postgres.thaw()
            assert hung.value.connection_invalidated
            assert outage_kind(hung.value) == "unavailable"
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 3")).scalar() == 3
        finally:
            engine.dispose()

    def test_a_slow_statement_is_cancelled_as_an_outage(self, outage):
        from app.config import Settings
        from app.outage import outage_kind

        engine = make_engine(outage.postgres.url("giveask"),
                             settings=Settings(db_statement_timeout=1))
        try:
            with engine.connect() as connection, pytest.raises(DBAPIError) as slow:
                connection.execute(text("SELECT pg_sleep(10)"))
            assert isinstance(slow.value.orig, psycopg.errors.QueryCanceled)
            assert outage_kind(slow.value) == "unavailable"
        finally:
            engine.dispose()

    def test_the_server_log_names_the_cause_without_sql(self, outage):
        log = outage.server.log()
        assert "database unavailable on GET" in log
        assert "SELECT" not in log


def test_database_errors_that_are_bugs_stay_500(app, client, world, backend):
    """A broken query is our bug, not an outage: 500, and no Retry-After that
    would invite clients to hammer it."""
    table = f"no_such_table_{uuid.uuid4().hex[:6]}"

    @app.get("/api/v1/test-broken-query")
    def broken(session: SessionDep) -> dict[str, str]:
        session.execute(text(f"SELECT * FROM {table}"))
        return {}

    @app.get("/test-broken-page")
    def broken_page(session: SessionDep) -> dict[str, str]:
        session.execute(text(f"SELECT * FROM {table}"))
        return {}

    @app.post("/api/v1/test-duplicate")
    def duplicate(session: SessionDep) -> dict[str, str]:
        session.execute(text("INSERT INTO workspace SELECT * FROM workspace LIMIT 1"))
        return {}

    for response in (client.get("/api/v1/test-broken-query"), client.get("/test-broken-page"),
                     client.post("/api/v1/test-duplicate")):
        assert response.status_code == 500
        assert "retry-after" not in response.headers
    # The app still serves after them.
    assert client.get(world.path("/posts"), headers=world.auth("viewer")).status_code == 200


def test_sqlite_that_cannot_be_opened_is_a_503_with_a_friendly_page(tmp_path: Path) -> None:
    """The database file goes away (a missing volume): pages, API and /healthz
    answer 503 with Retry-After, and all is well again once it is back."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.db import set_engine
    from app.main import create_app

    url = f"sqlite:///{tmp_path / 'giveask.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
    gone = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'giveask.db'}")
    set_engine(engine)
    try:
        app = create_app(Settings(env="test", secret_key="outage-test-secret-0123456789abcdef"))
        with TestClient(app, raise_server_exceptions=False) as client:
            _sign_in(client, world)
            page_path = f"/w/{world.workspace_id}/calendar"
            assert client.get(page_path).status_code == 200

            set_engine(gone)
            page = client.get(page_path)
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "cannot reach its database" in page.text
            assert int(page.headers["retry-after"]) > 0
            api = client.get(world.path("/posts"), headers=world.auth("viewer"))
            assert api.status_code == 503
            assert api.headers["content-type"].startswith("application/problem+json")
            assert int(api.headers["retry-after"]) > 0
            health = client.get("/healthz")
            assert health.status_code == 503
            assert int(health.headers["retry-after"]) > 0

            set_engine(engine)
            assert client.get(page_path).status_code == 200
            assert client.get("/healthz").status_code == 200
    finally:
        set_engine(None)
        engine.dispose()
        gone.dispose()
