"""A post's way to publication through the REST API: draft → submitted → approved →
published, send-backs with comments, self-approval, blocking findings, comments and
the audit history (issue 5, API.md "Statuses", RULES.md "Severity")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.models import User
from tests.conftest import World

TZ = ZoneInfo("Europe/Berlin")


def next_monday(weeks_ahead: int = 3) -> date:
    """A Monday safely in the future, in the workspace's zone."""
    today = datetime.now(TZ).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def local(day: date, hour: int = 9, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).isoformat()


def user_id(session: Session, world: World, role: str) -> str:
    return session.exec(select(User).where(User.email == world.users[role])).one().id


def create(client, world: World, role: str = "editor", **fields: object) -> dict:
    body: dict[str, object] = {
        "channel_id": world.channel_id,
        "scheduled_at": local(next_monday()),
        "kind": "give",
        "category": "share",
        "text": "Five roasters worth a visit.",
    }
    body.update(fields)
    response = client.post(world.path("/posts"), json=body, headers=world.auth(role))
    assert response.status_code == 201, response.text
    return response.json()


def act(client, world: World, post_id: str, action: str, role: str = "lead",
        json: object = None):
    kwargs = {} if json is None else {"json": json}
    return client.post(world.path(f"/posts/{post_id}/{action}"), headers=world.auth(role),
                       **kwargs)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def get_post(client, world: World, post_id: str) -> dict:
    return ok(client.get(world.path(f"/posts/{post_id}"), headers=world.auth("viewer")))


def history(client, world: World, post_id: str) -> list[dict]:
    """Oldest first, to read like a story."""
    body = ok(client.get(world.path(f"/posts/{post_id}/history"),
                         headers=world.auth("viewer")))
    return list(reversed(body["items"]))


def comments(client, world: World, post_id: str) -> list[dict]:
    return ok(client.get(world.path(f"/posts/{post_id}/comments"),
                         headers=world.auth("viewer")))["items"]


def approved_post(client, world: World, **fields: object) -> dict:
    post = create(client, world, **fields)
    ok(act(client, world, post["id"], "submit", role="editor"))
    return ok(act(client, world, post["id"], "approve"))


def dense_channel(client, world: World) -> list[dict]:
    """Five posts in three days, three of them asks: the Beth Dunn window
    (7 days, at most 1 ask in 5) is broken, and ask_density is blocking."""
    monday = next_monday()
    plan = [(0, 9, "give", "share"), (0, 15, "ask", "offer"), (1, 9, "give", "help"),
            (1, 15, "ask", "event"), (2, 9, "ask", "sale")]
    return [create(client, world, scheduled_at=local(monday + timedelta(days=d), hour),
                   kind=kind, category=category, text=f"{kind} on day {d} at {hour}")
            for d, hour, kind, category in plan]


class TestHappyPath:
    def test_draft_submit_approve_publish(self, client, world):
        post = create(client, world)
        assert post["status"] == "draft"
        submitted = ok(act(client, world, post["id"], "submit", role="editor"))
        assert submitted["status"] == "submitted"
        assert submitted["version"] == post["version"] + 1
        approved = ok(act(client, world, post["id"], "approve"))
        assert approved["status"] == "approved"
        assert approved["published_at"] is None
        published = ok(act(client, world, post["id"], "publish", role="editor",
                           json={"external_url": "https://www.linkedin.com/posts/acme-1"}))
        assert published["status"] == "published"
        assert published["published_at"] is not None
        assert published["published_at"].endswith("Z")
        assert published["external_url"] == "https://www.linkedin.com/posts/acme-1"
        assert get_post(client, world, post["id"]) == published

    def test_submitting_twice_is_harmless(self, client, world):
        post = create(client, world)
        first = ok(act(client, world, post["id"], "submit", role="editor"))
        second = ok(act(client, world, post["id"], "submit", role="editor"))
        assert second["status"] == "submitted"
        assert second["version"] == first["version"]

    def test_only_submitted_posts_can_be_approved(self, client, world):
        post = create(client, world)
        response = act(client, world, post["id"], "approve")
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert get_post(client, world, post["id"])["status"] == "draft"

    def test_an_approved_post_cannot_be_submitted_again(self, client, world):
        post = approved_post(client, world)
        response = act(client, world, post["id"], "submit", role="editor")
        assert response.status_code == 409
        assert get_post(client, world, post["id"])["status"] == "approved"

    def test_editor_may_not_approve(self, client, world):
        post = create(client, world)
        ok(act(client, world, post["id"], "submit", role="editor"))
        response = act(client, world, post["id"], "approve", role="editor")
        assert response.status_code == 403
        assert get_post(client, world, post["id"])["status"] == "submitted"

    def test_viewer_may_not_submit(self, client, world):
        post = create(client, world)
        assert act(client, world, post["id"], "submit", role="viewer").status_code == 403
        assert get_post(client, world, post["id"])["status"] == "draft"

    def test_unknown_post_is_404(self, client, world):
        for action in ("submit", "approve", "publish"):
            response = act(client, world, "no-such-post", action)
            assert response.status_code == 404, action


