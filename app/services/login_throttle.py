"""Failed sign-ins slow down guessing, per account and per client address.

Each account and each client address has a counter of failed sign-ins in the
database (so every app process sees the same count). The first failures are
free; after them each failure makes the next attempt wait twice as long as the
one before (1 s, 2 s, 4 s, …) up to a cap. While a wait runs, attempts are
refused without checking the password, and do not count: guessing costs the
attacker time, not the server argon2 work, and the wait never grows past the
cap. Failures are forgotten some time after the last one; a correct password
(after the wait) forgets the account's failures at once.

So nobody is locked out for good: the longest wait is the cap, after which the
right password works. The address counter allows more failures than the
account counter (several people may share an office address) and is not reset
by a success, so an attacker cannot clear it by signing in to an account of
their own in between guesses at others; it never blocks the same account from
another address.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from app.models import LoginThrottle


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_per_account: int = 5
    free_per_address: int = 20
    max_wait: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)

    def wait_after(self, failures: int, free: int) -> timedelta:
        """How long the next attempt waits after ``failures`` failures."""
        if failures <= free:
            return timedelta(0)
        exponent = min(failures - free - 1, 40)  # 2**40 s is far past any cap
        return min(timedelta(seconds=2**exponent), self.max_wait)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


def _keys(policy: ThrottlePolicy, email: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(_key("account", email), policy.free_per_account)]
    if address:
        keys.append((_key("address", address), policy.free_per_address))
    return keys


def retry_after(*, session: Session, email: str, address: str | None, now: datetime,
                policy: ThrottlePolicy) -> int | None:
    """Whole seconds to wait before this sign-in may be tried, or None."""
    wanted = [key for key, _ in _keys(policy, email, address)]
    rows = session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(wanted))).all()
    waits = [(row.blocked_until - now).total_seconds() for row in rows
             if row.blocked_until is not None and row.blocked_until > now]
    return max(1, math.ceil(max(waits))) if waits else None


def _ensure_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    # Two processes may record the first failure of a key at the same moment:
    # insert-or-nothing, then read the row locked (PostgreSQL; SQLite has one writer).
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    return session.exec(select(LoginThrottle).where(LoginThrottle.key == key)
                        .with_for_update().execution_options(populate_existing=True)).one()


def record_failure(*, session: Session, email: str, address: str | None, now: datetime,
                   policy: ThrottlePolicy) -> int | None:
    """Count a failed sign-in; the wait it starts (whole seconds), if any."""
    session.exec(delete(LoginThrottle).where(
        col(LoginThrottle.last_failure_at) < now - policy.forget_after))
    longest = timedelta(0)
    for key, free in _keys(policy, email, address):
        row = _ensure_row(session, key, now)
        if now - row.last_failure_at > policy.forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = policy.wait_after(row.failures, free)
        row.blocked_until = now + wait if wait else None
        longest = max(longest, wait)
        session.add(row)
    session.flush()
    return math.ceil(longest.total_seconds()) if longest else None


def record_success(*, session: Session, email: str) -> None:
    session.exec(delete(LoginThrottle).where(
        col(LoginThrottle.key) == _key("account", email)))
