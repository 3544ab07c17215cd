"""Signing in, signing out and changing one's password.

A failed sign-in must be remembered (the throttle counts it) although the
sign-in fails, so these use cases answer with an outcome instead of raising:
the request's transaction commits the count either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from app.config import Settings
from app.models import User
from app.services import login_throttle, passwords, sessions, users
from app.services.login_throttle import ThrottlePolicy
from app.services.sessions import SessionPolicy
from app.services.users import set_password


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    sessions: SessionPolicy
    throttle: ThrottlePolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        return cls(
            sessions=SessionPolicy(idle=timedelta(hours=settings.session_idle_hours),
                                   absolute=timedelta(days=settings.session_max_age_days)),
            throttle=ThrottlePolicy(
                free_per_account=settings.login_free_failures,
                free_per_address=settings.login_free_failures_per_address,
                max_wait=timedelta(seconds=settings.login_backoff_max_seconds),
                forget_after=timedelta(hours=settings.login_failures_forget_hours),
            ),
        )


def wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True, slots=True)
class SignIn:
    """``user`` and the session ``secret`` on success; else ``retry_after``
    seconds when the throttle refused the attempt, or neither for a wrong
    email or password."""

    user: User | None = None
    secret: str | None = None
    retry_after: int | None = None


def sign_in(*, session: Session, email: str, password: str, address: str | None,
            now: datetime, policy: AccountPolicy) -> SignIn:
    wait = login_throttle.retry_after(session=session, email=email, address=address, now=now,
                                      policy=policy.throttle)
    if wait is not None:
        # Refused before the password is checked: a throttled guess costs no argon2.
        return SignIn(retry_after=wait)
    user = users.authenticate(session=session, email=email, password=password)
    if user is None:
        login_throttle.record_failure(session=session, email=email, address=address, now=now,
                                      policy=policy.throttle)
        return SignIn()
    login_throttle.record_success(session=session, email=email)
    secret = sessions.start_session(session=session, user=user, now=now,
                                    policy=policy.sessions)
    return SignIn(user=user, secret=secret)


@dataclass(frozen=True, slots=True)
class PasswordChange:
    errors: dict[str, str] = field(default_factory=dict)
    retry_after: int | None = None
    ended_sessions: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.retry_after is None


def change_password(*, session: Session, user: User, current_password: str,
                    new_password: str, keep_session_id: str | None, address: str | None,
                    now: datetime, policy: AccountPolicy) -> PasswordChange:
    """Set a new password after checking the current one (throttled like a
    sign-in); every other session of the user ends, the current one stays."""
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = "Enter your current password."
    problem = passwords.password_problem(new_password, email=user.email)
    if problem is not None:
        errors["new_password"] = f"The new password {problem}."
    elif new_password == current_password:
        errors["new_password"] = "The new password must differ from the current one."
    if errors:
        return PasswordChange(errors=errors)
    wait = login_throttle.retry_after(session=session, email=user.email, address=address,
                                      now=now, policy=policy.throttle)
    if wait is not None:
        return PasswordChange(retry_after=wait, errors={
            "current_password": f"Too many wrong passwords. Try again in {wait_words(wait)}."})
    if users.authenticate(session=session, email=user.email, password=current_password) is None:
        login_throttle.record_failure(session=session, email=user.email, address=address,
                                      now=now, policy=policy.throttle)
        return PasswordChange(errors={"current_password": "That is not your current password."})
    login_throttle.record_success(session=session, email=user.email)
    set_password(session=session, user=user, password=new_password)
    ended = sessions.end_user_sessions(session=session, user_id=user.id, now=now,
                                       keep_id=keep_session_id)
    return PasswordChange(ended_sessions=ended)
