"""Post categories as the reader reads them.

A category's name ("share", "offer") is a value: forms submit it, files and the
API carry it, the rules count it. Pages show its label instead, through this one
helper (the ``category_label`` filter of the templates), so the select, the
cards, the import preview and the rules page never disagree. Findings name
categories in the same words: one context, "post category", in the catalog.
"""

from __future__ import annotations

from app.i18n import N_, pgettext

CONTEXT = "post category"
# Each name once for the catalog; pgettext looks it up when a page is drawn.
LABELS: dict[str, str] = {
    "share": N_("post category", "share"),
    "help": N_("post category", "help"),
    "engage": N_("post category", "engage"),
    "personal": N_("post category", "personal"),
    "correction": N_("post category", "correction"),
    "offer": N_("post category", "offer"),
    "event": N_("post category", "event"),
    "sale": N_("post category", "sale"),
    "news": N_("post category", "news"),
    "request": N_("post category", "request"),
}


def category_label(name: str | None) -> str:
    """The reader's word for a category; a name we don't know stays as it is
    (an old import's, say), an empty one is empty."""
    if not name:
        return ""
    return pgettext(CONTEXT, LABELS[name]) if name in LABELS else name
