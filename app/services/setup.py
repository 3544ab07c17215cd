"""A new instance sets itself up: the first admin and workspace (first run), and,
where the operator allows it, anyone registering an account (sign-up).

First run exists only while the database has no account at all; the first
person to finish it becomes the admin of the first workspace, and the page is
gone after that. Two people finishing it at once: one wins, the other is told
that setup is done (SQLite's write lock serialises them; PostgreSQL takes a
transaction-scoped advisory lock first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import Session, select

from app.errors import Conflict, FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Channel, User, Workspace
from app.schemas import ChannelCreate, WorkspaceCreate, at_most_text
from app.services import users
from app.services.workspaces import create_workspace

SETUP_LOCK = 7_310_205  # any constant: the advisory lock all setups share
MAX_FIRST_CHANNELS = 6


@dataclass(frozen=True)
class FirstRun:
    name: str
    email: str
    password: str
    workspace: WorkspaceCreate
    channels: Sequence[ChannelCreate] = ()


@dataclass(frozen=True)
class SetUp:
    user: User
    workspace: Workspace
    channels: list[Channel]


def needs_setup(*, session: Session) -> bool:
    """Whether the instance has no account yet: every page leads to setup."""
    return session.exec(select(func.count()).select_from(User)).one() == 0


def _gone() -> NotFound:
    return NotFound(_("Giveask is set up already: sign in, or ask an admin for an "
                      "invitation."))


def first_run(*, session: Session, data: FirstRun) -> SetUp:
    """The first admin, the first workspace and its first channels, all or nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
    if not needs_setup(session=session):
        raise _gone()
    errors: list[FieldError] = []
    if len(data.name.strip()) > 120:
        errors.append(FieldError("name", at_most_text(120)))
    if len(data.channels) > MAX_FIRST_CHANNELS:
        errors.append(FieldError("channels", _("at most %(most)d to start with; add more on "
                                               "the channels page") % {
            "most": MAX_FIRST_CHANNELS}))
    names = [c.name.strip().lower() for c in data.channels]
    for at, name in enumerate(names):
        if name in names[:at]:
            errors.append(FieldError(f"channels.{at}.name", _("is the name of another channel")))
    if errors:
        raise Invalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    user = users.create_user(session=session, email=data.email, password=data.password,
                             name=data.name)
    workspace = create_workspace(session=session, data=data.workspace, admin_user_id=user.id)
    channels = [Channel(workspace_id=workspace.id, **c.model_dump()) for c in data.channels]
    session.add_all(channels)
    session.flush()
    return SetUp(user=user, workspace=workspace, channels=channels)


def sign_up(*, session: Session, open_signup: bool, name: str, email: str,
            password: str) -> User:
    """A new account by the person's own hand, where the operator allows it
    (``GIVEASK_SIGNUP=open``). The account belongs to no workspace yet: its
    owner creates one, or accepts an invitation."""
    if not open_signup:
        raise NotFound(_("New accounts are by invitation here: ask a workspace's admin."))
    if len(name.strip()) > 120:
        raise Invalid.one("name", at_most_text(120))
    try:
        return users.create_user(session=session, email=email, password=password, name=name)
    except Conflict:
        # The same answer as for a new email would tell who has an account; this
        # one says only what to do.
        raise Conflict(_("That email can't be used for a new account. If it is yours, sign "
                         "in or reset your password with the admin."),
                       errors=[FieldError("email", _("can't be used for a new account; "
                                                     "sign in if it is yours"))]) from None
