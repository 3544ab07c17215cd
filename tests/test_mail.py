"""Invitation mail through the outbox and a real local SMTP server (aiosmtpd):
the mail is written with the invitation, sent by a worker, retried when the
server is away, never sent for an invitation that was refused, and never
claimed by two workers at once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.mailer import MailSettingsError, run_worker, smtp_sender
from app.models import OutboxMessage
from app.services.outbox import claim, deliver_due
from tests.conftest import TEST_SECRET, World, build_world

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = free_port()


@pytest.fixture()
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=PORT)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture()
def settings() -> Settings:
    return Settings(env="test", secret_key=TEST_SECRET, smtp_url=f"smtp://127.0.0.1:{PORT}",
                    mail_from="Giveask <team@giveask.test>", base_url="https://plan.acme.test")


@pytest.fixture()
def world_here(fresh_engine: Engine) -> World:
    with Session(fresh_engine, expire_on_commit=False) as session:
        return build_world(session)


def outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage)).all())


def invite(client: Any, world: World, email: str = "new.person@acme.test") -> Any:
    return client.post(world.path("/invitations"), headers=world.auth("admin"),
                       json={"email": email, "role": "editor"})


class TestInvitationMail:
    def test_the_invitation_is_mailed_with_its_link(self, fresh_client, fresh_engine,
                                                    world_here, inbox):
        response = invite(fresh_client, world_here)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["mailed"] is True
        assert body["url"].startswith("https://plan.acme.test/invitations/gki_")
        assert set(body) >= {"id", "url", "expires_at"}
        [row] = outbox(fresh_engine)
        assert row.sent_at is None and row.payload["to"] == "new.person@acme.test"
        sent, failed = deliver_due(engine=fresh_engine, now=datetime.now(UTC),
                                   send=smtp_sender(f"smtp://127.0.0.1:{PORT}",
                                                    "Giveask <team@giveask.test>"))
        assert (sent, failed) == (1, 0)
        [mail] = inbox.messages
        assert mail.rcpt_tos == ["new.person@acme.test"]
        text = message_from_bytes(mail.content, policy=default).get_content()
        assert body["url"] in text
        assert "Acme" in text and "as editor" in text
        assert outbox(fresh_engine)[0].sent_at is not None
        # A second round sends nothing again.
        again = deliver_due(engine=fresh_engine, now=datetime.now(UTC),
                            send=smtp_sender(f"smtp://127.0.0.1:{PORT}", "x@y.test"))
        assert again == (0, 0) and len(inbox.messages) == 1

    def test_a_refused_invitation_writes_no_mail(self, fresh_client, fresh_engine, world_here):
        for email in ("not an email", world_here.users["editor"]):
            response = invite(fresh_client, world_here, email)
            assert response.status_code in (409, 422)
        viewer = fresh_client.post(world_here.path("/invitations"),
                                   headers=world_here.auth("lead"),
                                   json={"email": "x@acme.test", "role": "viewer"})
        assert viewer.status_code == 403
        assert outbox(fresh_engine) == []

    def test_a_server_away_is_retried_later_then_delivered(self, fresh_client, fresh_engine,
                                                           world_here):
        assert invite(fresh_client, world_here).status_code == 201
        now = datetime.now(UTC)
        closed = smtp_sender(f"smtp://127.0.0.1:{free_port()}", "x@y.test", timeout=2)
        assert deliver_due(engine=fresh_engine, send=closed, now=now) == (0, 1)
        [row] = outbox(fresh_engine)
        assert row.attempts == 1 and row.sent_at is None and row.last_error
        assert row.next_attempt_at > now
        # Not due yet: nothing is tried.
        assert deliver_due(engine=fresh_engine, send=closed, now=now) == (0, 0)
        received: list[Any] = []
        later = now + timedelta(minutes=5)
        assert deliver_due(engine=fresh_engine, send=received.append, now=later) == (1, 0)
        assert received[0].to == "new.person@acme.test"

    def test_two_workers_never_claim_the_same_mail(self, fresh_client, fresh_engine,
                                                   world_here):
        for n in range(5):
            assert invite(fresh_client, world_here, f"p{n}@acme.test").status_code == 201
        now = datetime.now(UTC)
        first = claim(engine=fresh_engine, now=now, limit=3)
        second = claim(engine=fresh_engine, now=now, limit=10)
        assert len(first) == 3 and len(second) == 2
        assert not {i for i, _ in first} & {i for i, _ in second}
        # A worker that died: its claims expire and another takes them.
        assert claim(engine=fresh_engine, now=now + timedelta(minutes=5), limit=10)

    def test_the_worker_loop_delivers_and_stops(self, fresh_client, fresh_engine, world_here,
                                                inbox):
        assert invite(fresh_client, world_here).status_code == 201
        stop = threading.Event()
        sent = run_worker(engine=fresh_engine, stop=stop, once=True,
                          send=smtp_sender(f"smtp://127.0.0.1:{PORT}", "x@y.test"))
        assert sent == 1 and len(inbox.messages) == 1


def test_a_malformed_smtp_url_is_named():
    with pytest.raises(MailSettingsError, match="GIVEASK_SMTP_URL"):
        smtp_sender("http://mail.example", "x@y.test")


class TestWorkerCommand:
    def run(self, tmp_path: Any, *args: str, **env: str) -> Any:
        import os
        import subprocess
        import sys
        from pathlib import Path

        root = Path(__file__).resolve().parent.parent
        environment = {**os.environ, "GIVEASK_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
                       "PYTHONPATH": str(root), **env}
        if "GIVEASK_SMTP_URL" not in env:
            environment.pop("GIVEASK_SMTP_URL", None)
        return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=tmp_path,
                              env=environment, capture_output=True, text=True, timeout=120,
                              check=False)

    def test_without_a_mail_server_it_says_so_and_still_delivers_webhooks(self, tmp_path):
        from tests.conftest import migrate

        migrate(f"sqlite:///{tmp_path / 'w.db'}")
        done = self.run(tmp_path, "worker", "--once")
        assert done.returncode == 0, done.stderr
        assert "GIVEASK_SMTP_URL is not set" in done.stderr
        assert "Delivered 0 webhook(s)." in done.stdout

    def test_one_round_sends_what_is_due(self, tmp_path, inbox):
        from app.db import make_engine
        from app.services.outbox import Mail, enqueue_mail
        from tests.conftest import migrate

        url = f"sqlite:///{tmp_path / 'w.db'}"
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as session:
            enqueue_mail(session=session, now=datetime.now(UTC),
                         mail=Mail(to="a@acme.test", subject="Hello", body="A link"))
            session.commit()
        engine.dispose()
        done = self.run(tmp_path, "worker", "--once",
                        GIVEASK_SMTP_URL=f"smtp://127.0.0.1:{PORT}")
        assert done.returncode == 0, done.stderr
        assert "Sent 1 mail(s)." in done.stdout
        assert [m.rcpt_tos for m in inbox.messages] == [["a@acme.test"]]
