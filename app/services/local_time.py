"""A wall-clock time read in a time zone, refusing the two times a clock change
makes unclear: the hour that happens twice (autumn) and the hour that never
happens (spring). A file that says "27/10/2030 02:30" in Berlin means one of two
instants, or none; the reader says so instead of picking one."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dateutil import tz as dateutil_tz

from app.i18n import gettext as _


class LocalTimeError(ValueError):
    """The local time cannot name one instant in the zone."""


def in_zone(naive: datetime, zone: tzinfo, zone_name: str) -> datetime:
    """``naive`` as an aware time in ``zone``; ``LocalTimeError`` when the clock
    shows it twice or skips it there."""
    aware = naive.replace(tzinfo=zone)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if not dateutil_tz.datetime_exists(aware):
        raise LocalTimeError(_("%(time)s does not exist in %(zone)s: the clocks jump past it "
                               "(daylight saving time begins); give a time with an offset or "
                               "another time") % {"time": shown, "zone": zone_name})
    if dateutil_tz.datetime_ambiguous(aware):
        raise LocalTimeError(_("%(time)s happens twice in %(zone)s (daylight saving time "
                               "ends); give a time with an offset, such as %(example)s") % {
            "time": shown, "zone": zone_name,
            "example": aware.replace(fold=0).isoformat(timespec='minutes')})
    return aware
