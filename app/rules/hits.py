"""A rule's raw result, before it is sorted, filtered to a range and put in words.

Rules emit :class:`Hit` tuples on epoch seconds; only the hits that survive the
range filter become :class:`~app.rules.facts.Finding` objects with a message,
which keeps a week's calendar cheap on a plan of years.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from app.rules.facts import rfc3339


class Hit(NamedTuple):
    start: float
    code: str
    post_ids: tuple[str, ...]
    channel_id: str
    story_id: str | None
    end: float
    # JSON-ready numbers and ids for machines (``Finding.details``).
    details: dict[str, Any]
    # A further moment the message names, such as the previous ask's.
    other: float | None = None
    # A span with an exclusive end (a density window) meets a range only if it
    # ends after the range starts; other spans include their end.
    open_end: bool = False

    @property
    def key(self) -> tuple[str, str, str | None, tuple[str, ...]]:
        return (self.code, self.channel_id, self.story_id, self.post_ids)


def order(hit: Hit) -> tuple[float, str, str, tuple[str, ...], str, str]:
    """RULES.md's order (start, code, first post id), then the rest of the key so
    that equal-looking hits still come out the same way every time."""
    first = hit.post_ids[0] if hit.post_ids else ""
    return (hit.start, hit.code, first, hit.post_ids, hit.channel_id, hit.story_id or "")


def moment_text(moment: float) -> str:
    """An epoch second as the RFC 3339 text findings use (``...Z``)."""
    return rfc3339(datetime.fromtimestamp(moment, UTC))
