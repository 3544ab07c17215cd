"""Input a careless or hostile client sends: NUL bytes and lone surrogates in every
kind of field, times at the ends of the calendar, tampered cursors, numbers for
dates and booleans for counts. Each is a 4xx naming the field, never a 500, and
nothing is saved, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from itsdangerous import URLSafeSerializer
from sqlmodel import Session, func, select

from app.config import Settings
from app.main import create_app
from app.models import (
    ApiToken,
    AuditEvent,
    Channel,
    Comment,
    Membership,
    Post,
    Series,
    Story,
    User,
    Workspace,
)
from tests.conftest import TEST_SECRET, World

NUL = "a\x00b"
SURROGATE = "a\ud800b"
DUMMY = "00000000-0000-7000-8000-000000000000"
WHEN = "2026-11-24T09:00:00+01:00"
TABLES = (Workspace, Channel, Post, Story, Series, Comment, ApiToken, Membership, User,
          AuditEvent)


def counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def send_json(client, method: str, path: str, body: Any, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    # json.dumps escapes a lone surrogate as \ud800, as a client's JSON library
    # would; httpx's own encoder cannot encode one at all.
    return client.request(method, path, content=json.dumps(body).encode(),
                          headers={**headers, "Content-Type": "application/json"})


def fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors", [])]


def assert_refused(response, field: str, status: int = 422) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert field in fields(response), response.text


# ---- the route table: every path id and query parameter ---------------------------


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias or p.name for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _routes() -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    app = create_app(Settings(env="test", secret_key=TEST_SECRET))
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        params = tuple(re.findall(r"\{(\w+)(?::\w+)?\}", context.path))
        queries = tuple(sorted(_query_names(context.dependant)))
        for method in sorted(context.methods or ()):
            found.append((method, context.path, params, queries))
    return found


ROUTES = _routes()
WITH_PARAMS = [r for r in ROUTES if r[2]]


def _fill(path: str, world: World, bad: str | None = None, value: str = "a%00b") -> str:
    known = {"workspace_id": world.workspace_id, "channel_id": world.channel_id,
             "week": "2026-W48"}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return value if name == bad else known.get(name, DUMMY)

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def test_the_route_table_has_ids_and_filters():
    assert any("{post_id}" in path for _, path, _, _ in WITH_PARAMS)
    assert any("cursor" in queries for _, _, _, queries in ROUTES)
    assert any(not _is_api(path) for _, path, _, _ in WITH_PARAMS)


@pytest.mark.parametrize(("method", "path", "name"),
                         [(m, p, n) for m, p, params, _ in WITH_PARAMS for n in params],
                         ids=[f"{m} {p} {n}" for m, p, params, _ in WITH_PARAMS for n in params])
def test_a_nul_in_any_path_id_is_a_422_naming_it(client, world, session, method, path, name):
    before = counts(session)
    response = client.request(method, _fill(path, world, bad=name), headers=world.auth("admin"))
    assert response.status_code == 422, response.text
    if _is_api(path):
        assert fields(response) == [f"path.{name}"]
    else:
        assert "text/html" in response.headers["content-type"]
        assert f"path.{name}" in response.text
    assert counts(session) == before


QUERY_CASES = [(m, p, q) for m, p, _, queries in ROUTES for q in (*queries, "note")]


@pytest.mark.parametrize(("method", "path", "query"), QUERY_CASES,
                         ids=[f"{m} {p} {q}" for m, p, q in QUERY_CASES])
def test_a_nul_in_any_query_parameter_is_a_422_naming_it(client, world, session, method, path,
                                                         query):
    before = counts(session)
    response = client.request(method, _fill(path, world) + f"?{query}=a%00b",
                              headers=world.auth("admin"))
    assert response.status_code == 422, response.text
    if _is_api(path):
        assert fields(response) == [f"query.{query}"]
    else:
        assert f"query.{query}" in response.text
    assert counts(session) == before


class TestStringsInPathsAndQueries:
    def test_an_encoded_surrogate_in_a_path_or_query_is_harmless(self, client, world):
        # Servers decode %ED%A0%80 (a surrogate's UTF-8 form) to U+FFFD, which
        # the database takes like any other character: no such post, no 500.
        response = client.get(world.path("/posts/a%ED%A0%80b"), headers=world.auth("viewer"))
        assert response.status_code == 404
        response = client.get(world.path("/posts?channel_id=a%ED%A0%80b"),
                              headers=world.auth("viewer"))
        assert response.status_code == 200
        assert response.json()["items"] == []

    def test_a_nul_in_a_parameter_name_is_refused(self, client, world):
        response = client.get(world.path("/posts?chan%00nel=x"), headers=world.auth("viewer"))
        assert_refused(response, "query")


# ---- bodies: every kind of field ------------------------------------------------------


def _bodies(world: World) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path suffix, body with a {bad} placeholder, field the 422 names)."""
    post = {"channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give",
            "text": "Five cafés that roast their own beans."}
    series = {"channel_id": world.channel_id, "name": "Tip Tuesday", "kind": "give",
              "text": "This week's tip.", "rrule": "FREQ=WEEKLY;BYDAY=TU",
              "starts_on": "2026-12-01", "time": "09:00"}
    return [
        ("POST", "/posts", {**post, "text": "{bad}"}, "text"),
        ("POST", "/posts", {**post, "link": "https://example.com/{bad}"}, "link"),
        ("POST", "/posts", {**post, "channel_id": "{bad}"}, "channel_id"),
        ("POST", "/posts", {**post, "category": "{bad}"}, "category"),
        ("POST", "/channels", {"name": "{bad}"}, "name"),
        ("POST", "/channels", {"name": "Mastodon", "platform": "{bad}"}, "platform"),
        ("POST", "/stories", {"name": "Launch", "goal": "{bad}"}, "goal"),
        ("POST", "/stories", {"name": "{bad}"}, "name"),
        ("POST", "/series", {**series, "text": "{bad}"}, "text"),
        ("POST", "/series", {**series, "rrule": "FREQ=WEEKLY;{bad}"}, "rrule"),
        ("POST", "/series", {**series, "timezone": "{bad}"}, "timezone"),
        ("POST", "/series", {**series, "skipped_dates": ["2026-12-08", "{bad}"]},
         "skipped_dates.1"),
        ("PATCH", "", {"name": "{bad}"}, "name"),
        ("PATCH", "", {"timezone": "{bad}"}, "timezone"),
        ("PATCH", "/channels/{channel_id}", {"name": "{bad}"}, "name"),
        ("POST", "/tokens", {"role": "viewer", "name": "{bad}"}, "name"),
        ("POST", "/members", {"email": "{bad}@acme.test", "role": "viewer"}, "email"),
        ("PUT", "/rules", {"preset": "{bad}"}, "preset"),
        ("PUT", "/rules", {"preset": "beth_dunn", "overrides": {"{bad}": 3}}, "overrides"),
        ("POST", "/check", {"action": "create", "post": {**post, "text": "{bad}"}}, "post.text"),
        ("POST", "/week-approvals", {"week": "{bad}", "decision": "approve"}, "week"),
    ]