class TestRequestChanges:
    def submitted(self, client, world):
        post = create(client, world)
        return ok(act(client, world, post["id"], "submit", role="editor"))

    @pytest.mark.parametrize("comment", ["", "   "])
    def test_empty_comment_is_refused_naming_comment(self, client, world, comment):
        post = self.submitted(client, world)
        response = act(client, world, post["id"], "request-changes", json={"comment": comment})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["comment"]
        assert get_post(client, world, post["id"])["status"] == "submitted"
        assert comments(client, world, post["id"]) == []

    def test_missing_comment_is_refused_naming_comment(self, client, world):
        post = self.submitted(client, world)
        response = act(client, world, post["id"], "request-changes", json={})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["comment"]
        assert get_post(client, world, post["id"])["status"] == "submitted"

    def test_send_back_puts_the_comment_on_the_post(self, client, world, session):
        post = self.submitted(client, world)
        sent = ok(act(client, world, post["id"], "request-changes",
                      json={"comment": "  Name the roasters, please.  "}))
        assert sent["status"] == "changes_requested"
        [comment] = comments(client, world, post["id"])
        assert comment["kind"] == "send_back"
        assert comment["body"] == "Name the roasters, please."
        assert comment["author"] == user_id(session, world, "lead")
        assert comment["post_id"] == post["id"]

    def test_editor_edits_and_submits_again(self, client, world):
        post = self.submitted(client, world)
        ok(act(client, world, post["id"], "request-changes", json={"comment": "Too vague."}))
        edited = ok(client.patch(world.path(f"/posts/{post['id']}"),
                                 json={"text": "Five roasters in Kreuzberg worth a visit."},
                                 headers=world.auth("editor")))
        assert edited["status"] == "changes_requested"
        again = ok(act(client, world, post["id"], "submit", role="editor"))
        assert again["status"] == "submitted"
        approved = ok(act(client, world, post["id"], "approve"))
        assert approved["status"] == "approved"
        assert approved["text"] == "Five roasters in Kreuzberg worth a visit."

    def test_a_draft_cannot_be_sent_back(self, client, world):
        post = create(client, world)
        response = act(client, world, post["id"], "request-changes", json={"comment": "No."})
        assert response.status_code == 409
        assert get_post(client, world, post["id"])["status"] == "draft"
        assert comments(client, world, post["id"]) == []

    def test_editor_may_not_send_back(self, client, world):
        post = self.submitted(client, world)
        response = act(client, world, post["id"], "request-changes", role="editor",
                       json={"comment": "I changed my mind."})
        assert response.status_code == 403
        assert get_post(client, world, post["id"])["status"] == "submitted"


class TestEditingAnApprovedPost:
    @pytest.mark.parametrize("field", ["text", "kind", "category", "channel", "time", "link"])
    def test_a_reviewed_field_returns_it_to_review(self, client, world, field):
        post = approved_post(client, world)
        changes: dict[str, object]
        if field == "channel":
            channel = ok(client.post(world.path("/channels"), json={"name": "Mastodon – Acme"},
                                     headers=world.auth("editor")), 201)
            changes = {"channel_id": channel["id"]}
        elif field == "time":
            changes = {"scheduled_at": local(next_monday(), hour=11)}
        elif field == "kind":
            changes = {"kind": "ask", "category": "offer"}
        elif field == "category":
            changes = {"category": "help"}
        elif field == "link":
            changes = {"link": "https://acme.test/roasters"}
        else:
            changes = {"text": "Six roasters, actually."}
        edited = ok(client.patch(world.path(f"/posts/{post['id']}"), json=changes,
                                 headers=world.auth("editor")))
        assert edited["status"] == "submitted"
        assert get_post(client, world, post["id"])["status"] == "submitted"
        last = history(client, world, post["id"])[-1]
        assert last["action"] == "edited"
        assert last["before"]["status"] == "approved"
        assert last["after"]["status"] == "submitted"
        assert "back in review" in last["note"]

    def test_an_edit_that_changes_nothing_keeps_the_approval(self, client, world):
        post = approved_post(client, world)
        same = ok(client.patch(world.path(f"/posts/{post['id']}"), json={"text": post["text"]},
                               headers=world.auth("editor")))
        assert same["status"] == "approved"
        assert same["version"] == post["version"]

    def test_the_returned_post_can_be_approved_again(self, client, world):
        post = approved_post(client, world)
        ok(client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Changed."},
                        headers=world.auth("editor")))
        again = ok(act(client, world, post["id"], "approve"))
        assert again["status"] == "approved"


