"""Acknowledged findings: someone read a finding and keeps the plan as it is,
with a note saying why.

An acknowledgement holds for the finding's exact key (RULES.md: code, channel,
story, posts). The finding stays in every answer, carrying ``acknowledged``;
once its key changes (a post joins the dense stretch) the stored key matches
nothing and the finding nags again. What an acknowledgement changes:

- an acknowledged ``warning`` no longer counts against "on rhythm";
- a ``blocking`` finding acknowledged as blocking (only a lead or an admin can)
  needs no override reason at approval: its note is the reason, kept with the
  approval.

The key is stored as a digest of its canonical form (post ids sorted), unique
per workspace, so there is one acknowledgement per key and finding outputs look
theirs up in one query.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Acknowledgement, Channel, Post, User
from app.rules import Finding
from app.schemas import at_most_text, format_utc
from app.services import audit
from app.services.access import Access, role_word
from app.services.analysis import context, findings_in_range, lookback_days
from app.services.paging import workspace_page

NOTE_MAX = 2000
MAX_POSTS = 500
# Acknowledging a blocking finding stands in for an override reason: a lead's call.
BLOCKING_ROLE = "lead"


def key_digest(code: str, channel_id: str, story_id: str | None,
               post_ids: Iterable[str]) -> str:
    """The sha256 hex of a finding key's canonical form."""
    canonical = json.dumps([code, channel_id, story_id, sorted(post_ids)],
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def digest_of(finding: Finding) -> str:
    return key_digest(finding.code, finding.channel_id, finding.story_id, finding.post_ids)


# ---- what finding outputs carry -----------------------------------------------------


@dataclass(frozen=True)
class Acknowledged:
    id: str
    by: str | None
    by_name: str | None
    at: datetime
    note: str
    severity: str

    @property
    def overrides(self) -> bool:
        """Whether it stands in for an override reason: acknowledged while blocking,
        so by a lead or an admin."""
        return self.severity == "blocking"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "by": self.by, "by_name": self.by_name,
                "at": format_utc(self.at), "note": self.note, "severity": self.severity}


@dataclass(frozen=True)
class Acknowledgements:
    """The acknowledgements of a set of findings, by key digest."""

    by_digest: dict[str, Acknowledged] = field(default_factory=dict)

    def of(self, finding: Finding) -> Acknowledged | None:
        return self.by_digest.get(digest_of(finding))

    def dict_of(self, finding: Finding) -> dict[str, Any] | None:
        found = self.of(finding)
        return found.as_dict() if found is not None else None

    def annotate(self, finding: Finding) -> dict[str, Any]:
        """The finding as every output shows it: with ``acknowledged`` (or null)."""
        return {**finding.as_dict(), "acknowledged": self.dict_of(finding)}

    def counts_against_rhythm(self, finding: Finding) -> bool:
        """RULES.md "on rhythm", less the warnings someone acknowledged."""
        if not (finding.code.startswith("ask_") and finding.severity in ("warning", "blocking")):
            return False
        return not (finding.severity == "warning" and self.of(finding) is not None)

    def open_blocking(self, findings: Iterable[Finding]) -> list[Finding]:
        """The blocking findings that still need an override reason."""
        return [f for f in findings if f.severity == "blocking" and not self._overridden(f)]

    def overridden(self, findings: Iterable[Finding]) -> list[tuple[Finding, Acknowledged]]:
        """The blocking findings whose acknowledgement is their override reason."""
        return [(f, ack) for f in findings if f.severity == "blocking"
                for ack in [self.of(f)] if ack is not None and ack.overrides]

    def _overridden(self, finding: Finding) -> bool:
        ack = self.of(finding)
        return ack is not None and ack.overrides


def lookup(*, session: Session, workspace_id: str,
           findings: Iterable[Finding]) -> Acknowledgements:
    """The acknowledgement of each finding that has one, in one query."""
    digests = sorted({digest_of(f) for f in findings})
    if not digests:
        return Acknowledgements()
    rows = session.exec(
        select(Acknowledgement, User.name, User.email)
        .outerjoin(User, col(User.id) == col(Acknowledgement.by_id))
        .where(Acknowledgement.workspace_id == workspace_id,
               col(Acknowledgement.key_digest).in_(digests))
    ).all()
    return Acknowledgements({
        ack.key_digest: Acknowledged(id=ack.id, by=ack.by_id, by_name=name or email or None,
                                     at=ack.created_at, note=ack.note, severity=ack.severity)
        for ack, name, email in rows})


def override_reason(reason: str, overridden: Sequence[tuple[Finding, Acknowledged]]) -> str:
    """The reason kept with an approval: the lead's own, then each acknowledgement
    that stood in for one."""
    parts = [reason] if reason else []
    parts.extend(f"{f.code} acknowledged by {ack.by_name or 'someone'}: {ack.note}"
                 for f, ack in overridden)
    return "; ".join(parts)


# ---- acknowledging and withdrawing --------------------------------------------------


def check_note(note: str | None) -> str:
    text = (note or "").strip()
    if not text:
        raise Invalid.one("note", _("must not be empty: say why the plan stays as it is"))
    if len(text) > NOTE_MAX:
        raise Invalid.one("note", at_most_text(NOTE_MAX))
    return text


def _no_such_finding() -> Invalid:
    return Invalid("post_ids: " + _("no such finding now"), errors=[FieldError(
        "post_ids", _("no such finding now: the plan changed, or no finding has this key"))])