def _with(value: Any, bad: str) -> Any:
    if isinstance(value, str):
        return value.replace("{bad}", bad)
    if isinstance(value, dict):
        return {_with(k, bad): _with(v, bad) for k, v in value.items()}
    if isinstance(value, list):
        return [_with(v, bad) for v in value]
    return value


BODY_IDS = [f"{m} {p or '/'} {f}" for m, p, _, f in _bodies(World("w", "c", {}))]


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize("case", range(len(BODY_IDS)), ids=BODY_IDS)
def test_a_bad_string_in_any_body_field_is_a_422_naming_it(client, world, session, case, bad):
    method, suffix, body, field = _bodies(world)[case]
    before = counts(session)
    response = send_json(client, method, world.path(suffix.format(channel_id=world.channel_id)),
                         _with(body, bad), world.auth("admin"))
    assert_refused(response, field)
    assert counts(session) == before


class TestBodies:
    def test_a_nul_in_an_edit_of_a_post_changes_nothing(self, client, world, session):
        created = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give",
            "text": "As planned."})
        assert created.status_code == 201
        post_id = created.json()["id"]
        response = send_json(client, "PATCH", world.path(f"/posts/{post_id}"),
                             {"text": NUL}, world.auth("editor"))
        assert_refused(response, "text")
        again = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("viewer"))
        assert again.json()["text"] == "As planned."
        assert again.json()["version"] == created.json()["version"]

    def test_a_nul_in_a_comment_is_refused(self, client, world, session):
        created = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give",
            "text": "To talk about."})
        post_id = created.json()["id"]
        before = counts(session)
        response = send_json(client, "POST", world.path(f"/posts/{post_id}/comments"),
                             {"body": SURROGATE}, world.auth("editor"))
        assert_refused(response, "body")
        assert counts(session) == before

    def test_a_whole_body_that_is_one_bad_string_is_named_body(self, client, world):
        response = send_json(client, "POST", world.path("/channels"), NUL, world.auth("admin"))
        assert_refused(response, "body")

    def test_a_deeply_nested_body_is_a_400_not_a_crash(self, client, world, session):
        before = counts(session)
        response = client.post(world.path("/check"), headers={
            **world.auth("editor"), "Content-Type": "application/json"},
            content=b"[" * 50_000 + b"]" * 50_000)
        assert response.status_code == 400
        assert fields(response) == ["body"]
        assert counts(session) == before

    def test_malformed_json_is_still_a_400_from_the_route(self, client, world):
        response = client.post(world.path("/channels"), headers={
            **world.auth("admin"), "Content-Type": "application/json"}, content=b'{"name": ')
        assert response.status_code == 400

    def test_a_good_body_passes_the_guard_unchanged(self, client, world):
        text = "Zürich, 東京 and emoji 🚀 with a \\ backslash and \"quotes\""
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give", "text": text})
        assert response.status_code == 201
        assert response.json()["text"] == text


