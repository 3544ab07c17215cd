"""Team leads approve the calendar week by week (issue 5): the queue, a week as the
lead reviews it, submitting a week, approving or sending it back, stale reviews,
blocking findings and override reasons (RULES.md "Severity")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from app.models import User, WeekApproval
from tests.conftest import World

TZ = ZoneInfo("Europe/Berlin")


def monday(weeks_ahead: int = 3) -> date:
    """A Monday safely in the future, in the workspace's zone (Europe/Berlin)."""
    today = datetime.now(TZ).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def local(day: date, hour: int = 9, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).isoformat()


def user_id(session: Session, world: World, role: str) -> str:
    return session.exec(select(User).where(User.email == world.users[role])).one().id


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def create(client, world: World, day: date, hour: int = 9, kind: str = "give",
           category: str | None = None, role: str = "editor", **fields: object) -> dict:
    body: dict[str, object] = {
        "channel_id": world.channel_id, "scheduled_at": local(day, hour), "kind": kind,
        "category": category, "text": f"A {kind} on {day} at {hour}:00", **fields}
    return ok(client.post(world.path("/posts"), json=body, headers=world.auth(role)), 201)


def submit(client, world: World, post: dict) -> dict:
    return ok(client.post(world.path(f"/posts/{post['id']}/submit"),
                          headers=world.auth("editor")))


def status(client, world: World, post: dict) -> str:
    return ok(client.get(world.path(f"/posts/{post['id']}"),
                         headers=world.auth("viewer")))["status"]


def review(client, world: World, week: str, role: str = "lead", **params: str) -> dict:
    return ok(client.get(world.path(f"/weeks/{week}"), params=params, headers=world.auth(role)))


def decide(client, world: World, role: str = "lead", **body: object):
    return client.post(world.path("/week-approvals"), json=body, headers=world.auth(role))


def approvals(client, world: World, week: str) -> list[dict]:
    return ok(client.get(world.path("/week-approvals"), params={"week": week},
                         headers=world.auth("viewer")))["items"]


def approval_rows(session: Session) -> int:
    return session.exec(select(func.count()).select_from(WeekApproval)).one()


def dense_week(client, world: World, day: date) -> list[dict]:
    """Five posts in three days, three of them asks: ask_density (blocking)."""
    plan = [(0, 9, "give", "share"), (0, 15, "ask", "offer"), (1, 9, "give", "help"),
            (1, 15, "ask", "event"), (2, 9, "ask", "sale")]
    return [create(client, world, day + timedelta(days=d), hour, kind, category)
            for d, hour, kind, category in plan]


class TestQueue:
    def test_lists_weeks_with_submitted_posts_oldest_first(self, client, world):
        first, second, drafts_only = monday(3), monday(4), monday(5)
        for day in (second, second + timedelta(days=2), first + timedelta(days=6)):
            submit(client, world, create(client, world, day))
        create(client, world, drafts_only)
        items = ok(client.get(world.path("/weeks"), headers=world.auth("lead")))["items"]
        assert [(w["week"], w["submitted"]) for w in items] == [
            (week_of(first), 1), (week_of(second), 2)]
        assert all(w["channel_ids"] == [world.channel_id] for w in items)

    def test_sunday_evening_belongs_to_its_local_week(self, client, world):
        # 23:30 on Sunday in Berlin is Sunday 22:30 UTC: still the same ISO week.
        sunday = monday(3) + timedelta(days=6)
        submit(client, world, create(client, world, sunday, hour=23))
        items = ok(client.get(world.path("/weeks"), headers=world.auth("viewer")))["items"]
        assert [w["week"] for w in items] == [week_of(sunday)]

    def test_empty_queue(self, client, world):
        create(client, world, monday(3))
        assert ok(client.get(world.path("/weeks"), headers=world.auth("lead")))["items"] == []

    def test_approved_weeks_leave_the_queue(self, client, world):
        day = monday(3)
        submit(client, world, create(client, world, day))
        token = review(client, world, week_of(day))["review_token"]
        ok(decide(client, world, week=week_of(day), decision="approve", review_token=token), 201)
        assert ok(client.get(world.path("/weeks"), headers=world.auth("lead")))["items"] == []


