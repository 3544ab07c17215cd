"""The platforms a channel goes out on, with the longest text each takes.

Stored values are the lowercase keys; an empty platform (channels made before
platforms were checked) and any value not known here read as "Other", with no
limit of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class Platform:
    key: str
    name: str
    limit: int | None  # characters of post text; None: no limit of its own


PLATFORM_LIST: tuple[Platform, ...] = (
    Platform("linkedin", "LinkedIn", 3000),
    Platform("instagram", "Instagram", 2200),
    Platform("x", "X", 280),
    Platform("facebook", "Facebook", 63206),
    Platform("mastodon", "Mastodon", 500),
    Platform("bluesky", "Bluesky", 300),
    Platform("threads", "Threads", 500),
    Platform("tiktok", "TikTok", 2200),
    Platform("youtube", "YouTube", 5000),
    Platform("newsletter", "Newsletter", None),
    Platform("other", "Other", None),
)
BY_KEY: dict[str, Platform] = {p.key: p for p in PLATFORM_LIST}
PLATFORMS: tuple[str, ...] = tuple(BY_KEY)
OTHER = BY_KEY["other"]
# Older names for the same platform, read as the platform they name.
ALIASES = {"twitter": "x", "email": "newsletter", "e-mail": "newsletter"}


def normalise(value: str) -> str:
    """The stored key a person's spelling names ("LinkedIn " is linkedin), or the
    value as given when it names no platform (the caller decides)."""
    key = value.strip().lower()
    return ALIASES.get(key, key)


def check(value: str) -> str:
    """A platform as the API and pages accept it: a known key (any spelling or
    older name), or "" for none. ValueError otherwise."""
    if not value.strip():
        return ""
    key = normalise(value)
    if key not in BY_KEY:
        # The platforms as the API spells them: they are what the client sends.
        raise ValueError(_("must be one of %(known)s") % {"known": ", ".join(PLATFORMS)})
    return key


def platform_of(value: str | None) -> Platform:
    """The platform a stored value names; "" and unknown values are Other."""
    return BY_KEY.get(normalise(value or ""), OTHER)


def text_limit(value: str | None) -> int | None:
    return platform_of(value).limit


def too_long(value: str | None, text: str) -> str | None:
    """The sentence refusing ``text`` on a channel of this platform, or None."""
    platform = platform_of(value)
    length = characters(text)
    if platform.limit is None or length <= platform.limit:
        return None
    return _("%(platform)s posts can be at most %(most)d characters; this one has "
             "%(count)d.") % {"platform": platform.name, "most": platform.limit, "count": length}


def characters(text: str) -> int:
    """Characters as a platform counts them: a line break is one, however a
    browser sent it."""
    return len(text.replace("\r\n", "\n"))
