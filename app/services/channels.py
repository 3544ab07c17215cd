"""Channels: where posts go out ("LinkedIn – Acme")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import Conflict, FieldError, Invalid, NotFound
from app.i18n import N_, ngettext, pgettext
from app.i18n import gettext as _
from app.models import Channel, Post
from app.platforms import Platform, platform_of
from app.schemas import ChannelCreate, ChannelUpdate, not_null_text
from app.services.access import Access
from app.services.paging import workspace_page
from app.services.rules_profile import load_profile
from app.services.versioning import check_version, save

# Marked here, worded where it is raised (archived_text), in the reader's language.
ARCHIVED = N_("refusal", "This channel is archived; its posts stay as history.")


def archived_text() -> str:
    return pgettext("refusal", ARCHIVED)


def _name_taken(session: Session, workspace_id: str, name: str, but: str | None = None) -> bool:
    query = select(Channel.id).where(Channel.workspace_id == workspace_id, Channel.name == name)
    if but:
        query = query.where(Channel.id != but)
    return session.exec(query).first() is not None


def _taken(name: str) -> Conflict:
    return Conflict(
        _("There is already a channel named %(name)s in this workspace.") % {"name": repr(name)},
        errors=[FieldError("name", _("already used by another channel of this workspace"))],
    )


def get_channel(*, session: Session, access: Access, channel_id: str, field: str = "") -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != access.workspace.id:
        errors = [FieldError(field, _("no such channel in this workspace"))] if field else None
        raise NotFound(_("No channel %(id)s in this workspace.") % {"id": channel_id},
                       errors=errors)
    return channel


def create_channel(*, session: Session, access: Access, data: ChannelCreate) -> Channel:
    access.require("editor")
    if _name_taken(session, access.workspace.id, data.name):
        raise _taken(data.name)
    channel = Channel(workspace_id=access.workspace.id, **data.model_dump())
    session.add(channel)
    session.flush()
    return channel


def update_channel(
    *, session: Session, access: Access, channel_id: str, data: ChannelUpdate,
    if_match: int | None,
) -> Channel:
    access.require("editor")
    channel = get_channel(session=session, access=access, channel_id=channel_id)
    check_version(channel, if_match)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "platform"):
        if field in changes and changes[field] is None:
            raise Invalid.one(field, not_null_text())
    if "name" in changes and _name_taken(session, channel.workspace_id, changes["name"],
                                         but=channel.id):
        raise _taken(changes["name"])
    for field, value in changes.items():
        setattr(channel, field, value)
    if changes:
        save(session, channel)
    return channel


def delete_channel(*, session: Session, access: Access, channel_id: str) -> None:
    access.require("editor")
    channel = get_channel(session=session, access=access, channel_id=channel_id)
    posts = session.exec(
        select(func.count()).select_from(Post).where(Post.channel_id == channel.id)
    ).one()
    if posts:
        raise Conflict(
            # English keeps its one wording ("post(s)"); a language may tell 1 from many.
            ngettext("The channel %(name)s still has %(n)d post(s); delete or move them first, "
                     "so no plan or history disappears by accident.",
                     "The channel %(name)s still has %(n)d post(s); delete or move them first, "
                     "so no plan or history disappears by accident.", posts)
            % {"name": repr(channel.name), "n": posts},
            extra={"posts": posts},
        )
    session.delete(channel)
    session.flush()


def list_channels(
    *, session: Session, access: Access, limit: int | None, cursor: str | None
) -> tuple[list[Channel], str | None]:
    return workspace_page(session, Channel, access.workspace.id, limit, cursor)


def all_channels(*, session: Session, access: Access) -> list[Channel]:
    """Every channel of the workspace, by name: the pickers and labels of the pages."""
    rows = session.exec(select(Channel).where(Channel.workspace_id == access.workspace.id)).all()
    return sorted(rows, key=lambda c: (c.name.lower(), c.id))


def channel_names(*, session: Session, access: Access) -> dict[str, str]:
    return {c.id: c.name for c in all_channels(session=session, access=access)}


def set_archived(
    *, session: Session, access: Access, channel_id: str, archived: bool,
    if_match: int | None = None,
) -> Channel:
    """Archive a channel (it keeps its posts as history and takes no new ones) or
    bring it back. Asking for the state it is already in changes nothing."""
    access.require("editor")
    channel = get_channel(session=session, access=access, channel_id=channel_id)
    check_version(channel, if_match)
    if archived == (channel.archived_at is not None):
        return channel
    channel.archived_at = utcnow() if archived else None
    save(session, channel)
    return channel


def archive_channel(*, session: Session, access: Access, channel_id: str,
                    if_match: int | None = None) -> Channel:
    return set_archived(session=session, access=access, channel_id=channel_id, archived=True,
                        if_match=if_match)


def unarchive_channel(*, session: Session, access: Access, channel_id: str,
                      if_match: int | None = None) -> Channel:
    return set_archived(session=session, access=access, channel_id=channel_id, archived=False,
                        if_match=if_match)


def open_channels(*, session: Session, access: Access) -> list[Channel]:
    """The channels that take new posts, by name: the post dialog's and the
    calendar's pickers."""
    return [c for c in all_channels(session=session, access=access) if c.archived_at is None]


@dataclass(frozen=True)
class ChannelRow:
    """One line of the channels page."""

    channel: Channel
    platform: Platform
    posts: int
    start: date | None  # started_on, else the local date of the first post
    listen_days: int | None  # the effective rule; None: off
    listening_until: date | None  # first day an ask is fine, while still listening

    @property
    def archived(self) -> bool:
        return self.channel.archived_at is not None


def overview(*, session: Session, access: Access, today: date) -> list[ChannelRow]:
    """Every channel with its platform, number of posts and listening phase as of
    ``today`` (a local date in the workspace time zone)."""
    channels = all_channels(session=session, access=access)
    stats = {
        row[0]: (row[1], row[2]) for row in session.exec(
            select(Post.channel_id, func.count(), func.min(col(Post.scheduled_at)))
            .where(Post.workspace_id == access.workspace.id).group_by(col(Post.channel_id))
        ).all()
    }
    profile = load_profile(session=session, workspace=access.workspace)
    tz = ZoneInfo(access.workspace.timezone)
    rows: list[ChannelRow] = []
    for channel in channels:
        count, first = stats.get(channel.id, (0, None))
        start = channel.started_on or (_local_date(first, tz) if first is not None else None)
        days = profile.params_for(channel.id).listen_days
        until = start + timedelta(days=days) if start is not None and days is not None \
            else None
        rows.append(ChannelRow(
            channel=channel, platform=platform_of(channel.platform), posts=int(count or 0),
            start=start, listen_days=days,
            listening_until=until if until is not None and until > today else None))
    return rows


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(tz).date()


def listen_days(*, session: Session, access: Access) -> int | None:
    """The workspace's effective listen_days (a channel may override it)."""
    return load_profile(session=session, workspace=access.workspace).params.listen_days
