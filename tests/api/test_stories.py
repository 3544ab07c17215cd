"""Stories through the REST API: the resource, episodes on posts, and the four
story codes at their boundaries in the findings, what-if and calendar.

Times are local to the workspace (Europe/Berlin); the channel started long ago
so listening and first-ask rules stay out of the way of the story codes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from app.models import Channel, Post, Story
from tests.conftest import World, build_world

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=BERLIN)


def at(days: float, hour: int = 9) -> datetime:
    base = MONDAY.date() + timedelta(days=int(days))
    return datetime(base.year, base.month, base.day, hour, tzinfo=BERLIN)


def start_channel_long_ago(session: Session, world: World) -> None:
    channel = session.get(Channel, world.channel_id)
    assert channel is not None
    channel.started_on = date(2025, 1, 1)
    session.add(channel)
    session.commit()


def new_story(client, world: World, **fields: Any) -> dict[str, Any]:
    body = {"name": "Winter blend launch", **fields}
    response = client.post(world.path("/stories"), json=body, headers=world.auth("editor"))
    assert response.status_code == 201, response.text
    return response.json()


def episode(client, world: World, story_id: str | None, number: int | None, when: datetime,
            kind: str = "give", expect: int = 201) -> dict[str, Any]:
    body: dict[str, Any] = {"channel_id": world.channel_id, "scheduled_at": when.isoformat(),
                            "kind": kind, "text": f"Episode {number}", "story_id": story_id,
                            "episode": number}
    response = client.post(world.path("/posts"), json=body, headers=world.auth("editor"))
    assert response.status_code == expect, response.text
    return response.json()


def story_findings(client, world: World, start: datetime, end: datetime) -> list[dict[str, Any]]:
    response = client.get(world.path("/findings"), headers=world.auth("viewer"),
                          params={"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200, response.text
    return [f for f in response.json()["items"] if f["code"].startswith("story_")]


def codes(findings: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(f["code"], f["post_ids"]) for f in findings]


def count_posts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Post)).one()


class TestStoryResource:
    def test_created_with_location_etag_and_read_by_a_viewer(self, client, world):
        response = client.post(world.path("/stories"), headers=world.auth("editor"), json={
            "name": "Winter blend launch", "goal": "Sell the blend without shouting",
            "min_gap_days": 2, "max_gap_days": 7, "min_gives_before_ask": 3})
        assert response.status_code == 201
        story = response.json()
        assert response.headers["location"].endswith(world.path(f"/stories/{story['id']}"))
        assert response.headers["etag"] == '"1"'
        assert story["min_gap_days"] == 2 and story["max_gap_days"] == 7
        fetched = client.get(response.headers["location"], headers=world.auth("viewer"))
        assert fetched.status_code == 200
        assert fetched.json() == story
        listed = client.get(world.path("/stories"), headers=world.auth("viewer")).json()
        assert [s["id"] for s in listed["items"]] == [story["id"]]

    def test_a_viewer_cannot_create_one(self, client, world):
        response = client.post(world.path("/stories"), json={"name": "Nope"},
                               headers=world.auth("viewer"))
        assert response.status_code == 403

    def test_list_pages_with_a_cursor(self, client, world):
        ids = [new_story(client, world, name=f"Story {n}")["id"] for n in range(3)]
        first = client.get(world.path("/stories"), params={"limit": 2},
                           headers=world.auth("viewer")).json()
        second = client.get(world.path("/stories"),
                            params={"limit": 2, "cursor": first["next_cursor"]},
                            headers=world.auth("viewer")).json()
        assert [s["id"] for s in first["items"] + second["items"]] == sorted(ids)
        assert second["next_cursor"] is None

    def test_a_name_used_twice_is_a_conflict_naming_the_field(self, client, world):
        new_story(client, world)
        response = client.post(world.path("/stories"), json={"name": "Winter blend launch"},
                               headers=world.auth("editor"))
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "name"

    def test_shortest_gap_above_the_longest_is_refused(self, client, world):
        response = client.post(world.path("/stories"), headers=world.auth("editor"),
                               json={"name": "Odd", "min_gap_days": 8, "max_gap_days": 7})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "min_gap_days"
        story = new_story(client, world, max_gap_days=7)
        response = client.patch(world.path(f"/stories/{story['id']}"),
                                json={"min_gap_days": 9}, headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "min_gap_days"

    def test_stale_if_match_is_412_and_changes_nothing(self, client, world):
        story = new_story(client, world)
        path = world.path(f"/stories/{story['id']}")
        ok = client.patch(path, json={"max_gap_days": 5}, headers={
            **world.auth("editor"), "If-Match": '"1"'})
        assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
        stale = client.patch(path, json={"max_gap_days": 9}, headers={
            **world.auth("editor"), "If-Match": '"1"'})
        assert stale.status_code == 412
        assert client.get(path, headers=world.auth("viewer")).json()["max_gap_days"] == 5

    def test_another_workspaces_story_is_not_found(self, client, world, session):
        other = build_world(session, name="Other Co")
        response = client.post(world.path("/stories"), json={"name": "Theirs"},
                               headers=world.auth("editor"))
        story_id = response.json()["id"]
        response = client.get(f"/api/v1/workspaces/{other.workspace_id}/stories/{story_id}",
                              headers=other.auth("viewer"))
        assert response.status_code == 404

    def test_deleting_a_story_keeps_its_posts_out_of_the_story(self, client, world, session):
        story = new_story(client, world)
        post = episode(client, world, story["id"], 1, at(0))
        response = client.delete(world.path(f"/stories/{story['id']}"),
                                 headers=world.auth("editor"))
        assert response.status_code == 204
        kept = client.get(world.path(f"/posts/{post['id']}"), headers=world.auth("viewer"))
        assert kept.status_code == 200
        assert kept.json()["story_id"] is None
        assert kept.json()["episode"] is None
        assert session.get(Story, story["id"]) is None


class TestEpisodes:
    def test_an_episode_number_used_twice_is_refused_and_nothing_saved(
            self, client, world, session):
        story = new_story(client, world)
        first = episode(client, world, story["id"], 3, at(0))
        before = count_posts(session)
        response = episode(client, world, story["id"], 3, at(2), expect=422)
        assert response["errors"][0]["field"] == "episode"
        assert "already planned" in response["errors"][0]["message"]
        assert response["errors"][0]["post_id"] == first["id"]
        assert count_posts(session) == before

    def test_the_same_number_in_another_story_is_fine(self, client, world):
        one = new_story(client, world, name="One")
        two = new_story(client, world, name="Two")
        episode(client, world, one["id"], 1, at(0))
        episode(client, world, two["id"], 1, at(1))

    def test_an_episode_without_a_story_is_refused(self, client, world, session):
        before = count_posts(session)
        response = episode(client, world, None, 2, at(0), expect=422)
        assert response["errors"][0]["field"] == "episode"
        assert "story" in response["errors"][0]["message"]
        assert count_posts(session) == before

    def test_a_story_of_another_workspace_is_not_found_and_named(self, client, world, session):
        other = build_world(session, name="Other Co")
        theirs = client.post(f"/api/v1/workspaces/{other.workspace_id}/stories",
                             json={"name": "Theirs"}, headers=other.auth("editor")).json()
        before = count_posts(session)
        response = episode(client, world, theirs["id"], 1, at(0), expect=404)
        assert response["errors"][0]["field"] == "story_id"
        assert count_posts(session) == before

    def test_moving_an_episode_onto_a_taken_number_is_refused(self, client, world):
        story = new_story(client, world)
        episode(client, world, story["id"], 1, at(0))
        second = episode(client, world, story["id"], 2, at(2))
        response = client.patch(world.path(f"/posts/{second['id']}"), json={"episode": 1},
                                headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "episode"
        kept = client.get(world.path(f"/posts/{second['id']}"), headers=world.auth("viewer"))
        assert kept.json()["episode"] == 2

    def test_leaving_the_story_drops_the_episode_number(self, client, world):
        story = new_story(client, world)
        post = episode(client, world, story["id"], 1, at(0))
        response = client.patch(world.path(f"/posts/{post['id']}"), json={"story_id": None},
                                headers=world.auth("editor"))
        assert response.status_code == 200
        assert (response.json()["story_id"], response.json()["episode"]) == (None, None)

    def test_posts_list_filters_by_story(self, client, world):
        story = new_story(client, world)
        ids = [episode(client, world, story["id"], n, at(2 * n))["id"] for n in (1, 2, 3)]
        episode(client, world, None, None, at(1))
        listed = client.get(world.path("/posts"), params={"story_id": story["id"]},
                            headers=world.auth("viewer")).json()
        assert [p["id"] for p in listed["items"]] == ids


class TestStoryRushed:
    def test_episodes_exactly_the_shortest_gap_apart_are_fine(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gap_days=2)
        episode(client, world, story["id"], 1, at(0))
        episode(client, world, story["id"], 2, at(2))
        assert story_findings(client, world, at(-7), at(14)) == []

    def test_one_day_apart_rushes_the_story(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gap_days=2)
        one = episode(client, world, story["id"], 1, at(0))
        two = episode(client, world, story["id"], 2, at(1))
        (finding,) = story_findings(client, world, at(-7), at(14))
        assert finding["code"] == "story_rushed"
        assert finding["post_ids"] == [one["id"], two["id"]]
        assert finding["story_id"] == story["id"]
        assert finding["details"]["gap_days"] == 1
        assert "Winter blend launch" in finding["message"]


class TestStoryStalled:
    def test_exactly_the_longest_gap_is_fine(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, max_gap_days=7)
        episode(client, world, story["id"], 1, at(0))
        episode(client, world, story["id"], 2, at(7))
        assert story_findings(client, world, at(-7), at(14)) == []

    def test_a_day_longer_stalls_the_story(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, max_gap_days=7)
        one = episode(client, world, story["id"], 1, at(0))
        two = episode(client, world, story["id"], 2, at(8))
        assert codes(story_findings(client, world, at(-7), at(14))) == [
            ("story_stalled", [one["id"], two["id"]])]

    def test_a_gap_spanning_the_whole_range_is_still_found(self, client, world, session):
        """Neither episode lies in the range or near it, yet the stall covers it."""
        start_channel_long_ago(session, world)
        story = new_story(client, world, max_gap_days=14)
        one = episode(client, world, story["id"], 1, at(-60))
        two = episode(client, world, story["id"], 2, at(60))
        assert codes(story_findings(client, world, at(0), at(7))) == [
            ("story_stalled", [one["id"], two["id"]])]

    def test_an_episode_far_before_the_range_is_read(self, client, world, session):
        """Episode 1 lies two months before the week shown, far outside the
        channel's bounded read; the story is read whole, so the stall is exact."""
        start_channel_long_ago(session, world)
        story = new_story(client, world, max_gap_days=14)
        one = episode(client, world, story["id"], 1, at(-60))
        two = episode(client, world, story["id"], 2, at(2))
        (finding,) = story_findings(client, world, at(0), at(7))
        assert finding["post_ids"] == [one["id"], two["id"]]
        assert finding["details"]["gap_days"] == 62


