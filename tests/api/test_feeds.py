"""Calendar feeds: a secret address per workspace or channel that calendar apps
subscribe to, read back here the way they read it (icalendar, and
recurring-ical-events for the events between two dates)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
import recurring_ical_events
from fastapi.testclient import TestClient

from tests.conftest import World, build_world


def soon(days: int, hour: int = 9) -> datetime:
    """A time in the feed's window: days from today, at an hour UTC."""
    today = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


def post(client: TestClient, world: World, when: datetime, *, kind: str = "give",
         category: str | None = "share", text: str = "Five roasters worth a visit this winter",
         channel_id: str | None = None) -> dict[str, Any]:
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": channel_id or world.channel_id, "scheduled_at": when.isoformat(),
        "kind": kind, "category": category, "text": text})
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_feed(client: TestClient, world: World, role: str = "viewer",
             **body: Any) -> dict[str, Any]:
    response = client.post(world.path("/feeds"), headers=world.auth(role), json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def read(client: TestClient, url: str, **headers: str):  # type: ignore[no-untyped-def]
    """GET a feed's address as a calendar app does: no credentials at all."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", headers=headers)


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


class TestCreatingAFeed:
    def test_a_viewer_gets_a_secret_address_once(self, client, world):
        feed = new_feed(client, world, name="My phone")
        assert feed["url"].startswith("http://testserver/api/v1/workspaces/"
                                      f"{world.workspace_id}/calendar.ics?token=gkf_")
        assert feed["webcal_url"] == "webcal://" + feed["url"].removeprefix("http://")
        assert feed["name"] == "My phone" and feed["channel_id"] is None
        listed = client.get(world.path("/feeds"), headers=world.auth("viewer")).json()
        assert [f["id"] for f in listed["items"]] == [feed["id"]]
        assert "url" not in listed["items"][0]
        token = feed["url"].split("token=")[1]
        assert token not in client.get(world.path("/feeds"), headers=world.auth("admin")).text

    def test_members_see_their_own_feeds_and_admins_all(self, client, world):
        mine = new_feed(client, world, "viewer")
        theirs = new_feed(client, world, "editor")
        seen = {r: [f["id"] for f in client.get(world.path("/feeds"),
                                                headers=world.auth(r)).json()["items"]]
                for r in ("viewer", "editor", "admin")}
        assert seen == {"viewer": [mine["id"]], "editor": [theirs["id"]],
                        "admin": [mine["id"], theirs["id"]]}
        gone = client.delete(world.path(f"/feeds/{theirs['id']}"), headers=world.auth("viewer"))
        assert gone.status_code == 404
        assert client.delete(world.path(f"/feeds/{theirs['id']}"),
                             headers=world.auth("admin")).status_code == 204

    def test_a_channel_of_another_workspace_is_refused_naming_the_field(
            self, client, world, session):
        other = build_world(session, name="Other")
        response = client.post(world.path("/feeds"), headers=world.auth("viewer"),
                               json={"channel_id": other.channel_id})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "channel_id"
        assert client.get(world.path("/feeds"), headers=world.auth("admin")).json()["items"] == []


class TestReadingAFeed:
    def test_each_post_is_an_event_as_a_calendar_app_reads_it(self, client, world):
        give = post(client, world, soon(2), text="Five roasters worth a visit this winter, "
                                                  "from Kreuzberg to Wedding")
        ask = post(client, world, soon(4), kind="ask", category="offer",
                   text="Winter blend, 20% off")
        far = post(client, world, soon(60))
        feed = new_feed(client, world)
        response = read(client, feed["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "private" in response.headers["cache-control"]
        calendar = icalendar.Calendar.from_ical(response.content)
        assert str(calendar["X-WR-CALNAME"]) == "Giveask · Acme"

        found = recurring_ical_events.of(calendar).between(soon(0, 0), soon(10, 0))
        assert sorted(str(e["UID"]) for e in found) == sorted(
            [f"{give['id']}@giveask", f"{ask['id']}@giveask"])
        by_uid = events(response.content)
        assert f"{far['id']}@giveask" in by_uid  # further on, still in the window

        event = by_uid[f"{give['id']}@giveask"]
        assert event.decoded("DTSTART") == soon(2)
        assert event.decoded("DTSTART").tzinfo is not None
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event["SUMMARY"]) == ("Give · LinkedIn – Acme · Five roasters worth a "
                                         "visit this winter, from…")
        assert str(by_uid[f"{ask['id']}@giveask"]["SUMMARY"]).startswith("Ask · ")
        assert [str(c) for c in by_uid[f"{ask['id']}@giveask"]["CATEGORIES"].cats] == [
            "Ask", "offer"]
        assert str(event["STATUS"]) == "TENTATIVE"
        assert int(event["SEQUENCE"]) == give["version"]
        assert str(event["URL"]) == (f"http://testserver/w/{world.workspace_id}/posts/"
                                     f"{give['id']}/edit")
        assert "Status: Draft" in str(event["DESCRIPTION"])
        assert "from Kreuzberg to Wedding" in str(event["DESCRIPTION"])

    def test_uid_stays_and_sequence_grows_after_an_edit(self, client, world):
        made = post(client, world, soon(3))
        feed = new_feed(client, world)
        before = events(read(client, feed["url"]).content)[f"{made['id']}@giveask"]
        edited = client.patch(world.path(f"/posts/{made['id']}"), headers=world.auth("editor"),
                              json={"text": "Six roasters worth a visit"})
        assert edited.status_code == 200
        after = events(read(client, feed["url"]).content)[f"{made['id']}@giveask"]
        assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
        assert str(after["SUMMARY"]).endswith("Six roasters worth a visit")

    def test_an_approved_post_is_confirmed(self, client, world):
        made = post(client, world, soon(3))
        assert client.post(world.path(f"/posts/{made['id']}/submit"),
                           headers=world.auth("editor")).status_code == 200
        assert client.post(world.path(f"/posts/{made['id']}/approve"),
                           headers=world.auth("lead")).status_code == 200
        feed = new_feed(client, world)
        event = events(read(client, feed["url"]).content)[f"{made['id']}@giveask"]
        assert str(event["STATUS"]) == "CONFIRMED"

    def test_the_findings_of_a_post_are_in_its_description(self, client, world):
        asks = [post(client, world, soon(d), kind="ask", category="offer",
                     text=f"Offer {d}") for d in (1, 2, 3)]
        findings = client.get(world.path("/findings"), headers=world.auth("viewer"), params={
            "start": soon(-1).isoformat(), "end": soon(5).isoformat()}).json()["items"]
        named = [f for f in findings if asks[2]["id"] in f["post_ids"]]
        assert named, "three asks in a row make the plan a finding"
        feed = new_feed(client, world)
        text = str(events(read(client, feed["url"]).content)[f"{asks[2]['id']}@giveask"]
                   ["DESCRIPTION"])
        for finding in named:
            assert f"- {finding['severity']}: {finding['message']}" in text

    def test_a_german_team_reads_its_feed_in_german(self, client, world):
        asks = [post(client, world, soon(d), kind="ask", category="offer",
                     text=f"Offer {d}") for d in (1, 2, 3)]
        feed = new_feed(client, world)
        english = read(client, feed["url"])
        changed = client.patch(world.path(), json={"language": "de"}, headers=world.auth("admin"))
        assert changed.status_code == 200, changed.text
        german = read(client, feed["url"], **{"If-None-Match": english.headers["etag"]})
        assert german.status_code == 200  # the team's language is part of the feed
        event = events(german.content)[f"{asks[2]['id']}@giveask"]
        assert str(event["SUMMARY"]).startswith("Bitten · ")
        text = str(event["DESCRIPTION"])
        assert "Status: Entwurf" in text and "Kategorie: Angebot" in text
        assert "Hinweise:" in text and ("- Warnung" in text or "- Blockiert" in text)
        findings = client.get(world.path("/findings"), headers={
            **world.auth("viewer"), "Accept-Language": "de"}, params={
            "start": soon(-1).isoformat(), "end": soon(5).isoformat()}).json()["items"]
        for finding in (f for f in findings if asks[2]["id"] in f["post_ids"]):
            assert finding["message"] in text

    def test_etag_and_if_none_match(self, client, world):
        made = post(client, world, soon(3))
        feed = new_feed(client, world)
        first = read(client, feed["url"])
        tag = first.headers["etag"]
        assert tag.startswith('"') and not tag.startswith("W/")
        again = read(client, feed["url"])
        assert again.headers["etag"] == tag and again.content == first.content
        unchanged = read(client, feed["url"], **{"If-None-Match": tag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        client.patch(world.path(f"/posts/{made['id']}"), headers=world.auth("editor"),
                     json={"text": "Changed"})
        changed = read(client, feed["url"], **{"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag

    def test_a_revoked_feed_is_not_found(self, client, world):
        feed = new_feed(client, world)
        assert read(client, feed["url"]).status_code == 200
        assert client.delete(world.path(f"/feeds/{feed['id']}"),
                             headers=world.auth("viewer")).status_code == 204
        assert read(client, feed["url"]).status_code == 404
        listed = client.get(world.path("/feeds"), headers=world.auth("viewer")).json()
        assert listed["items"] == []

    def test_unknown_and_missing_tokens_are_not_found(self, client, world):
        path = world.path("/calendar.ics")
        assert client.get(path).status_code == 404
        assert client.get(path, params={"token": "gkf_nothing"}).status_code == 404

    def test_a_token_of_one_workspace_on_anothers_path_is_not_found(
            self, client, world, session):
        other = build_world(session, name="Other")
        feed = new_feed(client, world)
        token = feed["url"].split("token=")[1]
        response = client.get(other.path("/calendar.ics"), params={"token": token})
        assert response.status_code == 404

    def test_a_channel_feed_shows_only_that_channel(self, client, world):
        second = client.post(world.path("/channels"), headers=world.auth("editor"),
                             json={"name": "Newsletter", "platform": "newsletter"}).json()
        on_first = post(client, world, soon(2))
        on_second = post(client, world, soon(2, 11), channel_id=second["id"])
        feed = new_feed(client, world, channel_id=second["id"])
        calendar = icalendar.Calendar.from_ical(read(client, feed["url"]).content)
        assert str(calendar["X-WR-CALNAME"]) == "Giveask · Acme · Newsletter"
        uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
        assert uids == {f"{on_second['id']}@giveask"}
        assert f"{on_first['id']}@giveask" not in uids


def test_the_access_log_never_shows_a_feeds_secret(client, world):
    import logging

    from app.crash_guard import keep_secrets_out_of_logs

    keep_secrets_out_of_logs()
    feed = new_feed(client, world)
    parts = urlsplit(feed["url"])
    secret = feed["url"].split("token=")[1]
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5000", "GET",
                               f"{parts.path}?{parts.query}", "1.1", 200), None)
    for log_filter in logging.getLogger("uvicorn.access").filters:
        log_filter.filter(record)  # type: ignore[union-attr]
    line = record.getMessage()
    assert secret not in line and "calendar.ics?token=…" in line


def test_an_unchanged_feed_is_answered_without_reading_the_plan(client, world, engine):
    from sqlalchemy import event

    for day in range(1, 15):
        post(client, world, soon(day), kind="ask" if day % 3 == 0 else "give",
             category="offer" if day % 3 == 0 else "share")
    feed = new_feed(client, world)
    tag = read(client, feed["url"]).headers["etag"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert read(client, feed["url"], **{"If-None-Match": tag}).status_code == 304
        unchanged = len(statements)
        statements.clear()
        assert read(client, feed["url"]).status_code == 200
        whole = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    print(f"feed read: {unchanged} statements for a 304, {whole} for the calendar")
    assert unchanged <= 2
    assert whole <= 20