class TestSelfApproval:
    def submitted_by_lead(self, client, world):
        post = create(client, world, role="lead")
        return ok(act(client, world, post["id"], "submit", role="lead"))

    def test_post_records_its_creator(self, client, world, session):
        by_editor = create(client, world)
        by_lead = create(client, world, role="lead")
        assert by_editor["created_by"] == user_id(session, world, "editor")
        assert by_lead["created_by"] == user_id(session, world, "lead")

    def test_a_lead_may_not_approve_their_own_post(self, client, world):
        post = self.submitted_by_lead(client, world)
        response = act(client, world, post["id"], "approve")
        assert response.status_code == 403
        assert response.json()["post_ids"] == [post["id"]]
        assert get_post(client, world, post["id"])["status"] == "submitted"

    def test_another_lead_may(self, client, world):
        post = self.submitted_by_lead(client, world)
        approved = ok(act(client, world, post["id"], "approve", role="admin"))
        assert approved["status"] == "approved"

    def test_unless_the_workspace_allows_it(self, client, world):
        post = self.submitted_by_lead(client, world)
        refused = client.patch(world.path(), json={"allow_self_approval": True},
                               headers=world.auth("lead"))
        assert refused.status_code == 403
        allowed = ok(client.patch(world.path(), json={"allow_self_approval": True},
                                  headers=world.auth("admin")))
        assert allowed["allow_self_approval"] is True
        approved = ok(act(client, world, post["id"], "approve"))
        assert approved["status"] == "approved"


