"""Two app processes on one PostgreSQL, as an operator runs Giveask behind a
load balancer: whatever one process saves, the other shows on the next request.

Two uvicorn servers, A and B, serve one fresh database. Each step writes
through one of them and reads through the other (which has served the same
workspace before, so anything it keeps could be stale): the posts, the
findings on them, the weekly gauges, the rules in force and the week page.

Needs GIVEASK_TEST_DATABASE_URL (a server this test may create and drop a
database on); skips with a reason without it or when that server cannot be
reached, and fails instead when GIVEASK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.cli import run_migrations
from app.db import make_engine
from tests.conftest import PostgresDatabases, World, build_world, need_postgres, required
from tests.live import Server, start_server

TIMEZONE = "Europe/Berlin"
CALL_TIMEOUT = 30.0


@dataclass
class Week:
    monday: date
    start: datetime
    end: datetime

    def at(self, day: int, hour: int = 9) -> str:
        return datetime.combine(self.monday + timedelta(days=day), time(hour),
                                ZoneInfo(TIMEZONE)).isoformat()

    def params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class Node:
    """One app process, seen by an API client (admin token) and a signed-in browser."""

    name: str
    server: Server
    api: httpx.Client
    browser: httpx.Client


@dataclass
class Pair:
    a: Node
    b: Node
    world: World
    week: Week

    def path(self, rest: str = "") -> str:
        return self.world.path(rest)


def _week() -> Week:
    """A whole local week a few weeks ahead, so every post is in the future."""
    tz = ZoneInfo(TIMEZONE)
    today = datetime.now(tz).date()
    monday = today + timedelta(days=7 - today.weekday() + 21)
    start = datetime.combine(monday, time(0), tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tz)
    return Week(monday=monday, start=start, end=end)


def _databases() -> PostgresDatabases:
    databases = PostgresDatabases(need_postgres())
    try:
        with databases.admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        databases.admin.dispose()
        cause = str(error.orig or error).strip().splitlines()[0]
        reason = f"PostgreSQL at {databases.base.render_as_string()} is unreachable ({cause})"
        if required("GIVEASK_REQUIRE_POSTGRES"):
            pytest.fail(reason + " and GIVEASK_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(reason)
    return databases


def _seed(url: str, week: Week) -> World:
    """A workspace with a member per role and their tokens, and one channel that
    started well before the week (so no ask falls into its listening phase)."""
    from app.models import Channel

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            world = build_world(session, name="Two Roasters Café", timezone=TIMEZONE)
            channel = session.get(Channel, world.channel_id)
            assert channel is not None
            channel.started_on = week.monday - timedelta(days=60)
            session.commit()
        return world
    finally:
        engine.dispose()


def _sign_in(client: httpx.Client, world: World, role: str) -> None:
    page = client.get("/login")
    assert page.status_code == 200, page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": world.users[role],
                                           "password": world.passwords[role],
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture()
def pair(tmp_path: Path) -> Iterator[Pair]:
    databases = _databases()
    servers: list[Server] = []
    clients: list[httpx.Client] = []
    try:
        url = databases.create("scale_out")
        run_migrations(url)
        week = _week()
        world = _seed(url, week)
        nodes = []
        for name in ("A", "B"):
            server = start_server(url, tmp_path)
            servers.append(server)
            api = httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT,
                               headers=world.auth("admin"))
            browser = httpx.Client(base_url=server.url, timeout=CALL_TIMEOUT)
            clients += [api, browser]
            nodes.append(Node(name=name, server=server, api=api, browser=browser))
        # A member signs in through A; the load balancer sends the next request
        # to B, with the same cookie.
        _sign_in(nodes[0].browser, world, "viewer")
        nodes[1].browser.cookies = nodes[0].browser.cookies
        yield Pair(a=nodes[0], b=nodes[1], world=world, week=week)
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
        databases.drop_all()


# ---- reading a node ------------------------------------------------------------------


def ok(response: httpx.Response, status: int = 200) -> httpx.Response:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response


def calendar(pair: Pair, node: Node) -> dict[str, Any]:
    data: dict[str, Any] = ok(node.api.get(pair.path("/calendar"),
                                           params=pair.week.params())).json()
    return data


def findings(pair: Pair, node: Node) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(node.api.get(pair.path("/findings"),
                                                  params=pair.week.params())).json()["items"]
    return items


def week_page(pair: Pair, node: Node) -> str:
    page = ok(node.browser.get(f"/w/{pair.world.workspace_id}/calendar",
                               params={"view": "week", "date": pair.week.monday.isoformat()}))
    return html.unescape(page.text)


def flagged(items: list[dict[str, Any]], code: str) -> list[list[str]]:
    """The post ids of each finding of one code."""
    return [item["post_ids"] for item in items if item["code"] == code]


def summary(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(i["code"], i["severity"], i["channel_id"], tuple(i["post_ids"]), i["message"])
            for i in items]


def gauge(pair: Pair, data: dict[str, Any]) -> tuple[int, int]:
    (week,) = data["weeks"]
    (channel,) = [c for c in week["channels"] if c["channel_id"] == pair.world.channel_id]
    return channel["gives"], channel["asks"]


def post_ids(data: dict[str, Any]) -> list[str]:
    return [post["id"] for post in data["posts"]]


@dataclass
class View:
    """What one node shows of the week, through the API."""

    calendar: dict[str, Any]
    findings: list[dict[str, Any]]


def look(pair: Pair, node: Node) -> View:
    view = View(calendar=calendar(pair, node), findings=findings(pair, node))
    # The calendar carries the same findings as /findings.
    assert summary(view.calendar["findings"]) == summary(view.findings), node.name
    return view


def look_both(pair: Pair, first: Node, then: Node) -> View:
    """Read `first` (the node that did not make the change), then `then`: both
    show the same week."""
    seen = look(pair, first)
    other = look(pair, then)
    assert post_ids(seen.calendar) == post_ids(other.calendar)
    assert summary(seen.findings) == summary(other.findings)
    assert seen.calendar["weeks"] == other.calendar["weeks"]
    return seen


# ---- writing through a node ----------------------------------------------------------


def create_post(pair: Pair, node: Node, day: int, kind: str, label: str) -> dict[str, Any]:
    post: dict[str, Any] = ok(node.api.post(pair.path("/posts"), json={
        "channel_id": pair.world.channel_id, "scheduled_at": pair.week.at(day),
        "kind": kind, "text": label}), 201).json()
    return post


def put_rules(pair: Pair, node: Node, overrides: dict[str, Any]) -> None:
    current = ok(node.api.get(pair.path("/rules")))
    ok(node.api.put(pair.path("/rules"), json={"preset": "beth_dunn", "overrides": overrides},
                    headers={"If-Match": current.headers["etag"]}))


@pytest.mark.postgres
def test_two_processes_on_one_database_show_the_same_plan(pair: Pair) -> None:
    a, b = pair.a, pair.b
    # One give between asks is enough to start with (Beth Dunn's rhythm otherwise).
    put_rules(pair, a, {"min_gives_between_asks": 1})

    # 1. Both processes have served this workspace's (empty) week, B included.
    for node in (b, a):
        empty = look(pair, node)
        assert empty.calendar["posts"] == []
        assert gauge(pair, empty.calendar) == (0, 0)
        assert "Scale-out" not in week_page(pair, node)

    # 2. A plans an ask, a give, an ask and, the next day, another ask: the last
    #    one comes with no give since the previous ask.
    first_ask = create_post(pair, a, 0, "ask", "Scale-out winter blend launch")
    give = create_post(pair, a, 1, "give", "Scale-out five roasters we love")
    second_ask = create_post(pair, a, 2, "ask", "Scale-out tasting evening")
    third_ask = create_post(pair, a, 3, "ask", "Scale-out loyalty card offer")
    planned = [first_ask["id"], give["id"], second_ask["id"], third_ask["id"]]

    seen = look_both(pair, b, a)
    assert post_ids(seen.calendar) == planned
    assert [p["text"] for p in seen.calendar["posts"]][-1] == "Scale-out loyalty card offer"
    assert flagged(seen.findings, "ask_too_soon") == [[third_ask["id"]]]
    assert gauge(pair, seen.calendar) == (1, 3)
    page = week_page(pair, b)
    for post in (first_ask, give, second_ask, third_ask):
        assert post["text"] in page
    (too_soon,) = [f for f in seen.findings if f["code"] == "ask_too_soon"]
    assert too_soon["message"] in page

    # 3. A turns the last ask into a give (If-Match: the version A just read).
    current = ok(a.api.get(pair.path(f"/posts/{third_ask['id']}")))
    changed = ok(a.api.patch(pair.path(f"/posts/{third_ask['id']}"), json={"kind": "give"},
                             headers={"If-Match": current.headers["etag"]})).json()
    assert changed["kind"] == "give"

    seen = look_both(pair, b, a)
    assert flagged(seen.findings, "ask_too_soon") == []
    assert gauge(pair, seen.calendar) == (2, 2)
    (shown,) = [p for p in seen.calendar["posts"] if p["id"] == third_ask["id"]]
    assert shown["kind"] == "give"
    assert too_soon["message"] not in week_page(pair, b)

    # 4. B raises the gives needed between asks to 3: on A, the second ask (one
    #    give after the first) is now too soon.
    assert flagged(findings(pair, a), "ask_too_soon") == []
    put_rules(pair, b, {"min_gives_between_asks": 3})

    seen = look_both(pair, a, b)
    assert flagged(seen.findings, "ask_too_soon") == [[second_ask["id"]]]
    (too_soon,) = [f for f in seen.findings if f["code"] == "ask_too_soon"]
    assert too_soon["details"]["required"] == 3
    assert ok(a.api.get(pair.path("/rules"))).json()["effective"][
        "min_gives_between_asks"] == 3

    # 4b. A moves the channel's start to the day before the week: both asks now
    #     fall into its listening phase, on B too.
    channel_path = pair.path(f"/channels/{pair.world.channel_id}")
    current = ok(a.api.get(channel_path))
    ok(a.api.patch(channel_path, json={
        "started_on": (pair.week.monday - timedelta(days=1)).isoformat()},
        headers={"If-Match": current.headers["etag"]}))

    seen = look_both(pair, b, a)
    assert flagged(seen.findings, "ask_during_listening") == [[first_ask["id"]],
                                                              [second_ask["id"]]]

    # 5. A deletes the post it changed: B no longer lists it, nor counts it.
    current = ok(a.api.get(pair.path(f"/posts/{third_ask['id']}")))
    ok(a.api.delete(pair.path(f"/posts/{third_ask['id']}"),
                    headers={"If-Match": current.headers["etag"]}), 204)

    seen = look_both(pair, b, a)
    assert post_ids(seen.calendar) == planned[:3]
    assert gauge(pair, seen.calendar) == (1, 2)
    assert all(third_ask["id"] not in f["post_ids"] for f in seen.findings)
    ok(b.api.get(pair.path(f"/posts/{third_ask['id']}")), 404)
    page = week_page(pair, b)
    assert "Scale-out loyalty card offer" not in page
    assert "Scale-out tasting evening" in page