class TestWeekReview:
    def test_shows_the_weeks_posts_findings_and_a_token(self, client, world):
        day = monday(3)
        before = create(client, world, day - timedelta(days=1), hour=20)  # Sunday before
        inside = [create(client, world, day), create(client, world, day + timedelta(days=6),
                                                      hour=23)]
        after = create(client, world, day + timedelta(days=7))  # next Monday 09:00
        submit(client, world, inside[0])
        week = review(client, world, week_of(day))
        assert week["week"] == week_of(day)
        assert [p["id"] for p in week["posts"]] == [p["id"] for p in inside]
        assert before["id"] not in {p["id"] for p in week["posts"]}
        assert after["id"] not in {p["id"] for p in week["posts"]}
        assert week["submitted"] == [inside[0]["id"]]
        assert week["review_token"]
        assert week["start"] == datetime.combine(day, time(0), tzinfo=TZ).astimezone(
            ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert week["approvals"] == []
        assert (week["gives"], week["asks"]) == (2, 0)

    def test_findings_are_only_those_with_a_post_in_the_week(self, client, world):
        quiet, busy = monday(3), monday(5)
        quiet_posts = [create(client, world, quiet), create(client, world,
                                                            quiet + timedelta(days=1))]
        dense = dense_week(client, world, busy)
        quiet_review = review(client, world, week_of(quiet))
        busy_review = review(client, world, week_of(busy))
        quiet_ids = {p["id"] for p in quiet_posts}
        assert all(quiet_ids.intersection(f["post_ids"]) for f in quiet_review["findings"])
        assert "ask_density" not in {f["code"] for f in quiet_review["findings"]}
        dense_ids = {p["id"] for p in dense}
        assert busy_review["findings"]
        assert all(dense_ids.intersection(f["post_ids"]) for f in busy_review["findings"])
        density = [f for f in busy_review["findings"] if f["code"] == "ask_density"]
        assert len(density) == 1 and density[0]["severity"] == "blocking"
        assert busy_review["on_rhythm"] is False

    def test_the_token_changes_when_a_post_is_submitted_or_edited(self, client, world):
        day = monday(3)
        first = create(client, world, day)
        second = create(client, world, day + timedelta(days=1))
        submit(client, world, first)
        token = review(client, world, week_of(day))["review_token"]
        assert review(client, world, week_of(day))["review_token"] == token
        submit(client, world, second)
        after_submit = review(client, world, week_of(day))["review_token"]
        assert after_submit != token
        ok(client.patch(world.path(f"/posts/{second['id']}"), json={"text": "Edited."},
                        headers=world.auth("editor")))
        assert review(client, world, week_of(day))["review_token"] != after_submit

    def test_a_bad_week_names_week(self, client, world):
        response = client.get(world.path("/weeks/2026-W60"), headers=world.auth("viewer"))
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["week"]

    def test_a_viewer_may_look(self, client, world):
        assert review(client, world, week_of(monday(3)), role="viewer")["posts"] == []


class TestSubmitWeek:
    def test_submits_drafts_and_sent_back_posts_of_the_week_only(self, client, world):
        day = monday(3)
        drafts = [create(client, world, day), create(client, world, day + timedelta(days=2))]
        sent_back = submit(client, world, create(client, world, day + timedelta(days=3)))
        ok(client.post(world.path(f"/posts/{sent_back['id']}/request-changes"),
                       json={"comment": "Shorter."}, headers=world.auth("lead")))
        approved = submit(client, world, create(client, world, day + timedelta(days=4)))
        ok(client.post(world.path(f"/posts/{approved['id']}/approve"),
                       headers=world.auth("lead")))
        next_week = create(client, world, day + timedelta(days=7))
        response = client.post(world.path("/posts/submit-week"), json={"week": week_of(day)},
                               headers=world.auth("editor"))
        body = ok(response)
        assert {p["id"] for p in body["items"]} == {drafts[0]["id"], drafts[1]["id"],
                                                    sent_back["id"]}
        assert all(p["status"] == "submitted" for p in body["items"])
        assert status(client, world, approved) == "approved"
        assert status(client, world, next_week) == "draft"

    def test_nothing_to_submit_is_a_conflict(self, client, world):
        response = client.post(world.path("/posts/submit-week"),
                               json={"week": week_of(monday(3))}, headers=world.auth("editor"))
        assert response.status_code == 409

    def test_a_viewer_may_not(self, client, world):
        post = create(client, world, monday(3))
        response = client.post(world.path("/posts/submit-week"),
                               json={"week": week_of(monday(3))}, headers=world.auth("viewer"))
        assert response.status_code == 403
        assert status(client, world, post) == "draft"

    def test_a_bad_week_names_week(self, client, world):
        response = client.post(world.path("/posts/submit-week"), json={"week": "2026-W60"},
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["week"]


class TestApproveWeek:
    def test_approves_the_submitted_posts_and_leaves_drafts(self, client, world, session):
        day = monday(3)
        submitted = [submit(client, world, create(client, world, day)),
                     submit(client, world, create(client, world, day + timedelta(days=2)))]
        draft = create(client, world, day + timedelta(days=4))
        week = review(client, world, week_of(day))
        response = decide(client, world, week=week_of(day), decision="approve",
                          comment="Looks good.", review_token=week["review_token"])
        approval = ok(response, 201)
        assert response.headers["location"].endswith(
            world.path(f"/week-approvals?week={week_of(day)}"))
        assert approval["decision"] == "approved"
        assert approval["reviewer"] == user_id(session, world, "lead")
        assert approval["comment"] == "Looks good."
        assert approval["override_reason"] == ""
        assert approval["review_token"] == week["review_token"]
        assert sorted(approval["post_ids"]) == sorted(p["id"] for p in submitted)
        assert approval["findings"] == week["findings"]
        assert [status(client, world, p) for p in submitted] == ["approved", "approved"]
        assert status(client, world, draft) == "draft"
        assert approvals(client, world, week_of(day)) == [approval]
        assert review(client, world, week_of(day))["approvals"] == [approval]

    def test_each_post_history_names_the_week(self, client, world, session):
        day = monday(3)
        post = submit(client, world, create(client, world, day))
        ok(decide(client, world, week=week_of(day), decision="approve"), 201)
        events = ok(client.get(world.path(f"/posts/{post['id']}/history"),
                               headers=world.auth("viewer")))["items"]
        assert events[0]["action"] == "approved"
        assert events[0]["actor"] == user_id(session, world, "lead")
        assert week_of(day) in events[0]["note"]
        weeks = ok(client.get(world.path("/audit"), params={"subject_type": "week"},
                              headers=world.auth("viewer")))["items"]
        assert [(e["subject_id"], e["action"]) for e in weeks] == [
            (f"{week_of(day)}:all", "approved")]

    def test_approval_snapshots_the_findings(self, client, world):
        day = monday(3)
        for post in (create(client, world, day),
                     create(client, world, day, hour=15, kind="ask", category="offer")):
            submit(client, world, post)
        week = review(client, world, week_of(day))
        assert week["findings"], "an ask on a new channel is asked during listening"
        approval = ok(decide(client, world, week=week_of(day), decision="approve",
                             review_token=week["review_token"]), 201)
        assert approval["findings"] == week["findings"]
        # Later changes to the rules do not rewrite what the lead saw.
        ok(client.put(world.path("/rules"), json={"preset": "four_one_one"},
                      headers=world.auth("lead")))
        assert approvals(client, world, week_of(day))[0]["findings"] == week["findings"]

    def test_nothing_submitted_is_a_conflict(self, client, world, session):
        day = monday(3)
        draft = create(client, world, day)
        response = decide(client, world, week=week_of(day), decision="approve")
        assert response.status_code == 409
        assert status(client, world, draft) == "draft"
        assert approval_rows(session) == 0

    @pytest.mark.parametrize("week", ["2026-W60", "2026-48", "next week", ""])
    def test_a_bad_week_names_week(self, client, world, session, week):
        response = decide(client, world, week=week, decision="approve")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["week"]
        assert approval_rows(session) == 0

    def test_an_unknown_decision_names_decision(self, client, world):
        submit(client, world, create(client, world, monday(3)))
        response = decide(client, world, week=week_of(monday(3)), decision="maybe")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["decision"]

    def test_an_editor_may_not_decide(self, client, world, session):
        day = monday(3)
        post = submit(client, world, create(client, world, day))
        for decision in ("approve", "send_back"):
            response = decide(client, world, role="editor", week=week_of(day),
                              decision=decision, comment="Mine.")
            assert response.status_code == 403
        assert status(client, world, post) == "submitted"
        assert approval_rows(session) == 0

    def test_a_lead_may_not_approve_a_week_with_their_own_post(self, client, world, session):
        day = monday(3)
        own = submit(client, world, create(client, world, day, role="lead"))
        response = decide(client, world, week=week_of(day), decision="approve")
        assert response.status_code == 403
        assert response.json()["post_ids"] == [own["id"]]
        assert status(client, world, own) == "submitted"
        ok(decide(client, world, role="admin", week=week_of(day), decision="approve"), 201)
        assert status(client, world, own) == "approved"

    def test_approving_again_after_new_submissions_adds_a_second_approval(self, client,
                                                                          world):
        day = monday(3)
        first = submit(client, world, create(client, world, day))
        token = review(client, world, week_of(day))["review_token"]
        one = ok(decide(client, world, week=week_of(day), decision="approve",
                        review_token=token), 201)
        again = decide(client, world, week=week_of(day), decision="approve", review_token=token)
        assert again.status_code == 409  # nothing is waiting any more
        later = submit(client, world, create(client, world, day + timedelta(days=3)))
        token = review(client, world, week_of(day))["review_token"]
        two = ok(decide(client, world, week=week_of(day), decision="approve",
                        review_token=token), 201)
        assert one["post_ids"] == [first["id"]]
        assert two["post_ids"] == [later["id"]]
        assert {a["id"] for a in approvals(client, world, week_of(day))} == {one["id"],
                                                                             two["id"]}
        assert status(client, world, later) == "approved"

    def test_one_channel_at_a_time(self, client, world):
        day = monday(3)
        other = ok(client.post(world.path("/channels"), json={"name": "Mastodon – Acme"},
                               headers=world.auth("editor")), 201)
        here = submit(client, world, create(client, world, day))
        there = submit(client, world, create(client, world, day, channel_id=other["id"]))
        week = review(client, world, week_of(day), channel_id=world.channel_id)
        assert week["submitted"] == [here["id"]]
        approval = ok(decide(client, world, week=week_of(day), channel_id=world.channel_id,
                             decision="approve", review_token=week["review_token"]), 201)
        assert approval["channel_id"] == world.channel_id
        assert status(client, world, here) == "approved"
        assert status(client, world, there) == "submitted"


class TestSendBackWeek:
    @pytest.mark.parametrize("comment", [None, "", "   "])
    def test_needs_a_comment(self, client, world, session, comment):
        day = monday(3)
        post = submit(client, world, create(client, world, day))
        body: dict[str, object] = {"week": week_of(day), "decision": "send_back"}
        if comment is not None:
            body["comment"] = comment
        response = decide(client, world, **body)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["comment"]
        assert status(client, world, post) == "submitted"
        assert approval_rows(session) == 0

    def test_sends_every_submitted_post_back_with_the_comment(self, client, world, session):
        day = monday(3)
        posts = [submit(client, world, create(client, world, day)),
                 submit(client, world, create(client, world, day + timedelta(days=1)))]
        draft = create(client, world, day + timedelta(days=2))
        approval = ok(decide(client, world, week=week_of(day), decision="send_back",
                             comment="Too much about us this week."), 201)
        assert approval["decision"] == "changes_requested"
        assert approval["comment"] == "Too much about us this week."
        assert approval["reviewer"] == user_id(session, world, "lead")
        for post in posts:
            assert status(client, world, post) == "changes_requested"
            [comment] = ok(client.get(world.path(f"/posts/{post['id']}/comments"),
                                      headers=world.auth("editor")))["items"]
            assert (comment["kind"], comment["body"]) == ("send_back",
                                                          "Too much about us this week.")
        assert status(client, world, draft) == "draft"
        # The editor fixes the week and submits it again.
        resubmitted = ok(client.post(world.path("/posts/submit-week"),
                                     json={"week": week_of(day)},
                                     headers=world.auth("editor")))["items"]
        assert {p["id"] for p in resubmitted} == {posts[0]["id"], posts[1]["id"], draft["id"]}

    def test_a_lead_may_send_back_their_own_posts(self, client, world):
        day = monday(3)
        own = submit(client, world, create(client, world, day, role="lead"))
        ok(decide(client, world, week=week_of(day), decision="send_back", comment="Redo."), 201)
        assert status(client, world, own) == "changes_requested"


class TestStaleReview:
    def test_a_post_submitted_after_the_lead_looked_is_a_conflict(self, client, world,
                                                                  session):
        day = monday(3)
        seen = submit(client, world, create(client, world, day))
        token = review(client, world, week_of(day))["review_token"]
        unseen = submit(client, world, create(client, world, day + timedelta(days=1)))
        response = decide(client, world, week=week_of(day), decision="approve",
                          review_token=token)
        assert response.status_code == 409
        assert response.json()["review_token"] == review(client, world,
                                                         week_of(day))["review_token"]
        assert status(client, world, seen) == "submitted"
        assert status(client, world, unseen) == "submitted"
        assert approval_rows(session) == 0
        assert approvals(client, world, week_of(day)) == []

    def test_an_edit_after_the_lead_looked_is_a_conflict(self, client, world, session):
        day = monday(3)
        post = submit(client, world, create(client, world, day))
        token = review(client, world, week_of(day))["review_token"]
        ok(client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Sneaky edit."},
                        headers=world.auth("editor")))
        response = decide(client, world, week=week_of(day), decision="send_back",
                          comment="No.", review_token=token)
        assert response.status_code == 409
        assert status(client, world, post) == "submitted"
        assert approval_rows(session) == 0

    def test_the_fresh_token_works(self, client, world):
        day = monday(3)
        submit(client, world, create(client, world, day))
        stale = review(client, world, week_of(day))["review_token"]
        submit(client, world, create(client, world, day + timedelta(days=1)))
        assert decide(client, world, week=week_of(day), decision="approve",
                      review_token=stale).status_code == 409
        fresh = review(client, world, week_of(day))["review_token"]
        approval = ok(decide(client, world, week=week_of(day), decision="approve",
                             review_token=fresh), 201)
        assert len(approval["post_ids"]) == 2


class TestBlockingWeek:
    def submitted_dense_week(self, client, world):
        day = monday(3)
        posts = dense_week(client, world, day)
        ok(client.post(world.path("/posts/submit-week"), json={"week": week_of(day)},
                       headers=world.auth("editor")))
        return day, posts

    def test_plain_approval_is_refused_listing_the_findings(self, client, world, session):
        day, posts = self.submitted_dense_week(client, world)
        response = decide(client, world, week=week_of(day), decision="approve")
        assert response.status_code == 409
        findings = response.json()["findings"]
        assert [f["code"] for f in findings] == ["ask_density"]
        assert findings[0]["severity"] == "blocking"
        asks = [p["id"] for p in posts if p["kind"] == "ask"]
        assert findings[0]["post_ids"] == asks
        assert all(status(client, world, p) == "submitted" for p in posts)
        assert approval_rows(session) == 0

    def test_an_empty_reason_names_override_reason(self, client, world, session):
        day, posts = self.submitted_dense_week(client, world)
        response = decide(client, world, week=week_of(day), decision="approve",
                          override_reason=" \t ")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["override_reason"]
        assert all(status(client, world, p) == "submitted" for p in posts)
        assert approval_rows(session) == 0

    def test_with_a_reason_the_week_is_approved_and_the_reason_kept(self, client, world):
        day, posts = self.submitted_dense_week(client, world)
        week = review(client, world, week_of(day))
        approval = ok(decide(client, world, week=week_of(day), decision="approve",
                             override_reason="Launch week, agreed with the client.",
                             review_token=week["review_token"]), 201)
        assert approval["override_reason"] == "Launch week, agreed with the client."
        assert "ask_density" in {f["code"] for f in approval["findings"]}
        assert all(status(client, world, p) == "approved" for p in posts)
        [kept] = approvals(client, world, week_of(day))
        assert kept["override_reason"] == "Launch week, agreed with the client."
        assert kept["findings"] == week["findings"]

    def test_sending_back_needs_no_reason(self, client, world):
        day, posts = self.submitted_dense_week(client, world)
        ok(decide(client, world, week=week_of(day), decision="send_back",
                  comment="Spread the asks out."), 201)
        assert all(status(client, world, p) == "changes_requested" for p in posts)

    def test_a_blocking_finding_in_another_week_does_not_block(self, client, world):
        self.submitted_dense_week(client, world)
        later = monday(6)
        post = submit(client, world, create(client, world, later))
        week = review(client, world, week_of(later))
        assert all(f["severity"] != "blocking" for f in week["findings"])
        ok(decide(client, world, week=week_of(later), decision="approve",
                  review_token=week["review_token"]), 201)
        assert status(client, world, post) == "approved"


class TestListApprovals:
    def test_filter_by_week_and_bad_week(self, client, world):
        first, second = monday(3), monday(4)
        for day in (first, second):
            submit(client, world, create(client, world, day))
            ok(decide(client, world, week=week_of(day), decision="approve"), 201)
        assert [a["week"] for a in approvals(client, world, week_of(first))] == [week_of(first)]
        everything = ok(client.get(world.path("/week-approvals"),
                                   headers=world.auth("viewer")))["items"]
        assert {a["week"] for a in everything} == {week_of(first), week_of(second)}
        bad = client.get(world.path("/week-approvals"), params={"week": "2026-W60"},
                         headers=world.auth("viewer"))
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["query.week"]
