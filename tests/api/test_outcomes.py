"""A published post's outcome through the API: the round trip, every refusal
naming its field with nothing saved, unpublished and foreign posts, roles,
versions, and the outcome CSV import (by post id, by channel and local time,
German files, dry runs, all or nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Post, PostOutcome
from tests.conftest import World, build_world

CSV = {"Content-Type": "text/csv"}
FULL = {"reach": 1200, "impressions": 3400, "engagements": 56, "clicks": 7, "conversions": 1}


def make_post(session: Session, world: World, *, status: str = "published",
              at: datetime = datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
              channel_id: str | None = None) -> Post:
    post = Post(workspace_id=world.workspace_id, channel_id=channel_id or world.channel_id,
                scheduled_at=at, kind="give", text="A useful tip", status=status,
                published_at=at if status == "published" else None)
    session.add(post)
    session.commit()
    return post


def outcome_path(world: World, post: Post) -> str:
    return world.path(f"/posts/{post.id}/outcome")


def saved(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(PostOutcome)).one())


def fields_of(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


class TestRoundTrip:
    def test_none_entered_yet_reads_as_all_unknown(self, client: TestClient, world, session):
        post = make_post(session, world)
        response = client.get(outcome_path(world, post), headers=world.auth("viewer"))
        assert response.status_code == 200, response.text
        assert response.json() == {"post_id": post.id, "reach": None, "impressions": None,
                                   "engagements": None, "clicks": None, "conversions": None,
                                   "version": 0, "updated_at": None, "updated_by": None}
        assert response.headers["etag"] == '"0"'

    def test_put_then_get(self, client: TestClient, world, session):
        post = make_post(session, world)
        put = client.put(outcome_path(world, post), headers=world.auth("editor"), json=FULL)
        assert put.status_code == 200, put.text
        assert put.json() == {**put.json(), **FULL, "version": 1}
        assert put.json()["updated_at"].endswith("Z")
        assert put.headers["etag"] == '"1"'
        got = client.get(outcome_path(world, post), headers=world.auth("viewer"))
        assert got.json() == put.json()
        assert got.json()["updated_by"] is not None

    def test_put_replaces_the_whole_outcome(self, client: TestClient, world, session):
        post = make_post(session, world)
        client.put(outcome_path(world, post), headers=world.auth("editor"), json=FULL)
        second = client.put(outcome_path(world, post), headers=world.auth("editor"),
                            json={"clicks": 9, "reach": None})
        assert second.status_code == 200, second.text
        body = second.json()
        assert (body["clicks"], body["reach"], body["impressions"], body["version"]) == \
            (9, None, None, 2)

    def test_the_largest_figure_is_taken(self, client: TestClient, world, session):
        post = make_post(session, world)
        response = client.put(outcome_path(world, post), headers=world.auth("editor"),
                              json={"reach": 10**12, "clicks": 0})
        assert response.status_code == 200, response.text
        assert (response.json()["reach"], response.json()["clicks"]) == (10**12, 0)

    def test_deleting_the_post_deletes_its_outcome(self, client: TestClient, world, session):
        post = make_post(session, world)
        client.put(outcome_path(world, post), headers=world.auth("editor"), json=FULL)
        session.delete(session.get(Post, post.id))
        session.commit()
        assert saved(session) == 0


class TestRefusals:
    @pytest.mark.parametrize(("body", "field"), [
        ({"reach": -1}, "reach"),
        ({"clicks": 1.5}, "clicks"),
        ({"clicks": 2.0}, "clicks"),
        ({"engagements": True}, "engagements"),
        ({"impressions": 10**12 + 1}, "impressions"),
        ({"conversions": "5"}, "conversions"),
        ({"likes": 5}, "likes"),
    ])
    def test_a_bad_figure_is_422_naming_it_and_nothing_is_saved(
            self, client: TestClient, world, session, body, field):
        post = make_post(session, world)
        response = client.put(outcome_path(world, post), headers=world.auth("editor"),
                              json={"reach": 100, **body})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert fields_of(response) == [field]
        assert saved(session) == 0

    def test_a_bad_figure_leaves_an_earlier_outcome_as_it_was(self, client: TestClient, world,
                                                              session):
        post = make_post(session, world)
        client.put(outcome_path(world, post), headers=world.auth("editor"), json=FULL)
        response = client.put(outcome_path(world, post), headers=world.auth("editor"),
                              json={"reach": 5, "clicks": -3})
        assert response.status_code == 422
        assert client.get(outcome_path(world, post),
                          headers=world.auth("viewer")).json()["reach"] == FULL["reach"]

    @pytest.mark.parametrize("status", ["draft", "submitted", "approved", "changes_requested"])
    def test_an_unpublished_post_is_409_naming_its_status(self, client: TestClient, world,
                                                          session, status):
        post = make_post(session, world, status=status)
        response = client.put(outcome_path(world, post), headers=world.auth("editor"),
                              json=FULL)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["status"] == 409 and problem["type"].endswith("conflict")
        assert problem["post_status"] == status
        assert "only published posts" in problem["detail"]
        assert saved(session) == 0

    def test_another_workspaces_post_is_404_like_an_unknown_one(self, client: TestClient,
                                                                world, session):
        other = build_world(session, name="Other")
        foreign = make_post(session, other)
        response = client.put(outcome_path(world, foreign), headers=world.auth("admin"),
                              json=FULL)
        unknown = client.put(world.path("/posts/no-such-post/outcome"),
                             headers=world.auth("admin"), json=FULL)
        assert response.status_code == unknown.status_code == 404
        assert response.json()["detail"].replace(foreign.id, "X") == \
            unknown.json()["detail"].replace("no-such-post", "X")
        assert client.get(outcome_path(world, foreign),
                          headers=world.auth("admin")).status_code == 404
        assert saved(session) == 0

    def test_a_viewer_reads_but_may_not_put(self, client: TestClient, world, session):
        post = make_post(session, world)
        response = client.put(outcome_path(world, post), headers=world.auth("viewer"),
                              json=FULL)
        assert response.status_code == 403
        assert response.json()["required_role"] == "editor"
        assert saved(session) == 0

    def test_a_stale_if_match_is_412(self, client: TestClient, world, session):
        post = make_post(session, world)
        first = client.put(outcome_path(world, post), headers={**world.auth("editor"),
                                                               "If-Match": '"0"'}, json=FULL)
        assert first.status_code == 200, first.text
        stale = client.put(outcome_path(world, post), headers={**world.auth("editor"),
                                                               "If-Match": '"0"'},
                           json={"reach": 1})
        assert stale.status_code == 412
        current = client.put(outcome_path(world, post),
                             headers={**world.auth("editor"), "If-Match": first.headers["etag"]},
                             json={"reach": 1})
        assert current.status_code == 200 and current.json()["version"] == 2


class TestGerman:
    def test_refusals_speak_german(self, client: TestClient, world, session):
        de = {**world.auth("editor"), "Accept-Language": "de"}
        draft = make_post(session, world, status="draft")
        conflict = client.put(outcome_path(world, draft), headers=de, json=FULL)
        assert conflict.status_code == 409
        assert "veröffentlicht" in conflict.json()["detail"]
        post = make_post(session, world)
        invalid = client.put(outcome_path(world, post), headers=de,
                             json={"reach": -1, "clicks": 1.5})
        messages = {e["field"]: e["message"] for e in invalid.json()["errors"]}
        assert messages["reach"] == "muss mindestens 0 sein"
        assert "ganze Zahl" in messages["clicks"]


# ---- the CSV import -----------------------------------------------------------------


def send(client: TestClient, world: World, body: str | bytes, role: str = "editor",
         language: str | None = None, **params: Any) -> Any:
    headers = {**world.auth(role), **CSV}
    if language:
        headers["Accept-Language"] = language
    return client.post(world.path("/outcomes/import"), content=body, headers=headers,
                       params=params)


def figures(session: Session, post: Post) -> dict[str, int | None] | None:
    session.expire_all()
    row = session.get(PostOutcome, post.id)
    if row is None:
        return None
    return {name: getattr(row, name) for name in FULL}


class TestImport:
    def test_by_post_id(self, client: TestClient, world, session):
        one, two = make_post(session, world), make_post(
            session, world, at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        body = f"post_id,reach,clicks\n{one.id},1200,7\n{two.id},800,\n"
        response = send(client, world, body)
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["dry_run"], report["rows"], report["updated"], report["errors"]) == \
            (False, 2, 2, [])
        assert report["columns"] == ["reach", "clicks"]
        assert figures(session, one) == {**dict.fromkeys(FULL), "reach": 1200, "clicks": 7}
        assert figures(session, two) == {**dict.fromkeys(FULL), "reach": 800}

    def test_a_figure_without_a_column_stays(self, client: TestClient, world, session):
        post = make_post(session, world)
        client.put(outcome_path(world, post), headers=world.auth("editor"), json=FULL)
        response = send(client, world, f"post_id,clicks,reach\n{post.id},99,\n")
        assert response.status_code == 200, response.text
        assert figures(session, post) == {**FULL, "clicks": 99, "reach": None}

    def test_by_channel_and_local_time(self, client: TestClient, world, session):
        # 09:00 in Berlin (winter) is 08:00 UTC.
        post = make_post(session, world, at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
        body = "channel,scheduled_at,engagements,conversions\n" \
               "LinkedIn – Acme,2026-11-24 09:00,56,2\n"
        response = send(client, world, body.encode())
        assert response.status_code == 200, response.text
        assert response.json()["review"][0]["post_id"] == post.id
        assert figures(session, post) == {**dict.fromkeys(FULL), "engagements": 56,
                                          "conversions": 2}

    def test_a_german_excel_file(self, client: TestClient, world, session):
        post = make_post(session, world, at=datetime(2026, 12, 15, 8, 0, tzinfo=UTC))
        body = "channel;scheduled_at;Reach;Clicks\r\nlinkedin – acme;15.12.2026 09:00;1500;12\r\n"
        response = send(client, world, body.encode("cp1252"), language="de")
        assert response.status_code == 200, response.text
        assert figures(session, post) == {**dict.fromkeys(FULL), "reach": 1500, "clicks": 12}

    def test_a_bad_row_names_line_and_column_and_nothing_is_saved(self, client: TestClient,
                                                                  world, session):
        one, two = make_post(session, world), make_post(
            session, world, at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        body = f"post_id,reach,clicks\n{one.id},1200,7\n{two.id},-4,1.5\n"
        response = send(client, world, body)
        assert response.status_code == 422, response.text
        errors = [(e["line"], e["column"]) for e in response.json()["errors"]]
        assert errors == [(3, "clicks"), (3, "reach")]
        assert response.json()["errors"][0]["field"] == "line 3, column clicks"
        assert saved(session) == 0

    def test_the_dry_run_reviews_and_saves_nothing(self, client: TestClient, world, session):
        post = make_post(session, world)
        response = send(client, world, f"post_id,reach\n{post.id},1200\n", dry_run="true")
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["dry_run"], report["updated"], report["errors"]) == (True, 1, [])
        assert report["review"] == [{"line": 2, "post_id": post.id,
                                     "channel_id": world.channel_id,
                                     "scheduled_at": "2026-11-24T08:00:00Z",
                                     "figures": {"reach": 1200}}]
        assert saved(session) == 0

    def test_the_dry_run_lists_the_errors(self, client: TestClient, world, session):
        draft = make_post(session, world, status="draft")
        other = make_post(session, build_world(session, name="Other"))
        body = (f"post_id,reach,likes\n{draft.id},1,2\n{other.id},1,2\n")
        report = send(client, world, body, dry_run="true").json()
        assert [(e["line"], e["column"]) for e in report["errors"]] == \
            [(1, "likes"), (2, "post_id"), (3, "post_id")]
        assert report["updated"] == 0
        assert saved(session) == 0

    def test_a_row_that_finds_no_post_or_two(self, client: TestClient, world, session):
        make_post(session, world)
        make_post(session, world, at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        make_post(session, world, at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        body = ("channel,scheduled_at,reach\n"
                "LinkedIn – Acme,2026-11-24T10:00:00+01:00,5\n"
                "LinkedIn – Acme,2026-11-25 09:00,5\n"
                "Nowhere,2026-11-24 09:00,5\n")
        response = send(client, world, body)
        assert response.status_code == 422
        found = {(e["line"], e["column"]): e["message"] for e in response.json()["errors"]}
        assert set(found) == {(2, "scheduled_at"), (3, "scheduled_at"), (4, "channel")}
        assert "2 posts" in found[(3, "scheduled_at")]
        assert saved(session) == 0

    def test_a_figure_of_thousands_of_digits_is_too_large(self, client: TestClient, world,
                                                          session):
        post = make_post(session, world)
        response = send(client, world, f"post_id,reach,clicks\n{post.id},{'9' * 5000},-0\n")
        assert response.status_code == 422
        assert [(e["column"], e["message"]) for e in response.json()["errors"]] == \
            [("reach", "must be at most 1,000,000,000,000")]
        assert saved(session) == 0

    def test_the_same_post_twice(self, client: TestClient, world, session):
        post = make_post(session, world)
        body = f"post_id,reach\n{post.id},1\n{post.id},2\n"
        response = send(client, world, body)
        assert response.status_code == 422
        assert [(e["line"], e["column"]) for e in response.json()["errors"]] == \
            [(3, "post_id")]

    def test_a_file_naming_no_post_or_no_figure(self, client: TestClient, world):
        no_post = send(client, world, "reach\n5\n")
        assert no_post.status_code == 422 and fields_of(no_post) == ["file"]
        no_figure = send(client, world, "post_id\nabc\n")
        assert no_figure.status_code == 422 and fields_of(no_figure) == ["file"]

    def test_bounds(self, client: TestClient, world):
        from app.services.imports import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS

        too_large = send(client, world, b"post_id,reach\n" + b"x" * MAX_IMPORT_BYTES)
        assert too_large.status_code == 413
        rows = "post_id,reach\n" + "abc,1\n" * (MAX_IMPORT_ROWS + 1)
        too_many = send(client, world, rows)
        assert too_many.status_code == 422 and fields_of(too_many) == ["file"]

    def test_a_file_past_the_bodies_limit_is_taken(self, client: TestClient, world, session):
        # Larger than any other request may be (1 MB), within the import's 5 MB.
        post = make_post(session, world)
        body = f"post_id,reach\n{post.id},1\n" + "\n" * 1_500_000
        response = send(client, world, body)
        assert response.status_code == 200, response.text[:300]
        assert response.json()["updated"] == 1

    def test_an_empty_post_id_without_channel_columns(self, client: TestClient, world):
        response = send(client, world, "post_id,reach\n,5\n")
        assert response.status_code == 422
        assert [(e["line"], e["column"]) for e in response.json()["errors"]] == \
            [(2, "post_id")]

    def test_a_viewer_may_not_import(self, client: TestClient, world, session):
        post = make_post(session, world)
        response = send(client, world, f"post_id,reach\n{post.id},1\n", role="viewer")
        assert response.status_code == 403
        assert saved(session) == 0

    def test_row_errors_speak_german(self, client: TestClient, world, session):
        post = make_post(session, world)
        draft = make_post(session, world, status="draft",
                          at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        body = f"post_id;reach\n{post.id};-1\n{draft.id};1\n"
        response = send(client, world, body, language="de")
        assert response.status_code == 422
        messages = {e["line"]: e["message"] for e in response.json()["errors"]}
        assert messages[2] == "darf nicht negativ sein"
        assert "Entwurf" in messages[3]
        assert "Problem" in response.json()["detail"]


class TestCarelessFiles:
    """What a spreadsheet or a hand-edited file gets wrong: each named, nothing saved."""

    def _errors(self, client: TestClient, world, body: str) -> dict[tuple[int, str], str]:
        response = send(client, world, body)
        assert response.status_code == 422, response.text
        return {(e["line"], e["column"]): e["message"] for e in response.json()["errors"]}

    def test_a_short_row_would_erase_figures_and_is_refused(self, client: TestClient, world,
                                                            session):
        post = make_post(session, world)
        found = self._errors(client, world, f"post_id,reach,clicks\n{post.id}\n")
        assert found[(2, "file")] == "has 1 cell where the header has 3"
        assert saved(session) == 0

    def test_extra_cells_and_a_repeated_column(self, client: TestClient, world, session):
        post = make_post(session, world)
        found = self._errors(client, world, f"post_id,reach,reach\n{post.id},5,6,7\n")
        assert found[(1, "reach")].startswith("appears twice")
        assert found[(2, "file")] == "has 4 cells where the header has 3"
        assert saved(session) == 0

    def test_wide_digits_are_no_figure(self, client: TestClient, world, session):
        post = make_post(session, world)
        found = self._errors(client, world, f"post_id,reach\n{post.id},１２３\n")
        assert (2, "reach") in found
        assert saved(session) == 0

    def test_a_misspelt_only_figure_column_is_named(self, client: TestClient, world):
        response = send(client, world, "post_id,reech\nx,5\n")
        assert response.status_code == 422
        assert "reech: no column of an outcome import" in response.json()["detail"]

    def test_utf16_without_its_mark_says_so(self, client: TestClient, world):
        response = send(client, world, "post_id,reach\nx,5\n".encode("utf-16-le"))
        assert response.status_code == 422
        assert "NUL bytes" in response.json()["detail"]

    def test_a_huge_cell_is_cut_short_in_its_message(self, client: TestClient, world):
        response = send(client, world, "post_id,reach\n" + "x" * 5000 + ",1\n")
        assert response.status_code == 422
        assert len(response.text) < 3000
        assert "no post 'xxx" in response.text
