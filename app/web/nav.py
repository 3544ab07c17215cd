"""What every workspace page shows around its content: the workspace switcher,
the pages of the workspace and the badges (posts sent back, weeks waiting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.services import approvals
from app.services import workspaces as workspace_service
from app.services.access import Access, Principal


@dataclass
class Nav:
    access: Access
    workspaces: list[Any]
    here: str
    sent_back: int
    weeks_waiting: int


def nav(session: Session, access: Access, here: str) -> Nav:
    rows, _ = workspace_service.list_workspaces(
        session=session, principal=Principal(user_id=access.user_id), limit=500, cursor=None)
    waiting = len(approvals.weeks_waiting(session=session, access=access)) \
        if access.can("lead") else 0
    return Nav(access=access, workspaces=rows, here=here,
               sent_back=approvals.sent_back_count(session=session, access=access),
               weeks_waiting=waiting)
