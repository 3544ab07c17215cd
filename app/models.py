"""Tables. The request and response schemas live in app/schemas.py."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, new_id, utcnow

ROLES = ("viewer", "editor", "lead", "admin")
KINDS = ("give", "ask")
STATUSES = ("draft", "submitted", "approved", "changes_requested", "published")


def _version_column() -> Column[int]:
    # SQLAlchemy bumps it on every UPDATE and adds "AND version = :old" to the
    # WHERE clause, so a concurrent write is caught even between two requests
    # that both read the same version.
    return Column("version", Integer, nullable=False)


def _time_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


_WORKSPACE_VERSION = _version_column()


class Workspace(SQLModel, table=True):
    __tablename__ = "workspace"
    __mapper_args__ = {"version_id_col": _WORKSPACE_VERSION}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=120)
    timezone: str = Field(max_length=64)
    rules_preset: str = Field(default="beth_dunn", max_length=40)
    allow_self_approval: bool = Field(default=False)
    # For readers who chose no language and whose browser asks for none of ours.
    language: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})
    # Bumped by database triggers whenever a story's posts or pacing change, so
    # the cached story findings (PlanFindings, scope "stories") are known stale.
    story_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Bumped by triggers on any write to what the calendar shows (posts, channels,
    # stories, series, acknowledgements, rules, members' names): with ``version``
    # it says whether a calendar rendered earlier is still the calendar.
    calendar_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # An archived workspace keeps its history but leaves the switcher and takes no posts.
    archived_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    version: int = Field(default=1, sa_column=_WORKSPACE_VERSION)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    # This person's own language for the pages, mails and findings; empty:
    # none chosen, so the switcher, the browser and the workspace decide.
    language: str = Field(default="", max_length=8,
                          sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    user_id: str = Field(
        foreign_key="user_account.id", index=True, max_length=36, ondelete="CASCADE"
    )
    role: str = Field(max_length=16)
    # The posts a week this person can plan (a lead sets it); None: not set.
    capacity: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


_CHANNEL_VERSION = _version_column()


class Channel(SQLModel, table=True):
    __tablename__ = "channel"
    __mapper_args__ = {"version_id_col": _CHANNEL_VERSION}
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    name: str = Field(max_length=120)
    platform: str = Field(default="", max_length=40)
    started_on: date | None = Field(default=None)
    # An archived channel keeps its posts as history and takes no new ones.
    archived_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    # The plan's revision: bumped by database triggers in the same transaction
    # as any insert, delete or rules-relevant update of the channel's posts,
    # whichever code (or SQL) writes them; it keys the cached findings.
    plan_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = Field(default=1, sa_column=_CHANNEL_VERSION)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


_POST_VERSION = _version_column()


class Post(SQLModel, table=True):
    __tablename__ = "post"
    __mapper_args__ = {"version_id_col": _POST_VERSION}
    __table_args__ = (
        # The calendar and the posts list read a workspace's posts by time.
        Index("ix_post_workspace_time", "workspace_id", "scheduled_at", "id"),
        # The rules engine reads one channel's plan by time, and looks back for
        # the last ask before a range without scanning the gives.
        Index("ix_post_channel_time", "channel_id", "scheduled_at", "id"),
        Index("ix_post_channel_kind_time", "channel_id", "kind", "scheduled_at"),
        # Sync clients poll with ?updated_since.
        Index("ix_post_workspace_updated", "workspace_id", "updated_at"),
        # The lead's queue (submitted) and the editor's sent-back count read by
        # status; without it every page view scanned the workspace's history.
        Index("ix_post_workspace_status", "workspace_id", "status", "scheduled_at"),
        # A form submitted twice, or a client retrying with the same
        # Idempotency-Key, creates one post.
        UniqueConstraint("workspace_id", "idempotency_key"),
        # Two posts of one story never share an episode number (NULLs are distinct).
        UniqueConstraint("story_id", "episode"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    channel_id: str = Field(foreign_key="channel.id", max_length=36)
    scheduled_at: datetime = Field(sa_column=_time_column())
    kind: str = Field(max_length=8)
    category: str | None = Field(default=None, max_length=16)
    text: str = Field(sa_column=Column(Text(), nullable=False))
    link: str | None = Field(default=None, sa_column=Column(String(2048), nullable=True))
    status: str = Field(default="draft", max_length=20)
    story_id: str | None = Field(default=None, foreign_key="story.id", max_length=36,
                                 index=True, ondelete="SET NULL")
    episode: int | None = Field(default=None)
    series_id: str | None = Field(default=None, foreign_key="series.id", max_length=36,
                                  index=True, ondelete="SET NULL")
    # A series occurrence: the local date the series' rule gave it, and whether it
    # was edited on its own (then changing the series leaves it as it is).
    series_date: date | None = Field(default=None)
    series_changed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    version: int = Field(default=1, sa_column=_POST_VERSION)
    created_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    idempotency_key: str | None = Field(default=None, max_length=64)
    submitted_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    external_url: str | None = Field(default=None, sa_column=Column(String(2048), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    role: str = Field(max_length=16)
    name: str = Field(default="", max_length=120)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    last_used_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


_RULES_VERSION = _version_column()


class RulesProfile(SQLModel, table=True):
    """A workspace's rules: its preset lives on the workspace; this row holds
    what the team changed on top (parameters, severities, per-channel values)."""

    __tablename__ = "rules_profile"
    __mapper_args__ = {"version_id_col": _RULES_VERSION}

    workspace_id: str = Field(foreign_key="workspace.id", primary_key=True, max_length=36,
                              ondelete="CASCADE")
    overrides: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    severities: dict[str, Any] = Field(default_factory=dict,
                                       sa_column=Column(JSON, nullable=False))
    channel_overrides: dict[str, Any] = Field(default_factory=dict,
                                              sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1, sa_column=_RULES_VERSION)
    updated_by_id: str | None = Field(default=None, foreign_key="user_account.id",
                                      max_length=36, ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class Comment(SQLModel, table=True):
    """The editor and lead conversation on a post; a send-back's comment too."""

    __tablename__ = "comment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    post_id: str = Field(foreign_key="post.id", index=True, max_length=36, ondelete="CASCADE")
    author_id: str | None = Field(default=None, foreign_key="user_account.id", max_length=36,
                                  ondelete="SET NULL")
    kind: str = Field(default="comment", max_length=20)  # comment | send_back | guest
    body: str = Field(sa_column=Column(Text(), nullable=False))
    # A comment from a share link's guest: the name they gave, and the link.
    guest_name: str | None = Field(default=None, max_length=120)
    share_link_id: str | None = Field(default=None, foreign_key="share_link.id", max_length=36,
                                      ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class WeekApproval(SQLModel, table=True):
    """A lead's decision on an ISO week (all channels, or one), with what they saw."""

    __tablename__ = "week_approval"
    __table_args__ = (
        # The same reviewed state can be decided once: two leads approving the
        # same week at the same moment give one approval.
        UniqueConstraint("workspace_id", "week", "scope", "review_token"),
        Index("ix_week_approval_workspace_week", "workspace_id", "week"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    week: str = Field(max_length=8)
    scope: str = Field(max_length=36)  # a channel id, or "all"
    channel_id: str | None = Field(default=None, foreign_key="channel.id", max_length=36,
                                   ondelete="SET NULL")
    decision: str = Field(max_length=20)  # approved | changes_requested
    reviewer_id: str | None = Field(default=None, foreign_key="user_account.id", max_length=36,
                                    ondelete="SET NULL")
    comment: str = Field(default="", sa_column=Column(Text(), nullable=False))
    override_reason: str = Field(default="", sa_column=Column(Text(), nullable=False))
    review_token: str = Field(max_length=64)
    post_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    findings: list[dict[str, Any]] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class AuditEvent(SQLModel, table=True):
    """Who did what, when, to a post, a week or the rules (before and after)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_subject", "workspace_id", "subject_type", "subject_id", "at"),
        Index("ix_audit_event_workspace_at", "workspace_id", "at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    subject_type: str = Field(max_length=20)  # post | week | rules | channel
    subject_id: str = Field(max_length=64)
    action: str = Field(max_length=40)
    actor_id: str | None = Field(default=None, foreign_key="user_account.id", max_length=36,
                                 ondelete="SET NULL")
    actor_token_id: str | None = Field(default=None, max_length=36)
    note: str = Field(default="", sa_column=Column(Text(), nullable=False))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


_STORY_VERSION = _version_column()


class Story(SQLModel, table=True):
    """An arc of posts that build on each other, episode by episode (issue 6).

    Its posts point at it (``Post.story_id`` and ``Post.episode``); deleting a
    story keeps its posts, which leave the story."""

    __tablename__ = "story"
    __mapper_args__ = {"version_id_col": _STORY_VERSION}
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    name: str = Field(max_length=120)
    goal: str = Field(default="", sa_column=Column(Text(), nullable=False))
    min_gap_days: float | None = Field(default=None)
    max_gap_days: float | None = Field(default=None)
    min_gives_before_ask: int | None = Field(default=None)
    version: int = Field(default=1, sa_column=_STORY_VERSION)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


_SERIES_VERSION = _version_column()


class Series(SQLModel, table=True):
    """Recurring posts: an RRULE at a local time, materialised as real posts
    (``Post.series_id``); see docs/series.md."""

    __tablename__ = "series"
    __mapper_args__ = {"version_id_col": _SERIES_VERSION}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    channel_id: str = Field(foreign_key="channel.id", max_length=36, ondelete="CASCADE")
    name: str = Field(default="", max_length=120)
    kind: str = Field(max_length=8)
    category: str | None = Field(default=None, max_length=16)
    text: str = Field(sa_column=Column(Text(), nullable=False))
    link: str | None = Field(default=None, sa_column=Column(String(2048), nullable=True))
    rrule: str = Field(max_length=500)
    starts_on: date
    time: time
    timezone: str | None = Field(default=None, max_length=64)  # None: the workspace's
    until: date | None = Field(default=None)
    count: int | None = Field(default=None)
    skipped_dates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1, sa_column=_SERIES_VERSION)
    created_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random secret; this row, found
    by the secret's hash, is what makes it valid, so signing out ends the
    session on the server and a copied cookie stops working with it."""

    __tablename__ = "user_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(
        foreign_key="user_account.id", index=True, max_length=36, ondelete="CASCADE"
    )
    secret_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    ended_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per account and per client address, shared by every app
    process. ``key`` is a hash, so the table holds no email or address."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = Field(default=0)
    # Old failures are forgotten (deleted) by time.
    last_failure_at: datetime = Field(default_factory=utcnow,
                                      sa_column=_time_column(index=True))
    blocked_until: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class Invitation(SQLModel, table=True):
    """An admin's offer of a role to an email; the person it names accepts it.
    Only the token's hash is kept; the link is shown to the admin once."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_workspace_email", "workspace_id", "email"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    email: str = Field(max_length=254)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    expires_at: datetime = Field(sa_column=_time_column())
    invited_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    accepted_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    accepted_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    revoked_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class Acknowledgement(SQLModel, table=True):
    """Someone read a finding and keeps the plan as it is, saying why. It holds for
    the finding's exact key only: once the key changes (a post joins the stretch),
    the finding nags again. ``severity`` is the finding's at the time: a
    ``blocking`` one was acknowledged by a lead or admin and stands in for the
    override reason at approval."""

    __tablename__ = "acknowledgement"
    # One acknowledgement per finding key; the digest keeps the key short and indexable.
    __table_args__ = (UniqueConstraint("workspace_id", "key_digest"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    code: str = Field(max_length=40)
    channel_id: str = Field(foreign_key="channel.id", max_length=36, ondelete="CASCADE")
    story_id: str | None = Field(default=None, max_length=36)
    post_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    key_digest: str = Field(max_length=64)  # sha256 hex of the canonical finding key
    note: str = Field(sa_column=Column(Text(), nullable=False))
    severity: str = Field(max_length=16)
    by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    by_token_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class OutboxMessage(SQLModel, table=True):
    """Work for a background worker (mail today), written in the same transaction
    as what it reports, so nothing is sent for a change that was rolled back and
    nothing is lost when a process stops. Workers claim a row by setting
    ``claimed_until`` (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so many can run."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "sent_at", "next_attempt_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=20)  # mail (webhooks have their own table)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    claimed_until: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    last_error: str = Field(default="", sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class ImportRun(SQLModel, table=True):
    """One CSV import (or its dry run, which saves nothing and leaves no row): what
    came in and what it made. Posts it created carry an idempotency key derived
    from their row, so the same file imported again adds nothing."""

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_workspace_at", "workspace_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    format: str = Field(max_length=20)  # giveask | publer | socialbee | sprout | hootsuite
    filename: str = Field(default="", max_length=255)
    digest: str = Field(max_length=64)  # sha256 hex of the file's bytes
    rows: int = Field(default=0)
    created: int = Field(default=0)
    skipped: int = Field(default=0)  # rows already imported before
    by_id: str | None = Field(default=None, foreign_key="user_account.id", max_length=36,
                              ondelete="SET NULL")
    by_token_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class CalendarFeed(SQLModel, table=True):
    """A secret iCalendar address for calendar apps, which send no credentials:
    the whole workspace's plan, or one channel's. Only the secret's hash is kept."""

    __tablename__ = "calendar_feed"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    channel_id: str | None = Field(default=None, foreign_key="channel.id", max_length=36,
                                   ondelete="CASCADE")
    name: str = Field(default="", max_length=120)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    revoked_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class Webhook(SQLModel, table=True):
    """A receiver of signed events (Standard Webhooks). The secret signs every
    delivery, so it is kept (shown to the admin once, at creation)."""

    __tablename__ = "webhook"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    url: str = Field(sa_column=Column(String(2048), nullable=False))
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=120)
    secret: str = Field(max_length=100)
    created_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    disabled_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: the outbox row written in the transaction of the
    change, and afterwards the delivery log (attempts, last answer). Workers claim
    rows like the mail outbox does."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_log", "webhook_id", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=36, ondelete="CASCADE")
    webhook_id: str = Field(foreign_key="webhook.id", max_length=36, ondelete="CASCADE")
    # The webhook-id header: the same on every attempt, so receivers can drop repeats.
    message_id: str = Field(max_length=64)
    event: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12)  # pending | delivered | failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    claimed_until: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    last_status_code: int | None = Field(default=None)
    last_error: str = Field(default="", sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class AnnouncedFinding(SQLModel, table=True):
    """A finding a ``finding.added`` event already told the workspace's webhooks
    about, by its key's digest; forgotten once a later change makes it go away,
    so it is told again if it comes back."""

    __tablename__ = "announced_finding"
    __table_args__ = (
        Index("ix_announced_finding_span", "workspace_id", "channel_id", "ends_at"),
    )

    workspace_id: str = Field(foreign_key="workspace.id", primary_key=True, max_length=36,
                              ondelete="CASCADE")
    digest: str = Field(primary_key=True, max_length=64)
    channel_id: str = Field(max_length=36)
    starts_at: datetime = Field(sa_column=_time_column())
    ends_at: datetime = Field(sa_column=_time_column())
    announced_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class ShareLink(SQLModel, table=True):
    """A read-only view of a week or a range for someone without an account (a
    client), behind a secret link that expires and can be revoked. Guests may
    leave comments with a name; they land in the posts' threads."""

    __tablename__ = "share_link"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    channel_id: str | None = Field(default=None, foreign_key="channel.id", max_length=36,
                                   ondelete="CASCADE")
    label: str = Field(default="", max_length=120)
    # Local dates in the workspace's zone, both included.
    starts_on: date
    ends_on: date
    allow_comments: bool = Field(default=True)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    expires_at: datetime = Field(sa_column=_time_column())
    created_by_id: str | None = Field(
        default=None, foreign_key="user_account.id", max_length=36, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    revoked_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class PlanFindings(SQLModel, table=True):
    """A channel's findings for one range (or, with scope "stories", the
    workspace's story findings), as computed at a plan revision.

    A row is used only while its ``fingerprint`` matches what the analysis would
    start from now: the revision, the channel's facts, the rules and the engine's
    own code (app/services/findings_cache.py). It lives in the database, so every
    app process and replica sees the same cache and none can serve a stale one.
    """

    __tablename__ = "plan_findings"

    workspace_id: str = Field(foreign_key="workspace.id", primary_key=True, max_length=36,
                              ondelete="CASCADE")
    scope: str = Field(primary_key=True, max_length=36)
    range_start: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    range_end: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    revision: int
    fingerprint: str = Field(max_length=64)
    findings: str = Field(sa_column=Column(Text(), nullable=False))
    computed_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


def _figure_column() -> Column[int]:
    # A post's reach can pass 2**31 on a large account; BIGINT holds any bound we accept.
    return Column(BigInteger(), nullable=True)


_OUTCOME_VERSION = _version_column()


class PostOutcome(SQLModel, table=True):
    """What a published post achieved, as the team read it off the platform:
    each figure optional (null: not known). One row per post, made on the first
    save; the calendar never shows it, so no calendar revision moves with it."""

    __tablename__ = "post_outcome"
    __mapper_args__ = {"version_id_col": _OUTCOME_VERSION}

    post_id: str = Field(foreign_key="post.id", primary_key=True, max_length=36,
                         ondelete="CASCADE")
    workspace_id: str = Field(
        foreign_key="workspace.id", index=True, max_length=36, ondelete="CASCADE"
    )
    reach: int | None = Field(default=None, sa_column=_figure_column())
    impressions: int | None = Field(default=None, sa_column=_figure_column())
    engagements: int | None = Field(default=None, sa_column=_figure_column())
    clicks: int | None = Field(default=None, sa_column=_figure_column())
    conversions: int | None = Field(default=None, sa_column=_figure_column())
    version: int = Field(default=1, sa_column=_OUTCOME_VERSION)
    updated_by_id: str | None = Field(default=None, foreign_key="user_account.id",
                                      max_length=36, ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
