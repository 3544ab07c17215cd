"""Posts through the REST API: the contract of API.md."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlmodel import Session, func, select

from app.models import Post
from tests.conftest import World, build_world


def new_post(world: World, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "channel_id": world.channel_id,
        "scheduled_at": "2026-11-24T09:00:00+01:00",
        "kind": "give",
        "category": "share",
        "text": "Five roasters worth a visit.",
    }
    body.update(fields)
    return body


def count_posts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Post)).one()


class TestCreatePost:
    def test_created_with_location_etag_and_utc_time(self, client, world):
        response = client.post(world.path("/posts"), json=new_post(world),
                               headers=world.auth("editor"))
        assert response.status_code == 201
        post = response.json()
        assert response.headers["location"].endswith(world.path(f"/posts/{post['id']}"))
        assert response.headers["etag"] == '"1"'
        assert post["scheduled_at"] == "2026-11-24T08:00:00Z"
        assert post["status"] == "draft"
        assert post["version"] == 1
        assert post["created_by"] is not None
        fetched = client.get(response.headers["location"], headers=world.auth("viewer"))
        assert fetched.status_code == 200
        assert fetched.json() == post

    def test_time_without_offset_is_refused_and_says_so(self, client, world, session):
        before = count_posts(session)
        response = client.post(world.path("/posts"),
                               json=new_post(world, scheduled_at="2026-11-24T09:00:00"),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        errors = response.json()["errors"]
        assert errors[0]["field"] == "scheduled_at"
        assert "offset" in errors[0]["message"]
        assert count_posts(session) == before

    def test_unknown_kind_names_the_field(self, client, world):
        response = client.post(world.path("/posts"), json=new_post(world, kind="promo",
                                                                   category=None),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["kind"]

    def test_category_of_the_other_kind_is_refused(self, client, world, session):
        before = count_posts(session)
        response = client.post(world.path("/posts"), json=new_post(world, category="sale"),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "category"
        assert "give" in error["message"]
        assert count_posts(session) == before

    def test_a_100_kb_text_is_refused(self, client, world, session):
        before = count_posts(session)
        response = client.post(world.path("/posts"), json=new_post(world, text="x" * 100_000),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "text"
        assert "5000" in error["message"]
        assert count_posts(session) == before

    def test_empty_text_is_refused(self, client, world):
        response = client.post(world.path("/posts"), json=new_post(world, text="   "),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "text"

    def test_malformed_json_is_a_clear_400(self, client, world):
        response = client.post(world.path("/posts"), content=b'{"kind": "give",',
                               headers={**world.auth("editor"),
                                        "Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "body"

    def test_channel_of_another_workspace_is_not_found(self, client, world, session):
        other = build_world(session, name="Other Co")
        before = count_posts(session)
        response = client.post(world.path("/posts"),
                               json=new_post(world, channel_id=other.channel_id),
                               headers=world.auth("editor"))
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "channel_id"
        assert count_posts(session) == before

    def test_unknown_field_is_named(self, client, world):
        response = client.post(world.path("/posts"), json=new_post(world, colour="red"),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "colour"

    def test_link_must_be_a_web_address(self, client, world):
        response = client.post(world.path("/posts"), json=new_post(world, link="javascript:x"),
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "link"


class TestEditPost:
    def create(self, client, world, **fields):
        response = client.post(world.path("/posts"), json=new_post(world, **fields),
                               headers=world.auth("editor"))
        assert response.status_code == 201
        return response.json()

    def test_patch_bumps_version_and_etag(self, client, world):
        post = self.create(client, world)
        response = client.patch(world.path(f"/posts/{post['id']}"),
                                json={"text": "Six roasters, actually."},
                                headers={**world.auth("editor"), "If-Match": '"1"'})
        assert response.status_code == 200
        assert response.json()["version"] == 2
        assert response.headers["etag"] == '"2"'
        assert response.json()["text"] == "Six roasters, actually."

    def test_stale_if_match_is_412_and_changes_nothing(self, client, world):
        post = self.create(client, world)
        first = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "First edit"},
                             headers={**world.auth("editor"), "If-Match": '"1"'})
        assert first.status_code == 200
        stale = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Second edit"},
                             headers={**world.auth("editor"), "If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        current = client.get(world.path(f"/posts/{post['id']}"), headers=world.auth("viewer"))
        assert current.json()["text"] == "First edit"

    def test_without_if_match_last_write_wins(self, client, world):
        post = self.create(client, world)
        for text in ("one", "two"):
            response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": text},
                                    headers=world.auth("editor"))
            assert response.status_code == 200
        assert response.json()["text"] == "two"

    def test_changing_kind_must_keep_category_consistent(self, client, world):
        post = self.create(client, world)
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"kind": "ask"},
                                headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "category"
        ok = client.patch(world.path(f"/posts/{post['id']}"),
                          json={"kind": "ask", "category": "offer"},
                          headers=world.auth("editor"))
        assert ok.status_code == 200
        assert (ok.json()["kind"], ok.json()["category"]) == ("ask", "offer")

    def test_required_fields_cannot_be_nulled(self, client, world):
        post = self.create(client, world)
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"text": None},
                                headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "text"

    def test_published_post_is_history(self, client, world, session):
        post = self.create(client, world)
        row = session.get(Post, post["id"])
        row.status = "published"
        session.add(row)
        session.commit()
        edit = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "rewrite"},
                            headers=world.auth("editor"))
        assert edit.status_code == 409
        delete = client.delete(world.path(f"/posts/{post['id']}"), headers=world.auth("editor"))
        assert delete.status_code == 409
        assert session.get(Post, post["id"]) is not None

    def test_delete_removes_the_post(self, client, world):
        post = self.create(client, world)
        response = client.delete(world.path(f"/posts/{post['id']}"), headers=world.auth("editor"))
        assert response.status_code == 204
        gone = client.get(world.path(f"/posts/{post['id']}"), headers=world.auth("viewer"))
        assert gone.status_code == 404


class TestListPosts:
    def seed(self, client, world, count=7):
        ids = []
        for day in range(count):
            kind = "ask" if day % 3 == 2 else "give"
            response = client.post(world.path("/posts"), json=new_post(
                world, kind=kind, category=None,
                scheduled_at=f"2026-11-{10 + (count - day):02d}T09:00:00+01:00"),
                headers=world.auth("editor"))
            ids.append(response.json()["id"])
        return ids

    def test_ordered_by_time_and_paged_with_cursor(self, client, world):
        self.seed(client, world)
        seen, cursor = [], None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            response = client.get(world.path("/posts"), params=params,
                                  headers=world.auth("viewer"))
            assert response.status_code == 200
            body = response.json()
            assert len(body["items"]) <= 3
            seen.extend(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        times = [p["scheduled_at"] for p in seen]
        assert len(seen) == 7
        assert times == sorted(times)
        assert len({p["id"] for p in seen}) == 7

    def test_time_filters_are_start_inclusive_end_exclusive(self, client, world):
        self.seed(client, world)
        response = client.get(world.path("/posts"), params={
            "start": "2026-11-12T09:00:00+01:00", "end": "2026-11-14T09:00:00+01:00"},
            headers=world.auth("viewer"))
        times = [p["scheduled_at"] for p in response.json()["items"]]
        assert times == ["2026-11-12T08:00:00Z", "2026-11-13T08:00:00Z"]

    def test_kind_and_channel_filters(self, client, world):
        self.seed(client, world)
        asks = client.get(world.path("/posts"), params={"kind": "ask"},
                          headers=world.auth("viewer")).json()["items"]
        assert asks and all(p["kind"] == "ask" for p in asks)
        assert len(asks) == 2
        none = client.get(world.path("/posts"), params={"channel_id": "nope"},
                          headers=world.auth("viewer")).json()["items"]
        assert none == []

    def test_bad_filters_name_the_query_field(self, client, world):
        naive = client.get(world.path("/posts"), params={"start": "2026-11-12T09:00:00"},
                           headers=world.auth("viewer"))
        assert naive.status_code == 422
        assert naive.json()["errors"][0]["field"] == "query.start"
        limit = client.get(world.path("/posts"), params={"limit": 501},
                           headers=world.auth("viewer"))
        assert limit.status_code == 422
        assert limit.json()["errors"][0]["field"] == "query.limit"
        cursor = client.get(world.path("/posts"), params={"cursor": "garbage"},
                            headers=world.auth("viewer"))
        assert cursor.status_code == 422
        assert cursor.json()["errors"][0]["field"] == "query.cursor"

    def test_updated_since_finds_only_recent_edits(self, client, world):
        ids = self.seed(client, world, count=3)
        time.sleep(0.01)
        mark = datetime.now(UTC).isoformat()
        client.patch(world.path(f"/posts/{ids[1]}"), json={"text": "edited"},
                     headers=world.auth("editor"))
        recent = client.get(world.path("/posts"), params={"updated_since": mark},
                            headers=world.auth("viewer")).json()["items"]
        assert [p["id"] for p in recent] == [ids[1]]