class TestStoryOutOfOrder:
    def test_episodes_in_order_are_fine(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world)
        for n in (1, 2, 3):
            episode(client, world, story["id"], n, at(n))
        assert story_findings(client, world, at(-7), at(14)) == []

    def test_an_episode_before_a_lower_number_is_flagged(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world)
        two = episode(client, world, story["id"], 2, at(0))
        episode(client, world, story["id"], 1, at(1))
        (finding,) = story_findings(client, world, at(-7), at(14))
        assert (finding["code"], finding["post_ids"]) == ("story_out_of_order", [two["id"]])
        assert finding["details"]["lower_episode"] == 1


class TestStoryAskBeforePayoff:
    def test_an_ask_after_enough_gives_is_fine(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gives_before_ask=2)
        episode(client, world, story["id"], 1, at(0))
        episode(client, world, story["id"], 2, at(1))
        episode(client, world, story["id"], 3, at(2), kind="ask")
        assert story_findings(client, world, at(-7), at(14)) == []

    def test_an_ask_one_give_short_is_flagged(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gives_before_ask=2)
        episode(client, world, story["id"], 1, at(0))
        ask = episode(client, world, story["id"], 2, at(1), kind="ask")
        (finding,) = story_findings(client, world, at(-7), at(14))
        assert (finding["code"], finding["post_ids"]) == ("story_ask_before_payoff",
                                                          [ask["id"]])
        assert finding["details"] == {"gives_before": 1, "required": 2}


