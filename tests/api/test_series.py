"""Series through the REST API: recurring posts materialised as posts, kept at
the same local time across DST changes, edited one by one or from a date on,
deleted from a date, and counted like any post in the calendar and findings.

The workspace's zone is Europe/Berlin: clocks go forward on 29 Mar 2026 and
back on 25 Oct 2026, so 09:00 local is 08:00 UTC in winter, 07:00 in summer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, func, select

from app.models import Channel, Post, Series
from tests.conftest import World, build_world


def series_body(world: World, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel_id": world.channel_id, "name": "Tip Monday", "kind": "give",
        "category": "help", "text": "This week's brewing tip.",
        "rrule": "FREQ=WEEKLY;BYDAY=MO", "starts_on": "2026-03-16", "time": "09:00",
        "count": 4,
    }
    body.update(fields)
    return body


def create(client, world: World, **fields: Any) -> dict[str, Any]:
    response = client.post(world.path("/series"), json=series_body(world, **fields),
                           headers=world.auth("editor"))
    assert response.status_code == 201, response.text
    return response.json()


def occurrences(client, world: World, series_id: str) -> list[dict[str, Any]]:
    response = client.get(world.path("/posts"), params={"series_id": series_id, "limit": 500},
                          headers=world.auth("viewer"))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def times(posts: list[dict[str, Any]]) -> list[str]:
    return [p["scheduled_at"] for p in posts]


def counts(session: Session) -> tuple[int, int]:
    posts = session.exec(select(func.count()).select_from(Post)).one()
    series = session.exec(select(func.count()).select_from(Series)).one()
    return posts, series


def set_status(session: Session, post_id: str, status: str) -> None:
    post = session.get(Post, post_id)
    assert post is not None
    post.status = status
    session.add(post)
    session.commit()


class TestCreate:
    def test_a_weekly_series_keeps_nine_local_across_the_march_change(self, client, world):
        response = client.post(world.path("/series"), json=series_body(world),
                               headers=world.auth("editor"))
        assert response.status_code == 201
        series = response.json()
        assert response.headers["location"].endswith(world.path(f"/series/{series['id']}"))
        assert response.headers["etag"] == '"1"'
        assert series["occurrences"] == 4
        assert series["time"] == "09:00"
        posts = occurrences(client, world, series["id"])
        # 09:00 CET is 08:00Z; from 29 Mar, 09:00 CEST is 07:00Z.
        assert times(posts) == ["2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z",
                                "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]
        assert {p["series_id"] for p in posts} == {series["id"]}
        assert {(p["status"], p["kind"], p["category"], p["text"]) for p in posts} == {
            ("draft", "give", "help", "This week's brewing tip.")}

    def test_and_across_the_october_change(self, client, world):
        series = create(client, world, starts_on="2026-10-19", count=None, until="2026-11-02")
        assert times(occurrences(client, world, series["id"])) == [
            "2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z", "2026-11-02T08:00:00Z"]

    def test_its_own_zone_keeps_its_own_local_time(self, client, world):
        series = create(client, world, timezone="America/New_York", count=2,
                        starts_on="2026-03-02", rrule="FREQ=WEEKLY;BYDAY=MO;INTERVAL=1")
        # New York: 09:00 EST is 14:00Z; after 8 Mar, 09:00 EDT is 13:00Z.
        assert times(occurrences(client, world, series["id"])) == [
            "2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z"]
        assert series["timezone"] == "America/New_York"

    def test_skipped_dates_get_no_post(self, client, world):
        series = create(client, world, skipped_dates=["2026-03-23"])
        assert times(occurrences(client, world, series["id"])) == [
            "2026-03-16T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]
        assert series["occurrences"] == 3
        assert series["skipped_dates"] == ["2026-03-23"]

    def test_a_viewer_cannot_create_one(self, client, world, session):
        before = counts(session)
        response = client.post(world.path("/series"), json=series_body(world),
                               headers=world.auth("viewer"))
        assert response.status_code == 403
        assert counts(session) == before


class TestBadInput:
    def refused(self, client, world, session, **fields: Any) -> dict[str, Any]:
        before = counts(session)
        response = client.post(world.path("/series"), json=series_body(world, **fields),
                               headers=world.auth("editor"))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert counts(session) == before  # no series, no partial occurrences
        return response.json()["errors"][0]

    def test_an_invalid_rrule_names_the_field(self, client, world, session):
        error = self.refused(client, world, session, rrule="FREQ=FORTNIGHTLY")
        assert error["field"] == "rrule"
        assert "FORTNIGHTLY" in error["message"]
        error = self.refused(client, world, session, rrule="FREQ=WEEKLY;BYDAY=XX")
        assert error["field"] == "rrule"

    def test_an_end_inside_the_rule_is_sent_to_its_own_field(self, client, world, session):
        error = self.refused(client, world, session, rrule="FREQ=WEEKLY;COUNT=3")
        assert error["field"] == "rrule"
        assert "count" in error["message"]

    def test_an_hourly_rule_is_refused(self, client, world, session):
        error = self.refused(client, world, session, rrule="FREQ=HOURLY")
        assert (error["field"], "once a day" in error["message"]) == ("rrule", True)

    def test_an_unknown_time_zone_names_the_field(self, client, world, session):
        error = self.refused(client, world, session, timezone="Europe/Atlantis")
        assert error["field"] == "timezone"
        assert "Europe/Atlantis" in error["message"]

    def test_a_count_of_zero_names_the_field(self, client, world, session):
        error = self.refused(client, world, session, count=0)
        assert error["field"] == "count"

    def test_a_series_needs_an_end(self, client, world, session):
        error = self.refused(client, world, session, count=None)
        assert error["field"] == "until"
        assert "needs an end" in error["message"]

    def test_until_and_count_together_are_refused(self, client, world, session):
        error = self.refused(client, world, session, until="2026-05-01")
        assert error["field"] == "count"

    def test_more_than_two_years_is_refused(self, client, world, session):
        error = self.refused(client, world, session, count=200)
        assert error["field"] == "count"
        assert "two years" in error["message"]
        error = self.refused(client, world, session, count=None, until="2029-01-01")
        assert error["field"] == "until"

    def test_a_rule_that_never_occurs_is_refused(self, client, world, session):
        error = self.refused(client, world, session, rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
                             count=2)
        assert error["field"] == "rrule"

    def test_a_category_of_the_other_kind_is_refused(self, client, world, session):
        error = self.refused(client, world, session, category="sale")
        assert error["field"] == "category"

    def test_a_time_without_whole_minutes_is_refused(self, client, world, session):
        error = self.refused(client, world, session, time="09:00:30")
        assert error["field"] == "time"

    def test_a_channel_of_another_workspace_is_not_found(self, client, world, session):
        other = build_world(session, name="Other Co")
        before = counts(session)
        response = client.post(world.path("/series"),
                               json=series_body(world, channel_id=other.channel_id),
                               headers=world.auth("editor"))
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "channel_id"
        assert counts(session) == before


class TestOneOccurrence:
    def test_editing_one_occurrence_leaves_the_others(self, client, world):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        edited = client.patch(world.path(f"/posts/{posts[1]['id']}"),
                              json={"text": "Special: our roaster visits."},
                              headers=world.auth("editor"))
        assert edited.status_code == 200
        assert edited.json()["series_id"] == series["id"]
        assert edited.json()["series_changed"] is True
        after = occurrences(client, world, series["id"])
        assert [p["text"] for p in after] == [
            "This week's brewing tip.", "Special: our roaster visits.",
            "This week's brewing tip.", "This week's brewing tip."]
        assert [p["version"] for p in after] == [1, 2, 1, 1]

    def test_changing_the_series_then_keeps_the_edited_occurrence(self, client, world):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        client.patch(world.path(f"/posts/{posts[1]['id']}"), json={"text": "Special."},
                     headers=world.auth("editor"))
        response = client.patch(world.path(f"/series/{series['id']}"),
                                json={"text": "Tip of the week."}, headers=world.auth("editor"))
        assert response.status_code == 200, response.text
        after = occurrences(client, world, series["id"])
        assert [p["text"] for p in after] == [
            "Tip of the week.", "Special.", "Tip of the week.", "Tip of the week."]
        assert [p["id"] for p in after] == [p["id"] for p in posts]  # updated in place

    def test_deleting_one_occurrence_skips_its_date_for_good(self, client, world):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        response = client.delete(world.path(f"/posts/{posts[2]['id']}"),
                                 headers=world.auth("editor"))
        assert response.status_code == 204
        fetched = client.get(world.path(f"/series/{series['id']}"),
                             headers=world.auth("viewer")).json()
        assert fetched["skipped_dates"] == ["2026-03-30"]
        client.patch(world.path(f"/series/{series['id']}"), json={"text": "New words."},
                     headers=world.auth("editor"))
        assert times(occurrences(client, world, series["id"])) == [
            "2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-04-06T07:00:00Z"]


class TestFromADate:
    def test_changing_the_series_from_a_date_keeps_the_past(self, client, world):
        series = create(client, world)
        before = occurrences(client, world, series["id"])
        response = client.patch(world.path(f"/series/{series['id']}"),
                                params={"from": "2026-03-30"},
                                json={"text": "Spring tips.", "time": "10:30"},
                                headers=world.auth("editor"))
        assert response.status_code == 200, response.text
        after = occurrences(client, world, series["id"])
        assert [p["id"] for p in after] == [p["id"] for p in before]
        assert [(p["scheduled_at"], p["text"]) for p in after] == [
            ("2026-03-16T08:00:00Z", "This week's brewing tip."),
            ("2026-03-23T08:00:00Z", "This week's brewing tip."),
            ("2026-03-30T08:30:00Z", "Spring tips."),
            ("2026-04-06T08:30:00Z", "Spring tips.")]

    def test_a_new_rule_from_a_date_moves_only_the_future(self, client, world):
        series = create(client, world, count=None, until="2026-04-12")
        response = client.patch(world.path(f"/series/{series['id']}"),
                                params={"from": "2026-03-30"},
                                json={"rrule": "FREQ=WEEKLY;BYDAY=WE"},
                                headers=world.auth("editor"))
        assert response.status_code == 200, response.text
        assert times(occurrences(client, world, series["id"])) == [
            "2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z",  # Mondays, kept
            "2026-04-01T07:00:00Z", "2026-04-08T07:00:00Z"]  # Wednesdays from 30 Mar
        assert response.json()["occurrences"] == 4

    def test_a_published_occurrence_is_never_rewritten(self, client, world, session):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        set_status(session, posts[3]["id"], "published")
        client.patch(world.path(f"/series/{series['id']}"), json={"text": "New words."},
                     headers=world.auth("editor"))
        after = occurrences(client, world, series["id"])
        assert [p["text"] for p in after] == ["New words."] * 3 + ["This week's brewing tip."]

    def test_an_approved_occurrence_goes_back_to_review_when_its_text_changes(
            self, client, world, session):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        set_status(session, posts[0]["id"], "approved")
        client.patch(world.path(f"/series/{series['id']}"), json={"text": "New words."},
                     headers=world.auth("editor"))
        assert occurrences(client, world, series["id"])[0]["status"] == "submitted"

    def test_a_bad_change_saves_nothing(self, client, world):
        series = create(client, world)
        response = client.patch(world.path(f"/series/{series['id']}"),
                                json={"until": "2026-05-01"}, headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "count"
        fetched = client.get(world.path(f"/series/{series['id']}"),
                             headers=world.auth("viewer"))
        assert fetched.headers["etag"] == '"1"'
        assert len(occurrences(client, world, series["id"])) == 4

    def test_a_stale_if_match_is_412(self, client, world):
        series = create(client, world)
        path = world.path(f"/series/{series['id']}")
        client.patch(path, json={"name": "Tips"}, headers=world.auth("editor"))
        response = client.patch(path, json={"text": "Late."},
                                headers={**world.auth("editor"), "If-Match": '"1"'})
        assert response.status_code == 412
        assert {p["text"] for p in occurrences(client, world, series["id"])} == {
            "This week's brewing tip."}

    def test_a_bad_from_date_names_the_query_field(self, client, world):
        series = create(client, world)
        response = client.patch(world.path(f"/series/{series['id']}"),
                                params={"from": "next week"}, json={"text": "x"},
                                headers=world.auth("editor"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.from"


class TestDelete:
    def test_deleting_from_a_date_keeps_the_past_and_ends_the_series(
            self, client, world, session):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        set_status(session, posts[3]["id"], "published")
        response = client.delete(world.path(f"/series/{series['id']}"),
                                 params={"from": "2026-03-30"}, headers=world.auth("editor"))
        assert response.status_code == 204
        kept = occurrences(client, world, series["id"])
        # The past stays; 30 Mar goes; the published 6 Apr is history and stays.
        assert [p["id"] for p in kept] == [posts[0]["id"], posts[1]["id"], posts[3]["id"]]
        ended = client.get(world.path(f"/series/{series['id']}"),
                           headers=world.auth("viewer")).json()
        assert (ended["until"], ended["count"]) == ("2026-03-29", None)

    def test_deleting_the_whole_series_keeps_only_published_posts(
            self, client, world, session):
        series = create(client, world)
        posts = occurrences(client, world, series["id"])
        set_status(session, posts[0]["id"], "published")
        response = client.delete(world.path(f"/series/{series['id']}"),
                                 headers=world.auth("editor"))
        assert response.status_code == 204
        assert client.get(world.path(f"/series/{series['id']}"),
                          headers=world.auth("viewer")).status_code == 404
        remaining = client.get(world.path("/posts"), headers=world.auth("viewer")).json()
        assert [(p["id"], p["series_id"]) for p in remaining["items"]] == [
            (posts[0]["id"], None)]


class TestLikeAnyPost:
    def test_occurrences_show_in_the_calendar_with_their_series(self, client, world):
        series = create(client, world)
        calendar = client.get(world.path("/calendar"), headers=world.auth("viewer"), params={
            "start": "2026-03-23T00:00:00+01:00", "end": "2026-04-06T00:00:00+02:00"}).json()
        assert [(p["scheduled_at"], p["series_id"]) for p in calendar["posts"]] == [
            ("2026-03-23T08:00:00Z", series["id"]), ("2026-03-30T07:00:00Z", series["id"])]
        assert calendar["series"] == [{"id": series["id"], "name": "Tip Monday"}]
        assert [c["gives"] for c in calendar["weeks"][0]["channels"]] == [1]

    def test_occurrences_count_in_the_findings(self, client, world, session):
        channel = session.get(Channel, world.channel_id)
        assert channel is not None
        channel.started_on = date(2025, 1, 1)
        session.add(channel)
        session.commit()
        series = create(client, world, kind="ask", category="offer", text="Order beans.",
                        rrule="FREQ=DAILY", starts_on="2026-11-02", count=3)
        posts = occurrences(client, world, series["id"])
        findings = client.get(world.path("/findings"), headers=world.auth("viewer"), params={
            "start": "2026-11-02T00:00:00+01:00", "end": "2026-11-09T00:00:00+01:00"}).json()
        too_soon = [f["post_ids"] for f in findings["items"] if f["code"] == "ask_too_soon"]
        # Beth Dunn's rhythm wants 9 gives between asks: the 2nd and 3rd ask are too soon.
        assert too_soon == [[posts[1]["id"]], [posts[2]["id"]]]
