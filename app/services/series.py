"""Series: recurring posts, materialised as real posts (docs/series.md).

A series keeps its rule (RRULE, start date, local time, zone, end, skipped
dates) and the content its occurrences share. Each occurrence is a ``Post``
with ``series_id`` and ``series_date`` (the date the rule gave it), so the
calendar, the rules engine, the posts list and exports see plain posts.

Changing a series regenerates its occurrences from a date on (``from``; the
whole series without one): occurrences before that date stay as they are; from
it on, each date the rule gives gets its post, updated in place when it
exists (ids, comments and history stay), created when it does not, and a post
whose date the rule no longer gives is deleted. Published occurrences and
occurrences edited on their own (``series_changed``) are never touched.
Deleting a series from a date deletes its unpublished posts from that date and
ends the series the day before; deleting it whole keeps only its published
posts, which leave the series.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import NotFound, invalid_from
from app.i18n import gettext as _
from app.models import Post, Series
from app.rules.recurrence import Recurrence, occurrences
from app.schemas_stories import SeriesCreate, SeriesPublic, SeriesUpdate
from app.services import audit
from app.services.access import Access
from app.services.paging import workspace_page
from app.services.post_links import SERIES_FIELDS
from app.services.posts import REVIEWED_FIELDS, check_channel
from app.services.versioning import check_version, save

SERIES_COLUMNS = ("channel_id", "name", "kind", "category", "text", "link", "rrule",
                  "starts_on", "time", "timezone", "until", "count", "skipped_dates")


def get_series(*, session: Session, access: Access, series_id: str) -> Series:
    series = session.get(Series, series_id)
    if series is None or series.workspace_id != access.workspace.id:
        raise NotFound(_("No series %(id)s in this workspace.") % {"id": series_id})
    return series


def zone_of(series: Series, access: Access) -> str:
    return series.timezone or access.workspace.timezone


def _recurrence(series: Series) -> Recurrence:
    return Recurrence(rule=series.rrule, starts_on=series.starts_on, until=series.until,
                      count=series.count,
                      skipped=frozenset(date.fromisoformat(d) for d in series.skipped_dates))


def _as_row_values(data: SeriesCreate) -> dict[str, Any]:
    values = data.model_dump()
    values["skipped_dates"] = [d.isoformat() for d in data.skipped_dates]
    return values


def create_series(*, session: Session, access: Access, data: SeriesCreate) -> Series:
    """The series and all its occurrences, or nothing (the request's transaction
    is rolled back on any error)."""
    access.require("editor")
    # Its posts are posts: not on an archived channel, nor past the platform's limit.
    check_channel(session=session, access=access, channel_id=data.channel_id, text=data.text)
    series = Series(workspace_id=access.workspace.id, created_by_id=access.user_id,
                    **_as_row_values(data))
    session.add(series)
    session.flush()
    sync(session=session, access=access, series=series, from_date=None)
    audit.record(session=session, access=access, subject_type="series", subject_id=series.id,
                 action="created", after=snapshot(series))
    return series


def update_series(*, session: Session, access: Access, series_id: str, data: SeriesUpdate,
                  if_match: int | None, from_date: date | None) -> Series:
    """Change the series and regenerate its occurrences from ``from_date`` on."""
    access.require("editor")
    series = get_series(session=session, access=access, series_id=series_id)
    check_version(series, if_match)
    changes = data.model_dump(exclude_unset=True)
    if "channel_id" in changes or "text" in changes:
        check_channel(session=session, access=access,
                      channel_id=changes.get("channel_id") or series.channel_id,
                      text=changes.get("text") or series.text)
    current = {name: getattr(series, name) for name in SERIES_COLUMNS}
    try:
        merged = SeriesCreate.model_validate({**current, **changes})
    except ValidationError as exc:
        raise invalid_from(exc.errors()) from None
    values = _as_row_values(merged)
    before = snapshot(series)
    changed = {k: v for k, v in values.items() if getattr(series, k) != v}
    for field, value in changed.items():
        setattr(series, field, value)
    if changed:
        save(session, series)
        old, new = audit.changed_only(before, snapshot(series))
        note = f"From {from_date.isoformat()} on." if from_date else "The whole series."
        audit.record(session=session, access=access, subject_type="series",
                     subject_id=series.id, action="edited", before=old, after=new, note=note)
    sync(session=session, access=access, series=series, from_date=from_date)
    return series


def delete_series(*, session: Session, access: Access, series_id: str, if_match: int | None,
                  from_date: date | None) -> bool:
    """Without a date: the series and its unpublished posts. With one: the
    unpublished posts from that date on, and the series ends the day before.
    True when the series is still there (ended, not deleted)."""
    access.require("editor")
    series = get_series(session=session, access=access, series_id=series_id)
    check_version(series, if_match)
    whole = from_date is None or from_date <= series.starts_on
    boundary = None if from_date is None or whole else _midnight(from_date,
                                                                 zone_of(series, access))
    for post in occurrence_posts(session=session, series=series):
        if post.status == "published":
            continue
        if boundary is not None and post.scheduled_at < boundary:
            continue
        _delete_post(session, access, post, series)
    if whole:
        audit.record(session=session, access=access, subject_type="series",
                     subject_id=series.id, action="deleted", before=snapshot(series))
        session.delete(series)
    else:
        assert from_date is not None
        before = snapshot(series)
        series.until, series.count = from_date - timedelta(days=1), None
        save(session, series)
        old, new = audit.changed_only(before, snapshot(series))
        audit.record(session=session, access=access, subject_type="series",
                     subject_id=series.id, action="ended", before=old, after=new,
                     note=f"Deleted from {from_date.isoformat()} on; the past stays.")
    session.flush()
    return not whole


def _midnight(day: date, zone_name: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def occurrence_posts(*, session: Session, series: Series) -> list[Post]:
    query = (select(Post).where(Post.series_id == series.id)
             .order_by(col(Post.scheduled_at), col(Post.id)))
    return list(session.exec(query).all())


def sync(*, session: Session, access: Access, series: Series, from_date: date | None) -> None:
    """Make the series' posts from ``from_date`` on match its rule."""
    wanted = occurrences(_recurrence(series), series.time, zone_of(series, access))
    if from_date is not None:
        wanted = {day: at for day, at in wanted.items() if day >= from_date}
    boundary = _midnight(from_date, zone_of(series, access)) if from_date else None
    present: set[date] = set()
    for post in occurrence_posts(session=session, series=series):
        day = post.series_date
        past = boundary is not None and post.scheduled_at < boundary
        if past or post.status == "published" or post.series_changed:
            if day is not None:
                present.add(day)
            continue
        if day is not None and day in wanted:
            _refresh(session, access, post, series, wanted[day])
            present.add(day)
        else:
            _delete_post(session, access, post, series)
    created = [
        Post(workspace_id=series.workspace_id, channel_id=series.channel_id, scheduled_at=at,
             kind=series.kind, category=series.category, text=series.text, link=series.link,
             status="draft", series_id=series.id, series_date=day,
             created_by_id=access.user_id)
        for day, at in sorted(wanted.items()) if day not in present
    ]
    session.add_all(created)
    session.flush()
    for post in created:
        audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                     action="created", after=audit.post_snapshot(post),
                     note=_from_series(series))


