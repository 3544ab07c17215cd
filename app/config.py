"""Settings, read from ``GIVEASK_*`` environment variables (and a ``.env`` file)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A key that only ever signs cookies on a developer's laptop. Production must
# bring its own; see Settings.resolved_secret_key.
DEV_SECRET_PLACEHOLDER = "change-me"
SECRET_FILE = Path(".giveask-secret")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GIVEASK_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./giveask.db"
    secret_key: str = Field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    workers: int = 1
    # Cookies marked Secure are dropped by browsers on plain http://127.0.0.1,
    # so they are opt-in for deployments behind TLS.
    secure_cookies: bool = False
    # Sessions end on the server: after this long without a request (idle), and
    # this long after sign-in whatever happens (absolute).
    session_max_age_days: int = 14
    session_idle_hours: float = 12
    # Failed sign-ins: this many are free per account (and per client address),
    # then each waits twice as long as the one before, from 1 s up to the cap.
    # Failures are forgotten this long after the last one, or at a sign-in.
    login_free_failures: int = 5
    login_free_failures_per_address: int = 20
    login_backoff_max_seconds: int = 900
    login_failures_forget_hours: float = 24
    # An invitation link works this long.
    invitation_days: int = 7
    # Whether anyone may register an account (open), or only invited people (invite).
    signup: Literal["open", "invite"] = "invite"
    # Mail (invitations): smtp://user:password@host:port, smtp+starttls://… or
    # smtps://…; empty: no mail, the link is shown to copy. Mail goes through the
    # outbox and `giveask worker` (or the worker `serve` starts, unless
    # mail_worker is off because workers run on their own).
    smtp_url: str = Field(default="", repr=False)
    mail_from: str = "Giveask <giveask@localhost>"
    mail_worker: bool = True
    # `serve` runs one worker in a thread (mail and webhooks), enough for a single
    # node; where several nodes serve, turn it off and run `giveask worker`s.
    inline_worker: bool = True
    # Webhook targets in loopback, private, link-local or reserved ranges (and
    # plain http) are refused unless this is on, for a receiver on your network.
    webhooks_allow_private: bool = False
    # Seconds a receiver has to answer one webhook delivery.
    webhook_timeout: float = 10
    # The address people reach the app at, for links in mail (default: the
    # address the request came to).
    base_url: str = ""
    # The database must answer within these (seconds), so a stopped or hung
    # database gives a prompt 503 instead of hanging every worker. PostgreSQL:
    # connecting, each statement (server-side statement_timeout, and the client
    # gives up on a silent server a second later), waiting for a pooled
    # connection. SQLite: how long a write waits for the write lock (0 turns a
    # timeout off).
    db_connect_timeout: float = 5
    db_statement_timeout: float = 5
    db_pool_timeout: float = 5
    db_busy_timeout: float = 5
    # At most this many requests at a time per process (app/admission.py), with
    # as many threads and database connections (db_pool_size kept open, the
    # rest opened under load). PostgreSQL needs workers x threads below its
    # max_connections (100). Eight at a time keep two cores busy with a nearby database; more only
    # make each request wait longer for the GIL (docs/performance.md). A
    # distant database, whose every answer takes milliseconds, wants more.
    threads: int = Field(default=8, ge=1, le=1000)
    db_pool_size: int = Field(default=10, ge=1, le=1000)
    # On PostgreSQL, a kept calendar week is sent from the event loop after one
    # query on a small pool of its own (up to KEPT_READ_CONNECTIONS more
    # connections per process; app/services/kept_reads.py).
    reads_on_loop: bool = True
    # The Retry-After sent with a 503 while the database is unavailable.
    db_retry_after: int = 5
    # /healthz answers 503 when the database has not answered within this.
    health_timeout: float = 2

    def resolved_secret_key(self) -> str:
        """The key that signs session cookies.

        In production a missing or placeholder key refuses to start: a guessable
        key lets anyone forge a session. Elsewhere a random key is generated once
        and kept in a file, so restarts do not log everybody out.
        """
        key = self.secret_key.strip()
        if key and key != DEV_SECRET_PLACEHOLDER:
            return key
        if self.env == "production":
            raise RuntimeError(
                "GIVEASK_SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if SECRET_FILE.exists():
            stored = SECRET_FILE.read_text().strip()
            if stored:
                return stored
        generated = secrets.token_urlsafe(48)
        SECRET_FILE.write_text(generated + "\n")
        SECRET_FILE.chmod(0o600)
        return generated


@lru_cache
def get_settings() -> Settings:
    return Settings()
