"""The worker: each round it sends the outbox's due mail and delivers the due
webhooks. It holds no state of its own, so any number of ``giveask worker``
processes (and the thread ``giveask serve`` starts on a single node) share the
work through the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from app.services import outbox, webhook_delivery
from app.services.outbox import Mail

log = logging.getLogger("giveask.worker")


@dataclass
class Totals:
    mail: int = 0
    webhooks: int = 0


def run(*, engine: Engine, stop: threading.Event, send_mail: Callable[[Mail], None] | None,
        allow_private: bool, timeout: float = 10, every: float = 5.0, once: bool = False,
        ) -> Totals:
    """Rounds until ``stop`` is set (or one with ``once``): mail when there is a
    way to send it, and webhooks. What was sent and delivered."""
    totals = Totals()
    with webhook_delivery.new_client(timeout) as client:
        while not stop.is_set():
            now = datetime.now(UTC)
            if send_mail is not None:
                try:
                    sent, failed = outbox.deliver_due(engine=engine, send=send_mail, now=now)
                    totals.mail += sent
                    if failed:
                        log.warning("mail: %d sent, %d to retry", sent, failed)
                except Exception:  # the database may be away for a while; try again later
                    log.exception("mail round failed")
            try:
                busy = True
                while busy and not stop.is_set():
                    delivered, failed = webhook_delivery.deliver_due(
                        engine=engine, now=datetime.now(UTC), allow_private=allow_private,
                        client=client)
                    totals.webhooks += delivered
                    if failed:
                        log.warning("webhooks: %d delivered, %d to retry", delivered, failed)
                    # A full batch means more are due: go on without waiting.
                    busy = delivered + failed >= webhook_delivery.BATCH
            except Exception:
                log.exception("webhook round failed")
            if once:
                break
            stop.wait(every)
    return totals