class TestPublish:
    def test_publishing_a_draft_is_a_conflict(self, client, world):
        post = create(client, world)
        response = act(client, world, post["id"], "publish", role="editor")
        assert response.status_code == 409
        assert get_post(client, world, post["id"])["published_at"] is None

    def test_publishing_a_submitted_post_is_a_conflict(self, client, world):
        post = create(client, world)
        ok(act(client, world, post["id"], "submit", role="editor"))
        assert act(client, world, post["id"], "publish", role="editor").status_code == 409
        assert get_post(client, world, post["id"])["status"] == "submitted"

    def test_publish_is_idempotent(self, client, world):
        post = approved_post(client, world)
        first = ok(act(client, world, post["id"], "publish", role="editor"))
        second = ok(act(client, world, post["id"], "publish", role="editor"))
        assert second["status"] == "published"
        assert second["published_at"] == first["published_at"]
        assert second["version"] == first["version"]
        published = [e for e in history(client, world, post["id"]) if e["action"] == "published"]
        assert len(published) == 1

    def test_the_reported_time_is_kept(self, client, world):
        post = approved_post(client, world)
        published = ok(act(client, world, post["id"], "publish", role="editor",
                           json={"published_at": "2026-11-24T09:03:00+01:00"}))
        assert published["published_at"] == "2026-11-24T08:03:00Z"

    def test_a_bad_external_url_is_refused_and_nothing_changes(self, client, world):
        post = approved_post(client, world)
        response = act(client, world, post["id"], "publish", role="editor",
                       json={"external_url": "javascript:alert(1)"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "external_url"
        assert get_post(client, world, post["id"])["status"] == "approved"

    def test_a_published_post_is_history(self, client, world):
        post = approved_post(client, world)
        ok(act(client, world, post["id"], "publish", role="editor"))
        edit = client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Rewrite"},
                            headers=world.auth("editor"))
        assert edit.status_code == 409
        delete = client.delete(world.path(f"/posts/{post['id']}"), headers=world.auth("admin"))
        assert delete.status_code == 409
        kept = get_post(client, world, post["id"])
        assert (kept["status"], kept["text"]) == ("published", post["text"])

    def test_a_viewer_may_not_publish(self, client, world):
        post = approved_post(client, world)
        assert act(client, world, post["id"], "publish", role="viewer").status_code == 403
        assert get_post(client, world, post["id"])["status"] == "approved"


class TestBlockingFindings:
    def submitted_ask(self, client, world):
        posts = dense_channel(client, world)
        ask = next(p for p in posts if p["kind"] == "ask")
        ok(act(client, world, ask["id"], "submit", role="editor"))
        return posts, ask

    def test_plain_approval_is_refused_listing_the_findings(self, client, world):
        _, ask = self.submitted_ask(client, world)
        response = act(client, world, ask["id"], "approve")
        assert response.status_code == 409
        body = response.json()
        assert body["findings"], body
        assert {f["code"] for f in body["findings"]} == {"ask_density"}
        assert all(f["severity"] == "blocking" for f in body["findings"])
        assert all(ask["id"] in f["post_ids"] for f in body["findings"])
        assert get_post(client, world, ask["id"])["status"] == "submitted"

    def test_a_null_reason_is_a_plain_approval(self, client, world):
        _, ask = self.submitted_ask(client, world)
        response = act(client, world, ask["id"], "approve", json={"override_reason": None})
        assert response.status_code == 409
        assert response.json()["findings"]

    def test_an_empty_reason_names_override_reason(self, client, world):
        _, ask = self.submitted_ask(client, world)
        response = act(client, world, ask["id"], "approve", json={"override_reason": "  "})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["override_reason"]
        assert get_post(client, world, ask["id"])["status"] == "submitted"

    def test_with_a_reason_it_is_approved_and_the_reason_kept(self, client, world, session):
        _, ask = self.submitted_ask(client, world)
        reason = "The launch week was agreed with the client."
        approved = ok(act(client, world, ask["id"], "approve",
                          json={"override_reason": f"  {reason} "}))
        assert approved["status"] == "approved"
        event = history(client, world, ask["id"])[-1]
        assert event["action"] == "approved"
        assert reason in event["note"]
        assert "blocking" in event["note"]
        assert event["actor"] == user_id(session, world, "lead")

    def test_a_give_in_the_dense_stretch_is_not_named_and_approves_plainly(self, client,
                                                                            world):
        posts = dense_channel(client, world)
        give = next(p for p in posts if p["kind"] == "give")
        ok(act(client, world, give["id"], "submit", role="editor"))
        approved = ok(act(client, world, give["id"], "approve"))
        assert approved["status"] == "approved"

    def test_a_warning_needs_no_reason(self, client, world):
        # A lone ask on a new channel is asked during listening (a warning only).
        ask = create(client, world, kind="ask", category="offer")
        ok(act(client, world, ask["id"], "submit", role="editor"))
        findings = ok(client.get(world.path("/findings"), params={
            "start": local(next_monday(), 0), "end": local(next_monday() + timedelta(days=7), 0),
        }, headers=world.auth("viewer")))["items"]
        assert findings and all(f["severity"] != "blocking" for f in findings)
        assert ok(act(client, world, ask["id"], "approve"))["status"] == "approved"


class TestComments:
    def test_post_and_read_comments(self, client, world, session):
        post = create(client, world)
        response = client.post(world.path(f"/posts/{post['id']}/comments"),
                               json={"body": "Can we add a photo?"}, headers=world.auth("editor"))
        assert response.status_code == 201
        assert response.headers["location"].endswith(world.path(f"/posts/{post['id']}/comments"))
        created = response.json()
        assert (created["kind"], created["body"]) == ("comment", "Can we add a photo?")
        assert created["author"] == user_id(session, world, "editor")
        reply = ok(client.post(world.path(f"/posts/{post['id']}/comments"),
                               json={"body": "Yes, the Kreuzberg one."},
                               headers=world.auth("lead")), 201)
        listed = comments(client, world, post["id"])
        assert [c["id"] for c in listed] == [created["id"], reply["id"]]
        assert [c["body"] for c in listed] == ["Can we add a photo?", "Yes, the Kreuzberg one."]

    @pytest.mark.parametrize("body", ["", "   \n"])
    def test_an_empty_body_is_refused(self, client, world, body):
        post = create(client, world)
        response = client.post(world.path(f"/posts/{post['id']}/comments"), json={"body": body},
                               headers=world.auth("editor"))
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["body"]
        assert comments(client, world, post["id"]) == []

    def test_a_viewer_may_read_but_not_comment(self, client, world):
        post = create(client, world)
        ok(client.post(world.path(f"/posts/{post['id']}/comments"), json={"body": "First."},
                       headers=world.auth("editor")), 201)
        read = client.get(world.path(f"/posts/{post['id']}/comments"),
                          headers=world.auth("viewer"))
        assert read.status_code == 200
        assert len(read.json()["items"]) == 1
        write = client.post(world.path(f"/posts/{post['id']}/comments"), json={"body": "Me too"},
                            headers=world.auth("viewer"))
        assert write.status_code == 403
        assert len(comments(client, world, post["id"])) == 1

    def test_comments_of_an_unknown_post_are_404(self, client, world):
        assert client.get(world.path("/posts/nope/comments"),
                          headers=world.auth("viewer")).status_code == 404
        assert client.post(world.path("/posts/nope/comments"), json={"body": "Hi"},
                           headers=world.auth("editor")).status_code == 404


class TestAuditHistory:
    def test_history_tells_who_did_what(self, client, world, session):
        post = create(client, world)
        ok(client.patch(world.path(f"/posts/{post['id']}"), json={"text": "Six roasters."},
                        headers=world.auth("editor")))
        ok(act(client, world, post["id"], "submit", role="editor"))
        ok(act(client, world, post["id"], "approve"))
        events = history(client, world, post["id"])
        assert [e["action"] for e in events] == ["created", "edited", "submitted", "approved"]
        editor, lead = user_id(session, world, "editor"), user_id(session, world, "lead")
        assert [e["actor"] for e in events] == [editor, editor, editor, lead]
        assert all(e["actor_token"] for e in events)
        assert all(e["subject_type"] == "post" and e["subject_id"] == post["id"]
                   for e in events)
        created, edited, submitted, approved = events
        assert created["after"]["text"] == "Five roasters worth a visit."
        assert created["after"]["status"] == "draft"
        assert edited["before"]["text"] == "Five roasters worth a visit."
        assert edited["after"]["text"] == "Six roasters."
        assert "kind" not in edited["after"]
        assert (submitted["before"], submitted["after"]) == ({"status": "draft"},
                                                             {"status": "submitted"})
        assert (approved["before"], approved["after"]) == ({"status": "submitted"},
                                                           {"status": "approved"})
        assert all(e["at"].endswith("Z") for e in events)

    def test_send_back_is_in_the_history_with_its_comment(self, client, world):
        post = create(client, world)
        ok(act(client, world, post["id"], "submit", role="editor"))
        ok(act(client, world, post["id"], "request-changes", json={"comment": "Shorter."}))
        event = history(client, world, post["id"])[-1]
        assert event["action"] == "changes_requested"
        assert event["note"] == "Shorter."

    def test_rules_changes_are_audited_with_before_and_after(self, client, world, session):
        response = client.put(world.path("/rules"), json={
            "preset": "four_one_one", "overrides": {"max_posts_per_day": 3}},
            headers=world.auth("lead"))
        assert response.status_code == 200, response.text
        items = ok(client.get(world.path("/audit"), params={"subject_type": "rules"},
                              headers=world.auth("viewer")))["items"]
        [event] = items
        assert event["subject_type"] == "rules"
        assert event["actor"] == user_id(session, world, "lead")
        assert event["before"]["preset"] == "beth_dunn"
        assert event["after"]["preset"] == "four_one_one"
        assert event["after"]["overrides"] == {"max_posts_per_day": 3}

    def test_audit_filter_keeps_to_the_subject_type(self, client, world):
        post = create(client, world)
        posts = ok(client.get(world.path("/audit"), params={"subject_type": "post"},
                              headers=world.auth("viewer")))["items"]
        assert [e["subject_id"] for e in posts] == [post["id"]]
        assert ok(client.get(world.path("/audit"), params={"subject_type": "rules"},
                             headers=world.auth("viewer")))["items"] == []
        bad = client.get(world.path("/audit"), params={"subject_type": "nonsense"},
                         headers=world.auth("viewer"))
        assert bad.status_code == 422

    def test_deleting_a_post_keeps_its_history(self, client, world, session):
        post = create(client, world)
        ok(act(client, world, post["id"], "submit", role="editor"))
        deleted = client.delete(world.path(f"/posts/{post['id']}"), headers=world.auth("editor"))
        assert deleted.status_code == 204
        assert client.get(world.path(f"/posts/{post['id']}"),
                          headers=world.auth("viewer")).status_code == 404
        events = history(client, world, post["id"])
        assert [e["action"] for e in events] == ["created", "submitted", "deleted"]
        assert events[-1]["before"]["text"] == post["text"]
        assert events[-1]["actor"] == user_id(session, world, "editor")

    def test_history_of_an_unknown_post_is_404(self, client, world):
        response = client.get(world.path("/posts/nope/history"), headers=world.auth("viewer"))
        assert response.status_code == 404

    def test_history_of_another_workspaces_post_is_404(self, client, world, session):
        from tests.conftest import build_world

        other = build_world(session, name="Other Co")
        foreign = create(client, other)
        response = client.get(world.path(f"/posts/{foreign['id']}/history"),
                              headers=world.auth("viewer"))
        assert response.status_code == 404