class TestStoriesInChecksAndCalendar:
    def test_what_if_warns_when_a_move_would_rush_the_story(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gap_days=2)
        episode(client, world, story["id"], 1, at(0))
        two = episode(client, world, story["id"], 2, at(3))
        response = client.post(world.path("/check"), headers=world.auth("editor"), json={
            "action": "move", "post_id": two["id"], "scheduled_at": at(1).isoformat()})
        assert response.status_code == 200
        added = [f["code"] for f in response.json()["added"]]
        assert "story_rushed" in added

    def test_what_if_for_a_new_episode_names_it(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gives_before_ask=1)
        response = client.post(world.path("/check"), headers=world.auth("editor"), json={
            "action": "create", "post": {
                "channel_id": world.channel_id, "scheduled_at": at(0).isoformat(),
                "kind": "ask", "text": "Buy it", "story_id": story["id"], "episode": 1}})
        assert response.status_code == 200
        payoff = [f for f in response.json()["added"] if f["code"] == "story_ask_before_payoff"]
        assert [f["post_ids"] for f in payoff] == [["new"]]

    def test_the_calendar_names_the_story_of_its_episodes(self, client, world, session):
        start_channel_long_ago(session, world)
        story = new_story(client, world, min_gap_days=2)
        episode(client, world, story["id"], 1, at(0))
        two = episode(client, world, story["id"], 2, at(1))
        calendar = client.get(world.path("/calendar"), headers=world.auth("viewer"), params={
            "start": at(0).isoformat(), "end": at(7).isoformat()}).json()
        assert calendar["stories"] == [{"id": story["id"], "name": "Winter blend launch"}]
        shown = {p["id"]: p for p in calendar["posts"]}
        assert shown[two["id"]]["episode"] == 2
        assert "story_rushed" in [f["code"] for f in calendar["findings"]]
