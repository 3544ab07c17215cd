"""Sending the outbox's mail over SMTP, and the worker loop that does it.

``GIVEASK_SMTP_URL`` names the server: ``smtp://host:25`` (plain),
``smtp+starttls://user:password@host:587`` or ``smtps://user:password@host:465``.
Workers hold no state of their own: any number of ``giveask worker`` processes
(or the thread ``giveask serve`` starts) share the outbox in the database.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine

from app.services.outbox import Mail, deliver_due

log = logging.getLogger("giveask.mail")
SCHEMES = ("smtp", "smtp+starttls", "smtps")


class MailSettingsError(ValueError):
    pass


def smtp_sender(url: str, sender: str, timeout: float = 20) -> Callable[[Mail], None]:
    """A function that sends one mail through the server ``url`` names."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise MailSettingsError(
            f"GIVEASK_SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587 "
            f"or smtps://user:pass@host:465 (got scheme {parts.scheme!r})")
    host = parts.hostname
    port = parts.port or {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[parts.scheme]
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None

    def send(mail: Mail) -> None:
        client: smtplib.SMTP
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if parts.scheme == "smtp+starttls":
                client.starttls()
            if user is not None:
                client.login(user, password or "")
            client.send_message(mail.message(sender))

    return send


def run_worker(*, engine: Engine, send: Callable[[Mail], None], stop: threading.Event,
               every: float = 5.0, once: bool = False) -> int:
    """Deliver due mail until ``stop`` is set (or one round with ``once``); the
    number sent."""
    total = 0
    while not stop.is_set():
        try:
            sent, failed = deliver_due(engine=engine, send=send, now=datetime.now(UTC))
        except Exception:  # the database may be away for a while; try again later
            log.exception("mail worker round failed")
            sent = failed = 0
        total += sent
        if failed:
            log.warning("mail: %d sent, %d to retry", sent, failed)
        if once:
            break
        stop.wait(every)
    return total
