"""Delivering the webhooks' outbox: claim due rows, POST each, settle each.

Like the mail outbox (app/services/outbox.py): a worker claims due deliveries
for a while (``claimed_until``) in one short transaction, sends them outside
any transaction, then records the answer. On PostgreSQL the claim skips rows
another worker holds (``FOR UPDATE SKIP LOCKED``), so several workers never
send one delivery at the same time; SQLite serialises writers, which does the
same. A worker killed mid-send leaves its claim to expire and another sends the
message again, with the same ``webhook-id``: at least once, never lost.

Any 2xx answer is delivered. Anything else (another status, a redirect, which
is not followed, a timeout, a refused connection, a target now inside the
private ranges) is tried again after 30 s, then twice as long each time (at
most an hour between), until 24 hours after the event; then it is failed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, or_, select

from app.models import Webhook, WebhookDelivery
from app.services import webhook_signing, webhook_targets

CLAIM_FOR = timedelta(minutes=2)  # longer than any attempt's timeout
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
BATCH = 20
ERROR_MAX = 500
USER_AGENT = "Giveask-Webhooks/1"


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed delivery, with what sending it needs."""

    delivery_id: str
    message_id: str
    url: str
    secret: str
    body: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def retry_wait(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(LONGEST_WAIT, FIRST_WAIT * 2 ** max(0, attempts - 1))


def claim(*, engine: Engine, now: datetime, limit: int = BATCH) -> list[Job]:
    with Session(engine) as session:
        query = (select(WebhookDelivery, Webhook)
                 .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
                 .where(WebhookDelivery.status == "pending",
                        col(WebhookDelivery.next_attempt_at) <= now,
                        or_(col(WebhookDelivery.claimed_until).is_(None),
                            col(WebhookDelivery.claimed_until) <= now),
                        col(Webhook.disabled_at).is_(None))
                 .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
                 .limit(limit))
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
        rows = list(session.exec(query).all())
        jobs = []
        for delivery, hook in rows:
            delivery.claimed_until = now + CLAIM_FOR
            session.add(delivery)
            jobs.append(Job(delivery_id=delivery.id, message_id=delivery.message_id,
                            url=hook.url, secret=hook.secret, body=body_of(delivery.payload),
                            created_at=delivery.created_at))
        session.commit()
        return jobs


def send(job: Job, *, client: httpx.Client, allow_private: bool) -> Answer:
    """One attempt: POST the signed body to the checked address."""
    try:
        target = webhook_targets.check(job.url, allow_private=allow_private)
    except webhook_targets.TargetRefused as exc:
        return Answer(None, f"refused: {exc}")
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               "host": target.host_header,
               **webhook_signing.headers(job.secret, job.message_id, int(time.time()), job.body)}
    try:
        response = client.post(target.connect_url, content=job.body, headers=headers,
                               extensions={"sni_hostname": target.tls_name})
    except httpx.HTTPError as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:ERROR_MAX])
    if 200 <= response.status_code < 300:
        return Answer(response.status_code)
    if response.is_redirect:
        text = f"a redirect to {response.headers.get('location', '?')}, not followed"
    else:
        text = response.text[:200].strip()
    return Answer(response.status_code, f"HTTP {response.status_code}: {text}"[:ERROR_MAX])


def settle(*, engine: Engine, job: Job, answer: Answer, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(WebhookDelivery, job.delivery_id)
        if row is None:  # the webhook was deleted meanwhile
            return
        row.claimed_until = None
        row.attempts += 1
        row.last_attempt_at = now
        row.last_status_code = answer.status_code
        row.last_error = answer.error
        if answer.delivered:
            row.status = "delivered"
        else:
            next_at = now + retry_wait(row.attempts)
            if next_at > row.created_at + GIVE_UP_AFTER:
                row.status = "failed"
            else:
                row.next_attempt_at = next_at
        session.add(row)
        session.commit()


def new_client(timeout: float) -> httpx.Client:
    # Redirects are answers, not followed: a receiver cannot send us elsewhere.
    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)


def deliver_due(*, engine: Engine, now: datetime, allow_private: bool,
                client: httpx.Client | None = None, timeout: float = 10,
                limit: int = BATCH) -> tuple[int, int]:
    """One round of a worker: delivered and not-yet-delivered counts."""
    jobs = claim(engine=engine, now=now, limit=limit)
    if not jobs:
        return 0, 0
    own = client is None
    http = client or new_client(timeout)
    delivered = failed = 0
    try:
        for job in jobs:
            answer = send(job, client=http, allow_private=allow_private)
            settle(engine=engine, job=job, answer=answer, now=now)
            if answer.delivered:
                delivered += 1
            else:
                failed += 1
    finally:
        if own:
            http.close()
    return delivered, failed
