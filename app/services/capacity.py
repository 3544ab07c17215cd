"""The team's capacity: the posts a week each member can plan, set by a lead,
against the posts they planned. Someone over it gets a ``capacity_exceeded``
finding on the week (info unless the rules profile says otherwise), which the
week's review and the approvals page show (docs/rules.md, "Capacity").

A member's posts are those they created, on every channel of the workspace,
whatever their status: what they have to write, not what was approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import Membership, Post
from app.rules.facts import CAPACITY_CODE, Severity
from app.services import audit
from app.services.access import Access
from app.services.people import display_names
from app.services.rules_profile import load_profile

MOST = 1000  # posts a week: more is a typo, not a team


@dataclass(frozen=True)
class OverCapacity:
    user_id: str
    name: str
    planned: int
    capacity: int
    severity: Severity
    code: str = CAPACITY_CODE

    @property
    def message(self) -> str:
        return ngettext("%(name)s has %(planned)s post planned this week; their capacity is "
                        "%(capacity)s.",
                        "%(name)s has %(planned)s posts planned this week; their capacity is "
                        "%(capacity)s.", self.planned) % {
            "name": self.name, "planned": self.planned, "capacity": self.capacity}

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity, "user_id": self.user_id,
                "name": self.name, "planned": self.planned, "capacity": self.capacity,
                "message": self.message}


@dataclass(frozen=True)
class Member:
    id: str  # the membership's
    name: str
    role: str
    capacity: int | None


def team(*, session: Session, access: Access) -> list[Member]:
    """The members who plan posts (editors and up), by name, with their capacity."""
    access.require("lead")
    rows = session.exec(select(Membership).where(
        Membership.workspace_id == access.workspace.id,
        col(Membership.role).in_(("editor", "lead", "admin")))).all()
    names = display_names(session=session, ids=[m.user_id for m in rows])
    return sorted((Member(m.id, names.get(m.user_id, m.user_id), m.role, m.capacity)
                   for m in rows), key=lambda m: m.name.lower())


def set_capacity(*, session: Session, access: Access, member_id: str,
                 capacity: int | None) -> Membership:
    """A lead sets (or, with None, clears) a member's posts a week."""
    access.require("lead")
    membership = session.get(Membership, member_id)
    if membership is None or membership.workspace_id != access.workspace.id:
        raise NotFound(_("No member %(id)s.") % {"id": member_id})
    if capacity is not None and (isinstance(capacity, bool) or not 1 <= capacity <= MOST):
        message = _("must be a whole number from 1 to %(most)s, or empty for none") % {
            "most": MOST}
        raise Invalid(f"capacity: {message}", errors=[FieldError("capacity", message)])
    if membership.capacity != capacity:
        before = membership.capacity
        membership.capacity = capacity
        session.add(membership)
        session.flush()
        audit.record(session=session, access=access, subject_type="member",
                     subject_id=membership.id, action="capacity_changed",
                     before={"capacity": before}, after={"capacity": capacity})
    return membership


def over_capacity(*, session: Session, access: Access, start: datetime,
                  end: datetime) -> list[OverCapacity]:
    """The members with a capacity who planned more posts in [start, end) (a
    week) than it, by name."""
    limits = dict(session.exec(select(Membership.user_id, Membership.capacity).where(
        Membership.workspace_id == access.workspace.id,
        col(Membership.capacity).is_not(None))).all())
    if not limits:
        return []
    counts = session.exec(
        select(Post.created_by_id, func.count()).where(
            Post.workspace_id == access.workspace.id, col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end, col(Post.created_by_id).in_(list(limits)))
        .group_by(col(Post.created_by_id))).all()
    over = {user_id: int(n) for user_id, n in counts
            if user_id is not None and int(n) > int(limits[user_id] or 0)}
    if not over:
        return []
    severity = load_profile(session=session, workspace=access.workspace).severity_of(
        CAPACITY_CODE)
    names = display_names(session=session, ids=list(over))
    found = [OverCapacity(user_id, names.get(user_id, user_id), n, int(limits[user_id] or 0),
                          severity) for user_id, n in over.items()]
    return sorted(found, key=lambda o: o.name.lower())
