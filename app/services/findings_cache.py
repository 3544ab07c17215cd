"""Findings computed once per plan revision, kept in the database.

A channel's findings for a range depend only on its posts (``plan_revision``,
bumped by triggers in the same transaction as any write that changes them), its
facts (name, start), the workspace's time zone and rules, and the engine's own
code. All of that goes into a row's ``fingerprint``; a row whose fingerprint is
not the one the analysis would start from now is never used. The story pass is
cached the same way under the scope ``stories``, keyed by
``workspace.story_revision``.

Because the cache lives in the database, two app processes (or replicas) on one
PostgreSQL share it and none can serve a stale one: a read takes the current
revisions and the cached rows in one query, so they belong to one snapshot.

A row is written by whichever request computed it first, in its own savepoint:
a read whose SQLite snapshot cannot take the write lock just skips the write.
Rows of older revisions are deleted when a newer one is stored, so the table
holds at most the ranges viewed since the last change of each channel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import and_, case, delete, func, literal, null, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.db import best_effort_write, utcnow
from app.models import Channel, PlanFindings, Post, Workspace
from app.rules import Finding
from app.services.plan_context import Context

STORIES = "stories"
# Ranges cached: whole local weeks, up to a month view's six. Other ranges (an
# API client's arbitrary start and end) are computed as they come, so a client
# cannot fill the table with one-off ranges.
MAX_CACHED_WEEKS = 6

CHANNEL = Channel.__table__  # type: ignore[attr-defined]
WORKSPACE = Workspace.__table__  # type: ignore[attr-defined]
CACHE = PlanFindings.__table__  # type: ignore[attr-defined]
C, W, F = CHANNEL.c, WORKSPACE.c, CACHE.c
P = Post.__table__.c  # type: ignore[attr-defined]


def _engine_digest() -> str:
    """The engine's code: a new release with other rules or messages makes
    every cached row stale without a migration."""
    here = Path(__file__).resolve().parent
    sources = sorted((here.parent / "rules").glob("*.py"))
    sources += [here / "analysis.py", here / "story_analysis.py", Path(__file__).resolve()]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


ENGINE_DIGEST = _engine_digest()


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def channel_fingerprint(ctx: Context, channel_id: str, revision: int) -> str:
    channel = ctx.channels[channel_id]
    return _fingerprint(ENGINE_DIGEST, revision, ctx.workspace.timezone, channel.name,
                        channel.started_on, repr(ctx.params(channel_id)),
                        sorted(ctx.profile.severities.items()))


def stories_fingerprint(ctx: Context, revision: int) -> str:
    return _fingerprint(ENGINE_DIGEST, STORIES, revision, ctx.workspace.timezone,
                        sorted(ctx.profile.severities.items()))


def cacheable(ctx: Context, start: datetime, end: datetime, weeks: int = MAX_CACHED_WEEKS
              ) -> bool:
    """Whether [start, end) is whole local weeks, at most ``weeks`` of them. The
    app's own year-long ranges (the streaks') pass a larger ``weeks``; what an API
    client asks for never does."""
    if not ctx.cache:
        return False
    first, last = start.astimezone(ctx.tz), end.astimezone(ctx.tz)
    whole = all(moment.time() == datetime.min.time() and moment.weekday() == 0
                for moment in (first, last))
    return whole and first < last <= first + timedelta(weeks=weeks, hours=2)


@dataclass
class Cached:
    """What one read of the cache found: each scope's current revision, and the
    findings of the scopes whose row is still good."""

    start: datetime
    end: datetime
    revisions: dict[str, int] = field(default_factory=dict)
    hits: dict[str, list[Finding]] = field(default_factory=dict)
    # Each channel's first post (its start when it has no start date), read
    # along: the calendar's listening notes need it.
    first_posts: dict[str, datetime] = field(default_factory=dict)


def lookup(ctx: Context, start: datetime, end: datetime,
           channel_ids: Collection[str], weeks: int = MAX_CACHED_WEEKS) -> Cached | None:
    """The current revisions and the usable rows, in one query; None when the
    range is not one the cache keeps."""
    if not cacheable(ctx, start, end, weeks):
        return None
    ws = ctx.workspace.id
    row_of = and_(F.workspace_id == ws, F.range_start == start, F.range_end == end)
    first = (select(func.min(P.scheduled_at)).where(P.channel_id == C.id)
             .correlate(CHANNEL).scalar_subquery())
    channels = (
        select(C.id.label("scope"), C.plan_revision.label("revision"),
               F.fingerprint, F.findings, first.label("first_at"))
        .select_from(CHANNEL.outerjoin(CACHE, and_(row_of, F.scope == C.id)))
        .where(C.workspace_id == ws, C.id.in_(sorted(channel_ids)))
    )
    stories = (
        select(literal(STORIES).label("scope"), W.story_revision.label("revision"),
               F.fingerprint, F.findings, null().label("first_at"))
        .select_from(WORKSPACE.outerjoin(CACHE, and_(row_of, F.scope == STORIES)))
        .where(W.id == ws)
    )
    found = Cached(start=start, end=end)
    rows = ctx.session.execute(union_all(channels, stories))
    for scope, revision, fingerprint, text, first_at in rows:
        found.revisions[scope] = revision
        if first_at is not None:
            found.first_posts[scope] = _aware(first_at)
        if fingerprint is None:
            continue
        wanted = (stories_fingerprint(ctx, revision) if scope == STORIES
                  else channel_fingerprint(ctx, scope, revision))
        if fingerprint == wanted:
            found.hits[scope] = [Finding.from_dict(d) for d in orjson.loads(text)]
    return found


def _aware(value: datetime | str) -> datetime:
    # A UNION's column loses the column type on SQLite: the time comes as text.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def store(ctx: Context, cached: Cached, computed: Mapping[str, Sequence[Finding]]) -> None:
    """Keep what this request computed, for every process that asks next."""
    rows = []
    for scope in sorted(computed):
        revision = cached.revisions.get(scope)
        if revision is None:
            continue
        fingerprint = (stories_fingerprint(ctx, revision) if scope == STORIES
                       else channel_fingerprint(ctx, scope, revision))
        rows.append({
            "workspace_id": ctx.workspace.id, "scope": scope, "range_start": cached.start,
            "range_end": cached.end, "revision": revision, "fingerprint": fingerprint,
            "findings": orjson.dumps([f.as_kept() for f in computed[scope]]).decode(),
            "computed_at": utcnow(),
        })
    if not rows:
        return
    session = ctx.session
    with best_effort_write(session):
        # Rows of an older revision can never be used again.
        current = case({r["scope"]: r["revision"] for r in rows}, value=F.scope, else_=0)
        session.execute(delete(PlanFindings).where(
            F.workspace_id == ctx.workspace.id, F.scope.in_([r["scope"] for r in rows]),
            F.revision < current))
        session.execute(_upsert(session, rows))


def _upsert(session: Session, rows: list[dict[str, Any]]) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(PlanFindings).values(rows)
    excluded = statement.excluded
    # Two processes may compute the same range at once; a row never goes back
    # to an older revision.
    return statement.on_conflict_do_update(
        index_elements=[F.workspace_id, F.scope, F.range_start, F.range_end],
        set_={"revision": excluded.revision, "fingerprint": excluded.fingerprint,
              "findings": excluded.findings, "computed_at": excluded.computed_at},
        where=F.revision <= excluded.revision,
    )
