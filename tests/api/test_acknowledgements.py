"""Acknowledging a finding: the finding stays, carrying who acknowledged it and why;
an acknowledged warning leaves "on rhythm" alone, a lead's acknowledgement of a
blocking finding is its override reason at approval, and a changed key nags again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from app.models import Acknowledgement, User
from tests.conftest import World, build_world

TZ = ZoneInfo("Europe/Berlin")
NOTE = "The launch week: agreed with the client."


def monday(weeks_ahead: int = 3) -> date:
    today = datetime.now(TZ).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def local(day: date, hour: int = 9) -> str:
    return datetime.combine(day, time(hour), tzinfo=TZ).isoformat()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def create(client, world: World, day: date, hour: int = 9, kind: str = "give",
           category: str | None = None) -> dict:
    body = {"channel_id": world.channel_id, "scheduled_at": local(day, hour), "kind": kind,
            "category": category, "text": f"A {kind} on {day} at {hour}:00"}
    return ok(client.post(world.path("/posts"), json=body, headers=world.auth("editor")), 201)


def submit(client, world: World, post: dict) -> None:
    ok(client.post(world.path(f"/posts/{post['id']}/submit"), headers=world.auth("editor")))


def early_ask(client, world: World, day: date) -> list[dict]:
    """A give, then an ask the same day on a new channel: two warnings
    (ask_during_listening, ask_too_early), no blocking finding."""
    return [create(client, world, day), create(client, world, day, 15, "ask", "offer")]


def dense_week(client, world: World, day: date) -> list[dict]:
    """Five posts in three days, three of them asks: ask_density (blocking)."""
    plan = [(0, 9, "give", "share"), (0, 15, "ask", "offer"), (1, 9, "give", "help"),
            (1, 15, "ask", "event"), (2, 9, "ask", "sale")]
    return [create(client, world, day + timedelta(days=d), hour, kind, category)
            for d, hour, kind, category in plan]


def week(client, world: World, day: date, role: str = "viewer") -> dict:
    return ok(client.get(world.path(f"/weeks/{week_of(day)}"), headers=world.auth(role)))


def findings(client, world: World, day: date, code: str | None = None) -> list[dict]:
    found = week(client, world, day)["findings"]
    return [f for f in found if code is None or f["code"] == code]


def key(finding: dict) -> dict:
    return {name: finding[name] for name in ("code", "channel_id", "story_id", "post_ids")}


def acknowledge(client, world: World, finding: dict, role: str = "editor",
                note: Any = NOTE):
    return client.post(world.path("/acknowledgements"), json={**key(finding), "note": note},
                       headers=world.auth(role))


def user_id(session: Session, world: World, role: str) -> str:
    return session.exec(select(User).where(User.email == world.users[role])).one().id


def rows(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Acknowledgement)).one()


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


class TestAcknowledge:
    def test_the_finding_stays_and_carries_who_acknowledged_it_and_why(self, client, world,
                                                                      session):
        day = monday()
        early_ask(client, world, day)
        finding = findings(client, world, day, "ask_during_listening")[0]
        assert finding["acknowledged"] is None
        response = acknowledge(client, world, finding)
        ack = ok(response, 201)
        assert response.headers["location"].endswith(world.path(f"/acknowledgements/{ack['id']}"))
        assert ok(client.get(response.headers["location"], headers=world.auth("viewer"))) == ack
        editor = user_id(session, world, "editor")
        assert (ack["code"], ack["post_ids"], ack["severity"]) == (
            "ask_during_listening", finding["post_ids"], "warning")
        assert (ack["note"], ack["by"], ack["by_name"]) == (NOTE, editor, "Editor")
        shown = findings(client, world, day, "ask_during_listening")[0]
        assert {k: v for k, v in shown.items() if k != "acknowledged"} == {
            k: v for k, v in finding.items() if k != "acknowledged"}
        assert shown["acknowledged"] == {"id": ack["id"], "by": editor, "by_name": "Editor",
                                         "at": ack["created_at"], "note": NOTE,
                                         "severity": "warning"}
        # Every output of findings carries it: the findings list and the calendar too.
        params = {"start": local(day, 0), "end": local(day + timedelta(days=7), 0)}
        listed = ok(client.get(world.path("/findings"), params=params,
                               headers=world.auth("viewer")))["items"]
        calendar = ok(client.get(world.path("/calendar"), params=params,
                                 headers=world.auth("viewer")))["findings"]
        for found in (listed, calendar):
            same = [f for f in found if f["code"] == "ask_during_listening"]
            assert [f["acknowledged"]["note"] for f in same] == [NOTE]
            assert all(f["acknowledged"] is None for f in found if f["code"] == "ask_too_early")

    def test_the_note_is_required(self, client, world, session):
        day = monday()
        early_ask(client, world, day)
        finding = findings(client, world, day, "ask_during_listening")[0]
        missing = client.post(world.path("/acknowledgements"), json=key(finding),
                              headers=world.auth("editor"))
        assert missing.status_code == 422 and fields(missing) == ["note"]
        for note in ("", "   \n ", "x" * 2001):
            response = acknowledge(client, world, finding, note=note)
            assert response.status_code == 422, note
            assert fields(response) == ["note"]
        assert rows(session) == 0

    def test_only_a_finding_there_is_now_can_be_acknowledged(self, client, world, session):
        day = monday()
        posts = early_ask(client, world, day)
        finding = findings(client, world, day, "ask_during_listening")[0]
        wrong = [{**finding, "code": "ask_too_soon"},
                 {**finding, "post_ids": [posts[0]["id"]]},
                 {**finding, "post_ids": ["00000000-0000-7000-8000-000000000000"]},
                 {**finding, "story_id": posts[0]["id"]}]
        for attempt in wrong:
            response = acknowledge(client, world, attempt)
            assert response.status_code == 422, attempt
            assert fields(response) == ["post_ids"]
            assert "no such finding now" in response.json()["detail"]
        response = acknowledge(client, world, {**finding, "post_ids": []})
        assert response.status_code == 422 and fields(response) == ["post_ids"]
        other = build_world(session, name="Other Co")
        response = acknowledge(client, world, {**finding, "channel_id": other.channel_id})
        assert response.status_code == 422 and fields(response) == ["channel_id"]
        assert rows(session) == 0

    def test_the_same_key_once(self, client, world, session):
        day = monday()
        early_ask(client, world, day)
        finding = findings(client, world, day, "ask_during_listening")[0]
        first = ok(acknowledge(client, world, finding), 201)
        again = acknowledge(client, world, finding, role="lead", note="Another note.")
        assert again.status_code == 409
        assert again.json()["acknowledgement_id"] == first["id"]
        assert rows(session) == 1
        # The order of post_ids is not part of the key.
        dense = dense_week(client, world, monday(5))
        density = findings(client, world, monday(5), "ask_density")[0]
        ok(acknowledge(client, world, density, role="lead"), 201)
        turned = acknowledge(client, world, {**density, "post_ids": density["post_ids"][::-1]},
                             role="lead")
        assert turned.status_code == 409
        assert len(dense) == 5

    def test_a_viewer_may_not(self, client, world, session):
        day = monday()
        early_ask(client, world, day)
        finding = findings(client, world, day, "ask_during_listening")[0]
        response = acknowledge(client, world, finding, role="viewer")
        assert response.status_code == 403
        assert response.json()["required_role"] == "editor"
        assert rows(session) == 0

    def test_a_blocking_finding_needs_a_lead_or_an_admin(self, client, world, session):
        day = monday()
        dense_week(client, world, day)
        density = findings(client, world, day, "ask_density")[0]
        assert density["severity"] == "blocking"
        response = acknowledge(client, world, density, role="editor")
        assert response.status_code == 403
        assert response.json()["required_role"] == "lead"
        assert "blocking" in response.json()["detail"]
        assert rows(session) == 0
        ack = ok(acknowledge(client, world, density, role="lead"), 201)
        assert (ack["severity"], ack["by"]) == ("blocking", user_id(session, world, "lead"))
        # An editor may still acknowledge the week's warnings.
        warning = next(f for f in findings(client, world, day) if f["severity"] == "warning")
        ok(acknowledge(client, world, warning, role="editor"), 201)

    def test_a_changed_key_nags_again(self, client, world):
        day = monday()
        dense_week(client, world, day)
        density = findings(client, world, day, "ask_density")[0]
        ok(acknowledge(client, world, density, role="lead"), 201)
        assert findings(client, world, day, "ask_density")[0]["acknowledged"] is not None
        # One more ask inside the stretch: the stretch names another set of asks.
        create(client, world, day + timedelta(days=2), 15, "ask", "news")
        grown = findings(client, world, day, "ask_density")[0]
        assert grown["post_ids"] != density["post_ids"]
        assert grown["acknowledged"] is None
        # The old acknowledgement is kept, but holds for the old key only.
        listed = ok(client.get(world.path("/acknowledgements"),
                               headers=world.auth("viewer")))["items"]
        assert [a["post_ids"] for a in listed] == [density["post_ids"]]
        ok(acknowledge(client, world, grown, role="lead", note="Still the launch."), 201)


class TestOnRhythm:
    def test_acknowledged_warnings_no_longer_count_against_the_rhythm(self, client, world):
        day = monday()
        early_ask(client, world, day)
        warnings = findings(client, world, day)
        assert {f["code"] for f in warnings} == {"ask_during_listening", "ask_too_early"}
        assert week(client, world, day)["on_rhythm"] is False
        params = {"start": local(day, 0), "end": local(day + timedelta(days=7), 0)}

        def gauge() -> dict:
            weeks = ok(client.get(world.path("/calendar"), params=params,
                                  headers=world.auth("viewer")))["weeks"]
            return weeks[0]

        ok(acknowledge(client, world, warnings[0]), 201)
        assert week(client, world, day)["on_rhythm"] is False  # one warning is still open
        assert gauge()["total"]["on_rhythm"] is False
        ok(acknowledge(client, world, warnings[1]), 201)
        assert week(client, world, day)["on_rhythm"] is True
        assert gauge()["total"]["on_rhythm"] is True
        assert gauge()["channels"][0]["on_rhythm"] is True
        assert gauge()["channels"][0]["findings"]["warning"] == 2  # still shown, muted

    def test_an_acknowledged_blocking_finding_still_counts(self, client, world):
        day = monday()
        dense_week(client, world, day)
        for finding in findings(client, world, day):
            ok(acknowledge(client, world, finding, role="lead"), 201)
        assert week(client, world, day)["on_rhythm"] is False


class TestApproval:
    def test_a_leads_acknowledgement_is_the_override_reason(self, client, world):
        day = monday()
        for post in dense_week(client, world, day):
            submit(client, world, post)
        density = findings(client, world, day, "ask_density")[0]
        refused = client.post(world.path("/week-approvals"), headers=world.auth("lead"),
                              json={"week": week_of(day), "decision": "approve"})
        assert refused.status_code == 409
        ok(acknowledge(client, world, density, role="lead"), 201)
        review = week(client, world, day, role="lead")
        approval = ok(client.post(world.path("/week-approvals"), headers=world.auth("lead"),
                                  json={"week": week_of(day), "decision": "approve",
                                        "review_token": review["review_token"]}), 201)
        assert NOTE in approval["override_reason"]
        assert "Lead" in approval["override_reason"]
        kept = next(f for f in approval["findings"] if f["code"] == "ask_density")
        assert kept["acknowledged"]["note"] == NOTE
        assert approval["findings"] == review["findings"]

    def test_the_leads_own_reason_is_kept_next_to_the_note(self, client, world):
        day = monday()
        for post in dense_week(client, world, day):
            submit(client, world, post)
        ok(acknowledge(client, world, findings(client, world, day, "ask_density")[0],
                       role="lead"), 201)
        approval = ok(client.post(world.path("/week-approvals"), headers=world.auth("lead"),
                                  json={"week": week_of(day), "decision": "approve",
                                        "override_reason": "Checked with sales."}), 201)
        assert approval["override_reason"].startswith("Checked with sales.")
        assert NOTE in approval["override_reason"]

    def test_a_changed_key_needs_a_reason_again(self, client, world):
        day = monday()
        posts = dense_week(client, world, day)
        ok(acknowledge(client, world, findings(client, world, day, "ask_density")[0],
                       role="lead"), 201)
        posts.append(create(client, world, day + timedelta(days=2), 15, "ask", "news"))
        for post in posts:
            submit(client, world, post)
        refused = client.post(world.path("/week-approvals"), headers=world.auth("lead"),
                              json={"week": week_of(day), "decision": "approve"})
        assert refused.status_code == 409
        assert [f["code"] for f in refused.json()["findings"]] == ["ask_density"]

    def test_a_post_approval_takes_the_acknowledgement_too(self, client, world):
        day = monday()
        posts = dense_week(client, world, day)
        ask = posts[1]
        submit(client, world, ask)
        refused = client.post(world.path(f"/posts/{ask['id']}/approve"),
                              headers=world.auth("lead"))
        assert refused.status_code == 409
        ok(acknowledge(client, world, findings(client, world, day, "ask_density")[0],
                       role="admin"), 201)
        approved = ok(client.post(world.path(f"/posts/{ask['id']}/approve"),
                                  headers=world.auth("lead")))
        assert approved["status"] == "approved"
        history = ok(client.get(world.path(f"/posts/{ask['id']}/history"),
                                headers=world.auth("viewer")))["items"]
        assert NOTE in history[0]["note"]


class TestWithdraw:
    def test_delete_withdraws_and_the_finding_nags_again(self, client, world, session):
        day = monday()
        early_ask(client, world, day)
        warnings = findings(client, world, day)
        acks = [ok(acknowledge(client, world, f), 201) for f in warnings]
        assert week(client, world, day)["on_rhythm"] is True
        ok(client.delete(world.path(f"/acknowledgements/{acks[0]['id']}"),
                         headers=world.auth("editor")), 204)
        assert week(client, world, day)["on_rhythm"] is False
        assert [f["acknowledged"] is None for f in findings(client, world, day)] == [
            True, False]
        again = client.delete(world.path(f"/acknowledgements/{acks[0]['id']}"),
                              headers=world.auth("editor"))
        assert again.status_code == 404
        assert rows(session) == 1

    def test_withdrawing_a_blocking_acknowledgement_needs_a_lead(self, client, world, session):
        day = monday()
        dense_week(client, world, day)
        ack = ok(acknowledge(client, world, findings(client, world, day, "ask_density")[0],
                             role="lead"), 201)
        path = world.path(f"/acknowledgements/{ack['id']}")
        refused = client.delete(path, headers=world.auth("editor"))
        assert refused.status_code == 403 and refused.json()["required_role"] == "lead"
        assert client.delete(path, headers=world.auth("viewer")).status_code == 403
        assert rows(session) == 1
        ok(client.delete(path, headers=world.auth("lead")), 204)
        assert rows(session) == 0


class TestAuditAndListing:
    def test_acknowledging_and_withdrawing_are_audited(self, client, world, session):
        day = monday()
        early_ask(client, world, day)
        finding = findings(client, world, day, "ask_during_listening")[0]
        ack = ok(acknowledge(client, world, finding), 201)
        ok(client.delete(world.path(f"/acknowledgements/{ack['id']}"),
                         headers=world.auth("lead")), 204)
        events = ok(client.get(world.path("/audit"), params={"subject_type": "finding"},
                               headers=world.auth("viewer")))["items"]
        assert [(e["action"], e["actor"]) for e in events] == [
            ("withdrawn", user_id(session, world, "lead")),
            ("acknowledged", user_id(session, world, "editor"))]
        assert events[0]["subject_id"] == events[1]["subject_id"]
        assert events[1]["note"] == NOTE
        assert events[1]["after"]["post_ids"] == finding["post_ids"]
        assert events[0]["before"]["note"] == NOTE

    def test_the_list_is_a_page(self, client, world):
        day = monday()
        early_ask(client, world, day)
        for finding in findings(client, world, day):
            ok(acknowledge(client, world, finding), 201)
        first = ok(client.get(world.path("/acknowledgements"), params={"limit": 1},
                              headers=world.auth("viewer")))
        assert len(first["items"]) == 1 and first["next_cursor"]
        second = ok(client.get(world.path("/acknowledgements"),
                               params={"limit": 1, "cursor": first["next_cursor"]},
                               headers=world.auth("viewer")))
        assert len(second["items"]) == 1 and second["next_cursor"] is None
        assert first["items"][0]["id"] != second["items"][0]["id"]

    def test_another_workspaces_acknowledgement_is_not_found(self, client, world, session):
        other = build_world(session, name="Other Co")
        day = monday()
        early_ask(client, other, day)
        finding = findings(client, other, day, "ask_during_listening")[0]
        theirs = ok(acknowledge(client, other, finding), 201)
        for method in ("GET", "DELETE"):
            response = client.request(method, world.path(f"/acknowledgements/{theirs['id']}"),
                                      headers=world.auth("admin"))
            assert response.status_code == 404
            assert NOTE not in response.text
        assert ok(client.get(world.path("/acknowledgements"),
                             headers=world.auth("admin")))["items"] == []
        # Their finding's key, sent to our workspace, names no finding here.
        response = acknowledge(client, world, finding, role="admin")
        assert response.status_code == 422
        assert rows(session) == 1