def current_finding(*, session: Session, access: Access, code: str, channel_id: str,
                    story_id: str | None, post_ids: Sequence[str]) -> Finding:
    """The finding with this key in the plan as it is now (422 when there is none)."""
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != access.workspace.id:
        raise Invalid.one("channel_id", _("no such channel in this workspace"))
    wanted = set(post_ids)
    if not wanted or len(wanted) > MAX_POSTS:
        raise _no_such_finding()
    times = [at for (at,) in session.execute(
        select(col(Post.scheduled_at)).where(Post.workspace_id == access.workspace.id,
                                             col(Post.id).in_(sorted(wanted))))]
    if len(times) != len(wanted):
        raise _no_such_finding()
    ctx = context(session=session, workspace=access.workspace, channel_ids=[channel_id])
    # Up to the look-back after the last post, so a trailing channel_silent (it
    # exists only for a range reaching past the gap) is found as the calendar shows it.
    reach = timedelta(days=lookback_days(ctx.params(channel_id)) + 1)
    start, end = min(times), max(times) + reach
    digest = key_digest(code, channel_id, story_id, wanted)
    for finding in findings_in_range(ctx, start=start, end=end, channel_ids=[channel_id]):
        if digest_of(finding) == digest:
            return finding
    raise _no_such_finding()


def _snapshot(ack: Acknowledgement) -> dict[str, Any]:
    return {"code": ack.code, "channel_id": ack.channel_id, "story_id": ack.story_id,
            "post_ids": list(ack.post_ids), "severity": ack.severity, "note": ack.note}


def _existing(session: Session, workspace_id: str, digest: str) -> Acknowledgement | None:
    return session.exec(select(Acknowledgement).where(
        Acknowledgement.workspace_id == workspace_id,
        Acknowledgement.key_digest == digest)).first()


def _already(existing: Acknowledgement) -> Conflict:
    return Conflict(_("This finding is already acknowledged; withdraw that acknowledgement "
                      "to write another note."), extra={"acknowledgement_id": existing.id})


def _require_for(access: Access, severity: str, withdrawing: bool) -> None:
    if severity == "blocking" and not access.can(BLOCKING_ROLE):
        # BLOCKING_ROLE is a lead: the sentences name it.
        sentence = (_("Your role here is %(role)s; only a lead or above may withdraw the "
                      "acknowledgement of a blocking finding.") if withdrawing else
                    _("Your role here is %(role)s; only a lead or above may acknowledge a "
                      "blocking finding."))
        raise Forbidden(
            sentence % {"role": role_word(access.role)},
            extra={"role": access.role, "required_role": BLOCKING_ROLE},
        )


def acknowledge(*, session: Session, access: Access, code: str, channel_id: str,
                story_id: str | None, post_ids: Sequence[str],
                note: str | None) -> Acknowledgement:
    """Acknowledge a finding of the plan as it is now, by its key, with a note."""
    access.require("editor")
    text = check_note(note)
    finding = current_finding(session=session, access=access, code=code, channel_id=channel_id,
                              story_id=story_id, post_ids=post_ids)
    _require_for(access, finding.severity, withdrawing=False)
    digest = digest_of(finding)
    existing = _existing(session, access.workspace.id, digest)
    if existing is not None:
        raise _already(existing)
    ack = Acknowledgement(
        workspace_id=access.workspace.id, code=finding.code, channel_id=finding.channel_id,
        story_id=finding.story_id, post_ids=list(finding.post_ids), key_digest=digest,
        note=text, severity=finding.severity, by_id=access.user_id,
        by_token_id=access.principal.token_id)
    try:
        # Two people acknowledging the same finding at once: the unique key keeps one.
        with session.begin_nested():
            session.add(ack)
    except IntegrityError:
        existing = _existing(session, access.workspace.id, digest)
        if existing is None:
            raise
        raise _already(existing) from None
    audit.record(session=session, access=access, subject_type="finding", subject_id=digest,
                 action="acknowledged", after=_snapshot(ack), note=text)
    return ack


def get_acknowledgement(*, session: Session, access: Access,
                        acknowledgement_id: str) -> Acknowledgement:
    ack = session.get(Acknowledgement, acknowledgement_id)
    if ack is None or ack.workspace_id != access.workspace.id:
        raise NotFound(_("No acknowledgement %(id)s.") % {"id": acknowledgement_id})
    return ack


def withdraw(*, session: Session, access: Access, acknowledgement_id: str) -> Acknowledgement:
    """Withdraw an acknowledgement: the finding nags again."""
    access.require("editor")
    ack = get_acknowledgement(session=session, access=access,
                              acknowledgement_id=acknowledgement_id)
    _require_for(access, ack.severity, withdrawing=True)
    audit.record(session=session, access=access, subject_type="finding",
                 subject_id=ack.key_digest, action="withdrawn", before=_snapshot(ack),
                 note=ack.note)
    session.delete(ack)
    session.flush()
    return ack


def list_acknowledgements(*, session: Session, access: Access, limit: int | None,
                          cursor: str | None) -> tuple[list[Acknowledgement], str | None]:
    """The workspace's acknowledgements, oldest first, whether their key still
    matches a finding or not."""
    return workspace_page(session, Acknowledgement, access.workspace.id, limit, cursor)


def names_of(*, session: Session, acks: Iterable[Acknowledgement]) -> dict[str, str]:
    from app.services.people import display_names

    return display_names(session=session, ids=[a.by_id for a in acks])