class TestForms:
    def test_a_nul_in_a_sign_in_form_is_a_422_page(self, client, world, session):
        response = client.post("/login", data={"email": world.users["editor"],
                                               "password": NUL, "csrf_token": "x"})
        assert response.status_code == 422
        assert "text/html" in response.headers["content-type"]
        assert "password" in response.text
        home = client.get("/", follow_redirects=False)
        assert home.status_code in (302, 303) and "/login" in home.headers["location"]

    def test_a_nul_in_a_post_form_saves_nothing(self, client, world, session):
        from tests.web.test_planner import sign_in

        csrf = sign_in(client, world)
        before = counts(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data={
            "csrf_token": csrf, "channel_id": world.channel_id, "date": "2026-11-24",
            "time": "09:00", "kind": "give", "text": NUL})
        assert response.status_code == 422
        assert "text" in response.text
        assert counts(session) == before

    def test_a_nul_in_a_multipart_field_is_refused(self, client, world, session):
        from tests.web.test_planner import sign_in

        csrf = sign_in(client, world)
        before = counts(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data={
            "csrf_token": csrf, "channel_id": world.channel_id, "date": "2026-11-24",
            "time": "09:00", "kind": "give", "text": NUL},
            files={"attachment": ("a.bin", b"\x00\x01binary is fine in a file")})
        assert response.status_code == 422
        assert "text: must not contain NUL" in response.text
        assert counts(session) == before

    def test_a_multipart_api_body_names_the_field(self, client, world):
        response = client.post(world.path("/channels"), headers=world.auth("admin"),
                               files={"name": (None, NUL)})
        assert_refused(response, "name")

    def test_a_multipart_body_over_the_limit_is_a_413(self, client, world):
        response = client.post(f"/w/{world.workspace_id}/posts",
                               files={"file": ("plan.csv", b"x" * 1_100_000)})
        assert response.status_code == 413


# ---- times and dates: a window of 1970 to 2200 ---------------------------------------


TIME_QUERIES = [
    ("/posts", "start"), ("/posts", "end"), ("/posts", "updated_since"),
    ("/findings", "start"), ("/findings", "end"), ("/calendar", "start"), ("/calendar", "end"),
    ("/channels/{channel_id}/next-slot", "after"),
]
FAR = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T12:00:00Z",
       "1969-12-31T23:59:59Z", "2201-01-01T00:00:00Z"]


@pytest.mark.parametrize("moment", FAR)
@pytest.mark.parametrize(("suffix", "name"), TIME_QUERIES,
                         ids=[f"{s} {n}" for s, n in TIME_QUERIES])
def test_a_far_time_in_a_query_is_a_422_naming_it(client, world, suffix, name, moment):
    other = {"start": "end", "end": "start"}.get(name)
    params = {name: moment}
    if other and suffix != "/posts":
        params[other] = "2026-11-23T00:00:00Z" if other == "start" else "2026-11-30T00:00:00Z"
    response = client.get(world.path(suffix.format(channel_id=world.channel_id)),
                          params=params, headers=world.auth("viewer"))
    assert_refused(response, f"query.{name}")


