"""The outbox: mail to send, written in the transaction of the change it reports,
and sent by workers that may run many at once.

A worker claims due messages for a while (``claimed_until``), sends them
outside any transaction, then marks each sent or schedules a retry with a
growing wait. A worker that dies mid-send leaves its claims to expire, so
another picks them up: a message is sent at least once, never lost. On
PostgreSQL claims skip rows another worker has locked (``FOR UPDATE SKIP
LOCKED``); SQLite serialises writers, which does the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, or_, select

from app.models import OutboxMessage

CLAIM_FOR = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BATCH = 20


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str

    def message(self, sender: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = self.to
        mail["Subject"] = self.subject
        mail.set_content(self.body)
        return mail


def enqueue_mail(*, session: Session, mail: Mail, now: datetime) -> OutboxMessage:
    """Mail to send once the current transaction commits (and never if it doesn't)."""
    row = OutboxMessage(kind="mail", payload={"to": mail.to, "subject": mail.subject,
                                              "body": mail.body},
                        next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    return row


def retry_wait(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def claim(*, engine: Engine, now: datetime, limit: int = BATCH) -> list[tuple[str, Mail]]:
    """Due, unsent, unclaimed messages, claimed for this worker, in one short
    transaction."""
    with Session(engine) as session:
        query = (select(OutboxMessage)
                 .where(col(OutboxMessage.sent_at).is_(None),
                        OutboxMessage.attempts < MAX_ATTEMPTS,
                        col(OutboxMessage.next_attempt_at) <= now,
                        or_(col(OutboxMessage.claimed_until).is_(None),
                            col(OutboxMessage.claimed_until) <= now))
                 .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
                 .limit(limit))
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query).all())
        for row in rows:
            row.claimed_until = now + CLAIM_FOR
            session.add(row)
        session.commit()
        return [(row.id, Mail(**_mail_fields(row.payload))) for row in rows]


def _mail_fields(payload: dict[str, Any]) -> dict[str, str]:
    return {name: str(payload.get(name, "")) for name in ("to", "subject", "body")}


def settle(*, engine: Engine, message_id: str, now: datetime, error: str = "") -> None:
    """Mark one claimed message sent, or schedule its next attempt."""
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return
        row.claimed_until = None
        if error:
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = now + retry_wait(row.attempts)
        else:
            row.sent_at = now
            row.last_error = ""
        session.add(row)
        session.commit()


def deliver_due(*, engine: Engine, send: Callable[[Mail], None], now: datetime,
                limit: int = BATCH) -> tuple[int, int]:
    """One round of a worker: claim, send each, settle each. Sent and failed counts."""
    sent = failed = 0
    for message_id, mail in claim(engine=engine, now=now, limit=limit):
        try:
            send(mail)
        except Exception as exc:  # any failure to send is retried later
            settle(engine=engine, message_id=message_id, now=now,
                   error=f"{type(exc).__name__}: {exc}")
            failed += 1
        else:
            settle(engine=engine, message_id=message_id, now=now)
            sent += 1
    return sent, failed
