"""Archiving a channel through the API, platforms and their text limits."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Channel, Post
from tests.conftest import World

WHEN = "2030-03-04T09:00:00+01:00"


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def _channel(client: TestClient, world: World, **body: Any) -> dict[str, Any]:
    response = client.post(world.path("/channels"), headers=world.auth("editor"),
                           json={"name": "X – Acme", "platform": "x", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _post(client: TestClient, world: World, channel_id: str, text: str = "A give.") -> Any:
    return client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": channel_id, "scheduled_at": WHEN, "kind": "give", "text": text})


def _posts(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Post)).one())


class TestArchive:
    def test_archive_and_unarchive_show_in_the_channel(self, client, world):
        channel = _channel(client, world)
        assert channel["archived_at"] is None
        archived = client.post(world.path(f"/channels/{channel['id']}/archive"),
                               headers=world.auth("editor"))
        assert archived.status_code == 200
        assert archived.json()["archived_at"].endswith("Z")
        assert archived.headers["etag"] == f'"{archived.json()["version"]}"'
        read = client.get(world.path(f"/channels/{channel['id']}"), headers=world.auth("viewer"))
        assert read.json()["archived_at"] == archived.json()["archived_at"]
        back = client.post(world.path(f"/channels/{channel['id']}/unarchive"),
                           headers=world.auth("editor"))
        assert back.status_code == 200
        assert back.json()["archived_at"] is None

    def test_archiving_twice_changes_nothing(self, client, world):
        channel = _channel(client, world)
        first = client.post(world.path(f"/channels/{channel['id']}/archive"),
                            headers=world.auth("editor")).json()
        again = client.post(world.path(f"/channels/{channel['id']}/archive"),
                            headers=world.auth("editor")).json()
        assert again["version"] == first["version"]
        assert again["archived_at"] == first["archived_at"]

    def test_a_stale_version_is_412_and_archives_nothing(self, client, world):
        channel = _channel(client, world)
        client.patch(world.path(f"/channels/{channel['id']}"), json={"name": "X – Renamed"},
                     headers={**world.auth("editor"), "If-Match": '"1"'})
        stale = client.post(world.path(f"/channels/{channel['id']}/archive"),
                            headers={**world.auth("editor"), "If-Match": '"1"'})
        assert stale.status_code == 412
        read = client.get(world.path(f"/channels/{channel['id']}"), headers=world.auth("viewer"))
        assert read.json()["archived_at"] is None

    def test_a_viewer_may_not_archive(self, client, world, session):
        response = client.post(world.path(f"/channels/{world.channel_id}/archive"),
                               headers=world.auth("viewer"))
        assert response.status_code == 403
        session.expire_all()
        channel = session.get(Channel, world.channel_id)
        assert channel is not None and channel.archived_at is None

    def test_an_archived_channel_takes_no_new_post(self, client, world, session):
        client.post(world.path(f"/channels/{world.channel_id}/archive"),
                    headers=world.auth("editor"))
        before = _posts(session)
        response = _post(client, world, world.channel_id)
        assert response.status_code == 422
        assert _fields(response) == ["channel_id"]
        assert "archived; its posts stay as history" in response.json()["errors"][0]["message"]
        assert _posts(session) == before

    def test_posts_stay_and_cannot_be_moved_into_or_edited_there(self, client, world):
        other = _channel(client, world, name="Mastodon – Acme", platform="mastodon")
        kept = _post(client, world, world.channel_id).json()
        moving = _post(client, world, other["id"]).json()
        client.post(world.path(f"/channels/{world.channel_id}/archive"),
                    headers=world.auth("editor"))
        listed = client.get(world.path("/posts"), params={"channel_id": world.channel_id},
                            headers=world.auth("viewer")).json()["items"]
        assert [p["id"] for p in listed] == [kept["id"]]
        moved = client.patch(world.path(f"/posts/{moving['id']}"),
                             json={"channel_id": world.channel_id},
                             headers=world.auth("editor"))
        assert moved.status_code == 422 and _fields(moved) == ["channel_id"]
        edited = client.patch(world.path(f"/posts/{kept['id']}"), json={"text": "Changed."},
                              headers=world.auth("editor"))
        assert edited.status_code == 422 and _fields(edited) == ["channel_id"]
        assert client.get(world.path(f"/posts/{kept['id']}"),
                          headers=world.auth("viewer")).json()["text"] == "A give."
        # Moving a post out of the archived channel is fine.
        out = client.patch(world.path(f"/posts/{kept['id']}"), json={"channel_id": other["id"]},
                           headers=world.auth("editor"))
        assert out.status_code == 200, out.text

    def test_after_unarchiving_posts_are_planned_again(self, client, world):
        client.post(world.path(f"/channels/{world.channel_id}/archive"),
                    headers=world.auth("editor"))
        client.post(world.path(f"/channels/{world.channel_id}/unarchive"),
                    headers=world.auth("editor"))
        assert _post(client, world, world.channel_id).status_code == 201


class TestPlatforms:
    def test_an_unknown_platform_is_422_naming_it(self, client, world, session):
        response = client.post(world.path("/channels"), headers=world.auth("editor"),
                               json={"name": "Blog", "platform": "myspace"})
        assert response.status_code == 422
        assert _fields(response) == ["platform"]
        session.expire_all()
        assert session.exec(select(Channel).where(Channel.name == "Blog")).first() is None

    def test_spellings_and_old_names_are_stored_as_the_platform(self, client, world):
        assert _channel(client, world, name="A", platform="LinkedIn ")["platform"] == "linkedin"
        assert _channel(client, world, name="B", platform="twitter")["platform"] == "x"

    def test_an_empty_platform_stays_accepted(self, client, world):
        channel = _channel(client, world, name="Old style", platform="")
        assert channel["platform"] == "" and channel["text_limit"] is None
        renamed = client.patch(world.path(f"/channels/{channel['id']}"),
                               json={"name": "Old style, renamed"}, headers=world.auth("editor"))
        assert renamed.status_code == 200

    def test_text_limit_is_shown(self, client, world):
        assert _channel(client, world)["text_limit"] == 280
        listed = client.get(world.path("/channels"), headers=world.auth("viewer")).json()
        assert {c["name"]: c["text_limit"] for c in listed["items"]} == {
            "LinkedIn – Acme": 3000, "X – Acme": 280}

    def test_a_text_over_the_limit_is_refused_naming_text(self, client, world, session):
        channel = _channel(client, world)
        before = _posts(session)
        response = _post(client, world, channel["id"], text="a" * 301)
        assert response.status_code == 422
        assert _fields(response) == ["text"]
        assert response.json()["errors"][0]["message"] == \
            "X posts can be at most 280 characters; this one has 301."
        assert _posts(session) == before
        assert _post(client, world, channel["id"], text="a" * 280).status_code == 201

    def test_an_edit_or_move_over_the_limit_is_refused(self, client, world):
        channel = _channel(client, world)
        post = _post(client, world, world.channel_id, text="b" * 400).json()
        moved = client.patch(world.path(f"/posts/{post['id']}"),
                             json={"channel_id": channel["id"]}, headers=world.auth("editor"))
        assert moved.status_code == 422 and _fields(moved) == ["text"]
        assert "this one has 400" in moved.json()["errors"][0]["message"]
        short = _post(client, world, channel["id"], text="Short.").json()
        longer = client.patch(world.path(f"/posts/{short['id']}"), json={"text": "c" * 281},
                              headers=world.auth("editor"))
        assert longer.status_code == 422 and _fields(longer) == ["text"]
        assert client.get(world.path(f"/posts/{short['id']}"),
                          headers=world.auth("viewer")).json()["text"] == "Short."


class TestSeriesFollowTheChannel:
    def test_a_series_on_an_archived_channel_or_past_the_limit_plans_nothing(
            self, client, world, session):
        from tests.api.test_series import series_body

        channel = _channel(client, world)
        before = _posts(session)
        long = client.post(world.path("/series"), headers=world.auth("editor"),
                           json=series_body(world, channel_id=channel["id"], text="x" * 281))
        assert long.status_code == 422 and "text" in _fields(long)
        client.post(world.path(f"/channels/{channel['id']}/archive"),
                    headers=world.auth("editor"))
        archived = client.post(world.path("/series"), headers=world.auth("editor"),
                               json=series_body(world, channel_id=channel["id"]))
        assert archived.status_code == 422 and "channel_id" in _fields(archived)
        assert _posts(session) == before