class TestTimes:
    @pytest.mark.parametrize("moment", FAR)
    def test_a_far_time_in_a_post_is_refused_and_nothing_saved(self, client, world, session,
                                                              moment):
        before = counts(session)
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": moment, "kind": "ask",
            "text": "Far away."})
        assert_refused(response, "scheduled_at")
        assert counts(session) == before

    def test_a_far_time_in_a_move_check_is_refused(self, client, world):
        created = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give", "text": "x"})
        response = client.post(world.path("/check"), headers=world.auth("editor"), json={
            "action": "move", "post_id": created.json()["id"],
            "scheduled_at": "9999-12-31T23:59:59-01:00"})
        assert_refused(response, "scheduled_at")

    def test_a_far_time_in_an_edit_leaves_the_post_as_it_was(self, client, world):
        created = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give", "text": "x"})
        post_id = created.json()["id"]
        response = client.patch(world.path(f"/posts/{post_id}"), headers=world.auth("editor"),
                                json={"scheduled_at": "0001-01-01T00:00:00+01:00"})
        assert_refused(response, "scheduled_at")
        again = client.get(world.path(f"/posts/{post_id}"), headers=world.auth("viewer"))
        assert again.json()["scheduled_at"] == "2026-11-24T08:00:00Z"

    def test_the_window_holds_its_ends(self, client, world):
        for moment in ("1970-01-01T00:00:00Z", "2200-12-31T23:59:59Z"):
            response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
                "channel_id": world.channel_id, "scheduled_at": moment, "kind": "give",
                "text": f"At {moment}."})
            assert response.status_code == 201, response.text

    @pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "2201-W01", "1969-W52"])
    def test_a_far_week_is_a_422(self, client, world, week):
        response = client.get(world.path(f"/weeks/{week}"), headers=world.auth("viewer"))
        assert_refused(response, "week")
        response = client.post(world.path("/week-approvals"), headers=world.auth("lead"),
                               json={"week": week, "decision": "approve"})
        assert_refused(response, "week")
        response = client.get(world.path("/week-approvals"), params={"week": week},
                              headers=world.auth("viewer"))
        assert_refused(response, "query.week")

    def test_the_last_week_of_the_window_is_reviewed(self, client, world):
        response = client.get(world.path("/weeks/2200-W52"), headers=world.auth("viewer"))
        assert response.status_code == 200, response.text

    def test_the_calendar_at_the_end_of_the_window_answers(self, client, world):
        client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": "2200-12-31T20:00:00Z",
            "kind": "ask", "text": "The very last post."})
        response = client.get(world.path("/calendar"), headers=world.auth("viewer"), params={
            "start": "2200-12-29T00:00:00Z", "end": "2200-12-31T23:59:59Z"})
        assert response.status_code == 200, response.text
        assert [p["text"] for p in response.json()["posts"]] == ["The very last post."]
        response = client.get(world.path("/findings"), headers=world.auth("viewer"), params={
            "start": "2200-12-01T00:00:00Z", "end": "2200-12-31T23:59:59Z"})
        assert response.status_code == 200, response.text

    def test_the_next_slot_at_the_end_of_the_window_answers(self, client, world):
        response = client.get(world.path(f"/channels/{world.channel_id}/next-slot"),
                              params={"after": "2200-12-31T12:00:00Z", "kind": "give"},
                              headers=world.auth("viewer"))
        assert response.status_code == 200, response.text

    def test_a_calendar_page_with_a_far_date_shows_today(self, client, world):
        from tests.web.test_planner import sign_in

        sign_in(client, world)
        for day in ("9999-12-31", "0001-01-01", "2200-12-31"):
            response = client.get(f"/w/{world.workspace_id}/calendar",
                                  params={"date": day, "view": "month"})
            assert response.status_code == 200, day
            response = client.get(f"/w/{world.workspace_id}/posts/new", params={"date": day})
            assert response.status_code == 200, day

    def test_a_post_form_with_a_far_date_is_refused_next_to_the_date(self, client, world,
                                                                   session):
        from tests.web.test_planner import sign_in

        csrf = sign_in(client, world)
        before = counts(session)
        response = client.post(f"/w/{world.workspace_id}/posts", data={
            "csrf_token": csrf, "channel_id": world.channel_id, "date": "9999-12-31",
            "time": "23:59", "kind": "give", "text": "Far away."})
        assert response.status_code == 422
        assert counts(session) == before


