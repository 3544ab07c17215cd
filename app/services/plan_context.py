"""What every analysis of a workspace's plan starts from: its channels, its
rules profile and its time zone, read once per request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from app.models import Channel, Workspace
from app.rules import Profile, RuleParams
from app.services.rules_profile import load_profile


@dataclass
class Context:
    session: Session
    workspace: Workspace
    profile: Profile
    channels: dict[str, Channel]
    # False for an analysis of a plan or profile that is not the saved one (a
    # rules preview): it must neither read nor write the findings cache.
    cache: bool = True
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.workspace.timezone)

    def params(self, channel_id: str) -> RuleParams:
        return self.profile.params_for(channel_id)


def context(*, session: Session, workspace: Workspace,
            channel_ids: Iterable[str] | None = None) -> Context:
    query = select(Channel).where(Channel.workspace_id == workspace.id)  # type: ignore[arg-type]
    if channel_ids is not None:
        query = query.where(Channel.id.in_(list(channel_ids)))  # type: ignore[attr-defined]
    channels = {c.id: c for c in session.exec(query).scalars()}  # type: ignore[call-overload]
    return Context(session=session, workspace=workspace,
                   profile=load_profile(session=session, workspace=workspace),
                   channels=channels)
