"""Channels: where posts go out ("LinkedIn – Acme")."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.errors import Conflict, FieldError, Invalid, NotFound
from app.models import Channel, Post
from app.schemas import ChannelCreate, ChannelUpdate
from app.services.access import Access
from app.services.paging import workspace_page
from app.services.versioning import check_version, save


def _name_taken(session: Session, workspace_id: str, name: str, but: str | None = None) -> bool:
    query = select(Channel.id).where(Channel.workspace_id == workspace_id, Channel.name == name)
    if but:
        query = query.where(Channel.id != but)
    return session.exec(query).first() is not None


def _taken(name: str) -> Conflict:
    return Conflict(
        f"There is already a channel named {name!r} in this workspace.",
        errors=[FieldError("name", "already used by another channel of this workspace")],
    )


def get_channel(*, session: Session, access: Access, channel_id: str, field: str = "") -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != access.workspace.id:
        errors = [FieldError(field, "no such channel in this workspace")] if field else None
        raise NotFound(f"No channel {channel_id} in this workspace.", errors=errors)
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
            raise Invalid.one(field, "may be left out, but not set to null")
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
            f"The channel {channel.name!r} still has {posts} post(s); delete or move them "
            "first, so no plan or history disappears by accident.",
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