class TestDates:
    @pytest.mark.parametrize("value", [2.6e-91, 0, 1685923200, "1685923200", True,
                                       "9999-12-31", "0001-01-01", "2026-W48-1", "20261124"])
    def test_a_channel_start_is_a_date_string_in_the_window(self, client, world, session,
                                                            value):
        before = counts(session)
        response = client.post(world.path("/channels"), headers=world.auth("editor"),
                               json={"name": "Threads", "started_on": value})
        assert_refused(response, "started_on")
        assert counts(session) == before

    def test_a_number_for_a_channel_start_leaves_the_channel_as_it_was(self, client, world):
        response = client.patch(world.path(f"/channels/{world.channel_id}"),
                                headers=world.auth("editor"), json={"started_on": 2.6e-91})
        assert_refused(response, "started_on")
        again = client.get(world.path(f"/channels/{world.channel_id}"),
                           headers=world.auth("viewer"))
        assert again.json()["started_on"] is None

    def test_a_plain_date_string_is_still_a_date(self, client, world):
        response = client.post(world.path("/channels"), headers=world.auth("editor"),
                               json={"name": "Threads", "started_on": "2026-11-02"})
        assert response.status_code == 201
        assert response.json()["started_on"] == "2026-11-02"

    @pytest.mark.parametrize(("change", "field"), [
        ({"starts_on": "9999-12-31"}, "starts_on"),
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"starts_on": 20261201}, "starts_on"),
        ({"until": "9999-12-31"}, "until"),
        ({"until": 1.5}, "until"),
        ({"skipped_dates": ["2026-12-08", "9999-12-31"]}, "skipped_dates.1"),
        ({"skipped_dates": [0]}, "skipped_dates.0"),
        ({"count": True}, "count"),
    ])
    def test_series_dates_and_counts(self, client, world, session, change, field):
        before = counts(session)
        response = client.post(world.path("/series"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "name": "Tip Tuesday", "kind": "give",
            "text": "This week's tip.", "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "starts_on": "2026-12-01", "time": "09:00", **change})
        assert_refused(response, field)
        assert counts(session) == before


class TestCounts:
    @pytest.mark.parametrize(("change", "field"), [
        ({"min_gap_days": False}, "min_gap_days"),
        ({"max_gap_days": True}, "max_gap_days"),
        ({"min_gives_before_ask": False}, "min_gives_before_ask"),
    ])
    def test_a_boolean_is_no_count_in_a_story(self, client, world, session, change, field):
        before = counts(session)
        response = client.post(world.path("/stories"), headers=world.auth("editor"),
                               json={"name": "Launch", **change})
        assert_refused(response, field)
        assert counts(session) == before

    def test_a_boolean_is_no_count_in_a_story_edit(self, client, world):
        created = client.post(world.path("/stories"), headers=world.auth("editor"),
                              json={"name": "Launch", "min_gap_days": 2})
        story_id = created.json()["id"]
        response = client.patch(world.path(f"/stories/{story_id}"),
                                headers=world.auth("editor"), json={"min_gap_days": False})
        assert_refused(response, "min_gap_days")
        again = client.get(world.path(f"/stories/{story_id}"), headers=world.auth("viewer"))
        assert again.json()["min_gap_days"] == 2

    def test_a_boolean_is_no_episode_number(self, client, world, session):
        before = counts(session)
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give",
            "text": "Episode?", "episode": True})
        assert_refused(response, "episode")
        assert counts(session) == before

    @pytest.mark.parametrize("episode", [2**31, 2**63, 10**20])
    def test_an_episode_number_fits_the_database(self, client, world, session, episode):
        story = client.post(world.path("/stories"), headers=world.auth("editor"),
                            json={"name": "Launch"}).json()
        before = counts(session)
        response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": WHEN, "kind": "give",
            "text": "Episode?", "story_id": story["id"], "episode": episode})
        assert_refused(response, "episode")
        assert counts(session) == before

    def test_a_series_count_is_bounded(self, client, world):
        response = client.post(world.path("/series"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "name": "Daily", "kind": "give", "text": "x",
            "rrule": "FREQ=DAILY", "starts_on": "2026-12-01", "time": "09:00",
            "count": 2**70})
        assert_refused(response, "count")

    @pytest.mark.parametrize("share", ["1e99999999999", "0.2e1", "1/5e999999999"])
    def test_a_share_with_an_exponent_is_refused_at_once(self, client, world, share):
        # Fraction() would first build a number with that many digits.
        response = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "overrides": {"max_ask_share": share}})
        assert response.status_code == 422
        assert any("max_ask_share" in f for f in fields(response))

    def test_a_share_as_text_still_reads(self, client, world):
        response = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "overrides": {"max_ask_share": "1/4"}})
        assert response.status_code == 200, response.text

    def test_a_boolean_is_no_rule_parameter(self, client, world):
        response = client.put(world.path("/rules"), headers=world.auth("lead"), json={
            "preset": "beth_dunn", "overrides": {"max_posts_per_day": False}})
        assert response.status_code == 422
        assert any("max_posts_per_day" in f for f in fields(response))

    def test_numbers_are_still_numbers(self, client, world):
        response = client.post(world.path("/stories"), headers=world.auth("editor"),
                               json={"name": "Launch", "min_gap_days": 1.5,
                                     "max_gap_days": 7, "min_gives_before_ask": 3})
        assert response.status_code == 201, response.text
        assert response.json()["min_gap_days"] == 1.5