def _from_series(series: Series) -> str:
    return f"An occurrence of the series {series.name or series.rrule!r}."


def _refresh(session: Session, access: Access, post: Post, series: Series,
             at: datetime) -> None:
    values = {"channel_id": series.channel_id, "scheduled_at": at, "kind": series.kind,
              "category": series.category, "text": series.text, "link": series.link}
    changed = {k: v for k, v in values.items() if k in SERIES_FIELDS and getattr(post, k) != v}
    if not changed:
        return
    before = audit.post_snapshot(post)
    for field, value in changed.items():
        setattr(post, field, value)
    note = _from_series(series) + " The series changed."
    if post.status == "approved" and any(f in changed for f in REVIEWED_FIELDS):
        post.status = "submitted"
        post.submitted_at = utcnow()
        note += " Edited after approval, so it is back in review."
    save(session, post)
    old, new = audit.changed_only(before, audit.post_snapshot(post))
    audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                 action="edited", before=old, after=new, note=note)


def _delete_post(session: Session, access: Access, post: Post, series: Series) -> None:
    audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                 action="deleted", before=audit.post_snapshot(post),
                 note=_from_series(series) + " The series changed.")
    session.delete(post)


def list_series(*, session: Session, access: Access, limit: int | None, cursor: str | None
                ) -> tuple[list[Series], str | None]:
    return workspace_page(session, Series, access.workspace.id, limit, cursor)


def occurrence_counts(session: Session, series_ids: list[str]) -> dict[str, int]:
    if not series_ids:
        return {}
    rows = session.exec(
        select(Post.series_id, func.count()).where(col(Post.series_id).in_(series_ids))
        .group_by(Post.series_id)
    ).all()
    return {series_id: int(count) for series_id, count in rows if series_id}


def snapshot(series: Series) -> dict[str, Any]:
    values = {name: getattr(series, name) for name in SERIES_COLUMNS}
    for name in ("starts_on", "until"):
        if values[name] is not None:
            values[name] = values[name].isoformat()
    values["time"] = series.time.strftime("%H:%M")
    return values


def to_public(series: Series, occurrence_count: int) -> SeriesPublic:
    return SeriesPublic.model_validate({
        **{name: getattr(series, name) for name in SERIES_COLUMNS},
        "id": series.id, "workspace_id": series.workspace_id,
        "occurrences": occurrence_count, "version": series.version,
        "created_at": series.created_at, "updated_at": series.updated_at,
    })


def public(session: Session, series: Series) -> SeriesPublic:
    return to_public(series, occurrence_counts(session, [series.id]).get(series.id, 0))
