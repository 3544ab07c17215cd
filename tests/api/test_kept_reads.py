"""Kept calendar weeks sent from the event loop (app/services/kept_reads.py).

On PostgreSQL a kept week is sent after one query, without the route. These
tests hold that shortcut to the route's answer byte for byte, and to every
refusal the route would give: an edit, a revoked token, another workspace's
token and a stale last-used mark all take effect on the very next request.
The data is committed (the usual fixtures' rolled-back transaction is invisible
to another connection, as it would be to another process).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import set_engine
from app.services.kept_reads import APPLICATION_NAME, KeptReads, connect_options
from tests.api.test_analysis import add_post, day
from tests.conftest import World, build_world

WEEK = {"start": day(0, 0).isoformat(), "end": day(7, 0).isoformat()}


@dataclass
class Served:
    client: TestClient
    engine: Engine
    world: World

    @property
    def reads(self) -> KeptReads:
        reads = self.client.app.state.kept_reads  # type: ignore[attr-defined]
        assert isinstance(reads, KeptReads)
        return reads

    def get(self, role: str = "viewer", params: dict[str, Any] | None = None,
            path: str = "/calendar", headers: dict[str, str] | None = None) -> Any:
        return self.client.get(self.world.path(path), params=WEEK if params is None else params,
                               headers=self.world.auth(role) if headers is None else headers)

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(statement), params)


@pytest.fixture()
def served(backend: str, fresh_engine: Engine, settings: Settings) -> Iterator[Served]:
    if backend != "postgresql":
        pytest.skip("kept reads on the event loop are PostgreSQL's")
    from app.main import create_app

    with Session(fresh_engine, expire_on_commit=False) as session:
        world = build_world(session)
    set_engine(fresh_engine)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            add_post(client, world, day(1, 9), "ask")
            add_post(client, world, day(2, 9), "give")
            yield Served(client=client, engine=fresh_engine, world=world)
    finally:
        set_engine(None)


def kept_twice(served: Served, **kwargs: Any) -> tuple[Any, Any, int]:
    """The week read twice: the route's answer, then the loop's, and how many
    of them the loop sent."""
    before = served.reads.served
    first = served.get(**kwargs)
    second = served.get(**kwargs)
    return first, second, served.reads.served - before


def test_a_kept_week_is_sent_from_the_loop_as_the_route_sends_it(served: Served) -> None:
    first, second, sent = kept_twice(served)
    assert first.status_code == second.status_code == 200
    assert sent == 1
    assert second.content == first.content
    for header in ("content-type", "content-length", "x-content-type-options",
                   "content-security-policy"):
        assert second.headers.get(header) == first.headers.get(header), header
    assert len(second.json()["posts"]) == 2


def test_the_kind_filter_and_the_default_week_are_kept_too(served: Served) -> None:
    first, second, sent = kept_twice(served, params={**WEEK, "kind": "ask"})
    assert sent == 1 and second.content == first.content
    assert [p["kind"] for p in second.json()["posts"]] == ["ask"]
    first, second, sent = kept_twice(served, params={})
    assert sent == 1 and second.content == first.content


def test_each_language_is_kept_apart_and_the_team_language_is_heard(served: Served) -> None:
    english_first, english, sent = kept_twice(served)
    assert sent == 1 and english.content == english_first.content
    german_headers = {**served.world.auth("viewer"), "Accept-Language": "de"}
    german_first, german, sent = kept_twice(served, headers=german_headers)
    assert sent == 1 and german.content == german_first.content
    english_words = [f["message"] for f in english.json()["findings"]]
    german_words = [f["message"] for f in german.json()["findings"]]
    assert english_words and len(german_words) == len(english_words)
    assert not set(german_words) & set(english_words)
    # A token without Accept-Language reads the team's language, from the loop too.
    served.sql("UPDATE workspace SET language = 'de' WHERE id = :id",
               id=served.world.workspace_id)
    before = served.reads.served
    assert served.get().content == german.content
    assert served.reads.served == before + 1


def test_an_edit_through_the_api_or_in_sql_is_seen_at_once(served: Served) -> None:
    kept_twice(served)
    post_id = served.get().json()["posts"][0]["id"]
    changed = served.client.patch(served.world.path(f"/posts/{post_id}"),
                                  headers=served.world.auth("editor"),
                                  json={"text": "Edited through the API"})
    assert changed.status_code == 200, changed.text
    texts = [p["text"] for p in served.get().json()["posts"]]
    assert "Edited through the API" in texts
    kept_twice(served)
    served.sql("UPDATE post SET text = 'Edited in SQL' WHERE id = :id", id=post_id)
    assert "Edited in SQL" in [p["text"] for p in served.get().json()["posts"]]


def test_a_revoked_token_is_refused_at_once(served: Served) -> None:
    _, second, sent = kept_twice(served)
    assert sent == 1 and second.status_code == 200
    served.sql("UPDATE api_token SET revoked_at = now()"
               " WHERE workspace_id = :w AND role = 'viewer'", w=served.world.workspace_id)
    refused = served.get()
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_another_workspaces_token_finds_nothing(served: Served) -> None:
    kept_twice(served)
    with Session(served.engine) as session:
        other = build_world(session, name="Other")
    # Their token used a moment ago (its last-used mark fresh), on their own week.
    assert served.client.get(other.path("/calendar"), params=WEEK,
                             headers=other.auth("admin")).status_code == 200
    # The same stamp as the kept week's: only the token's workspace tells them apart.
    served.sql("UPDATE workspace SET calendar_revision = w.calendar_revision, version = w.version"
               " FROM workspace w WHERE w.id = :mine AND workspace.id = :theirs",
               mine=served.world.workspace_id, theirs=other.workspace_id)
    before = served.reads.served
    answer = served.get(headers=other.auth("admin"))
    assert answer.status_code == 404
    assert served.reads.served == before


def test_a_stale_last_use_goes_the_usual_way_and_is_recorded(served: Served) -> None:
    kept_twice(served)
    served.sql("UPDATE api_token SET last_used_at = now() - interval '2 hours'"
               " WHERE workspace_id = :w AND role = 'viewer'", w=served.world.workspace_id)
    before = served.reads.served
    assert served.get().status_code == 200
    assert served.reads.served == before
    with served.engine.connect() as connection:
        age = connection.execute(text(
            "SELECT now() - last_used_at < interval '1 minute' FROM api_token"
            " WHERE workspace_id = :w AND role = 'viewer'"), {"w": served.world.workspace_id}
        ).scalar_one()
    assert age is True
    assert served.get().status_code == 200
    assert served.reads.served == before + 1


@pytest.mark.parametrize(("params", "status"), [
    ({**WEEK, "kind": "Ask"}, 422),
    ({"start": WEEK["start"]}, 422),
    ({"start": "yesterday", "end": WEEK["end"]}, 422),
    ({"start": WEEK["end"], "end": WEEK["start"]}, 422),
    ({**WEEK, "unknown": "1"}, 200),
])
def test_other_requests_go_the_usual_way(served: Served, params: dict[str, str],
                                         status: int) -> None:
    kept_twice(served)
    before = served.reads.served
    answer = served.get(params=params)
    assert answer.status_code == status, answer.text
    assert served.reads.served == before


def test_a_repeated_parameter_goes_the_usual_way(served: Served) -> None:
    kept_twice(served)
    before = served.reads.served
    query = f"start={WEEK['start']}&start={WEEK['start']}&end={WEEK['end']}".replace("+", "%2B")
    answer = served.client.get(served.world.path("/calendar") + "?" + query,
                               headers=served.world.auth("viewer"))
    assert answer.status_code == 200
    assert served.reads.served == before


def test_without_a_token_or_with_a_wrong_one_the_route_answers(served: Served) -> None:
    kept_twice(served)
    before = served.reads.served
    assert served.get(headers={}).status_code == 401
    assert served.get(headers={"Authorization": "Bearer gka_not-a-token"}).status_code == 401
    assert served.get(headers={"Authorization": "Basic abc"}).status_code == 401
    assert served.reads.served == before


def test_a_broken_connection_costs_one_request_the_usual_way(served: Served) -> None:
    first, _, sent = kept_twice(served)
    assert sent == 1
    served.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
               " WHERE application_name = :name AND datname = current_database()",
               name=APPLICATION_NAME)
    answers = [served.get() for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.content == first.content for a in answers)
    # The pool replaced what broke and, after its rest, the loop sends again.
    before = served.reads.served
    for _ in range(150):
        served.get()
        if served.reads.served > before:
            break
        time.sleep(0.1)
    assert served.reads.served > before


def test_the_urls_options_are_kept_with_the_timeouts_added() -> None:
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://u@db.example/giveask"
                           "?options=-csearch_path%3Dtenant_7")
    options = connect_options(engine, connect_timeout=3, statement_timeout=5)
    assert "-csearch_path=tenant_7" in options["options"]
    assert "-c statement_timeout=5000" in options["options"]
    assert options["dbname"] == "giveask" and options["host"] == "db.example"
    assert options["connect_timeout"] == 3 and options["autocommit"] is True


def test_a_server_that_stops_answering_holds_no_request(served: Served) -> None:
    import os
    import signal

    first, _, sent = kept_twice(served)
    assert sent == 1
    with served.engine.connect() as connection:
        pids = connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name"
            " AND datname = current_database()"), {"name": APPLICATION_NAME}).scalars().all()
    if not pids:
        pytest.skip("the pool's connection is not visible here")
    served.reads.answer_within = 1.0
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
    except PermissionError:
        pytest.skip("cannot pause the database's backends here")
    try:
        answer = served.get()  # the read gives up after its second; the route answers
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    assert answer.status_code == 200 and answer.content == first.content


def test_sqlite_has_no_loop_reads(backend: str, fresh_client: TestClient) -> None:
    if backend != "sqlite":
        pytest.skip("the SQLite case")
    assert fresh_client.app.state.kept_reads is None  # type: ignore[attr-defined]