# ---- cursors --------------------------------------------------------------------------


LISTS = ["", "/posts", "/channels", "/stories", "/series", "/audit"]


def _forged(*parts: Any) -> str:
    """A cursor signed with another key: what a client would make up."""
    return str(URLSafeSerializer("not-the-app-secret", salt="giveask.cursor").dumps(list(parts)))


def _list_path(world: World, suffix: str) -> str:
    return "/api/v1/workspaces" if suffix == "" else world.path(suffix)


class TestCursors:
    @pytest.mark.parametrize("suffix", LISTS)
    @pytest.mark.parametrize("cursor", [
        "abc", "a%00b", "WyIyMDI2LTExLTI0VDA5OjAwOjAwIiwiMSJd",  # unsigned naive time
        "eyJ4IjoxfQ", "",
    ], ids=["junk", "nul", "unsigned-naive", "unsigned-object", "empty"])
    def test_a_cursor_the_api_never_gave_is_a_422(self, client, world, suffix, cursor):
        response = client.get(_list_path(world, suffix) + f"?cursor={cursor}",
                              headers=world.auth("admin"))
        if cursor == "":
            assert response.status_code == 200  # no cursor: the first page
            return
        assert_refused(response, "query.cursor")

    @pytest.mark.parametrize("suffix", LISTS)
    def test_a_cursor_signed_with_another_key_is_a_422(self, client, world, suffix):
        for forged in (_forged("2026-11-24T09:00:00", DUMMY), _forged(DUMMY)):
            response = client.get(_list_path(world, suffix), params={"cursor": forged},
                                  headers=world.auth("admin"))
            assert_refused(response, "query.cursor")

    def test_a_tampered_cursor_is_a_422_and_the_real_one_pages_on(self, client, world):
        start = datetime(2026, 11, 24, 9, tzinfo=UTC)
        for i in range(3):
            client.post(world.path("/posts"), headers=world.auth("editor"), json={
                "channel_id": world.channel_id, "kind": "give", "text": f"Post {i}",
                "scheduled_at": (start + timedelta(days=i)).isoformat()})
        first = client.get(world.path("/posts"), params={"limit": 2},
                           headers=world.auth("viewer")).json()
        cursor = first["next_cursor"]
        assert cursor
        payload, _, signature = cursor.partition(".")
        flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature
        response = client.get(world.path("/posts"), params={"limit": 2, "cursor": flipped},
                              headers=world.auth("viewer"))
        assert_refused(response, "query.cursor")
        second = client.get(world.path("/posts"), params={"limit": 2, "cursor": cursor},
                            headers=world.auth("viewer"))
        assert [p["text"] for p in second.json()["items"]] == ["Post 2"]

    def test_a_cursor_of_one_list_does_not_page_another(self, client, world):
        for i in range(3):
            client.post(world.path("/channels"), headers=world.auth("editor"),
                        json={"name": f"Channel {i}"})
        cursor = client.get(world.path("/channels"), params={"limit": 1},
                            headers=world.auth("viewer")).json()["next_cursor"]
        assert cursor
        response = client.get(world.path("/posts"), params={"cursor": cursor},
                              headers=world.auth("viewer"))
        assert_refused(response, "query.cursor")
