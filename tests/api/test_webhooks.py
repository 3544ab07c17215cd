"""Webhooks through the API: made by admins with the secret shown once, changed,
disabled and deleted; events and addresses checked, naming the field; targets
inside private ranges refused; events written with the change that makes them
(and never for one that fails); another workspace's webhooks are 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.models import AnnouncedFinding, WebhookDelivery
from app.schemas_webhooks import EVENTS
from tests.conftest import TEST_SECRET, World, build_world

RECEIVER = "http://127.0.0.1:9/hooks"  # never called here: nothing runs a worker


@pytest.fixture()
def settings() -> Settings:
    return Settings(env="test", secret_key=TEST_SECRET, webhooks_allow_private=True)


def fields(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def make(client: Any, world: World, events: list[str] | None = None, url: str = RECEIVER,
         role: str = "admin", **extra: Any) -> Any:
    return client.post(world.path("/webhooks"), headers=world.auth(role),
                       json={"url": url, "events": ["post.approved"] if events is None else events,
                             **extra})


def deliveries(session: Session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.exec(select(WebhookDelivery)).all())


def plan(client: Any, world: World, days: int = 10, hour: int = 9, kind: str = "give",
         category: str | None = None) -> dict[str, Any]:
    at = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0,
                                                            microsecond=0)
    response = client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "scheduled_at": at.isoformat(), "kind": kind,
        "category": category, "text": f"A {kind} at {at:%d %H}h"})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestManaging:
    def test_an_admin_makes_one_and_sees_the_secret_once(self, client, world):
        response = make(client, world, ["post.created", "week.approved"],
                        description="Slack relay")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["secret"].startswith("whsec_")
        assert response.headers["location"].endswith(world.path(f"/webhooks/{body['id']}"))
        assert body["events"] == ["post.created", "week.approved"]
        assert body["disabled"] is False and body["description"] == "Slack relay"
        listed = client.get(world.path("/webhooks"), headers=world.auth("admin")).json()
        assert [h["id"] for h in listed["items"]] == [body["id"]]
        one = client.get(world.path(f"/webhooks/{body['id']}"), headers=world.auth("admin"))
        assert "secret" not in listed["items"][0] and "secret" not in one.json()
        assert body["secret"] not in one.text + str(listed)

    def test_change_disable_and_delete(self, client, world):
        hook = make(client, world).json()
        path = world.path(f"/webhooks/{hook['id']}")
        changed = client.patch(path, headers=world.auth("admin"), json={
            "events": ["finding.added", "post.created"], "disabled": True,
            "description": "Paused"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["events"] == ["post.created", "finding.added"]
        assert changed.json()["disabled"] is True and changed.json()["disabled_at"]
        again = client.patch(path, headers=world.auth("admin"), json={"disabled": False})
        assert again.json()["disabled"] is False
        assert client.delete(path, headers=world.auth("admin")).status_code == 204
        assert client.get(path, headers=world.auth("admin")).status_code == 404

    @pytest.mark.parametrize("role", ["viewer", "editor", "lead"])
    def test_only_admins_manage_webhooks(self, client, world, role):
        assert make(client, world, role=role).status_code == 403
        assert client.get(world.path("/webhooks"), headers=world.auth(role)).status_code == 403

    def test_another_workspaces_webhook_is_not_found(self, client, world, session):
        other = build_world(session, name="Other")
        theirs = make(client, other).json()
        for method in ("get", "patch", "delete"):
            kwargs = {"json": {"description": "x"}} if method == "patch" else {}
            response = getattr(client, method)(world.path(f"/webhooks/{theirs['id']}"),
                                               headers=world.auth("admin"), **kwargs)
            assert response.status_code == 404
        listed = client.get(world.path(f"/webhooks/{theirs['id']}/deliveries"),
                            headers=world.auth("admin"))
        assert listed.status_code == 404


class TestValidation:
    @pytest.mark.parametrize("events, word", [
        (["post.liked"], "unknown event 'post.liked'"),
        ([], "at least one"),
    ])
    def test_events_are_checked_naming_the_field(self, client, world, session, events, word):
        response = make(client, world, events)
        assert response.status_code == 422
        assert word in fields(response)["events"]
        assert client.get(world.path("/webhooks"), headers=world.auth("admin")) \
            .json()["items"] == []

    @pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "not a url", "https://user:pw@x.test/",
                                     "http://" + "a" * 2050 + ".test/"])
    def test_a_bad_address_names_url(self, client, world, url):
        response = make(client, world, url=url)
        assert response.status_code == 422
        assert "url" in fields(response), response.text

    def test_every_event_is_known(self, client, world):
        response = make(client, world, list(EVENTS))
        assert response.status_code == 201 and response.json()["events"] == list(EVENTS)


class TestPrivateTargets:
    @pytest.fixture()
    def settings(self) -> Settings:
        return Settings(env="test", secret_key=TEST_SECRET, webhooks_allow_private=False)

    @pytest.mark.parametrize("url", [
        "https://127.0.0.1/hooks", "https://localhost:8443/hooks", "https://10.1.2.3/",
        "https://192.168.0.10/", "https://172.16.5.4/", "https://169.254.169.254/latest",
        "https://[::1]/", "https://[fd00::1]/", "https://0.0.0.0/", "https://224.0.0.1/",
        "https://[::ffff:127.0.0.1]/", "https://100.64.0.1/",
    ])
    def test_private_loopback_and_reserved_targets_are_refused(self, client, world, url):
        response = make(client, world, url=url)
        assert response.status_code == 422, response.text
        assert "url" in fields(response)

    def test_plain_http_is_refused(self, client, world):
        response = make(client, world, url="http://93.184.216.34/hooks")
        assert response.status_code == 422 and "https" in fields(response)["url"]

    def test_a_public_address_is_accepted(self, client, world):
        # Saved only; nothing is sent in this test.
        assert make(client, world, url="https://93.184.216.34/hooks").status_code == 201

    def test_a_change_to_a_private_target_is_refused(self, client, world):
        hook = make(client, world, url="https://93.184.216.34/hooks").json()
        response = client.patch(world.path(f"/webhooks/{hook['id']}"),
                                headers=world.auth("admin"), json={"url": "https://10.0.0.1/"})
        assert response.status_code == 422 and "url" in fields(response)
        assert client.get(world.path(f"/webhooks/{hook['id']}"), headers=world.auth("admin")) \
            .json()["url"] == "https://93.184.216.34/hooks"


class TestEvents:
    def test_each_post_change_writes_its_event_for_subscribers_only(self, client, world,
                                                                    session):
        everything = make(client, world, [e for e in EVENTS if e.startswith("post.")]).json()
        approvals = make(client, world, ["post.approved"]).json()
        post = plan(client, world)
        path = world.path(f"/posts/{post['id']}")
        client.patch(path, headers=world.auth("editor"), json={"text": "Better words"})
        client.post(f"{path}/submit", headers=world.auth("editor"))
        client.post(f"{path}/approve", headers=world.auth("lead"))
        client.post(f"{path}/publish", headers=world.auth("editor"))
        rows = deliveries(session)
        mine = [r for r in rows if r.webhook_id == everything["id"]]
        assert [r.event for r in sorted(mine, key=lambda r: r.id)] == [
            "post.created", "post.updated", "post.submitted", "post.approved",
            "post.published"]
        assert [r.event for r in rows if r.webhook_id == approvals["id"]] == ["post.approved"]
        approved = next(r for r in mine if r.event == "post.approved")
        assert approved.payload["type"] == "post.approved"
        assert approved.payload["timestamp"].endswith("Z")
        data = approved.payload["data"]
        assert data["workspace_id"] == world.workspace_id
        assert data["post"]["id"] == post["id"] and data["post"]["text"] == "Better words"
        assert set(data["post"]) == set(post)  # the post as the API shows it
        # One message to both webhooks: the same webhook-id.
        both = [r for r in rows if r.event == "post.approved"]
        assert len({r.message_id for r in both}) == 1 and len(both) == 2
        assert all(r.status == "pending" and r.attempts == 0 for r in rows)

    def test_a_deleted_post_is_told_as_it_was(self, client, world, session):
        make(client, world, ["post.deleted"])
        post = plan(client, world)
        assert client.delete(world.path(f"/posts/{post['id']}"),
                             headers=world.auth("editor")).status_code == 204
        [row] = deliveries(session)
        assert row.payload["data"]["post"]["id"] == post["id"]
        assert row.payload["data"]["post"]["text"] == post["text"]

    def test_a_refused_change_writes_no_event(self, client, world, session):
        make(client, world, ["post.created", "post.updated"])
        post = plan(client, world)
        before = len(deliveries(session))
        wrong = client.patch(world.path(f"/posts/{post['id']}"), headers=world.auth("editor"),
                             json={"channel_id": "no-such-channel"})
        assert wrong.status_code in (404, 422)
        stale = client.patch(world.path(f"/posts/{post['id']}"),
                             headers={**world.auth("editor"), "If-Match": '"99"'},
                             json={"text": "late"})
        assert stale.status_code == 412
        assert len(deliveries(session)) == before

    def test_a_disabled_webhook_gets_no_new_events(self, client, world, session):
        hook = make(client, world, ["post.created"]).json()
        client.patch(world.path(f"/webhooks/{hook['id']}"), headers=world.auth("admin"),
                     json={"disabled": True})
        plan(client, world)
        assert deliveries(session) == []

    def test_without_webhooks_nothing_is_written(self, client, world, session):
        plan(client, world)
        assert deliveries(session) == []

    def test_another_workspaces_changes_are_not_sent(self, client, world, session):
        make(client, world, ["post.created"])
        other = build_world(session, name="Other")
        plan(client, other)
        assert deliveries(session) == []


class TestFindingAdded:
    def test_a_change_that_breaks_the_rhythm_is_told_once(self, client, world, session):
        plan(client, world, days=20, kind="give", category="share")
        make(client, world, ["finding.added"])
        first = plan(client, world, days=21, kind="ask", category="offer")
        found = [r for r in deliveries(session) if r.event == "finding.added"]
        assert found, "an ask after a single give breaks the rhythm"
        assert all(first["id"] in r.payload["data"]["finding"]["post_ids"] for r in found)
        finding = found[0].payload["data"]["finding"]
        assert {"key", "code", "severity", "message", "post_ids", "start", "end"} <= set(finding)
        # A change that leaves those findings as they are tells nothing new.
        count = len(found)
        client.patch(world.path(f"/posts/{first['id']}"), headers=world.auth("editor"),
                     json={"text": "Same rhythm, other words"})
        assert len([r for r in deliveries(session) if r.event == "finding.added"]) == count

    def test_findings_are_told_in_the_teams_language_whoever_changes(
            self, client, world, session):
        client.patch(world.path(), json={"language": "de"}, headers=world.auth("admin"))
        plan(client, world, days=20, kind="give", category="share")
        make(client, world, ["finding.added"])
        response = client.post(world.path("/posts"), headers={
            **world.auth("editor"), "Accept-Language": "en"}, json={
            "channel_id": world.channel_id, "kind": "ask", "category": "offer",
            "scheduled_at": (datetime.now(UTC) + timedelta(days=21)).isoformat(),
            "text": "An offer"})
        assert response.status_code == 201, response.text
        told = [r.payload["data"]["finding"]["message"] for r in deliveries(session)
                if r.event == "finding.added"]
        assert told and all("Geben-Beitr" in m or "Bitte" in m for m in told), told

    def test_a_new_subscriber_hears_of_new_findings_only(self, client, world, session):
        plan(client, world, days=20, kind="give", category="share")
        plan(client, world, days=21, kind="ask", category="offer")
        make(client, world, ["finding.added"])
        assert session.exec(select(AnnouncedFinding)).all(), "the plan's findings are known"
        second = plan(client, world, days=21, hour=15, kind="ask", category="event")
        told = [r.payload["data"]["finding"] for r in deliveries(session)
                if r.event == "finding.added"]
        assert told, "a second ask the same day breaks the rhythm anew"
        assert all(second["id"] in f["post_ids"] for f in told), told
