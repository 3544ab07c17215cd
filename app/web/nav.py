"""What every workspace page shows around its content: the workspace switcher,
the pages of the workspace and the badges (posts sent back, weeks waiting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.services import approvals, calendar_cache, corrections
from app.services import workspaces as workspace_service
from app.services.access import Access


@dataclass
class Nav:
    access: Access
    workspaces: list[Any]
    here: str
    sent_back: int
    weeks_waiting: int


def nav(session: Session, access: Access, here: str) -> Nav:
    rows = workspace_service.switcher(session=session, user_id=access.user_id)
    def counts() -> tuple[int, int]:
        # A lead's badge: the weeks waiting and the corrections to approve at once.
        waiting = (len(approvals.weeks_waiting(session=session, access=access))
                   + corrections.open_count(session=session, access=access)) \
            if access.can("lead") else 0
        return approvals.sent_back_count(session=session, access=access), waiting

    # Both counts change only with the workspace's posts: kept while its
    # calendar is unchanged (app/services/calendar_cache.py).
    sent_back, waiting = calendar_cache.kept(
        session, access.workspace.id, ("nav", access.user_id, access.role), counts)
    return Nav(access=access, workspaces=rows, here=here, sent_back=sent_back,
               weeks_waiting=waiting)
