"""Webhook delivery to a real local HTTP receiver: signatures that the Standard
Webhooks reference implementation verifies, a retry after a 500, failed after a
day, redirects not followed, resend, an approval's post and week events, no
event from a change that rolled back, two workers that never deliver one event
twice, and a worker killed mid-delivery whose event another delivers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from standardwebhooks import Webhook as ReferenceWebhook

from app.config import Settings
from app.models import Post, WebhookDelivery, Workspace
from app.schemas import PostCreate
from app.services import posts as post_service
from app.services.access import Access, Principal
from app.services.webhook_delivery import GIVE_UP_AFTER, deliver_due
from app.services.webhook_events import install
from tests.api.test_week_approvals import local, monday, week_of
from tests.conftest import TEST_SECRET, World, build_world

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it is sent and answers with the
    statuses queued (200 once they run out); ``hold`` keeps a request waiting."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.received]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.received.append(Received({k.lower(): v for k, v in self.headers.items()},
                                           body, self.path))
            state.arrived.set()
            if state.hold is not None:
                state.hold.wait(30)
            status = state.statuses.popleft() if state.statuses else 200
            try:
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("location", "/elsewhere")
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender is gone (a killed worker)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if state.hold is not None:
            state.hold.set()
        server.shutdown()
        server.server_close()


@pytest.fixture()
def settings() -> Settings:
    return Settings(env="test", secret_key=TEST_SECRET, webhooks_allow_private=True)


@pytest.fixture()
def world_here(fresh_engine: Engine) -> World:
    with Session(fresh_engine, expire_on_commit=False) as session:
        return build_world(session)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def subscribe(client: Any, world: World, url: str, events: list[str]) -> dict[str, Any]:
    return ok(client.post(world.path("/webhooks"), headers=world.auth("admin"),
                          json={"url": url, "events": events}), 201)


def plan_post(client: Any, world: World, day: Any = None, hour: int = 9) -> dict[str, Any]:
    day = day or monday(3)
    return ok(client.post(world.path("/posts"), headers=world.auth("editor"), json={
        "channel_id": world.channel_id, "scheduled_at": local(day, hour), "kind": "give",
        "category": "share", "text": f"Tips for {day} {hour}h"}), 201)


def rows(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookDelivery)
                                 .order_by(WebhookDelivery.created_at, WebhookDelivery.id)).all())


def deliver(engine: Engine, now: datetime | None = None) -> tuple[int, int]:
    return deliver_due(engine=engine, now=now or datetime.now(UTC), allow_private=True,
                       timeout=5)


class TestSignatures:
    def test_the_reference_implementation_verifies_every_delivery(
            self, fresh_client, fresh_engine, world_here, receiver):
        hook = subscribe(fresh_client, world_here, receiver.url,
                         ["post.created", "post.submitted"])
        post = plan_post(fresh_client, world_here)
        ok(fresh_client.post(world_here.path(f"/posts/{post['id']}/submit"),
                             headers=world_here.auth("editor")))
        assert deliver(fresh_engine) == (2, 0)
        verifier = ReferenceWebhook(hook["secret"])
        events = [verifier.verify(r.body, r.headers)["type"] for r in receiver.received]
        assert sorted(events) == ["post.created", "post.submitted"]
        first = receiver.received[0]
        assert first.path == "/hooks"
        assert first.headers["content-type"] == "application/json"
        assert first.headers["webhook-id"].startswith("msg_")
        # By hand, as the spec says: HMAC-SHA256 of id.timestamp.body under the
        # secret's bytes, base64, after "v1,".
        key = base64.b64decode(hook["secret"].removeprefix("whsec_"))
        signed = (f"{first.headers['webhook-id']}.{first.headers['webhook-timestamp']}."
                  .encode() + first.body)
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        assert first.headers["webhook-signature"] == f"v1,{expected}"
        assert abs(int(first.headers["webhook-timestamp"]) - time.time()) < 300
        assert {r.status for r in rows(fresh_engine)} == {"delivered"}
        assert {r.last_status_code for r in rows(fresh_engine)} == {200}

    def test_a_wrong_secret_fails_verification(self, fresh_client, fresh_engine, world_here,
                                               receiver):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        deliver(fresh_engine)
        other = subscribe(fresh_client, world_here, receiver.url, ["post.deleted"])
        with pytest.raises(Exception, match="signature"):
            ReferenceWebhook(other["secret"]).verify(receiver.received[0].body,
                                                     receiver.received[0].headers)


class TestRetries:
    def test_a_500_is_tried_again_later_with_the_same_webhook_id(
            self, fresh_client, fresh_engine, world_here, receiver):
        hook = subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        receiver.statuses.append(500)
        now = datetime.now(UTC)
        assert deliver(fresh_engine, now) == (0, 1)
        [row] = rows(fresh_engine)
        assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
        assert "HTTP 500" in row.last_error
        assert row.next_attempt_at == now + timedelta(seconds=30)
        assert deliver(fresh_engine, now + timedelta(seconds=10)) == (0, 0)  # not due yet
        assert deliver(fresh_engine, now + timedelta(seconds=31)) == (1, 0)
        [row] = rows(fresh_engine)
        assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)
        assert receiver.ids() == [row.message_id, row.message_id]
        verifier = ReferenceWebhook(hook["secret"])
        for request in receiver.received:
            verifier.verify(request.body, request.headers)

    def test_waits_double_and_a_day_later_it_is_failed(self, fresh_client, fresh_engine,
                                                       world_here, receiver):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        [row] = rows(fresh_engine)
        start = row.created_at
        receiver.statuses.extend([503, 503])
        deliver(fresh_engine, start)
        deliver(fresh_engine, start + timedelta(seconds=30))
        [row] = rows(fresh_engine)
        assert row.next_attempt_at == start + timedelta(seconds=30) + timedelta(seconds=60)
        receiver.statuses.append(500)
        assert deliver(fresh_engine, start + GIVE_UP_AFTER - timedelta(seconds=10)) == (0, 1)
        [row] = rows(fresh_engine)
        assert row.status == "failed" and row.attempts == 3
        assert deliver(fresh_engine, start + GIVE_UP_AFTER + timedelta(hours=1)) == (0, 0)

    def test_a_redirect_is_not_followed(self, fresh_client, fresh_engine, world_here,
                                        receiver):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        receiver.statuses.append(302)
        assert deliver(fresh_engine) == (0, 1)
        assert [r.path for r in receiver.received] == ["/hooks"]
        [row] = rows(fresh_engine)
        assert row.status == "pending" and "redirect" in row.last_error

    def test_a_receiver_that_is_away_is_tried_again(self, fresh_client, fresh_engine,
                                                     world_here):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
        subscribe(fresh_client, world_here, closed, ["post.created"])
        plan_post(fresh_client, world_here)
        assert deliver(fresh_engine) == (0, 1)
        [row] = rows(fresh_engine)
        assert row.status == "pending" and row.last_status_code is None
        assert "ConnectError" in row.last_error

    def test_a_target_refused_at_delivery_is_not_sent(self, fresh_client, fresh_engine,
                                                      world_here, receiver):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        # A worker without the private opt-in refuses the loopback receiver.
        assert deliver_due(engine=fresh_engine, now=datetime.now(UTC),
                           allow_private=False) == (0, 1)
        assert receiver.received == []
        assert "refused" in rows(fresh_engine)[0].last_error


class TestResend:
    def test_resend_sends_the_same_message_again(self, fresh_client, fresh_engine, world_here,
                                                 receiver):
        hook = subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        deliver(fresh_engine)
        log = ok(fresh_client.get(world_here.path(f"/webhooks/{hook['id']}/deliveries"),
                                  headers=world_here.auth("admin")))
        [first] = log["items"]
        assert first["status"] == "delivered" and first["attempts"] == 1
        assert first["last_status_code"] == 200 and first["event"] == "post.created"
        again = ok(fresh_client.post(
            world_here.path(f"/webhooks/{hook['id']}/deliveries/{first['id']}/resend"),
            headers=world_here.auth("admin")), 202)
        assert again["status"] == "pending" and again["message_id"] == first["message_id"]
        assert deliver(fresh_engine) == (1, 0)
        assert receiver.ids() == [first["message_id"]] * 2
        assert receiver.received[0].body == receiver.received[1].body
        log = ok(fresh_client.get(world_here.path(f"/webhooks/{hook['id']}/deliveries"),
                                  headers=world_here.auth("admin")))
        assert [d["id"] for d in log["items"]] == [again["id"], first["id"]]  # newest first

    def test_a_test_event_reaches_the_receiver(self, fresh_client, fresh_engine, world_here,
                                               receiver):
        hook = subscribe(fresh_client, world_here, receiver.url, ["week.approved"])
        ok(fresh_client.post(world_here.path(f"/webhooks/{hook['id']}/test"),
                             headers=world_here.auth("admin")), 202)
        deliver(fresh_engine)
        [payload] = [ReferenceWebhook(hook["secret"]).verify(r.body, r.headers)
                     for r in receiver.received]
        assert payload["type"] == "webhook.ping"


class TestApprovals:
    def test_a_week_approval_sends_post_approved_and_week_approved(
            self, fresh_client, fresh_engine, world_here, receiver):
        hook = subscribe(fresh_client, world_here, receiver.url,
                         ["post.approved", "week.approved", "week.sent_back"])
        day = monday(3)
        posts = [plan_post(fresh_client, world_here, day), plan_post(fresh_client, world_here,
                                                                     day, hour=15)]
        for post in posts:
            ok(fresh_client.post(world_here.path(f"/posts/{post['id']}/submit"),
                                 headers=world_here.auth("editor")))
        week = week_of(day)
        token = ok(fresh_client.get(world_here.path(f"/weeks/{week}"),
                                    headers=world_here.auth("lead")))["review_token"]
        ok(fresh_client.post(world_here.path("/week-approvals"), headers=world_here.auth("lead"),
                             json={"week": week, "decision": "approve", "review_token": token,
                                   "comment": "Ship it"}), 201)
        assert deliver(fresh_engine) == (3, 0)
        verifier = ReferenceWebhook(hook["secret"])
        payloads = [verifier.verify(r.body, r.headers) for r in receiver.received]
        assert Counter(p["type"] for p in payloads) == {"post.approved": 2, "week.approved": 1}
        approved = {p["data"]["post"]["id"] for p in payloads if p["type"] == "post.approved"}
        assert approved == {p["id"] for p in posts}
        assert all(p["data"]["post"]["status"] == "approved" for p in payloads
                   if p["type"] == "post.approved")
        [week_event] = [p for p in payloads if p["type"] == "week.approved"]
        assert week_event["data"]["week"]["week"] == week
        assert week_event["data"]["week"]["comment"] == "Ship it"
        assert set(week_event["data"]["week"]["post_ids"]) == approved
        assert week_event["data"]["workspace_id"] == world_here.workspace_id


class TestNoLoss:
    def test_a_change_that_rolls_back_leaves_no_delivery(self, fresh_client, fresh_engine,
                                                         world_here, receiver):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        install()

        def create(text: str, commit: bool) -> None:
            with Session(fresh_engine) as session:
                workspace = session.get(Workspace, world_here.workspace_id)
                assert workspace is not None
                access = Access(workspace=workspace, role="editor", principal=Principal())
                data = PostCreate.model_validate({
                    "channel_id": world_here.channel_id, "scheduled_at": local(monday(3)),
                    "kind": "give", "category": "share", "text": text})
                post_service.create_post(session=session, access=access, data=data,
                                         idempotency_key=None)
                session.flush()
                if commit:
                    session.commit()
                else:
                    session.rollback()

        create("Never saved", commit=False)
        with Session(fresh_engine) as session:
            assert session.exec(select(Post)).all() == []
        assert rows(fresh_engine) == []
        create("Saved", commit=True)
        [row] = rows(fresh_engine)
        assert row.payload["data"]["post"]["text"] == "Saved"

    def test_two_workers_deliver_each_event_once(self, fresh_client, fresh_engine,
                                                 world_here, receiver):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        day = monday(3)
        for n in range(30):
            plan_post(fresh_client, world_here, day + timedelta(days=n // 3), hour=8 + n % 3 * 4)
        assert len(rows(fresh_engine)) == 30
        barrier = threading.Barrier(2)

        def work() -> None:
            barrier.wait()
            for _ in range(20):
                deliver_due(engine=fresh_engine, now=datetime.now(UTC), allow_private=True,
                            limit=3)

        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        counts = Counter(receiver.ids())
        assert len(counts) == 30 and set(counts.values()) == {1}, counts
        assert {r.status for r in rows(fresh_engine)} == {"delivered"}
        assert {r.attempts for r in rows(fresh_engine)} == {1}

    def test_a_worker_killed_mid_delivery_loses_nothing(self, fresh_client, fresh_engine,
                                                        world_here, receiver, tmp_path):
        subscribe(fresh_client, world_here, receiver.url, ["post.created"])
        plan_post(fresh_client, world_here)
        receiver.hold = threading.Event()
        environment = {**os.environ, "PYTHONPATH": str(ROOT),
                       "GIVEASK_DATABASE_URL": fresh_engine.url.render_as_string(
                           hide_password=False),
                       "GIVEASK_WEBHOOKS_ALLOW_PRIVATE": "true"}
        environment.pop("GIVEASK_SMTP_URL", None)
        worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--every", "0.2"],
                                  cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            assert receiver.arrived.wait(60), "the worker sent the event"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        [row] = rows(fresh_engine)
        assert row.status == "pending" and row.claimed_until is not None
        receiver.hold.set()
        receiver.hold = None
        # Until its claim runs out, no other worker sends it again...
        assert deliver(fresh_engine) == (0, 0)
        # ...then another does, with the same webhook-id.
        assert deliver(fresh_engine, datetime.now(UTC) + timedelta(minutes=3)) == (1, 0)
        [row] = rows(fresh_engine)
        assert row.status == "delivered"
        assert receiver.ids() == [row.message_id, row.message_id]
